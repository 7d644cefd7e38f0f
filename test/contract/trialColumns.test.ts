// sweeps.trialColumns + sweeps.intermediateColumns carry the same trials as sweeps.trials, column by
// column. Rows -> columns -> the wire -> rows must give back exactly the rows (NaN, ±Infinity, absent
// and null params, any number of intermediate values), and the schemas must refuse columns that do
// not line up.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contract, trialStateSchema, type IntermediateColumns, type TrialColumns, type TrialRow } from '../../shared/contract.ts';
import { fromTrialColumns, toIntermediateColumns, toTrialColumns, TRIAL_STATES } from '../../shared/trialColumns.ts';
import { decodeWire, encodeWire } from '../../shared/wire.ts';
import { plainTrial, rowsFromColumns, trialRowArb } from '../support/trialColumns.ts';

const rowArb = trialRowArb([NaN, Infinity, -Infinity, 0, -0.5, 1e-5], true);

const schema = contract['sweeps.trialColumns'].output;
const interSchema = contract['sweeps.intermediateColumns'].output;

describe('trial columns', () => {
  it('state codes are the contract trial states, in order', () => {
    expect([...TRIAL_STATES]).toEqual(trialStateSchema.options);
  });

  it('rows -> columns -> JSON wire -> rows gives the rows back, and the columns pass the schema', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 30 }), fc.constantFrom('minimize', 'maximize', null), (rows, direction) => {
        const cols = toTrialColumns(rows, rows.length, direction);
        const inter = toIntermediateColumns(rows);
        expect(schema.safeParse(cols).success).toBe(true);
        expect(interSchema.safeParse(inter).success).toBe(true);
        expect(rowsFromColumns(cols, inter)).toEqual(rows);
        // The scalar columns alone: the rows without their intermediate values.
        expect(fromTrialColumns(cols).map(plainTrial)).toEqual(rows.map(({ intermediate: _, ...r }) => r));
        // Over HTTP: what the rows themselves would have become on the wire (JSON has no -0).
        const back = decodeWire(encodeWire(cols)) as TrialColumns;
        const interBack = decodeWire(encodeWire(inter)) as IntermediateColumns;
        expect(rowsFromColumns(back, interBack)).toEqual(decodeWire(encodeWire(rows)));
        // Electron's IPC uses structured clone, which keeps everything as it is.
        expect(rowsFromColumns(structuredClone(cols), structuredClone(inter))).toEqual(rows);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps an absent param apart from a param whose value is null', () => {
    const base = { trialId: 1, number: 0, state: 'COMPLETE' as const, value: 1, intermediate: [], startedAt: 1, completedAt: 2, durationMs: 1, childRunId: null, reason: null };
    const rows: TrialRow[] = [
      { ...base, params: { a: null } },
      { ...base, trialId: 2, number: 1, params: {} },
    ];
    const back = fromTrialColumns(toTrialColumns(rows, 2, null)).map(plainTrial);
    expect(Object.keys(back[0]!.params)).toEqual(['a']);
    expect(Object.keys(back[1]!.params)).toEqual([]);
  });

  it('rows are refused, naming the column, when the columns do not line up or a state code is unknown', () => {
    const rows: TrialRow[] = [0, 1].map((n) => ({ trialId: n + 1, number: n, state: 'COMPLETE', params: { x: n }, value: n, intermediate: [], startedAt: 1, completedAt: 2, durationMs: 1, childRunId: null, reason: null }));
    const good = toTrialColumns(rows, 2, null);
    expect(() => fromTrialColumns({ ...good, value: [1] })).toThrow(/'value' has 1 entries for 2 trials/);
    expect(() => fromTrialColumns({ ...good, params: [{ name: 'x', values: [1], absent: [] }] })).toThrow(/param 'x' has 1 entries/);
    expect(() => fromTrialColumns({ ...good, state: [1, TRIAL_STATES.length] })).toThrow(/state code 5 at row 1/);
  });

  it('the schema refuses columns that do not line up, naming the column', () => {
    const rows: TrialRow[] = [0, 1, 2].map((n) => ({ trialId: n + 1, number: n, state: 'COMPLETE', params: { x: n }, value: n, intermediate: [[0, n]], startedAt: 1, completedAt: 2, durationMs: 1, childRunId: null, reason: null }));
    const good = toTrialColumns(rows, 3, 'maximize');
    const goodInter = toIntermediateColumns(rows);
    expect(schema.safeParse(good).success).toBe(true);
    expect(interSchema.safeParse(goodInter).success).toBe(true);
    const cases: Array<[string, TrialColumns | IntermediateColumns]> = [
      ['value', { ...good, value: [1, 2] }],
      ['params', { ...good, params: [{ name: 'x', values: [1], absent: [] }] }],
      ['params', { ...good, params: [{ name: 'x', values: [1, 2, 3], absent: [7] }] }],
      ['state', { ...good, state: [1, 1, TRIAL_STATES.length] }],
      ['start', { ...goodInter, start: [0, 1, 2] }],
      ['start', { ...goodInter, start: [0, 2, 1, 3] }],
      ['value', { ...goodInter, value: [1] }],
    ];
    for (const [field, bad] of cases) {
      const r = ('params' in bad ? schema : interSchema).safeParse(bad);
      expect(r.success, field).toBe(false);
      expect(r.error?.issues.map((i) => String(i.path[0])), field).toContain(field);
    }
  });
});
