// A loopback TCP proxy in front of the real test server that can cut a connection exactly around a
// COMMIT: 'before' drops the connection instead of passing the COMMIT on (the server never commits),
// 'after' passes it on, holds the server's answer until it says COMMIT (the server has committed),
// then drops the connection without passing that answer back. That is the one failure where a
// client cannot know whether its write was saved. It reads the protocol's message framing only
// (type byte, int32 length); the server does the rest.
import net from 'node:net';

export type CutMode = 'before' | 'after';

export interface CommitCutProxy {
  /** postgresql:// URL of the proxy, same user, password and database as the target URL. */
  urlFor(targetUrl: string): string;
  /** The next COMMIT on any connection is cut this way; resolves when it has been cut. */
  cutNextCommit(mode: CutMode): Promise<void>;
  /** The next run (Bind) of a statement whose text matches, outside a transaction, is cut this way:
   * 'before' drops the connection instead of passing the run on; 'after' passes it on and drops the
   * connection once the server is ready again (the statement has committed), answering nothing. */
  cutNextStatement(text: RegExp, mode: CutMode): Promise<void>;
  close(): Promise<void>;
}

/** Splits a byte stream into protocol messages; the first `untyped` messages have no type byte. */
class Framer {
  private buf = Buffer.alloc(0);
  constructor(private untyped: number) {}

  push(chunk: Buffer): Array<{ type: string; body: Buffer; raw: Buffer }> {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: Array<{ type: string; body: Buffer; raw: Buffer }> = [];
    for (;;) {
      const typed = this.untyped === 0;
      const head = typed ? 5 : 4;
      if (this.buf.length < head) return out;
      const len = this.buf.readInt32BE(typed ? 1 : 0);
      const total = len + (typed ? 1 : 0);
      if (this.buf.length < total) return out;
      const raw = this.buf.subarray(0, total);
      out.push({ type: typed ? String.fromCharCode(raw[0]!) : '', body: raw.subarray(head), raw });
      this.buf = this.buf.subarray(total);
      if (!typed) this.untyped--;
    }
  }
}

const cstring = (b: Buffer): string => b.toString('utf8', 0, Math.max(0, b.indexOf(0)));

export async function startCommitCutProxy(targetHost: string, targetPort: number): Promise<CommitCutProxy> {
  let armed: { mode: CutMode; done: () => void } | null = null;
  let armedStatement: { text: RegExp; mode: CutMode; done: () => void } | null = null;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    sockets.add(client).add(upstream);
    const cut = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', cut);
    upstream.on('error', cut);
    client.on('close', () => upstream.end());
    upstream.on('close', () => client.end());
    const fromClient = new Framer(1); // the startup message has no type byte
    const fromServer = new Framer(0);
    let holding: { done: () => void } | null = null;
    let holdingUntilReady: { done: () => void } | null = null;
    // Statement texts by prepared-statement name (Parse: name, text), for the Binds that run them.
    const texts = new Map<string, string>();
    client.on('data', (chunk: Buffer) => {
      for (const m of fromClient.push(chunk)) {
        if (m.type === 'P') {
          const name = cstring(m.body);
          texts.set(name, cstring(m.body.subarray(Buffer.byteLength(name) + 1)));
        }
        if (m.type === 'B' && armedStatement) {
          const portal = cstring(m.body);
          const text = texts.get(cstring(m.body.subarray(Buffer.byteLength(portal) + 1))) ?? '';
          if (armedStatement.text.test(text)) {
            const a = armedStatement;
            armedStatement = null;
            if (a.mode === 'before') {
              cut();
              a.done();
              return;
            }
            holdingUntilReady = { done: a.done };
          }
        }
        const isCommit = m.type === 'Q' && /^\s*COMMIT\s*;?\s*$/i.test(cstring(m.body));
        if (isCommit && armed) {
          const a = armed;
          armed = null;
          if (a.mode === 'before') {
            cut();
            a.done();
            return;
          }
          holding = { done: a.done };
        }
        upstream.write(m.raw);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      // Always framed, so the framer is in step when holding starts (at a message boundary: the
      // client sends COMMIT only after the server's ReadyForQuery).
      const messages = fromServer.push(chunk);
      if (holdingUntilReady) {
        // Nothing goes back; the connection is cut once the server says it is ready again.
        if (messages.some((m) => m.type === 'Z')) {
          const h = holdingUntilReady;
          holdingUntilReady = null;
          cut();
          h.done();
        }
        return;
      }
      if (!holding) {
        client.write(chunk);
        return;
      }
      for (const m of messages) {
        if (m.type === 'C' && cstring(m.body) === 'COMMIT') {
          const h = holding;
          holding = null;
          cut();
          h.done();
          return;
        }
        client.write(m.raw);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    urlFor(targetUrl) {
      const u = new URL(targetUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.href;
    },
    cutNextCommit(mode) {
      return new Promise<void>((done) => {
        armed = { mode, done };
      });
    },
    cutNextStatement(text, mode) {
      return new Promise<void>((done) => {
        armedStatement = { text, mode, done };
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
