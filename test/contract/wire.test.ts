// The pieces the transports share: the wire codec keeps non-finite numbers, the client turns any
// transport failure or malformed reply into a typed error, and events reach only their listeners.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createClient, type Transport } from '../../shared/client.ts';
import { contract } from '../../shared/contract.ts';
import { EVENT_NAMES, events } from '../../shared/events.ts';
import { decodeWire, encodeWire } from '../../shared/wire.ts';

describe('wire codec', () => {
  it('round-trips NaN and ±Infinity anywhere in a value', () => {
    const v = { value: NaN, best: { value: Infinity }, intermediate: [[0, -Infinity], [1, 0.5]], s: 'NaN' };
    const back = decodeWire(encodeWire(v)) as typeof v;
    expect(Number.isNaN(back.value)).toBe(true);
    expect(back.best.value).toBe(Infinity);
    expect(back.intermediate[0]?.[1]).toBe(-Infinity);
    expect(back.s).toBe('NaN');
  });

  it('round-trips any JSON value unchanged', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(decodeWire(encodeWire(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });

  it('round-trips doubles including non-finite ones', () => {
    fc.assert(
      fc.property(fc.array(fc.double()), (xs) => {
        const back = decodeWire(encodeWire(xs)) as number[];
        expect(back.length).toBe(xs.length);
        // -0 becomes 0 in JSON; everything else is exact.
        xs.forEach((x, i) => expect(Object.is(back[i], x) || (x === 0 && back[i] === 0)).toBe(true));
      }),
    );
  });
});

function fakeTransport(reply: (channel: string, input: unknown) => unknown): Transport & { emit(e: string, p: unknown): void } {
  const subs = new Map<string, Set<(p: unknown) => void>>();
  return {
    kind: 'ipc',
    invoke: async (ch, input) => reply(ch, input),
    subscribe(e, l) {
      if (!subs.has(e)) subs.set(e, new Set());
      subs.get(e)?.add(l);
      return () => subs.get(e)?.delete(l);
    },
    emit(e, p) {
      for (const l of subs.get(e) ?? []) l(p);
    },
  };
}

describe('client', () => {
  it('turns a throwing transport into TRANSPORT', async () => {
    const c = createClient(fakeTransport(() => {
      throw new Error('socket closed');
    }));
    const r = await c.call('sweeps.list', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'TRANSPORT' } });
    if (!r.ok) expect(r.error.message).toContain('socket closed');
  });

  it('turns a malformed reply into TRANSPORT', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (reply) => {
        const shaped = reply !== null && typeof reply === 'object' && 'ok' in reply;
        fc.pre(!shaped);
        const c = createClient(fakeTransport(() => reply));
        expect(await c.call('sweeps.list', {})).toMatchObject({ ok: false, error: { code: 'TRANSPORT' } });
      }),
    );
  });

  it('refuses channels outside the contract without calling the transport', async () => {
    let called = false;
    const c = createClient(fakeTransport(() => {
      called = true;
      return { ok: true, value: 1 };
    }));
    const r = await c.call('nope' as 'sweeps.list', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(called).toBe(false);
  });

  it('delivers events to their listeners until unsubscribed', () => {
    const tr = fakeTransport(() => null);
    const c = createClient(tr);
    const got: unknown[] = [];
    const off = c.on('outbox.pending', (p) => got.push(p.pending));
    tr.emit('outbox.pending', { pending: 3 });
    tr.emit('sweeps.changed', { reason: 'x' });
    off();
    tr.emit('outbox.pending', { pending: 4 });
    expect(got).toEqual([3]);
    expect(() => c.on('nope' as 'outbox.pending', () => {})).toThrow(/not an event/);
  });
});

describe('contract shape', () => {
  it('has strict inputs: an unknown field is an error on every channel', () => {
    for (const [ch, spec] of Object.entries(contract)) {
      expect(spec.input.safeParse({ unexpectedField: 1 }).success, ch).toBe(false);
    }
  });

  it('every event has a schema that rejects junk', () => {
    for (const e of EVENT_NAMES) expect(events[e].safeParse({ junk: true }).success, e).toBe(false);
  });
});
