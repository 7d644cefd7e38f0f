// The app takes over the replies public/early.js asked for: once, only for the same channel and
// input, and through the same decoding as a normal reply.
import { describe, expect, it } from 'vitest';
import type { Transport } from '../../shared/client.ts';
import { withEarlyReplies } from '../../renderer/src/api/earlyReplies.ts';
import { encodeColumnsBody } from '../../shared/columnsWire.ts';

function fakeTransport(kind: 'http' | 'ipc' = 'http'): Transport & { calls: Array<[string, unknown]> } {
  const calls: Array<[string, unknown]> = [];
  return {
    kind,
    calls,
    invoke: async (channel, input) => {
      calls.push([channel, input]);
      return { ok: true, value: `live ${channel}` };
    },
    subscribe: () => () => {},
  };
}
const early = (replies: Record<string, { status: number; text: string } | { status: number; bytes: ArrayBuffer }>) => ({
  v: 1 as const,
  id: 's1',
  body: JSON.stringify({ id: 's1' }),
  replies: Object.fromEntries(Object.entries(replies).map(([k, v]) => [k, Promise.resolve(v)])),
});

describe('withEarlyReplies', () => {
  it('answers the first matching call from the early reply, every other call live', async () => {
    const t = fakeTransport();
    const w = withEarlyReplies(t, 's1', early({ 'sweeps.get': { status: 200, text: '{"ok":true,"value":{"n":{"$num":"NaN"}}}' } }));
    const first = (await w.invoke('sweeps.get', { id: 's1' })) as { value: { n: number } };
    expect(Number.isNaN(first.value.n)).toBe(true); // decoded like any HTTP reply
    expect(t.calls).toEqual([]);
    expect(await w.invoke('sweeps.get', { id: 's1' })).toEqual({ ok: true, value: 'live sweeps.get' });
    expect(await w.invoke('sweeps.get', { id: 's2' })).toEqual({ ok: true, value: 'live sweeps.get' });
    expect(await w.invoke('sweeps.list', {})).toEqual({ ok: true, value: 'live sweeps.list' });
    expect(t.calls.map(([c]) => c)).toEqual(['sweeps.get', 'sweeps.get', 'sweeps.list']);
  });

  it('a different input does not take the early reply (which stays for the matching call)', async () => {
    const t = fakeTransport();
    const w = withEarlyReplies(t, 's1', early({ 'sweeps.trialColumns': { status: 200, text: '{"ok":true,"value":1}' } }));
    expect(await w.invoke('sweeps.trialColumns', { id: 's1', extra: 1 })).toEqual({ ok: true, value: 'live sweeps.trialColumns' });
    expect(await w.invoke('sweeps.trialColumns', { id: 's1' })).toEqual({ ok: true, value: 1 });
  });

  it('decodes the trials sent as a binary columns body', async () => {
    const value = { number: Array.from({ length: 20 }, (_, i) => i), value: Array.from({ length: 20 }, (_, i) => (i === 3 ? NaN : i === 4 ? null : i / 3)) };
    const bytes = encodeColumnsBody({ ok: true, value })!;
    const w = withEarlyReplies(fakeTransport(), 's1', early({ 'sweeps.trialColumns': { status: 200, bytes: bytes.slice().buffer } }));
    expect(await w.invoke('sweeps.trialColumns', { id: 's1' })).toEqual({ ok: true, value });
  });

  it('a reply that is not JSON fails like the HTTP transport, naming the status', async () => {
    const w = withEarlyReplies(fakeTransport(), 's1', early({ 'sweeps.get': { status: 502, text: 'Bad gateway' } }));
    await expect(w.invoke('sweeps.get', { id: 's1' })).rejects.toThrow('HTTP 502: Bad gateway');
  });

  it('is not used for another sweep, an unknown version, or over IPC', () => {
    const e = early({ 'sweeps.get': { status: 200, text: '{}' } });
    const t = fakeTransport();
    expect(withEarlyReplies(t, 's2', e)).toBe(t);
    expect(withEarlyReplies(t, null, e)).toBe(t);
    expect(withEarlyReplies(t, 's1', { ...e, v: 2 as unknown as 1 })).toBe(t);
    const ipc = fakeTransport('ipc');
    expect(withEarlyReplies(ipc, 's1', e)).toBe(ipc);
  });
});
