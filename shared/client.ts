// The typed client the renderer and the tests use. One API over two transports: Electron IPC
// (through the preload's `window.sweepdeck`) and the browser host's HTTP + SSE. The client never
// throws from `call`: transport failures come back as { ok: false, error: { code: 'TRANSPORT' } }.
// It imports only names and types from the contract (channels.ts, resultCore.ts): the page loads it
// first, and zod with the contract's schemas would more than double that first script.
import { isChannelName as isChannel, isEventNameLiteral as isEventName } from './channels.ts';
import type { Channel, ChannelInput, ChannelOutput } from './contract.ts';
import type { EventName, EventPayload } from './events.ts';
import { COLUMNS_MIME, decodeColumnsBody, isColumnChannel } from './columnsWire.ts';
import { ConnectionTracker, type HostConnection } from './hostConnection.ts';
import { AppCallError, ERROR_CODES } from './resultCore.ts';
import type { AppError, Err, ErrorCode, Result } from './result.ts';
import { decodeWire, encodeWire } from './wire.ts';

const err = (code: ErrorCode, message: string): Err => ({ ok: false, error: { code, message } });
const CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/** The shape check of result.ts's resultEnvelopeSchema, written out (the value itself is not
 * re-validated): { ok: true, value } or { ok: false, error: { code, message, details? } }. */
function envelope(raw: unknown): Result<unknown> | null {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const r = raw as Record<string, unknown>;
  if (r.ok === true) return { ok: true, value: r.value };
  if (r.ok !== false) return null;
  const e = r.error;
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return null;
  const { code, message } = e as Record<string, unknown>;
  if (typeof code !== 'string' || !CODES.has(code) || typeof message !== 'string') return null;
  const error: AppError = { code: code as ErrorCode, message };
  if ('details' in e) error.details = (e as Record<string, unknown>).details;
  return { ok: false, error };
}

/** What the preload exposes as `window.sweepdeck`. */
export interface SweepdeckBridge {
  invoke(channel: string, input: unknown): Promise<unknown>;
  /** Returns a function that unsubscribes. */
  on(event: string, listener: (payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    sweepdeck?: SweepdeckBridge;
  }
}

/** A transport moves one call (returning the raw result envelope) and subscribes to events. */
export interface Transport {
  readonly kind: 'ipc' | 'http';
  invoke(channel: Channel, input: unknown): Promise<unknown>;
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void;
  close?(): void;
  /** Whether the host can be reached, for transports that can lose it (HTTP). IPC has none: the
   * page lives inside the process that answers it. */
  readonly connection?: HostConnection;
}

export interface Client {
  readonly transport: Transport;
  call<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelOutput<C>>>;
  /** Like call, but throws AppCallError on failure (what React Query wants). */
  get<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  close(): void;
}

export function createClient(transport: Transport): Client {
  async function call<C extends Channel>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelOutput<C>>> {
    if (!isChannel(channel)) return err('UNKNOWN_CHANNEL', `'${String(channel)}' is not a channel of the contract.`);
    let raw: unknown;
    try {
      raw = await transport.invoke(channel, input);
    } catch (e) {
      return err('TRANSPORT', `Could not reach the Sweepdeck service for '${channel}': ${(e as Error)?.message ?? String(e)}`);
    }
    const env = envelope(raw);
    if (!env) return err('TRANSPORT', `The service sent a malformed reply for '${channel}'.`);
    // The service validated the value against the contract's output schema before sending it.
    return env as Result<ChannelOutput<C>>;
  }
  return {
    transport,
    call,
    async get(channel, input) {
      const r = await call(channel, input);
      if (!r.ok) throw new AppCallError(channel, r.error);
      return r.value;
    },
    on(event, listener) {
      if (!isEventName(event)) throw new Error(`'${String(event)}' is not an event of the contract.`);
      return transport.subscribe(event, (p) => listener(p as EventPayload<typeof event>));
    },
    close() {
      transport.close?.();
    },
  };
}

/** A reply as main sent it: a column reply comes as a binary columns body (bytes), decoded here
 * (a malformed one throws, which call() reports as a TRANSPORT error). */
function fromIpc(raw: unknown): unknown {
  return raw instanceof Uint8Array || raw instanceof ArrayBuffer ? decodeColumnsBody(raw) : raw;
}

/** Electron: over the preload bridge. */
export function ipcTransport(bridge: SweepdeckBridge): Transport {
  return {
    kind: 'ipc',
    invoke: async (channel, input) => fromIpc(await bridge.invoke(channel, input)),
    subscribe: (event, listener) => bridge.on(event, listener),
  };
}

export const TOKEN_HEADER = 'x-sweepdeck-token';

/** The host answered, but not with the event stream. */
class HostRefused extends Error {}

export interface HttpTransportOptions {
  /** For tests: a fetch to use instead of the global one. */
  fetch?: typeof fetch;
  /** Delay before reconnecting the event stream after it drops (ms); it doubles while attempts fail. */
  reconnectMs?: number;
  /** The longest delay between reconnection attempts (ms). */
  maxReconnectMs?: number;
  /** An event stream silent for this long (the host sends a keep-alive every 15 s) is taken as lost
   * and reconnected: a host whose machine slept or whose network went away sends no close (ms). */
  stallMs?: number;
}

/** The browser host: POST /api/<channel>, events over SSE at GET /api/events. The token goes in a
 * header on every request (also the event stream, which is why it is read with fetch rather than
 * EventSource, which cannot send headers). Works in browsers and in Node 20. */
export function httpTransport(baseUrl: string, token: string, opts: HttpTransportOptions = {}): Transport {
  const f = opts.fetch ?? fetch;
  const base = baseUrl.replace(/\/+$/, '');
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let stream: AbortController | null = null;
  let closed = false;
  const conn = new ConnectionTracker(opts.reconnectMs ?? 1000, opts.maxReconnectMs ?? 5000);

  const dispatchEvent = (name: string, data: string): void => {
    if (!isEventName(name)) return;
    let payload: unknown;
    try {
      payload = decodeWire(data);
    } catch {
      return;
    }
    for (const l of listeners.get(name) ?? []) {
      try {
        l(payload);
      } catch {
        // A listener's bug must not stop the stream for the others.
      }
    }
  };

  const hasListeners = (): boolean => [...listeners.values()].some((s) => s.size > 0);

  async function runStream(ctrl: AbortController): Promise<void> {
    while (!ctrl.signal.aborted) {
      // One attempt: aborted with the stream, or when it has been silent for too long.
      const attempt = new AbortController();
      const abortAttempt = (): void => attempt.abort();
      ctrl.signal.addEventListener('abort', abortAttempt);
      let stalled = false;
      // Re-armed on every chunk (a page's timers have no refresh()).
      const arm = (): ReturnType<typeof setTimeout> =>
        setTimeout(() => {
          stalled = true;
          attempt.abort();
        }, opts.stallMs ?? 45_000);
      let stall = arm();
      try {
        const res = await f(`${base}/api/events`, { headers: { [TOKEN_HEADER]: token, accept: 'text/event-stream' }, signal: attempt.signal });
        if (res.status === 401) throw new HostRefused("the host refused this page's token (a new one was made with --rotate-token?): open the URL it printed");
        if (!res.ok || !res.body) throw new HostRefused(`the host refused the event stream (HTTP ${res.status})`);
        conn.connected();
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buf = '';
        let evName = 'message';
        let data: string[] = [];
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          clearTimeout(stall);
          stall = arm();
          buf += decoder.decode(value, { stream: true });
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).replace(/\r$/, '');
            buf = buf.slice(nl + 1);
            if (line === '') {
              if (data.length > 0) dispatchEvent(evName, data.join('\n'));
              evName = 'message';
              data = [];
            } else if (line.startsWith(':')) {
              // comment / keep-alive
            } else if (line.startsWith('event:')) {
              evName = line.slice(6).trim();
            } else if (line.startsWith('data:')) {
              data.push(line.slice(5).replace(/^ /, ''));
            }
          }
        }
        conn.lost('the host closed the connection (stopped or restarting)');
      } catch (e) {
        if (ctrl.signal.aborted) return;
        conn.lost(stalled ? 'the host sent nothing for too long' : e instanceof HostRefused ? e.message : `cannot reach the host at ${base} (${(e as Error)?.message ?? String(e)})`);
      } finally {
        clearTimeout(stall);
        ctrl.signal.removeEventListener('abort', abortAttempt);
      }
      if (ctrl.signal.aborted) return;
      await conn.backoff(ctrl.signal);
    }
  }

  return {
    kind: 'http',
    connection: conn,
    async invoke(channel, input) {
      let res: Response;
      try {
        res = await f(`${base}/api/${encodeURIComponent(channel)}`, {
          method: 'POST',
          // Column replies may come as a binary body (shared/columnsWire.ts); JSON otherwise.
          headers: { 'content-type': 'application/json', [TOKEN_HEADER]: token, ...(isColumnChannel(channel) ? { accept: `${COLUMNS_MIME}, application/json` } : {}) },
          body: encodeWire(input),
        });
      } catch (e) {
        conn.lost(`cannot reach the host at ${base} (${(e as Error)?.message ?? String(e)})`);
        throw e;
      }
      // The host answers again: the event stream need not wait out its backoff (it says connected
      // once it is back); with no stream, this answer is the news.
      if (conn.info().state !== 'connected') {
        if (stream) conn.retryNow();
        else conn.connected();
      }
      if (res.headers.get('content-type')?.split(';')[0]?.trim() === COLUMNS_MIME) return decodeColumnsBody(await res.arrayBuffer());
      const text = await res.text();
      try {
        return decodeWire(text);
      } catch {
        throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
      }
    },
    subscribe(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      if (!stream && !closed) {
        stream = new AbortController();
        void runStream(stream);
      }
      return () => {
        set.delete(listener);
        if (!hasListeners() && stream) {
          stream.abort();
          stream = null;
        }
      };
    },
    close() {
      closed = true;
      stream?.abort();
      stream = null;
      listeners.clear();
    },
  };
}

const TOKEN_KEY = 'sweepdeck.token';

/** In a page: Electron's bridge when the preload exposed it, else the browser host with the token
 * from `?token=` (kept in sessionStorage and removed from the address bar). */
export function createDefaultClient(): Client {
  const w = globalThis as unknown as Partial<Window>;
  if (w.sweepdeck) return createClient(ipcTransport(w.sweepdeck));
  const loc = w.location;
  if (!loc) throw new Error('createDefaultClient needs a page (window.location); use httpTransport directly elsewhere.');
  const url = new URL(loc.href);
  let token = url.searchParams.get('token');
  const storage = w.sessionStorage;
  if (token) {
    const t = token;
    // Kept for reloads and taken out of the address bar, but after this task: the first
    // sessionStorage access waits for the browser process (tens of ms on a busy machine), and the
    // page sends its first requests right after making the client.
    setTimeout(() => {
      storage?.setItem(TOKEN_KEY, t);
      url.searchParams.delete('token');
      w.history?.replaceState(w.history.state, '', url.pathname + url.search + loc.hash);
    }, 0);
  } else {
    token = storage?.getItem(TOKEN_KEY) ?? '';
  }
  return createClient(httpTransport(loc.origin, token));
}
