// The multi-objective views' data: a trial seen through one objective (what the single-objective
// views draw), the per-objective columns' round trip, and the Pareto view's points, on small inputs
// worked out by hand.
import { describe, expect, it } from 'vitest';
import type { TrialScalars } from '../../shared/contract.ts';
import { objectiveLabels, paretoPoints } from '../../renderer/src/lib/views/objectives.ts';
import { fromTrialColumns, objectiveOf, paramOf, toTrialColumns, withObjective } from '../../shared/trialColumns.ts';
import { mergeTrials, type TrialsData } from '../../renderer/src/api/trialsData.ts';

function trial(number: number, values: Array<number | null> | undefined, state: TrialScalars['state'] = 'COMPLETE', feasible?: boolean): TrialScalars {
  const t: TrialScalars = { trialId: number + 1, number, state, params: { x: number / 10 }, value: values?.[0] ?? null, startedAt: null, completedAt: null, durationMs: null, childRunId: null, reason: null };
  if (values) t.values = values;
  if (feasible !== undefined) t.feasible = feasible;
  return t;
}

const rows = [trial(0, [1, 9], 'COMPLETE', true), trial(1, [2, 5], 'COMPLETE', false), trial(2, undefined, 'RUNNING'), trial(3, [4, 4], 'COMPLETE', true), trial(4, [3, 8], 'PRUNED')];

describe('per-objective columns', () => {
  it('carry every objective and the feasibility through the columns', () => {
    const c = toTrialColumns(rows, rows.length, 'minimize');
    expect(c.values).toEqual([
      [1, 2, null, 4, 3],
      [9, 5, null, 4, 8],
    ]);
    expect(c.feasible).toEqual([true, false, null, true, null]);
    const back = fromTrialColumns(c);
    expect(back.map((r) => r.values ?? null)).toEqual([[1, 9], [2, 5], [null, null], [4, 4], [3, 8]]);
    expect(back.map((r) => r.feasible)).toEqual([true, false, undefined, true, undefined]);
  });

  it('a single-objective study has neither column', () => {
    const c = toTrialColumns([trial(0, undefined)], 1, 'minimize');
    expect('values' in c || 'feasible' in c).toBe(false);
  });

  it('withObjective makes objective k the value, params still read from the columns', () => {
    const back = fromTrialColumns(toTrialColumns(rows, rows.length, 'minimize'));
    const second = withObjective(back, 1);
    expect(second.map((t) => t.value)).toEqual([9, 5, null, 4, 8]);
    expect(second.map((t) => paramOf(t, 'x'))).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(withObjective(back, 0)).toBe(back);
  });

  it('objectiveOf reads objective k from a column row, a plain row and a row seen through another objective', () => {
    const back = fromTrialColumns(toTrialColumns(rows, rows.length, 'minimize'));
    expect(back.map((t) => objectiveOf(t, 1))).toEqual([9, 5, null, 4, 8]);
    expect(rows.map((t) => objectiveOf(t, 1))).toEqual([9, 5, null, 4, 8]);
    expect(withObjective(back, 1).map((t) => objectiveOf(t, 0))).toEqual([1, 2, null, 4, 3]);
    expect(objectiveOf(trial(7, undefined), 0)).toBeNull();
  });
});

describe('paretoPoints', () => {
  it('COMPLETE trials sorted by x, grouped as front, dominated and infeasible', () => {
    const p = paretoPoints(rows, 1, 0, new Set([0, 3]));
    // Objective 1 on x: trial 3 (4), trial 1 (5), trial 0 (9); the running and pruned are left out.
    expect(p.xs).toEqual([4, 5, 9]);
    expect(p.numbers).toEqual([3, 1, 0]);
    expect(p.front).toEqual([4, null, 1]);
    expect(p.infeasible).toEqual([null, 2, null]);
    expect(p.dominated).toEqual([null, null, null]);
    expect(p.counts).toEqual({ front: 2, dominated: 0, infeasible: 1 });
  });
});

describe('objectiveLabels', () => {
  it('metric names when known, else objective k', () => {
    expect(objectiveLabels(undefined, 2)).toEqual(['objective 0', 'objective 1']);
    expect(objectiveLabels(['loss', null], 2)).toEqual(['loss', 'objective 1']);
  });
});

describe('a live update of a multi-objective study', () => {
  const data = (front: number[]): TrialsData => ({ total: 2, direction: 'minimize', trials: [trial(0, [1, 2]), trial(1, [2, 1])], objectives: { directions: ['minimize', 'minimize'], front } });
  it('a reply with the same trials and front keeps the same data; a new front is news', () => {
    const old = data([0, 1]);
    expect(mergeTrials(old, [], 2, 'minimize', { directions: ['minimize', 'minimize'], front: [0, 1] })).toBe(old);
    const merged = mergeTrials(old, [], 2, 'minimize', { directions: ['minimize', 'minimize'], front: [1] });
    expect(merged).not.toBe(old);
    expect(merged?.objectives?.front).toEqual([1]);
  });
  it('a trial whose second objective changed is taken (its value, objective 0, did not)', () => {
    const old = data([0, 1]);
    const merged = mergeTrials(old, [trial(1, [2, 0.5])], 2, 'minimize', { directions: ['minimize', 'minimize'], front: [1] });
    expect(merged?.trials[1]?.values).toEqual([2, 0.5]);
  });
});
