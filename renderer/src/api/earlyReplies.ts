// Replies asked for by public/early.js before the app's scripts ran. The HTTP transport is wrapped
// so that the first call of those channels, with the same input, takes the early reply instead of
// asking again; every later call (a refetch, a retry) goes out as usual. The reply's text goes
// through the same decoding and envelope check as any other (shared/client.ts); the trials' reply
// may be a binary columns body (shared/columnsWire.ts), decoded as httpTransport decodes one.
import type { Transport } from '../../../shared/client.ts';
import { decodeColumnsBody } from '../../../shared/columnsWire.ts';
import { encodeWire, decodeWire } from '../../../shared/wire.ts';

/** A reply's JSON text, or the bytes of a binary columns body (the trials). */
type EarlyReply = { status: number; text: string } | { status: number; bytes: ArrayBuffer };
interface EarlyRequests {
  v: 1;
  id: string;
  body: string;
  replies: Partial<Record<string, Promise<EarlyReply>>>;
}

declare global {
  interface Window {
    __sweepdeckEarly?: EarlyRequests;
  }
}

/** `transport` with the early replies for sweep `id` (when early.js asked for that sweep). */
export function withEarlyReplies(transport: Transport, id: string | null, early: EarlyRequests | undefined = window.__sweepdeckEarly): Transport {
  if (!early || early.v !== 1 || id === null || early.id !== id || transport.kind !== 'http') return transport;
  const left = new Map(Object.entries(early.replies));
  return {
    kind: transport.kind,
    invoke(channel, input) {
      const reply = left.get(channel);
      if (!reply || encodeWire(input) !== early.body) return transport.invoke(channel, input);
      left.delete(channel);
      return reply.then((r) => {
        if ('bytes' in r) return decodeColumnsBody(r.bytes);
        try {
          return decodeWire(r.text);
        } catch {
          // As httpTransport reports a reply that is not JSON.
          throw new Error(`HTTP ${r.status}: ${r.text.slice(0, 200)}`);
        }
      });
    },
    subscribe: (event, listener) => transport.subscribe(event, listener),
    close: () => transport.close?.(),
    ...(transport.connection ? { connection: transport.connection } : {}),
  };
}
