// The analysis views' data functions, on small inputs whose results are worked out by hand here.
import { describe, expect, it } from 'vitest';
import type { TrialScalars } from '../../shared/contract.ts';
import { binMin, binPoints, densityAlpha } from '../../renderer/src/lib/views/binning.ts';
import { axisCells, cellsFor, contourGrid } from '../../renderer/src/lib/views/contour.ts';
import { pickCurves } from '../../renderer/src/lib/views/curvePick.ts';
import { edfSteps } from '../../renderer/src/lib/views/edf.ts';
import { objectiveValues, paramCoords } from '../../renderer/src/lib/views/paramCoords.ts';
import { rankShares } from '../../renderer/src/lib/views/rank.ts';
import { slicePoints } from '../../renderer/src/lib/views/slice.ts';
import { longestIdle, timelineLanes } from '../../renderer/src/lib/views/timeline.ts';
import { hashWithView, viewFromHash } from '../../renderer/src/lib/views/viewRoute.ts';
import { fromTrialColumns, paramOf, toTrialColumns } from '../../shared/trialColumns.ts';

function trial(number: number, params: TrialScalars['params'], value: number | null, state: TrialScalars['state'] = 'COMPLETE'): TrialScalars {
  return { trialId: number + 1, number, state, params, value, startedAt: null, completedAt: null, durationMs: null, childRunId: null, reason: null };
}

describe('binPoints', () => {
  it('counts points per cell, row-major, and leaves out those outside or not finite', () => {
    // A 3x2 grid. (0.2,0.9) and (0.99,0.1) are cell (0,0); (2.5,1.5) is cell (2,1) = index 5;
    // (3,0) is right of the grid, (-0.1,0) left of it, (1,NaN) not finite.
    const { counts, max } = binPoints([0.2, 0.99, 2.5, 3, -0.1, 1], [0.9, 0.1, 1.5, 0, 0, NaN], 3, 2);
    expect([...counts]).toEqual([2, 0, 0, 0, 0, 1]);
    expect(max).toBe(2);
  });
  it('gives an empty cell no opacity, one point the floor and the densest cell full opacity', () => {
    expect(densityAlpha(0, 10)).toBe(0);
    expect(densityAlpha(1, 10, 0.35)).toBeCloseTo(0.35, 12);
    expect(densityAlpha(10, 10, 0.35)).toBeCloseTo(1, 12);
    // log1p(4) / log1p(9) = ln 5 / ln 10 = 0.69897
    expect(densityAlpha(5, 10, 0)).toBeCloseTo(0.69897, 5);
    expect(densityAlpha(1, 1)).toBe(1);
  });
});

describe('paramCoords', () => {
  const rows = [trial(0, { lr: 0.1, opt: 'sgd' }, 1), trial(1, { lr: 0.01, opt: 'adam' }, 2), trial(2, { opt: 'adam' }, 3), trial(3, { lr: -1, opt: 'rms' }, null, 'FAIL')];
  it('places a numeric param at its value, NaN where absent; a log param only where > 0', () => {
    const lin = paramCoords(rows, 'lr', { kind: 'float', low: 0.001, high: 1, step: null, log: false });
    expect(lin.kind).toBe('linear');
    expect([...lin.coords]).toEqual([0.1, 0.01, NaN, -1]);
    const log = paramCoords(rows, 'lr', { kind: 'float', low: 0.001, high: 1, step: null, log: true });
    expect(log.kind).toBe('log');
    expect([...log.coords]).toEqual([0.1, 0.01, NaN, NaN]);
  });
  it('places a categorical param at its choice index, choices of the distribution first', () => {
    const cat = paramCoords(rows, 'opt', { kind: 'categorical', choices: ['adam', 'sgd'] });
    // 'rms' is not a choice of the distribution: it gets the next index.
    expect(cat.labels).toEqual(['adam', 'sgd', 'rms']);
    expect([...cat.coords]).toEqual([1, 0, 0, 2]);
    // Without a distribution, strings make it categorical, in order of first appearance.
    const guessed = paramCoords(rows, 'opt', undefined);
    expect(guessed.labels).toEqual(['sgd', 'adam', 'rms']);
    expect([...guessed.coords]).toEqual([0, 1, 1, 2]);
  });
  it('objective values are NaN for trials that did not complete with a finite value', () => {
    expect([...objectiveValues([...rows, trial(4, {}, Infinity)])]).toEqual([1, 2, 3, NaN, NaN]);
  });
});

describe('slicePoints', () => {
  it('keeps pairs where both are finite, sorted by the param', () => {
    const { xs, ys } = slicePoints([3, 1, NaN, 2, 1], [30, 10, 5, NaN, 11]);
    expect([...xs]).toEqual([1, 1, 3]);
    expect([...ys]).toEqual([10, 11, 30]);
  });
});

describe('contourGrid', () => {
  it('splits a linear range into equal cells, the top edge in the last cell', () => {
    const cells = axisCells({ name: 'x', kind: 'linear', coords: Float64Array.from([0, 4, NaN]), labels: [] }, 4);
    expect(cells.edges).toEqual([0, 1, 2, 3, 4]);
    expect([0, 0.99, 1, 3.5, 4, 4.01, NaN].map(cells.cellOf)).toEqual([0, 0, 1, 3, 3, -1, -1]);
  });
  it('splits a log range equally in log space', () => {
    const cells = axisCells({ name: 'lr', kind: 'log', coords: Float64Array.from([0.001, 1]), labels: [] }, 3);
    // ln 0.001 .. ln 1 in three equal steps: 0.001, 0.01, 0.1, 1.
    expect(cells.edges.map((e) => Number(e.toPrecision(10)))).toEqual([0.001, 0.01, 0.1, 1]);
    expect(cells.cellOf(0.05)).toBe(1);
  });
  it('averages the objective per cell; a categorical axis has one cell per choice', () => {
    const x = { name: 'x', kind: 'linear' as const, coords: Float64Array.from([0, 1, 2, 2, 0.5]), labels: [] };
    const y = { name: 'c', kind: 'categorical' as const, coords: Float64Array.from([0, 1, 1, 1, 0]), labels: ['a', 'b'] };
    // x cells: [0,1) [1,2]; y cells: a, b. Trials: (0,a)=4, (1,b)=6, (2,b)=8, (2,b)=NaN (left out), (0.5,a)=2.
    const g = contourGrid(x, y, [4, 6, 8, NaN, 2], 2);
    expect(g.cols).toBe(2);
    expect(g.rows).toBe(2);
    // Row a: cell x0 has 4 and 2 (mean 3), x1 none. Row b: x0 none, x1 has 6 and 8 (mean 7).
    expect([...g.mean]).toEqual([3, NaN, NaN, 7]);
    expect([...g.count]).toEqual([2, 0, 0, 2]);
    expect(g.min).toBe(3);
    expect(g.max).toBe(7);
    expect(g.placed).toBe(4);
  });
});

describe('edfSteps', () => {
  it('is the share of values at or below each distinct value', () => {
    const { xs, ys } = edfSteps([3, 1, 2, 2, NaN]);
    expect([...xs]).toEqual([1, 2, 3]);
    expect([...ys]).toEqual([0.25, 0.75, 1]);
  });
  it('keeps every k-th step and the last when there are too many', () => {
    // 10 distinct values, at most 4 steps: every 3rd (values 3, 6, 9) and the last (10).
    const { xs, ys } = edfSteps([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4);
    expect([...xs]).toEqual([3, 6, 9, 10]);
    expect([...ys]).toEqual([0.3, 0.6, 0.9, 1]);
  });
});

describe('rankShares', () => {
  it('ranks 0 best to 1 worst, ties sharing their mean rank', () => {
    // Minimize: 1 is best (rank 0), the two 5s share ranks 1 and 2 (mean 1.5), 9 is rank 3: / 3.
    expect([...rankShares([5, 1, 9, 5, NaN], 'minimize')]).toEqual([0.5, 0, 1, 0.5, NaN]);
    expect([...rankShares([5, 1, 9], 'maximize')]).toEqual([0.5, 1, 0]);
    expect([...rankShares([7], 'minimize')]).toEqual([0]);
  });
});

describe('timelineLanes', () => {
  it('stacks overlapping trials and reuses a lane once it is free', () => {
    // A 0-10, B 2-5, C 5-8 (B's lane is free at 5), D 9-12 (lane 1 free since 8), E running from 11
    // (lanes 0 free at 10), F never started.
    const starts = [0, 2, 5, 9, 11, null];
    const ends = [10, 5, 8, 12, null, null];
    const running = [false, false, false, false, true, false];
    const t = timelineLanes(starts, ends, running, 20);
    expect([...t.lane]).toEqual([0, 1, 1, 1, 0, -1]);
    expect([...t.end]).toEqual([10, 5, 8, 12, 20, NaN]);
    expect(t.lanes).toBe(2);
  });
  it('finds the longest stretch with nothing running', () => {
    // Busy 0-4 and 1-3, idle 4-10, busy 10-11, idle 11-13, busy 13-14.
    expect(longestIdle([0, 1, 10, 13], [4, 3, 11, 14])).toEqual({ from: 4, to: 10 });
    expect(longestIdle([0, 2], [3, 5])).toBeNull();
  });
});

describe('pickCurves', () => {
  const numbers = [4, 0, 2, 3, 1];
  const counts = [2, 3, 0, 1, 5];
  const states = ['PRUNED', 'COMPLETE', 'PRUNED', 'PRUNED', 'COMPLETE'];
  it('takes the latest trials with values, oldest first, and says how many matched', () => {
    // With values: trials 4, 0, 3, 1 (indices 0, 1, 3, 4). Latest 2 by number: 3 (idx 3), 4 (idx 0).
    expect(pickCurves(numbers, counts, (i) => states[i], 'all', 2)).toEqual({ picked: [3, 0], matching: 4, withValues: 4 });
    // Pruned with values: trials 4 and 3 (trial 2 has none).
    expect(pickCurves(numbers, counts, (i) => states[i], 'PRUNED', 10)).toEqual({ picked: [3, 0], matching: 2, withValues: 4 });
    expect(pickCurves(numbers, counts, (i) => states[i], 'COMPLETE', 1)).toEqual({ picked: [4], matching: 2, withValues: 4 });
  });
});

describe('the view in the URL', () => {
  it('reads and writes the view after the sweep id', () => {
    expect(viewFromHash('#/sweep/abc%2Fd/slice')).toBe('slice');
    expect(viewFromHash('#/sweep/abc')).toBe('history');
    expect(viewFromHash('#/sweep/abc/nonsense')).toBe('history');
    expect(viewFromHash('#/experiments/x/slice')).toBe('history');
    expect(hashWithView('#/sweep/abc%2Fd', 'timeline')).toBe('#/sweep/abc%2Fd/timeline');
    expect(hashWithView('#/sweep/abc/slice', 'edf')).toBe('#/sweep/abc/edf');
    expect(hashWithView('#/sweeps', 'edf')).toBe('#/sweeps');
  });
});

describe('cellsFor', () => {
  it('aims at about four trials a cell, within 4 and 32 cells a side', () => {
    // sqrt(196) / 2 = 7; sqrt(10) / 2 = 1.6 -> 4; sqrt(100000) / 2 = 158 -> 32.
    expect(cellsFor(196)).toBe(7);
    expect(cellsFor(10)).toBe(4);
    expect(cellsFor(100_000)).toBe(32);
  });
});

describe('binMin', () => {
  it('keeps the smallest value per cell, NaN where none fell', () => {
    // 2x1 grid: cell 0 gets 0.5 and 0.2 (keeps 0.2) and a NaN value (left out); cell 1 nothing.
    expect([...binMin([0.1, 0.9, 0.5, 1.5], [0, 0.5, 0.2, 5], [0.5, 0.2, NaN, 0.1], 2, 1)]).toEqual([0.2, NaN]);
  });
});

describe('paramOf', () => {
  it('reads a param from the columns of a column reply, undefined where the trial lacks it, as from a plain row', () => {
    const plain = [trial(0, { lr: 0.1, opt: 'sgd' }, 1), trial(1, { opt: 'adam' }, 2)];
    const rows = fromTrialColumns(toTrialColumns(plain, 2, 'minimize'));
    expect([paramOf(rows[0]!, 'lr'), paramOf(rows[1]!, 'lr'), paramOf(rows[1]!, 'opt'), paramOf(rows[0]!, 'nope')]).toEqual([0.1, undefined, 'adam', undefined]);
    expect([paramOf(plain[0]!, 'lr'), paramOf(plain[1]!, 'lr')]).toEqual([0.1, undefined]);
    // paramCoords over column rows: the same coordinates as over plain rows.
    expect([...paramCoords(rows, 'lr', undefined).coords]).toEqual([0.1, NaN]);
  });
});
