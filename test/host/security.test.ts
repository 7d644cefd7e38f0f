// The browser host's guards, each tried for the page, the API and the event stream: the token is
// required (missing or wrong: 401), a foreign Host or Origin is refused (403), the page carries a
// strict CSP, files outside the renderer folder are unreachable, and SSE delivers events.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport, TOKEN_HEADER } from '../../shared/client.ts';
import { EventBus } from '../../electron/app/eventBus.ts';
import { createDispatch } from '../../electron/app/dispatch.ts';
import { startHost, type Host } from '../../electron/host/server.ts';
import { cookieName } from '../../electron/host/security.ts';
import { until } from '../support/until.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http, because fetch will not send a forged Host header. Reads at most a little of an SSE
 * stream, then hangs up. */
function raw(host: Host, opts: { path: string; method?: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path: opts.path, method: opts.method ?? 'GET', headers: opts.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      const done = (): void => resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      res.on('data', (c: string) => {
        body += c;
        if ((res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          req.destroy();
          done();
        }
      });
      res.on('end', done);
    });
    req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

const bus = new EventBus();
const dispatch = createDispatch({ 'app.info': async () => ({ version: 't', host: 'browser', dataDir: '/x', platform: 'p', exampleConfigPath: null }) });
let host: Host;
let built: Host;
let rendererDir: string;

beforeAll(async () => {
  host = await startHost({ app: { dispatch, bus }, rendererDir: null });
  rendererDir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-renderer-'));
  mkdirSync(path.join(rendererDir, 'assets'));
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>built renderer</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(path.join(os.tmpdir(), 'sweepdeck-secret.txt'), 'secret');
  built = await startHost({ app: { dispatch, bus }, rendererDir });
});

afterAll(async () => {
  await host.close();
  await built.close();
  rmSync(rendererDir, { recursive: true, force: true });
  rmSync(path.join(os.tmpdir(), 'sweepdeck-secret.txt'), { force: true });
});

const api = (h: Host, headers: Record<string, string> = {}) =>
  raw(h, { path: '/api/app.info', method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

describe('token', () => {
  it('the printed URL carries a long random token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/);
    expect(host.token).not.toBe(built.token);
  });

  it('the page: 401 without or with a wrong token, 200 with it', async () => {
    expect((await raw(host, { path: '/' })).status).toBe(401);
    expect((await raw(host, { path: `/?token=${'0'.repeat(64)}` })).status).toBe(401);
    expect((await raw(host, { path: `/?token=${host.token.slice(0, -1)}` })).status).toBe(401);
    const ok = await raw(host, { path: `/?token=${host.token}` });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('Sweepdeck');
  });

  it('the API: 401 without, with a wrong token, with the token only in the query or a cookie', async () => {
    expect((await api(host)).status).toBe(401);
    expect((await api(host, { [TOKEN_HEADER]: 'wrong' })).status).toBe(401);
    expect((await raw(host, { path: `/api/app.info?token=${host.token}`, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(401);
    expect((await api(host, { cookie: `${cookieName(host.port)}=${host.token}` })).status).toBe(401);
    const ok = await api(host, { [TOKEN_HEADER]: host.token });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true, value: { host: 'browser' } });
    expect((await api(host, { authorization: `Bearer ${host.token}` })).status).toBe(200);
  });

  it('the event stream: 401 without or with a wrong token', async () => {
    expect((await raw(host, { path: '/api/events' })).status).toBe(401);
    expect((await raw(host, { path: '/api/events', headers: { [TOKEN_HEADER]: 'nope' } })).status).toBe(401);
    const ok = await raw(host, { path: '/api/events', headers: { [TOKEN_HEADER]: host.token } });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toContain('text/event-stream');
  });

  it('the page sets an HttpOnly SameSite cookie that lets its own assets load', async () => {
    const page = await raw(built, { path: `/?token=${built.token}` });
    const setCookie = String(page.headers['set-cookie']);
    expect(setCookie).toContain(`${cookieName(built.port)}=${built.token}`);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect((await raw(built, { path: '/assets/app.js' })).status).toBe(401);
    const asset = await raw(built, { path: '/assets/app.js', headers: { cookie: `${cookieName(built.port)}=${built.token}` } });
    expect(asset.status).toBe(200);
    expect(asset.body).toContain('console.log');
    expect(asset.headers['content-type']).toContain('text/javascript');
  });
});

describe('Host and Origin', () => {
  const foreignHosts = ['evil.example', 'evil.example:80', `attacker.test:${0}`, '127.0.0.1.nip.io', '192.168.1.10'];

  it.each(foreignHosts)('refuses Host %s for the page, the API and the events', async (h) => {
    expect((await raw(host, { path: `/?token=${host.token}`, headers: { host: h } })).status).toBe(403);
    expect((await api(host, { host: h, [TOKEN_HEADER]: host.token })).status).toBe(403);
    expect((await raw(host, { path: '/api/events', headers: { host: h, [TOKEN_HEADER]: host.token } })).status).toBe(403);
  });

  it('accepts loopback names on any port (an SSH tunnel may forward another port)', async () => {
    for (const h of ['localhost:8765', '127.0.0.1:9', '[::1]:4000', 'LOCALHOST']) {
      expect((await api(host, { host: h, [TOKEN_HEADER]: host.token })).status, h).toBe(200);
    }
  });

  it('refuses a foreign Origin, even with the token', async () => {
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${host.port + 1}`, `https://127.0.0.1:${host.port}`]) {
      expect((await api(host, { origin, [TOKEN_HEADER]: host.token })).status, origin).toBe(403);
      expect((await raw(host, { path: `/?token=${host.token}`, headers: { origin } })).status, origin).toBe(403);
    }
    expect((await api(host, { origin: `http://127.0.0.1:${host.port}`, [TOKEN_HEADER]: host.token })).status).toBe(200);
    expect((await api(host, { 'sec-fetch-site': 'cross-site', [TOKEN_HEADER]: host.token })).status).toBe(403);
  });
});

describe('content', () => {
  it('HTML carries a strict CSP and no inline allowances', async () => {
    for (const h of [host, built]) {
      const page = await raw(h, { path: `/?token=${h.token}` });
      const csp = String(page.headers['content-security-policy']);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(csp).not.toMatch(/https?:/);
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      expect(page.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('serves the built renderer, client routes get index.html, nothing outside its folder', async () => {
    const cookie = { cookie: `${cookieName(built.port)}=${built.token}` };
    expect((await raw(built, { path: '/', headers: cookie })).body).toContain('built renderer');
    expect((await raw(built, { path: '/sweeps/abc', headers: cookie })).body).toContain('built renderer');
    expect((await raw(built, { path: '/assets/missing.js', headers: cookie })).status).toBe(404);
    for (const p of ['/../sweepdeck-secret.txt', '/..%2f..%2fsweepdeck-secret.txt', '/%2e%2e/%2e%2e/sweepdeck-secret.txt', '/assets/../../sweepdeck-secret.txt']) {
      const r = await raw(built, { path: p, headers: cookie });
      expect(r.body, p).not.toContain('secret');
    }
  });
});

describe('events over SSE', () => {
  it('delivers typed events to the client, including non-finite numbers', async () => {
    const client = createClient(httpTransport(host.origin, host.token, { reconnectMs: 50 }));
    const got: Array<{ pending: number }> = [];
    const progress: Array<number | null> = [];
    const off = client.on('outbox.pending', (p) => got.push(p));
    client.on('sweep.progress', (p) => progress.push(p.best?.value ?? null));
    // The stream connects asynchronously: emit until the first event arrives.
    await until('the first event over the stream', async () => {
      bus.emit('outbox.pending', { pending: 7 });
      return got.length > 0;
    }, 10_000, 50);
    expect(got[0]).toEqual({ pending: 7 });
    bus.emit('sweep.progress', {
      id: 's',
      state: 'running',
      runsHere: true,
      finishedTrials: 1,
      maxTrials: 2,
      counts: { RUNNING: 1, COMPLETE: 1, PRUNED: 0, FAIL: 0, WAITING: 0 },
      best: { number: 0, value: -Infinity },
      trial: null,
      message: null,
    });
    await until('the progress event', async () => progress.length > 0, 10_000, 25);
    expect(progress).toEqual([-Infinity]);
    off();
    client.close();
  });

  it('closing the host ends each event stream cleanly and takes no new one, even over a kept-alive connection', async () => {
    // The page reconnects its event stream as soon as the old one ends, over a connection the
    // browser kept alive from an API call that was still being answered when the host began to
    // close. The host used to serve that new stream and then wait for it, so `sweepdeck serve` hung
    // on SIGTERM until it was killed, and Chromium reported the cut stream as
    // net::ERR_INCOMPLETE_CHUNKED_ENCODING.
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let asked = (): void => undefined;
    const inFlight = new Promise<void>((r) => (asked = r));
    const slow: typeof dispatch = async (channel, input) => {
      asked();
      await gate;
      return dispatch(channel, input);
    };
    // A long grace, so that only the host's own closing can pass the 5 s check below.
    const h = await startHost({ app: { dispatch: slow, bus }, rendererDir: null, closeGraceMs: 60_000 });
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    const call = (path: string, method: string, body?: string): Promise<{ status: number; ended: Promise<{ complete: boolean; body: string }> }> =>
      new Promise((resolve, reject) => {
        const headers: Record<string, string> = { [TOKEN_HEADER]: h.token, ...(body ? { 'content-type': 'application/json' } : {}) };
        const req = request({ host: '127.0.0.1', port: h.port, path, method, agent, headers }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          const ended = new Promise<{ complete: boolean; body: string }>((r) => res.on('close', () => r({ complete: res.complete, body: text })));
          resolve({ status: res.statusCode ?? 0, ended });
        });
        req.on('error', reject);
        req.end(body);
      });
    try {
      const stream = await call('/api/events', 'GET', undefined);
      expect(stream.status).toBe(200);
      // On the agent's second socket (the stream holds the first), and still being answered when
      // the host begins to close.
      const pending = new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: h.port, path: '/api/app.info', method: 'POST', agent, headers: { [TOKEN_HEADER]: h.token, 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end('{}');
      });
      await inFlight;
      const closed = h.close();
      const end = await stream.ended;
      expect(end.body).toContain(': connected');
      expect(end.complete).toBe(true);
      release();
      expect(await pending).toBe(200);
      // Reconnect at once, as the page does, on the socket the API call kept alive.
      const again = await call('/api/events', 'GET').then(
        (r) => `HTTP ${r.status}`,
        (e: NodeJS.ErrnoException) => e.code ?? e.message,
      );
      expect(again).toMatch(/^(ECONNRESET|ECONNREFUSED|HTTP 503)$/);
      // Closing finishes (a hang fails the test at its timeout).
      await closed;
    } finally {
      release();
      agent.destroy();
      await h.close();
    }
  });

  it('closing the host cuts a call that is still unanswered after the grace period, so stopping never hangs', async () => {
    let asked = (): void => undefined;
    const inFlight = new Promise<void>((r) => (asked = r));
    const never: typeof dispatch = async () => {
      asked();
      return new Promise(() => undefined);
    };
    const h = await startHost({ app: { dispatch: never, bus }, rendererDir: null, closeGraceMs: 100 });
    const call = fetch(`${h.origin}/api/app.info`, { method: 'POST', headers: { 'content-type': 'application/json', [TOKEN_HEADER]: h.token }, body: '{}' }).then(
      (r) => `HTTP ${r.status}`,
      () => 'cut',
    );
    await inFlight;
    // That the grace period lets a late answer through is the test above; here closing must end.
    await h.close();
    expect(await call).toBe('cut');
  });

  it('drops an event whose payload breaks the contract instead of sending it', () => {
    const problems: string[] = [];
    const b = new EventBus((e) => problems.push(e));
    const seen: unknown[] = [];
    b.subscribe((m) => seen.push(m));
    b.emit('outbox.pending', { pending: -1 });
    expect(seen).toEqual([]);
    expect(problems).toEqual(['outbox.pending']);
  });
});
