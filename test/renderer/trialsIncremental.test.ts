// A live update's cost follows the delta (issue 12 §4): after mergeTrials, the table's columns,
// order and filter choices are brought up to date by reading the changed rows only, and give what
// reading every row gives.
import { describe, expect, it } from 'vitest';
import type { TrialScalars } from '../../shared/contract.ts';
import { mergeTrials, type TrialsData } from '../../renderer/src/api/trialsData.ts';
import { historyData } from '../../renderer/src/components/charts/HistoryChart.tsx';
import { distinctValues, orderTrials, type TrialFilters, type TrialSort } from '../../renderer/src/lib/trialsOrder.ts';

/** Rows that count the reads of their value and state, as the page's rows are read through getters. */
let reads = 0;
function row(number: number, state: TrialScalars['state'], value: number | null, opt: string): TrialScalars {
  return {
    trialId: number + 1,
    number,
    get state() {
      reads++;
      return state;
    },
    get value() {
      reads++;
      return value;
    },
    startedAt: null,
    completedAt: null,
    durationMs: null,
    childRunId: null,
    reason: null,
    params: { opt },
  };
}

const numbersOf = (trials: readonly TrialScalars[], idx: Uint32Array): number[] => [...idx].map((i) => trials[i]!.number);

describe('incremental trials order and filters', () => {
  it('after a delta, reads only the changed rows and orders them in', () => {
    const old: TrialsData = {
      total: 5,
      direction: 'minimize',
      trials: [row(0, 'COMPLETE', 0.5, 'a'), row(1, 'COMPLETE', 0.2, 'b'), row(2, 'RUNNING', null, 'a'), row(3, 'COMPLETE', 0.9, 'a'), row(4, 'FAIL', null, 'b')],
    };
    const sort: TrialSort = { key: 'value', dir: 1 };
    const filters: TrialFilters = { state: { kind: 'set', values: new Set(['COMPLETE', 'RUNNING']) } };
    expect(numbersOf(old.trials, orderTrials(old.trials, sort, filters))).toEqual([1, 0, 3, 2]);
    expect(distinctValues(old.trials, 'state', 200)).toEqual(['COMPLETE', 'FAIL', 'RUNNING']);

    const merged = mergeTrials(old, [row(2, 'COMPLETE', 0.1, 'a'), row(5, 'RUNNING', null, 'c'), row(6, 'COMPLETE', 0.3, 'c')], 7, 'minimize');
    expect(merged).not.toBeNull();
    const trials = merged!.trials;
    reads = 0;
    expect(numbersOf(trials, orderTrials(trials, sort, filters))).toEqual([2, 1, 6, 0, 3, 5]);
    expect(distinctValues(trials, 'state', 200)).toEqual(['COMPLETE', 'FAIL', 'RUNNING']);
    // The three changed rows' value and state, and the replaced row's old value and state (its state
    // twice: for the column and for the choices): 9 reads; all seven rows' would be 14.
    expect(reads).toBeLessThanOrEqual(9);

    // Trial 5 finishes: RUNNING is gone from the choices.
    const third = mergeTrials(merged!, [row(5, 'COMPLETE', 0.05, 'c')], 7, 'minimize')!;
    expect(distinctValues(third.trials, 'state', 200)).toEqual(['COMPLETE', 'FAIL']);
    expect(numbersOf(third.trials, orderTrials(third.trials, { key: 'value', dir: -1 }, filters))).toEqual([3, 0, 6, 1, 2, 5]);
  });

  it('the history: a trial finishing below the last one goes in at its place, the best-so-far line redone from there', () => {
    const old: TrialsData = { total: 4, direction: 'minimize', trials: [row(0, 'COMPLETE', 0.5, 'a'), row(1, 'RUNNING', null, 'a'), row(2, 'COMPLETE', 0.4, 'a'), row(3, 'COMPLETE', 0.6, 'a')] };
    expect(historyData(old.trials, 'minimize').map((s) => [...s])).toEqual([[0, 2, 3], [0.5, 0.4, 0.6], [0.5, 0.4, 0.4]]);
    const merged = mergeTrials(old, [row(1, 'COMPLETE', 0.1, 'a'), row(4, 'COMPLETE', 0.05, 'a')], 5, 'minimize')!;
    reads = 0;
    expect(historyData(merged.trials, 'minimize').map((s) => [...s])).toEqual([[0, 1, 2, 3, 4], [0.5, 0.1, 0.4, 0.6, 0.05], [0.5, 0.1, 0.1, 0.1, 0.05]]);
    // The two changed rows (state and value, the value twice: checked, then taken) and the replaced
    // one's old state: 9 reads; all five rows would be 15.
    expect(reads).toBeLessThanOrEqual(9);
  });

  it('gives what a fresh read of every row gives, over many random deltas', () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const states: Array<TrialScalars['state']> = ['COMPLETE', 'PRUNED', 'FAIL'];
    const opts = ['a', 'b', 'c', 'd'];
    const finished = (n: number): TrialScalars => {
      const state = states[Math.floor(rnd() * 3)]!;
      return row(n, state, state === 'FAIL' ? null : Math.round(rnd() * 20) / 10, opts[Math.floor(rnd() * 4)]!);
    };
    let data: TrialsData = { total: 0, direction: 'minimize', trials: [] };
    const sorts: TrialSort[] = [
      { key: 'number', dir: -1 },
      { key: 'value', dir: 1 },
      { key: 'value', dir: -1 },
      { key: 'param:opt', dir: 1 },
      { key: 'state', dir: -1 },
    ];
    const filterSets: TrialFilters[] = [{}, { value: { kind: 'range', min: 0.5, max: 1.5 } }, { 'param:opt': { kind: 'set', values: new Set(['a', 'c']) }, state: { kind: 'set', values: new Set(['COMPLETE', 'RUNNING']) } }];
    let next = 0;
    for (let step = 0; step < 40; step++) {
      const changed: TrialScalars[] = [];
      // Some running trials finish, new ones arrive (some running).
      for (const t of data.trials) if (t.state === 'RUNNING' && rnd() < 0.5) changed.push(finished(t.number));
      const add = Math.floor(rnd() * 5);
      for (let k = 0; k < add; k++) changed.push(rnd() < 0.3 ? row(next++, 'RUNNING', null, opts[Math.floor(rnd() * 4)]!) : finished(next++));
      data = mergeTrials(data, changed, next, 'minimize') ?? data;
      const fresh = data.trials.slice();
      for (const s of sorts) {
        for (const f of filterSets) expect(numbersOf(data.trials, orderTrials(data.trials, s, f))).toEqual(numbersOf(fresh, orderTrials(fresh, s, f)));
      }
      expect(distinctValues(data.trials, 'state', 200)).toEqual(distinctValues(fresh, 'state', 200));
      expect(historyData(data.trials, 'minimize')).toEqual(historyData(fresh, 'minimize'));
      expect(historyData(data.trials, 'maximize')).toEqual(historyData(fresh, 'maximize'));
      expect(distinctValues(data.trials, 'param:opt', 2)).toEqual(distinctValues(fresh, 'param:opt', 2));
    }
    expect(data.trials.length).toBe(next);
  });
});
