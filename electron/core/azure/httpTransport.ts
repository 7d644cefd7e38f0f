// One small HTTP(S) client for everything Azure setup talks to (token endpoint, ARM, the MLflow
// probe). It exists because each of those needs the same three things the stock clients do not
// all give: a hard deadline on every request (msal-node's POST has none), an optional extra
// trusted CA (sovereign clouds behind TLS-inspecting proxies; the local test double's
// self-signed certificate), and failures classified as "refused" vs "timed out".
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import tls from 'node:tls';
import { openTunnel, proxyAuthorization, proxyFor } from './proxyTunnel.ts';
import { tlsAdvice } from './tlsAdvice.ts';

export type TransportFailureKind = 'NETWORK' | 'TIMEOUT';

/** The request never got an HTTP response: connection refused/reset, DNS, TLS, or the deadline. */
export class TransportError extends Error {
  constructor(
    readonly kind: TransportFailureKind,
    message: string,
    /** Node's error code when there was one (ECONNREFUSED, ENOTFOUND, CERT_...). */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface TransportOptions {
  /** Deadline for the whole exchange (connect, send, headers and body), in ms. */
  timeoutMs: number;
  /** Extra trusted CA certificate(s), PEM. Added to Node's roots (which already honour NODE_EXTRA_CA_CERTS). */
  ca?: string | undefined;
  /** Where HTTPS_PROXY / NO_PROXY are read; default process.env. */
  proxyEnv?: Record<string, string | undefined>;
}

export interface TransportRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Aborts early (e.g. the caller's own abort signal). */
  signal?: AbortSignalish | undefined;
}

/** Just what we use of an abort signal (the DOM one and Azure's AbortSignalLike both fit). */
export interface AbortSignalish {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface TransportResponse {
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

let extendedContext: { ca: string; context: tls.SecureContext } | undefined;

/** Node replaces its whole root store when `ca` is given, so keep the system roots (and
 * NODE_EXTRA_CA_CERTS, which tls.rootCertificates leaves out) beside the extra CA. */
function contextWithExtraCa(ca: string): tls.SecureContext {
  // Built once: parsing ~150 root certificates per request would cost more than the request.
  if (extendedContext?.ca === ca) return extendedContext.context;
  const roots = [...tls.rootCertificates];
  const extraFile = process.env.NODE_EXTRA_CA_CERTS;
  if (extraFile) {
    try {
      roots.push(fs.readFileSync(extraFile, 'utf8'));
    } catch {
      // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; do the same (silently).
    }
  }
  roots.push(ca);
  extendedContext = { ca, context: tls.createSecureContext({ ca: roots }) };
  return extendedContext.context;
}

export async function sendRequest(req: TransportRequest, opts: TransportOptions): Promise<TransportResponse> {
  const url = new URL(req.url);
  const isHttps = url.protocol === 'https:';
  if (!isHttps && url.protocol !== 'http:') {
    throw new TransportError('NETWORK', `unsupported URL scheme '${url.protocol}' in ${safeUrl(url)}`);
  }
  const lib = isHttps ? https : http;
  // HTTPS_PROXY: a CONNECT tunnel first, then TLS to the real host over it (see proxyTunnel.ts).
  // HTTP_PROXY (plain http targets): the request goes to the proxy with the absolute URL.
  const proxy = proxyFor(url, opts.proxyEnv ?? process.env);
  const httpProxy = !isHttps ? proxy : undefined;
  let tunnel: Socket | undefined;
  if (proxy && isHttps) {
    try {
      tunnel = await openTunnel(proxy, url.hostname, url.port || '443', opts.timeoutMs);
    } catch (err) {
      throw classify(err as Error & { code?: string }, url);
    }
  }
  return await new Promise<TransportResponse>((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | null, res?: TransportResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(res as TransportResponse);
    };
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    if (httpProxy) {
      headers.host = url.host;
      if (httpProxy.url.username) headers['proxy-authorization'] = proxyAuthorization(httpProxy);
    }
    const request = lib.request(
      httpProxy ? new URL(httpProxy.url.origin) : url,
      {
        ...(httpProxy ? { path: url.href } : {}),
        method: req.method,
        headers,
        // A fresh connection per call: setup makes a handful of requests, and pooled sockets to a
        // server that later hangs or closes would blur which request failed.
        ...(tunnel
          ? {
              agent: undefined,
              // SNI only for names (RFC 6066 forbids IP addresses there).
              createConnection: () =>
                tls.connect({ socket: tunnel, ...(isIP(url.hostname) ? {} : { servername: url.hostname }), ...(opts.ca ? { secureContext: contextWithExtraCa(opts.ca) } : {}) }),
            }
          : { agent: false }),
        ...(isHttps && opts.ca ? { secureContext: contextWithExtraCa(opts.ca) } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          // Token, ARM and probe answers are a few KB; a runaway body is a broken endpoint.
          if (size > MAX_BODY_BYTES) {
            finish(new TransportError('NETWORK', `answer from ${safeUrl(url)} exceeds ${MAX_BODY_BYTES} bytes`));
            request.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('error', (e) => finish(classify(e, url)));
        res.on('end', () => {
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
          }
          finish(null, { status: res.statusCode ?? 0, headers: out, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    const timer = setTimeout(() => {
      finish(new TransportError('TIMEOUT', `no answer from ${safeUrl(url)} within ${opts.timeoutMs} ms`));
      request.destroy();
    }, opts.timeoutMs);
    const onAbort = (): void => {
      finish(new TransportError('TIMEOUT', `request to ${safeUrl(url)} was aborted`));
      request.destroy();
    };
    if (req.signal?.aborted) onAbort();
    req.signal?.addEventListener('abort', onAbort);
    request.on('error', (e) => finish(classify(e, url)));
    if (req.body !== undefined) request.write(req.body);
    request.end();
  });
}

function classify(err: Error & { code?: string }, url: URL): TransportError {
  const code = err.code;
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') {
    return new TransportError('TIMEOUT', `connection to ${safeUrl(url)} timed out (${code})`, code);
  }
  const advice = tlsAdvice(code, url.host);
  if (advice) return new TransportError('NETWORK', `${advice} (at ${safeUrl(url)})`, code);
  const what = code === 'ECONNREFUSED' ? 'connection refused' : code === 'ENOTFOUND' ? 'host not found' : err.message;
  return new TransportError('NETWORK', `${what} at ${safeUrl(url)}${code && !what.includes(code) ? ` (${code})` : ''}`, code);
}

/** The URL without query string or credentials, for messages. */
export function safeUrl(url: URL | string): string {
  const u = typeof url === 'string' ? new URL(url) : url;
  return `${u.protocol}//${u.host}${u.pathname}`;
}
