// The `fetch` the REST store uses when it talks to Azure ML for browsing and sync: our transport
// (deadline, extra CA), at most a few requests in flight, 429 retried after Retry-After (seconds
// or an HTTP date) or else exponential backoff with full jitter, 5xx and dropped connections
// retried the same way, a bounded number of attempts, and a guard that refuses to send anything
// Azure's MLflow endpoint documents as unsupported. Sleep, randomness and the clock are
// injectable so tests check the waits without waiting.
import { retryAfterMs } from '../tracking/restStore.ts';
import { assertAzureAcceptable } from './mlflowRestrictions.ts';
import { TransportError, sendRequest } from './httpTransport.ts';

export interface AzureFetchOptions {
  /** Extra trusted CA (PEM); spawned processes use NODE_EXTRA_CA_CERTS instead. */
  ca?: string | undefined;
  /** Per-attempt deadline (default 30 s). */
  timeoutMs?: number;
  /** Requests in flight at once through this fetch. Default: at most 4 per host, shared by every
   * fetch made without this option (browsing and sync together stay within it). */
  maxInFlight?: number;
  /** Attempts per request including the first (default 6). */
  maxAttempts?: number;
  /** First backoff step (default 500 ms), doubling per attempt, capped by maxDelayMs. */
  baseDelayMs?: number;
  /** Longest wait before a retry (default 60 s); a Retry-After asking for longer ends the retries. */
  maxDelayMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** Aborts every request made through this fetch (e.g. a cancelled sync). */
  signal?: AbortSignal | undefined;
  /** Called once per HTTP attempt (for counting) and per retry (with the wait chosen). */
  onAttempt?: (info: { method: string; endpoint: string; attempt: number }) => void;
  onRetry?: (info: { endpoint: string; attempt: number; status?: number; waitMs: number; retryAfter: boolean }) => void;
}

export type Limiter = <T>(task: () => Promise<T>) => Promise<T>;

/** Runs at most `n` tasks at once, the rest in arrival order. */
export function createLimiter(n: number): Limiter {
  const max = Math.max(1, Math.floor(n));
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

const DEFAULT_IN_FLIGHT = 4;
const hostLimiters = new Map<string, Limiter>();

function sharedLimiter(host: string): Limiter {
  let l = hostLimiters.get(host);
  if (!l) {
    l = createLimiter(DEFAULT_IN_FLIGHT);
    hostLimiters.set(host, l);
  }
  return l;
}

/** Full-jitter exponential backoff: uniform in [0, min(max, base * 2^attempt)). */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** attempt));
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

/** The MLflow endpoint path (runs/search, metrics/get-history, ...) of a REST URL. */
function endpointOf(url: URL): string {
  const i = url.pathname.indexOf('/api/2.0/mlflow/');
  return i < 0 ? url.pathname : url.pathname.slice(i + '/api/2.0/mlflow/'.length);
}

function requestParams(url: URL, body: string | undefined): Record<string, unknown> {
  if (body !== undefined) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed && typeof parsed === 'object') return parsed as Record<string, unknown>;
    } catch {
      // Not JSON: nothing the guard checks is in it.
    }
    return {};
  }
  const out: Record<string, unknown> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    out[key] = all.length === 1 ? all[0] : all;
  }
  return out;
}

export function createAzureFetch(opts: AzureFetchOptions = {}): typeof fetch {
  const own = opts.maxInFlight !== undefined ? createLimiter(opts.maxInFlight) : undefined;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxAttempts = Math.max(1, opts.maxAttempts ?? 6);
  const baseDelayMs = opts.baseDelayMs ?? 500;
  const maxDelayMs = opts.maxDelayMs ?? 60_000;
  const sleep = opts.sleep ?? abortableSleep;
  const random = opts.random ?? Math.random;
  const now = opts.now ?? Date.now;

  const azureFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? 'GET').toUpperCase();
    const body = typeof init?.body === 'string' ? init.body : undefined;
    const endpoint = endpointOf(url);
    assertAzureAcceptable(endpoint, requestParams(url, body));
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    const signals = [opts.signal, init?.signal ?? undefined].filter((s): s is AbortSignal => !!s);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
      opts.onAttempt?.({ method, endpoint, attempt });
      let status: number | undefined;
      let retryAfter: number | undefined;
      try {
        const res = await (own ?? sharedLimiter(url.host))(() =>
          sendRequest({ method: method as 'GET', url: url.href, headers, ...(body !== undefined ? { body } : {}), signal }, { timeoutMs, ca: opts.ca }),
        );
        retryAfter = RETRY_STATUS.has(res.status) ? retryAfterMs(res.headers['retry-after'] ?? null, now()) : undefined;
        // Retrying sooner than the server asked would only be refused again: when it asks for
        // longer than this caller may wait, the answer stands.
        if (!RETRY_STATUS.has(res.status) || attempt + 1 >= maxAttempts || (retryAfter !== undefined && retryAfter > maxDelayMs)) {
          return new Response(res.status === 204 ? null : res.body, { status: res.status, headers: res.headers });
        }
        status = res.status;
      } catch (err) {
        // A deadline or an abort is final: the caller's budget is spent. A refused or dropped
        // connection is retried like a 503.
        if (!(err instanceof TransportError) || err.kind !== 'NETWORK' || signal?.aborted || attempt + 1 >= maxAttempts) throw err;
      }
      const waitMs = retryAfter ?? backoffDelay(attempt, baseDelayMs, maxDelayMs, random);
      opts.onRetry?.({ endpoint, attempt, ...(status !== undefined ? { status } : {}), waitMs, retryAfter: retryAfter !== undefined });
      await sleep(waitMs, signal);
    }
  };
  return azureFetch as typeof fetch;
}
