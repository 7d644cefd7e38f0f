// The `fetch` of the MLflow REST store: Node's global fetch ignores HTTPS_PROXY / HTTP_PROXY /
// NO_PROXY (Node 20), so a URL the environment sends through a proxy goes over our own transport
// (a CONNECT tunnel for https, the absolute URL to the proxy for http; see proxyTunnel.ts), the
// same one sign-in and ARM use. Every other URL keeps the global fetch (pooled connections).
import { TransportError, sendRequest } from '../azure/httpTransport.ts';
import { proxyFor } from '../azure/proxyTunnel.ts';

type EnvLike = Record<string, string | undefined>;

/** Deadline when the caller gives no abort signal; the REST store always gives one. */
const FALLBACK_TIMEOUT_MS = 120_000;

export function proxyAwareFetch(env: EnvLike = process.env, direct: typeof fetch = fetch, ca?: string): typeof fetch {
  const proxied = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!proxyFor(url, env)) return direct(input, init);
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== 'string') {
      throw new TypeError(`proxyAwareFetch sends string bodies only (request to ${url.origin}${url.pathname})`);
    }
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    const signal = init?.signal ?? undefined;
    try {
      const res = await sendRequest(
        { method: (init?.method ?? 'GET').toUpperCase() as 'GET', url: url.href, headers, ...(typeof body === 'string' ? { body } : {}), signal },
        { timeoutMs: FALLBACK_TIMEOUT_MS, proxyEnv: env, ...(ca ? { ca } : {}) },
      );
      const empty = res.status === 204 || res.status === 304;
      return new Response(empty ? null : res.body, { status: res.status, headers: res.headers });
    } catch (err) {
      // An abort (the caller's deadline) surfaces as the signal's own reason, as with fetch.
      if (err instanceof TransportError && signal?.aborted) throw signal.reason instanceof Error ? signal.reason : err;
      throw err;
    }
  };
  return proxied as typeof fetch;
}
