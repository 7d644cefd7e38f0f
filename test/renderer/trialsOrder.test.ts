// The trials table's order and filters (lib/trialsOrder.ts) on rows as the page has them (decoded
// from a column reply, user attributes included): filters combine, trials without a value for the
// sort column come last both ways, ties keep trial-number order, text sorts as text.
import { describe, expect, it } from 'vitest';
import type { TrialScalars } from '../../shared/contract.ts';
import { fromTrialColumns, toTrialColumns } from '../../shared/trialColumns.ts';
import { distinctValues, orderTrials, radixOrder } from '../../renderer/src/lib/trialsOrder.ts';

const row = (number: number, value: number | null, params: TrialScalars['params'], state: TrialScalars['state'] = 'COMPLETE'): TrialScalars => ({
  trialId: number + 1,
  number,
  state,
  value,
  params,
  startedAt: null,
  completedAt: null,
  durationMs: null,
  childRunId: null,
  reason: null,
});

const plain = [
  row(0, 0.5, { lr: 0.01, opt: 'adam' }),
  row(1, 0.2, { lr: 0.1, opt: 'sgd' }),
  row(2, null, { lr: 0.001, opt: 'adam' }, 'FAIL'),
  row(3, 0.2, { lr: 0.05 }),
  row(4, NaN, { lr: 0.02, opt: 'sgd' }, 'PRUNED'),
];
const cols = toTrialColumns(plain, plain.length, 'minimize');
const trials = fromTrialColumns({ ...cols, userAttrs: [{ key: 'gpu', values: ['a', 'b', 'a', null, 'c-long'], absent: [3] }] });
const numbers = (idx: Uint32Array): number[] => [...idx].map((i) => trials[i]!.number);

describe('trials order and filters', () => {
  it('sorts by value: ties by number, trials without a value last both ways', () => {
    expect(numbers(orderTrials(trials, { key: 'value', dir: 1 }, {}))).toEqual([1, 3, 0, 2, 4]);
    expect(numbers(orderTrials(trials, { key: 'value', dir: -1 }, {}))).toEqual([0, 3, 1, 4, 2]);
  });

  it('sorts by a param and by a user attribute; absent ones last', () => {
    expect(numbers(orderTrials(trials, { key: 'param:lr', dir: 1 }, {}))).toEqual([2, 0, 4, 3, 1]);
    expect(numbers(orderTrials(trials, { key: 'param:opt', dir: -1 }, {}))).toEqual([4, 1, 2, 0, 3]);
    expect(numbers(orderTrials(trials, { key: 'attr:gpu', dir: 1 }, {}))).toEqual([0, 2, 1, 4, 3]);
    expect(numbers(orderTrials(trials, { key: 'number', dir: -1 }, {}))).toEqual([4, 3, 2, 1, 0]);
  });

  it('combines filters: a range, a set, a state, a text', () => {
    const lr = { kind: 'range', min: 0.01, max: null } as const;
    expect(numbers(orderTrials(trials, { key: 'number', dir: 1 }, { 'param:lr': lr }))).toEqual([0, 1, 3, 4]);
    expect(numbers(orderTrials(trials, { key: 'number', dir: 1 }, { 'param:lr': lr, 'param:opt': { kind: 'set', values: new Set(['sgd']) } }))).toEqual([1, 4]);
    expect(numbers(orderTrials(trials, { key: 'number', dir: 1 }, { 'param:lr': lr, state: { kind: 'set', values: new Set(['COMPLETE']) } }))).toEqual([0, 1, 3]);
    // A value range leaves out trials without a finite value.
    expect(numbers(orderTrials(trials, { key: 'value', dir: 1 }, { value: { kind: 'range', min: null, max: 0.4 } }))).toEqual([1, 3]);
    expect(numbers(orderTrials(trials, { key: 'number', dir: 1 }, { 'attr:gpu': { kind: 'contains', text: 'LONG' } }))).toEqual([4]);
  });

  it('offers the distinct values of a column for a set filter, or none past the limit', () => {
    expect(distinctValues(trials, 'param:opt')).toEqual(['adam', 'sgd']);
    expect(distinctValues(trials, 'param:lr')).toEqual(['0.001', '0.01', '0.02', '0.05', '0.1']);
    expect(distinctValues(trials, 'attr:gpu', 2)).toBeNull();
  });

  it('orders numbers by their bits as a comparison sort does: negatives, zeros, infinities, ties, NaN last', () => {
    // Seeded values: ties, both zeros, tiny and huge magnitudes, infinities, NaN.
    let seed = 12345;
    const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pool = [0, -0, 1, -1, 0.5, -0.5, 1e-300, -1e-300, 1e300, -1e300, Infinity, -Infinity, NaN, 3, 3, 2.5];
    const keys = new Float64Array(5000);
    for (let i = 0; i < keys.length; i++) keys[i] = next() < 0.5 ? pool[Math.floor(next() * pool.length)]! : (next() - 0.5) * 10 ** Math.floor(next() * 20 - 10);
    const idx = Uint32Array.from(keys.keys());
    for (const dir of [1, -1] as const) {
      // The reference: a comparison sort, ties in index order (descending: reversed), NaN last.
      const present = [...idx].filter((i) => !Number.isNaN(keys[i]!)).sort((a, b) => (keys[a]! - keys[b]! || a - b) * dir);
      const missing = [...idx].filter((i) => Number.isNaN(keys[i]!)).sort((a, b) => (a - b) * dir);
      expect([...radixOrder(idx, keys, dir)]).toEqual([...present, ...missing]);
    }
  });
});
