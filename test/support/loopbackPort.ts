// A port on 127.0.0.1 that was free a moment ago: listened on, then closed. Connecting to it gets
// ECONNREFUSED (a store that is down), or a test server may take it.
import net from 'node:net';

export function unusedLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
