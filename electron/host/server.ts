// The browser host: the same renderer and the same contract as the desktop app, over loopback HTTP.
//   GET  /?token=...        the renderer (the token is also set as an HttpOnly SameSite cookie so
//                           the page's scripts and styles load; the page keeps the token for the API)
//   POST /api/<channel>     one contract call: JSON in, a typed result out (header x-sweepdeck-token);
//                           a trial-columns reply as a binary columns body when the request accepts
//                           it (shared/columnsWire.ts), else JSON
//   GET  /api/events        server-sent events (header x-sweepdeck-token)
// Requests with a foreign Host or Origin get 403, without the token 401.
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { COLUMNS_MIME, columnsReplyBody, isColumnChannel } from '../../shared/columnsWire.ts';
import { err, type Result } from '../../shared/result.ts';
import { decodeWire, encodeWire } from '../../shared/wire.ts';
import type { AppServices } from '../app/appServices.ts';
import { PLACEHOLDER_HTML, PLACEHOLDER_JS } from './placeholder.ts';
import { apiToken, CONTENT_SECURITY_POLICY, cookieName, isLoopbackHost, isOwnOrigin, readCookie, SECURITY_HEADERS, tokensEqual } from './security.ts';

export interface HostOptions {
  app: Pick<AppServices, 'dispatch' | 'bus'>;
  /** 0 (default): a free port. */
  port?: number;
  /** Built renderer (vite output). When it has no index.html a placeholder page is served. */
  rendererDir?: string | null;
  /** Default: 32 random bytes, hex. */
  token?: string;
  /** Largest request body accepted (bytes). */
  maxBodyBytes?: number;
  /** Keep-alive comment interval on the event stream (ms). */
  keepAliveMs?: number;
  /** How long close() lets calls still being answered finish before cutting them (ms). */
  closeGraceMs?: number;
}

export interface Host {
  /** The URL to open, with the token: what `sweepdeck serve` prints first. */
  url: string;
  origin: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...extra });
  res.end(body);
}

/** Encoded bodies of frozen reply values (a finished 10,000-trial study's columns, handed out again
 * while unchanged): frozen values cannot change, so their text is encoded once. */
const frozenBodies = new WeakMap<object, Buffer>();

function sendResult(res: ServerResponse, status: number, result: Result<unknown>): void {
  const type = 'application/json; charset=utf-8';
  const v = result.ok ? result.value : null;
  if (status !== 200 || v === null || typeof v !== 'object' || !Object.isFrozen(v)) return send(res, status, encodeWire(result), type);
  let body = frozenBodies.get(v);
  if (!body) {
    body = Buffer.from(encodeWire(result), 'utf8');
    frozenBodies.set(v, body);
  }
  send(res, status, body, type);
}

/** Whether the request asks for column replies as a binary body (`accept` names COLUMNS_MIME). */
const acceptsColumns = (req: IncomingMessage): boolean => (req.headers.accept ?? '').split(',').some((t) => t.split(';')[0]?.trim().toLowerCase() === COLUMNS_MIME);

/** An ok reply of a column channel as a binary columns body; false when it goes as JSON. */
function sendColumns(res: ServerResponse, result: Result<unknown>): boolean {
  const body = columnsReplyBody(result);
  if (!body) return false;
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': COLUMNS_MIME, 'cache-control': 'no-store', 'content-length': body.byteLength });
  res.end(body);
  return true;
}

/** A request the client itself got wrong: answered with `status`, logged in one line at most. */
class ClientMistake extends Error {
  constructor(readonly status: number, message: string, readonly clientGone = false) {
    super(message);
  }
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return; // drain the rest, so the client reads our 413 instead of a reset
      size += c.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        reject(new ClientMistake(413, `request body is larger than ${max} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    // The client hung up mid-body (Node reports it as an 'aborted' error): its mistake, not ours.
    req.on('error', () => reject(new ClientMistake(400, `the client closed the connection after ${size} bytes of the request body`, true)));
  });
}

export async function startHost(opts: HostOptions): Promise<Host> {
  const token = opts.token ?? randomBytes(32).toString('hex');
  const maxBody = opts.maxBodyBytes ?? 4 * 1024 * 1024;
  const rendererDir = opts.rendererDir && existsSync(path.join(opts.rendererDir, 'index.html')) ? path.resolve(opts.rendererDir) : null;
  const streams = new Set<ServerResponse>();
  let port = 0;

  async function handleApi(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (!tokensEqual(apiToken(req), token)) {
      sendResult(res, 401, err('FORBIDDEN', 'Missing or wrong token: send the token printed by `sweepdeck serve` in the x-sweepdeck-token header.'));
      return;
    }
    if (pathname === '/api/events') {
      if (req.method !== 'GET') return send(res, 405, 'use GET', undefined, { allow: 'GET' });
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(': connected\nretry: 1000\n\n');
      streams.add(res);
      const unsubscribe = opts.app.bus.subscribe((m) => {
        res.write(`event: ${m.event}\ndata: ${encodeWire(m.payload)}\n\n`);
      });
      const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), opts.keepAliveMs ?? 15_000);
      keepAlive.unref();
      const done = (): void => {
        clearInterval(keepAlive);
        unsubscribe();
        streams.delete(res);
      };
      req.on('close', done);
      res.on('error', done);
      return;
    }
    if (req.method !== 'POST') return send(res, 405, 'contract calls use POST', undefined, { allow: 'POST' });
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    // Only JSON: a cross-site form cannot send it without a CORS preflight, which we never answer.
    if (type !== 'application/json') {
      sendResult(res, 415, err('INVALID_INPUT', 'Send the input as JSON (content-type: application/json).'));
      return;
    }
    let channel: string;
    try {
      channel = decodeURIComponent(pathname.slice('/api/'.length));
    } catch {
      channel = pathname.slice('/api/'.length);
    }
    let body: string;
    try {
      body = await readBody(req, maxBody);
    } catch (e) {
      if (!(e instanceof ClientMistake)) throw e;
      if (e.clientGone) {
        console.error(`sweepdeck host: ${req.method ?? ''} ${pathname}: ${e.message}`);
        return void res.destroy();
      }
      sendResult(res, e.status, err('INVALID_INPUT', e.message));
      return;
    }
    let input: unknown;
    try {
      input = body.trim() === '' ? undefined : decodeWire(body);
    } catch (e) {
      sendResult(res, 400, err('INVALID_INPUT', `The request body is not valid JSON: ${(e as Error).message}`));
      return;
    }
    const result = await opts.app.dispatch(channel, input);
    if (isColumnChannel(channel) && acceptsColumns(req) && sendColumns(res, result)) return;
    sendResult(res, 200, result);
  }

  function serveFile(res: ServerResponse, file: string, method: string): void {
    const ext = path.extname(file).toLowerCase();
    const type = MIME[ext] ?? 'application/octet-stream';
    const size = statSync(file).size;
    const headers: Record<string, string> = { ...SECURITY_HEADERS, 'content-type': type, 'content-length': String(size) };
    // Hashed assets may be cached; the page itself never is (it must always pass the token check).
    headers['cache-control'] = ext === '.html' ? 'no-store' : 'private, max-age=3600';
    if (ext === '.html') headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
    res.writeHead(200, headers);
    if (method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  function handleStatic(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'use GET', undefined, { allow: 'GET, HEAD' });
    const queryToken = url.searchParams.get('token');
    const cookie = readCookie(req, cookieName(port));
    const viaQuery = tokensEqual(queryToken, token);
    if (!viaQuery && !tokensEqual(cookie, token)) {
      send(res, 401, 'Sweepdeck: this page needs its token. Open the exact URL that `sweepdeck serve` printed (it ends in ?token=...).');
      return;
    }
    // The page's own scripts and styles cannot send a header: they ride on this cookie (HttpOnly,
    // SameSite=Strict). The API never accepts it.
    if (viaQuery) res.setHeader('set-cookie', `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    const pathname = url.pathname;
    if (pathname === '/favicon.ico' && !(rendererDir && existsSync(path.join(rendererDir, 'favicon.ico')))) {
      res.writeHead(204, { ...SECURITY_HEADERS, 'cache-control': 'private, max-age=86400' });
      return void res.end();
    }
    if (!rendererDir) {
      if (pathname === '/placeholder.js') return send(res, 200, PLACEHOLDER_JS, MIME['.js']);
      if (pathname === '/' || pathname === '/index.html' || !path.extname(pathname)) {
        return send(res, 200, PLACEHOLDER_HTML, MIME['.html'], { 'content-security-policy': CONTENT_SECURITY_POLICY });
      }
      return send(res, 404, 'not found');
    }
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return send(res, 400, 'bad path');
    }
    const file = path.resolve(rendererDir, `.${path.posix.normalize(rel)}`);
    if (file !== rendererDir && !file.startsWith(rendererDir + path.sep)) return send(res, 404, 'not found');
    if (existsSync(file) && statSync(file).isFile()) return serveFile(res, file, req.method);
    // Client-side routes (no extension) get the app; missing assets get 404.
    if (!path.extname(pathname)) return serveFile(res, path.join(rendererDir, 'index.html'), req.method);
    send(res, 404, 'not found');
  }

  // Connections, and those with a request being answered: close() ends the others at once (Node's
  // own idle check misses a connection that never sent a request) and each busy one when its
  // response is done.
  const sockets = new Set<Socket>();
  const busy = new Set<Socket>();
  let closing = false;
  const server = createServer((req, res) => {
    const socket = req.socket;
    if (closing) {
      // A stopping host takes no new request, not even over a connection kept alive from before:
      // the client sees the connection close, as when the host has gone (a browser retries on a new
      // connection, which is refused). Serving it would hold close() open, an event stream forever.
      socket.destroy();
      return;
    }
    busy.add(socket);
    res.once('close', () => {
      busy.delete(socket);
      if (closing) socket.destroy();
    });
    void (async () => {
      const host = req.headers.host;
      if (!isLoopbackHost(host)) {
        send(res, 403, 'Sweepdeck serves loopback only: the Host header must be 127.0.0.1, localhost or [::1].');
        return;
      }
      const origin = req.headers.origin;
      if (!isOwnOrigin(typeof origin === 'string' ? origin : undefined, host) || req.headers['sec-fetch-site'] === 'cross-site') {
        send(res, 403, 'Sweepdeck refuses requests from other origins.');
        return;
      }
      let url: URL;
      try {
        url = new URL(req.url ?? '/', `http://${host}`);
      } catch {
        return send(res, 400, 'bad request');
      }
      if (url.pathname === '/api' || url.pathname.startsWith('/api/')) await handleApi(req, res, url.pathname);
      else handleStatic(req, res, url);
    })().catch((e: unknown) => {
      // Last line of defence: the host never dies on a request.
      console.error('sweepdeck host: request failed:', e);
      if (!res.headersSent) sendResult(res, 500, err('INTERNAL', (e as Error)?.message ?? String(e)));
      else res.end();
    });
  });
  // A request Node cannot even parse (bad request line or headers): 400 when the socket can still
  // take it, and no log (nothing was asked of us).
  server.on('clientError', (_e, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    server,
    async close() {
      closing = true;
      // Each event stream gets its last chunk (a cut one is an error to the page), then its
      // connection closes with the response.
      for (const s of streams) s.end();
      streams.clear();
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const socket of sockets) if (!busy.has(socket)) socket.destroy();
      // A call still being answered gets a moment; then whatever is left is cut, so stopping never hangs.
      const cut = setTimeout(() => server.closeAllConnections(), opts.closeGraceMs ?? 3000);
      await closed;
      clearTimeout(cut);
    },
  };
}
