// The browser host at its edges: a cookie that is not valid percent-encoding, request bodies cut
// off by the client, and requests Node cannot parse are the client's mistakes: a 4xx (when anyone
// is left to read it) and at most one log line each, never a 500 or a stack trace.
import { connect } from 'node:net';
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../electron/app/eventBus.ts';
import { createDispatch } from '../../electron/app/dispatch.ts';
import { startHost, type Host } from '../../electron/host/server.ts';
import { cookieName } from '../../electron/host/security.ts';
import { abortedBody } from '../support/abortedBody.ts';
import { until } from '../support/until.ts';

const dispatch = createDispatch({ 'app.info': async () => ({ version: 't', host: 'browser', dataDir: '/x', platform: 'p', exampleConfigPath: null }) });
let host: Host;
let logged: string[] = [];

beforeAll(async () => {
  host = await startHost({ app: { dispatch, bus: new EventBus() }, rendererDir: null });
});
afterAll(async () => {
  await host.close();
});
afterEach(() => {
  vi.restoreAllMocks();
  logged = [];
});
const captureLog = (): void => {
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void logged.push(a.map((x) => (x instanceof Error ? (x.stack ?? x.message) : String(x))).join(' ')));
};

function get(path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, method, headers: { host: `127.0.0.1:${host.port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('browser host edges', () => {
  it('a malformed cookie is no token: 401, nothing logged', async () => {
    captureLog();
    const r = await get('/', { cookie: `${cookieName(host.port)}=%E0%A4%A` });
    expect(r.status).toBe(401);
    expect(r.body).toContain('needs its token');
    // The API never reads the cookie: a malformed one beside the right token changes nothing.
    const api = await get('/api/app.info', { cookie: `${cookieName(host.port)}=%E0%A4%A`, 'x-sweepdeck-token': host.token, 'content-type': 'application/json' }, 'POST', '{}');
    expect(api.status).toBe(200);
    expect(logged).toEqual([]);
  });

  it('150 request bodies cut off by the client: one log line each, no stack trace, the host still answers', async () => {
    captureLog();
    for (let i = 0; i < 150; i++) await abortedBody(host.port, '/api/app.info', { 'x-sweepdeck-token': host.token });
    await until('150 log lines', async () => logged.length >= 150, 20_000);
    expect(logged).toHaveLength(150);
    for (const line of logged) {
      expect(line).not.toContain('\n');
      expect(line).toMatch(/^sweepdeck host: POST \/api\/app\.info: the client closed the connection after \d+ bytes of the request body$/);
    }
    const r = await get('/api/app.info', { 'x-sweepdeck-token': host.token, 'content-type': 'application/json' }, 'POST', '{}');
    expect(r.status).toBe(200);
  });

  it('a request Node cannot parse gets 400, not a silent hang-up', async () => {
    captureLog();
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(host.port, '127.0.0.1');
      let text = '';
      socket.setEncoding('utf8').on('data', (d: string) => (text += d));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      socket.write('GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nbad header line without colon\r\n\r\n');
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(logged).toEqual([]);
  });
});
