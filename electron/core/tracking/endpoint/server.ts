// The embedded MLflow endpoint: a loopback HTTP server that speaks MLflow REST API 2.0 in front
// of any TrackingStore, so an unmodified `mlflow` client in a trial logs into the active store
// without credentials of its own. Guarded by a bearer token (constant-time compare) and a Host
// check (a web page that rebinds a DNS name to 127.0.0.1 cannot reach it).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MlflowError, StoreUnavailableError, type TrackingStore } from '../types.ts';
import { ROUTES, type HttpMethod } from './routes.ts';
import { describeZodError } from './schemas.ts';
import { parseJsonLenient, stringifyJson } from './wire.ts';

export interface TrackingEndpointOptions {
  store: TrackingStore;
  /** Bearer token clients must send; random (32 bytes, hex) when absent. */
  token?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: '127.0.0.1';
  /** Largest request body accepted, in bytes (default 8 MiB; MLflow's log-batch limit is 1 MB). */
  maxBodyBytes?: number;
  /** Called with unexpected (non-MLflow) errors, which are answered as 500 INTERNAL_ERROR. */
  onInternalError?: (err: unknown, path: string) => void;
  /** Called once for a client that hung up before sending its whole request body (its mistake,
   * not an internal error: worth one log line, no stack). */
  onClientAborted?: (path: string) => void;
}

export interface TrackingEndpoint {
  /** Base URL for MLFLOW_TRACKING_URI, e.g. http://127.0.0.1:41234 */
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const PREFIXES = ['/api/2.0/mlflow/', '/ajax-api/2.0/mlflow/'];

class HttpFailure extends Error {
  constructor(readonly status: number, readonly errorCode: string, message: string) {
    super(message);
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export async function startTrackingEndpoint(opts: TrackingEndpointOptions): Promise<TrackingEndpoint> {
  const token = opts.token ?? randomBytes(32).toString('hex');
  if (!token || /\s/.test(token)) throw new Error('tracking endpoint token must be a non-empty string without whitespace (check SWEEPDECK_TRACKING_TOKEN)');
  const tokenDigest = digest(token);
  const maxBody = opts.maxBodyBytes ?? 8 * 1024 * 1024;
  const host = opts.host ?? '127.0.0.1';
  let allowedHosts = new Set<string>();

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Only reachable if writing the response itself failed; the socket is gone either way.
      opts.onInternalError?.(err, req.url ?? '');
      if (!res.headersSent) send(res, 500, { error_code: 'INTERNAL_ERROR', message: 'internal error' });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    try {
      const hostHeader = (req.headers.host ?? '').toLowerCase();
      if (!allowedHosts.has(hostHeader)) {
        throw new HttpFailure(403, 'PERMISSION_DENIED', `Host header '${hostHeader.slice(0, 100)}' is not allowed: this endpoint only answers requests addressed to ${[...allowedHosts].join(' or ')}.`);
      }
      const auth = req.headers.authorization ?? '';
      const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
      if (!m || !timingSafeEqual(digest(m[1]!), tokenDigest)) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        throw new HttpFailure(401, 'UNAUTHENTICATED', auth ? 'The bearer token is not valid for this endpoint. Use the MLFLOW_TRACKING_TOKEN it printed.' : 'Authentication required: send Authorization: Bearer <MLFLOW_TRACKING_TOKEN>.');
      }
      const q = url.indexOf('?');
      const pathname = q >= 0 ? url.slice(0, q) : url;
      const prefix = PREFIXES.find((p) => pathname.startsWith(p));
      const route = prefix ? ROUTES[pathname.slice(prefix.length).replace(/\/+$/, '')] : undefined;
      if (!route) throw new HttpFailure(404, 'ENDPOINT_NOT_FOUND', `No API endpoint at ${req.method ?? ''} ${pathname.slice(0, 200)}.`);
      const method = (req.method ?? '').toUpperCase() as HttpMethod;
      if (!route.methods.includes(method)) {
        res.setHeader('Allow', route.methods.join(', '));
        throw new HttpFailure(405, 'BAD_REQUEST', `Method ${method} is not allowed for ${pathname}; use ${route.methods.join(' or ')}.`);
      }

      let raw: Record<string, unknown>;
      if (method === 'GET') {
        raw = queryObject(new URLSearchParams(q >= 0 ? url.slice(q + 1) : ''));
      } else {
        const body = await readBody(req, maxBody, () => opts.onClientAborted?.(pathname));
        let parsed: unknown = {};
        if (body.trim() !== '') {
          try {
            parsed = parseJsonLenient(body);
          } catch {
            throw new HttpFailure(400, 'INVALID_PARAMETER_VALUE', 'The request body is not valid JSON; send a JSON object with the fields of this API call.');
          }
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new HttpFailure(400, 'INVALID_PARAMETER_VALUE', 'The request body must be a JSON object with the fields of this API call.');
        raw = parsed as Record<string, unknown>;
      }
      // MLflow clients send the deprecated run_uuid beside run_id; either identifies the run.
      if ((raw.run_id === undefined || raw.run_id === '') && typeof raw.run_uuid === 'string') raw.run_id = raw.run_uuid;

      const input = route.schema.safeParse(raw);
      if (!input.success) throw new MlflowError('INVALID_PARAMETER_VALUE', describeZodError(input.error, raw));
      const out = await route.handle(opts.store, input.data);
      send(res, 200, out);
    } catch (err) {
      if (err instanceof HttpFailure) return send(res, err.status, { error_code: err.errorCode, message: err.message });
      // A store's INTERNAL_ERROR names its file and the SQLite message: logged, never sent.
      if (err instanceof MlflowError && err.errorCode !== 'INTERNAL_ERROR') return send(res, err.httpStatus, { error_code: err.errorCode, message: err.message });
      if (err instanceof StoreUnavailableError) return send(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: err.message });
      opts.onInternalError?.(err, url);
      send(res, 500, { error_code: 'INTERNAL_ERROR', message: 'Internal error in the tracking endpoint; its log has the details.' });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    token,
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests in flight get a moment to finish; then the sockets go.
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
      return closed;
    },
  };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = stringifyJson(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  res.end(text);
}

/** Query string -> object; a key given more than once becomes an array. */
export function queryObject(params: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    out[key] = all.length === 1 ? all[0] : all;
  }
  return out;
}

function readBody(req: http.IncomingMessage, limit: number, onAborted: () => void): Promise<string> {
  const tooBig = () => new HttpFailure(413, 'INVALID_PARAMETER_VALUE', `The request body is larger than ${limit} bytes; split the batch into smaller requests.`);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume(); // drain so the 413 reaches the client
    return Promise.reject(tooBig());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(tooBig());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    // The client hung up mid-body (Node reports it as an 'aborted' error): a 400 nobody reads.
    req.on('error', () => {
      onAborted();
      reject(new HttpFailure(400, 'BAD_REQUEST', 'The request body ended early: the client closed the connection before sending all of it.'));
    });
  });
}
