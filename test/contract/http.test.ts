// The same contract through the browser host: generated bodies (JSON and not), every channel, and
// the host keeps serving; the typed client over httpTransport sees the same typed results.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport, TOKEN_HEADER, type Client } from '../../shared/client.ts';
import { CHANNELS } from '../../shared/contract.ts';
import { resultEnvelopeSchema } from '../../shared/result.ts';
import { decodeWire } from '../../shared/wire.ts';
import { startHost, type Host } from '../../electron/host/server.ts';
import { accepts, inputFor, tempApp, touchesOutside, type TempApp } from './support.ts';

let t: TempApp;
let host: Host;
let client: Client;
let cwd: string;

beforeAll(async () => {
  t = await tempApp();
  cwd = process.cwd();
  process.chdir(t.dataDir);
  host = await startHost({ app: t.app, rendererDir: null });
  client = createClient(httpTransport(host.origin, host.token));
});

afterAll(async () => {
  client.close();
  await host.close();
  process.chdir(cwd);
  await t.cleanup();
});

async function post(channel: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${host.origin}/api/${encodeURIComponent(channel)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TOKEN_HEADER]: host.token, ...headers },
    body,
  });
  const text = await res.text();
  return { status: res.status, json: decodeWire(text) };
}

describe('contract over HTTP', () => {
  it('answers bodies that are not JSON with a typed INVALID_INPUT', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CHANNELS), fc.string({ minLength: 1, maxLength: 200 }), async (ch, body) => {
        let isJson = true;
        try {
          JSON.parse(body);
        } catch {
          isJson = false;
        }
        fc.pre(!isJson && body.trim() !== '');
        const r = await post(ch, body);
        expect(r.status).toBe(400);
        expect(r.json).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
      }),
      { numRuns: 100 },
    );
  });

  it('every channel: generated JSON inputs give typed results through the host', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CHANNELS).chain((ch) => fc.tuple(fc.constant(ch), inputFor(ch))), async ([ch, input]) => {
        fc.pre(!touchesOutside(ch, input, t.dataDir));
        const r = await post(ch, JSON.stringify(input));
        expect(r.status).toBe(200);
        const env = resultEnvelopeSchema.parse(r.json);
        if (!accepts(ch, input)) expect(env).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
        else if (!env.ok) expect(env.error.code).not.toBe('INTERNAL');
      }),
      { numRuns: 300 },
    );
  });

  it('refuses non-JSON content types and oversized bodies, and keeps serving', async () => {
    const form = await fetch(`${host.origin}/api/sweeps.list`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', [TOKEN_HEADER]: host.token },
      body: 'a=1',
    });
    expect(form.status).toBe(415);
    const big = await post('config.validate', JSON.stringify({ text: 'x'.repeat(5 * 1024 * 1024) }));
    expect(big.status).toBe(413);
    const unknown = await post('no.such.channel', '{}');
    expect(unknown.json).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    const get = await fetch(`${host.origin}/api/sweeps.list`, { headers: { [TOKEN_HEADER]: host.token } });
    expect(get.status).toBe(405);
  });

  it('the typed client gets the same results, and NaN/Infinity survive the wire', async () => {
    const list = await client.call('sweeps.list', {});
    expect(list.ok).toBe(true);
    const bad = await client.call('sweeps.get', { id: '' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const missing = await client.call('sweeps.get', { id: 'sw_nope' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await expect(client.get('sweeps.get', { id: 'sw_nope' })).rejects.toMatchObject({ name: 'AppCallError', code: 'NOT_FOUND' });
    const info = await client.get('app.info', {});
    expect(info.host).toBe('browser');
  });

  it('a client whose host is gone gets TRANSPORT, not an exception', async () => {
    const dead = createClient(httpTransport('http://127.0.0.1:9', host.token));
    const r = await dead.call('sweeps.list', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'TRANSPORT' } });
  });
});
