// A fault-injecting HTTP proxy on 127.0.0.1 in front of a tracking endpoint. Modes:
//   up             forward everything (Host rewritten to the target so its Host check passes)
//   down           drop every connection at once, as an unreachable remote looks
//   drop-response  forward the request, let the target process it, then cut the connection
//                  before the answer arrives: the client cannot know the write happened
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type ProxyMode = 'up' | 'down' | 'drop-response';

export interface FaultProxy {
  url: string;
  mode: ProxyMode;
  /** Requests that reached the target, by mode at the time. */
  forwarded: number;
  dropped: number;
  close(): Promise<void>;
}

export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const sockets = new Set<Socket>();
  const state: FaultProxy = {
    url: '',
    mode: 'up',
    forwarded: 0,
    dropped: 0,
    close: async () => {},
  };
  let mode: ProxyMode = 'up';
  Object.defineProperty(state, 'mode', {
    get: () => mode,
    set: (m: ProxyMode) => {
      mode = m;
      // Pooled keep-alive connections die with the remote too.
      if (m === 'down') for (const s of sockets) s.destroy();
    },
  });

  const server = http.createServer((req, res) => {
    if (mode === 'down') {
      state.dropped++;
      req.socket.destroy();
      return;
    }
    const dropAnswer = mode === 'drop-response';
    const up = http.request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${targetPort}` }, agent: false },
      (upRes) => {
        state.forwarded++;
        if (dropAnswer) {
          state.dropped++;
          upRes.resume();
          upRes.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => req.socket.destroy());
    req.pipe(up);
  });
  server.on('connection', (s: Socket) => {
    if (mode === 'down') {
      state.dropped++;
      s.destroy();
      return;
    }
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return state;
}
