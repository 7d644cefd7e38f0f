// The binary columns body (shared/columnsWire.ts) gives back exactly the reply that was encoded:
// the same plain arrays, NaN, ±Infinity, -0, null and absent rows kept, for single- and
// multi-objective studies, categorical params of any type, user attrs, intermediate values and an
// empty study; and a body that is not one is refused with what is wrong, never read past its end.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createClient, ipcTransport } from '../../shared/client.ts';
import { contract, type TrialColumns, type TrialRow } from '../../shared/contract.ts';
import { COLUMNS_MIME, ColumnsWireError, decodeColumnsBody, encodeColumnsBody } from '../../shared/columnsWire.ts';
import { toIntermediateColumns, toTrialColumns, TRIAL_STATES } from '../../shared/trialColumns.ts';
import { rowsFromColumns, trialRowArb } from '../support/trialColumns.ts';

const rowArb = trialRowArb([NaN, Infinity, -Infinity, 0, -0, 1e-5, 2 ** 32, 4294967295, -1], false);

const ok = (value: unknown) => ({ ok: true, value });
const roundTrip = (v: unknown): unknown => decodeColumnsBody(encodeColumnsBody(v)!);

/** A study of `n` trials with every kind of column the replies carry. */
function study(n: number): TrialColumns {
  const rows: TrialRow[] = Array.from({ length: n }, (_, i) => ({
    trialId: 1000 + i,
    number: i,
    state: TRIAL_STATES[i % TRIAL_STATES.length]!,
    params: { lr: i % 7 === 0 ? NaN : 1e-5 * (i + 1), opt: ['adam', 'sgd', 'rmsprop'][i % 3]!, batch: [16, 32, 64][i % 3]!, flag: i % 2 === 0, ...(i % 5 ? { cond: i } : {}) },
    value: i % 11 === 0 ? null : i % 13 === 0 ? Infinity : i % 17 === 0 ? -Infinity : i % 19 === 0 ? NaN : i === 3 ? -0 : i / 3,
    intermediate: i % 4 === 0 ? [[0, i], [1, i === 8 ? NaN : i / 2]] : [],
    startedAt: i === 2 ? null : 1.7e12 + i * 1000,
    completedAt: i % 9 === 0 ? null : 1.7e12 + i * 1000 + 900,
    durationMs: i % 9 === 0 || i === 2 ? null : 900,
    childRunId: i % 6 === 0 ? null : `run-${i}`,
    reason: i % 10 === 4 ? 'pruned at step 3' : null,
  }));
  const cols = toTrialColumns(rows, n + 5, 'minimize');
  return {
    ...cols,
    directions: ['minimize', 'maximize', 'minimize'],
    values: [cols.value, cols.value.map((v) => (v === null ? null : -v)), cols.value.map((_, i) => (i % 3 === 0 ? null : i))],
    front: cols.number.filter((k) => k % 8 === 1),
    feasible: cols.number.map((k) => (k % 3 === 0 ? null : k % 3 === 1)),
    userAttrs: [
      { key: 'gpu', values: cols.number.map((k) => `gpu-${k % 4}`), absent: [] },
      { key: 'mixed', values: cols.number.map((k) => [k, `s${k}`, true, null, 0.5, -0, NaN][k % 7]!), absent: cols.number.filter((k) => k % 7 === 3) },
    ],
  };
}

describe('columns body', () => {
  it('gives back every column of a multi-objective study exactly (NaN, ±Infinity, -0, null, absent)', () => {
    for (const n of [0, 1, 15, 16, 17, 300]) {
      const c = study(n);
      expect(contract['sweeps.trialColumns'].output.safeParse(c).success).toBe(true);
      const back = roundTrip(ok(c)) as { ok: true; value: TrialColumns };
      // toEqual tells NaN from null and -0 from 0.
      expect(back).toEqual(ok(c));
      expect(Object.is(back.value.value[3], -0)).toBe(n > 3);
      expect(Array.isArray(back.value.number)).toBe(true);
    }
  });

  it('rows -> columns -> columns body -> rows gives the rows back', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 60 }), (rows) => {
        const cols = toTrialColumns(rows, rows.length, null);
        const inter = toIntermediateColumns(rows);
        const back = roundTrip(ok(cols)) as { value: TrialColumns };
        const interBack = roundTrip(ok(inter)) as { value: typeof inter };
        expect(back.value).toEqual(cols);
        expect(rowsFromColumns(back.value, interBack.value)).toEqual(rows);
      }),
      { numRuns: 150 },
    );
  });

  it('an error envelope travels too, and a long study is far smaller than its JSON', () => {
    const e = { ok: false, error: { code: 'NOT_FOUND', message: 'no sweep "x"' } };
    expect(roundTrip(e)).toEqual(e);
    const c = study(5000);
    const bytes = encodeColumnsBody(ok(c))!.byteLength;
    expect(bytes).toBeLessThan(JSON.stringify(ok(c)).length);
  });

  it('reads a body at any offset of a larger buffer (IPC and Node hand out such views)', () => {
    const body = encodeColumnsBody(ok(study(40)))!;
    const big = new Uint8Array(body.byteLength + 3);
    big.set(body, 3);
    expect(decodeColumnsBody(big.subarray(3))).toEqual(ok(study(40)));
    expect(decodeColumnsBody(body.slice().buffer)).toEqual(ok(study(40)));
  });

  it('keeps keys that look special as they are, and leaves a value that looks like a column reference to JSON', () => {
    const odd = JSON.parse('{"__proto__": {"a": 1}, "constructor": 2}') as unknown;
    const back = roundTrip(odd) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__', 'constructor']);
    expect(encodeColumnsBody({ x: { $col: 0 } })).toBeNull();
  });

  it('refuses a body that is not one, saying what is wrong', () => {
    const good = encodeColumnsBody(ok(study(40)))!;
    const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
    const headerLength = dv(good).getUint32(4, true);
    const header = JSON.parse(new TextDecoder().decode(good.subarray(8, 8 + headerLength))) as { v: unknown; c: Array<Record<string, unknown>> };
    const withHeader = (h: unknown): Uint8Array => {
      const text = new TextEncoder().encode(JSON.stringify(h));
      const pad = (8 - (text.byteLength % 8)) % 8;
      const data = good.subarray(8 + headerLength + ((8 - (headerLength % 8)) % 8));
      const out = new Uint8Array(8 + text.byteLength + pad + data.byteLength);
      out.set(good.subarray(0, 4));
      dv(out).setUint32(4, text.byteLength, true);
      out.set(text, 8);
      out.set(data, 8 + text.byteLength + pad);
      return out;
    };
    const dictAt = header.c.findIndex((s) => s.k === 'dict');
    const nullsAt = header.c.findIndex((s) => s.z !== undefined);
    const cases: Array<[Uint8Array, RegExp]> = [
      [good.subarray(0, 5), /5 bytes is too short/],
      [Uint8Array.from([1, 2, 3, 4, ...good.subarray(4)]), /does not start with SDC1/],
      [good.subarray(0, 8 + headerLength - 1), /header of \d+ bytes runs past the end/],
      [withHeader({ v: header.v }), /not \{ v, c: \[\.\.\.\] \}/],
      [withHeader({ ...header, c: header.c.map((s, i) => (i === 0 ? { ...s, n: 1e9 } : s)) }), /column 0: its 1000000000 entries run past the end/],
      [withHeader({ ...header, c: header.c.map((s, i) => (i === 0 ? { ...s, at: 4 } : s)) }), /column 0: length or offset/],
      [withHeader({ ...header, c: header.c.map((s, i) => (i === 0 ? { ...s, k: 'i8' } : s)) }), /column 0: kind 'i8'/],
      [withHeader({ ...header, c: header.c.map((s, i) => (i === dictAt ? { ...s, d: [] } : s)) }), new RegExp(`column ${dictAt}: code 0 at row 0 is not one of its 0 values`)],
      [withHeader({ ...header, c: header.c.map((s, i) => (i === nullsAt ? { ...s, n: 1 } : s)) }), new RegExp(`column ${nullsAt}: null row \\d+ is past its 1 entries`)],
      [withHeader({ v: { a: { $col: header.c.length } }, c: header.c }), /a reference to column \d+, of \d+/],
      [withHeader({ v: { a: { $col: 0 }, b: { $col: 0 } }, c: header.c }), /column 0 is referenced twice/],
    ];
    for (const [body, message] of cases) {
      expect(() => decodeColumnsBody(body), String(message)).toThrow(ColumnsWireError);
      expect(() => decodeColumnsBody(body), String(message)).toThrow(message);
    }
    expect(COLUMNS_MIME).toMatch(/^application\//);
  });

  it('the IPC client decodes a body main sends, and reports a broken one as a TRANSPORT error', async () => {
    const c = study(50);
    const replies: unknown[] = [encodeColumnsBody(ok(c)), encodeColumnsBody(ok(c))!.subarray(0, 100)];
    const client = createClient(ipcTransport({ invoke: () => Promise.resolve(replies.shift()), on: () => () => undefined }));
    expect(await client.call('sweeps.trialColumns', { id: 's' })).toEqual(ok(c));
    const broken = await client.call('sweeps.trialColumns', { id: 's' });
    expect(broken).toMatchObject({ ok: false, error: { code: 'TRANSPORT' } });
    expect(!broken.ok && broken.error.message).toMatch(/columns body: .*runs past the end/);
  });
});
