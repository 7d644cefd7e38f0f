// The Pareto front and feasibility, against fronts worked out by hand from the definition: a trial
// is on the front when no other COMPLETE (and, with constraints, feasible) trial is at least as good
// in every objective and better in one.
import { describe, expect, it } from 'vitest';
import { feasibilityOf, paretoFront, type FrontCandidate } from '../../electron/core/studies/paretoFront.ts';

const t = (number: number, values: Array<number | null>, state = 'COMPLETE', feasible: boolean | null = null): FrontCandidate => ({ number, state, values, feasible });

describe('paretoFront', () => {
  it('two objectives, both minimized', () => {
    // (1,5) (2,3) (3,4) (4,1) (2,6) (5,5): (3,4) is beaten by (2,3); (2,6) by (1,5) and (2,3);
    // (5,5) by (2,3) and (4,1).
    const trials = [t(0, [3, 4]), t(1, [1, 5]), t(2, [2, 3]), t(3, [4, 1]), t(4, [2, 6]), t(5, [5, 5])];
    expect(paretoFront(trials, ['minimize', 'minimize'])).toEqual([1, 2, 3]);
  });

  it('the directions decide: maximizing the second objective turns the front around', () => {
    // Same points; now larger second values are better. (1,5) beats (2,3), (3,4) and (5,5)? (5,5)
    // has a worse first value but an equal second: (1,5) is at least as good in both and better in
    // the first, so it dominates (5,5). (2,6) has the best second value: on the front.
    const trials = [t(0, [3, 4]), t(1, [1, 5]), t(2, [2, 3]), t(3, [4, 1]), t(4, [2, 6]), t(5, [5, 5])];
    expect(paretoFront(trials, ['minimize', 'maximize'])).toEqual([1, 4]);
  });

  it('equal points are both on the front, and only COMPLETE trials count', () => {
    const trials = [t(0, [1, 1]), t(1, [1, 1]), t(2, [0, 0], 'PRUNED'), t(3, [0, 0], 'RUNNING'), t(4, [2, 2])];
    expect(paretoFront(trials, ['minimize', 'minimize'])).toEqual([0, 1]);
  });

  it('three objectives', () => {
    // (1,2,3) (3,2,1) (2,2,2) are mutually non-dominated; (2,3,3) is beaten by (1,2,3) and (2,2,2);
    // (3,3,1) by (3,2,1).
    const trials = [t(0, [1, 2, 3]), t(1, [3, 2, 1]), t(2, [2, 2, 2]), t(3, [2, 3, 3]), t(4, [3, 3, 1])];
    expect(paretoFront(trials, ['minimize', 'minimize', 'minimize'])).toEqual([0, 1, 2]);
  });

  it('a trial missing a value cannot be placed', () => {
    const trials = [t(0, [null, 0]), t(1, [1, 1]), t(2, [Number.NaN, 0])];
    expect(paretoFront(trials, ['minimize', 'minimize'])).toEqual([1]);
  });

  it('with constraints, only feasible trials compete', () => {
    // The infeasible (0,0) would dominate everything; among the feasible (1,2) (2,1) (2,2), (2,2)
    // is beaten. A trial with no constraints recorded is not feasible.
    const trials = [t(0, [0, 0], 'COMPLETE', false), t(1, [1, 2], 'COMPLETE', true), t(2, [2, 1], 'COMPLETE', true), t(3, [2, 2], 'COMPLETE', true), t(4, [0.5, 0.5], 'COMPLETE', null)];
    expect(paretoFront(trials, ['minimize', 'minimize'])).toEqual([1, 2]);
  });

  it('with constraints and no feasible trial yet, the front of all', () => {
    const trials = [t(0, [0, 3], 'COMPLETE', false), t(1, [3, 0], 'COMPLETE', false), t(2, [3, 3], 'COMPLETE', false)];
    expect(paretoFront(trials, ['minimize', 'minimize'])).toEqual([0, 1]);
  });

  it('no finished trial: an empty front', () => {
    expect(paretoFront([t(0, [1, 1], 'RUNNING')], ['minimize', 'minimize'])).toEqual([]);
  });
});

describe('feasibilityOf', () => {
  it('feasible when every constraint is at most 0', () => {
    expect(feasibilityOf({ constraints: [-1, 0] })).toBe(true);
    expect(feasibilityOf({ constraints: [-1, 0.5] })).toBe(false);
  });
  it('unknown when none is recorded', () => {
    expect(feasibilityOf({})).toBeNull();
    expect(feasibilityOf({ constraints: null })).toBeNull();
    expect(feasibilityOf({ constraints: 'x' })).toBeNull();
  });
});
