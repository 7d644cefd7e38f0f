// The HTTP client knows when its host is gone and comes back by itself: the event stream ending or a
// call that cannot connect says "disconnected" at once (with why), attempts go on with a growing
// pause, and a host started again on the same port with the same token is reconnected to, events
// flowing again. A stream that goes silent (a host whose machine slept) is taken as lost too.
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import type { HostConnectionInfo } from '../../shared/hostConnection.ts';
import { ok } from '../../shared/result.ts';
import { EventBus } from '../../electron/app/eventBus.ts';
import { startHost, type Host } from '../../electron/host/server.ts';
import { until } from '../support/until.ts';

const TOKEN = 'reconnect-test-token-0123456789abcdef';
const app = { bus: new EventBus(), dispatch: async () => ok({ version: 'test' }) };

let host: Host | undefined;
let client: Client | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  await host?.close();
  host = undefined;
});

function watch(c: Client): { seen: HostConnectionInfo[]; now: () => HostConnectionInfo } {
  const conn = c.transport.connection;
  if (!conn) throw new Error('the HTTP transport reports no connection');
  const seen: HostConnectionInfo[] = [];
  conn.subscribe((i) => seen.push(i));
  return { seen, now: () => conn.info() };
}

describe('reconnecting to the browser host', () => {
  it('says disconnected when the host stops, and reconnects when it is back on the same port', async () => {
    host = await startHost({ app, token: TOKEN, rendererDir: null, closeGraceMs: 100 });
    const port = host.port;
    client = createClient(httpTransport(host.origin, TOKEN, { reconnectMs: 20, maxReconnectMs: 200 }));
    const conn = watch(client);
    const got: string[] = [];
    client.on('sweeps.changed', (p) => got.push(p.reason));
    await until('the stream to connect', async () => conn.now().state === 'connected');
    app.bus.emit('sweeps.changed', { reason: 'before' });
    await until('the first event', async () => got.includes('before'));

    await host.close();
    host = undefined;
    await until('the loss to be said', async () => conn.now().state === 'disconnected');
    expect(conn.now().reason).toMatch(/closed the connection|cannot reach the host/);
    const r = await client.call('app.info', {});
    expect(r.ok ? 'ok' : r.error.code).toBe('TRANSPORT');
    expect(conn.now().state).toBe('disconnected');

    host = await startHost({ app, port, token: TOKEN, rendererDir: null, closeGraceMs: 100 });
    await until('the stream to reconnect', async () => conn.now().state === 'connected', 20_000);
    app.bus.emit('sweeps.changed', { reason: 'after' });
    await until('events to flow again', async () => got.includes('after'));
    expect(conn.seen.map((i) => i.state)).toContain('disconnected');
  });

  it('a silent stream (no keep-alive) is taken as lost and opened again', async () => {
    host = await startHost({ app, token: TOKEN, rendererDir: null, keepAliveMs: 600_000, closeGraceMs: 100 });
    client = createClient(httpTransport(host.origin, TOKEN, { reconnectMs: 20, maxReconnectMs: 50, stallMs: 300 }));
    const conn = watch(client);
    client.on('sweeps.changed', () => undefined);
    await until('the stream to connect', async () => conn.now().state === 'connected');
    await until('the silence to be noticed', async () => conn.seen.find((i) => i.state === 'disconnected'));
    expect(conn.seen.find((i) => i.state === 'disconnected')?.reason).toBe('the host sent nothing for too long');
    await until('the stream to be opened again', async () => conn.now().state === 'connected');
  });

  it('a refused token is said as such', async () => {
    host = await startHost({ app, token: TOKEN, rendererDir: null, closeGraceMs: 100 });
    client = createClient(httpTransport(host.origin, 'not-the-token-0123456789abcdef', { reconnectMs: 20, maxReconnectMs: 50 }));
    const conn = watch(client);
    client.on('sweeps.changed', () => undefined);
    await until('the refusal', async () => conn.now().state === 'disconnected');
    expect(conn.now().reason).toMatch(/refused this page's token/);
  });
});
