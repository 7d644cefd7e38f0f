// Multi-objective order (dominance, fronts, crowding distance, Pareto front, hypervolume) on values
// worked out by hand, and the NSGA-II sampler's quality on ZDT1 against random sampling, measured by
// hypervolume; the bound is the true front's hypervolume from the problem's math.
import { describe, expect, it } from 'vitest';
import {
  constrainedDominates,
  crowdingDistances,
  dominates,
  hypervolume2d,
  nonDominatedFronts,
  paretoFront,
} from '../../electron/core/search/multiObjective.ts';
import { Nsga2Sampler } from '../../electron/core/search/samplers/nsga2.ts';
import { belowWeights, hypervolume, scoreTrialsMulti, splitMultiObjective } from '../../electron/core/search/samplers/motpeSplit.ts';
import { RandomSampler } from '../../electron/core/search/samplers/random.ts';
import { TpeSampler } from '../../electron/core/search/samplers/tpe.ts';
import type { Direction, FrozenTrial, ParamValue, Sampler, SearchSpace } from '../../electron/core/search/types.ts';
import { trial } from './helpers.ts';

function mo(number: number, values: number[], systemAttrs: Record<string, unknown> = {}, state: FrozenTrial['state'] = 'COMPLETE'): FrozenTrial {
  return { ...trial(number, {}, state === 'COMPLETE' ? values[0]! : null, state), ...(state === 'COMPLETE' ? { values } : {}), systemAttrs };
}

const MIN2: Direction[] = ['minimize', 'minimize'];

describe('multi-objective order', () => {
  it('dominance: no worse everywhere and better somewhere; directions respected; COMPLETE beats the rest', () => {
    expect(dominates(mo(0, [1, 2]), mo(1, [2, 2]), MIN2)).toBe(true);
    expect(dominates(mo(0, [1, 2]), mo(1, [1, 2]), MIN2)).toBe(false);
    expect(dominates(mo(0, [1, 3]), mo(1, [2, 2]), MIN2)).toBe(false);
    expect(dominates(mo(0, [1, 3]), mo(1, [2, 2]), ['minimize', 'maximize'])).toBe(true);
    expect(dominates(mo(0, [9, 9]), mo(1, [], {}, 'FAIL'), MIN2)).toBe(true);
    expect(dominates(mo(1, [], {}, 'FAIL'), mo(0, [9, 9]), MIN2)).toBe(false);
  });

  it('constrained dominance: feasible beats infeasible, less violation beats more, missing constraints lose', () => {
    const feasibleWorse = mo(0, [5, 5], { constraints: [-1, 0] });
    const infeasibleBetter = mo(1, [0, 0], { constraints: [0.5, -1] });
    const moreViolation = mo(2, [0, 0], { constraints: [0.5, 0.25] });
    const none = mo(3, [0, 0]);
    expect(constrainedDominates(feasibleWorse, infeasibleBetter, MIN2)).toBe(true);
    expect(constrainedDominates(infeasibleBetter, feasibleWorse, MIN2)).toBe(false);
    expect(constrainedDominates(infeasibleBetter, moreViolation, MIN2)).toBe(true); // 0.5 < 0.75
    expect(constrainedDominates(moreViolation, infeasibleBetter, MIN2)).toBe(false);
    expect(constrainedDominates(moreViolation, none, MIN2)).toBe(true);
    expect(constrainedDominates(none, feasibleWorse, MIN2)).toBe(false);
  });

  it('fronts and crowding distance as worked out by hand', () => {
    // (1,4) (2,2) (4,1) are front 0; (3,3) is dominated by (2,2) only; (4,4) by all of those.
    const pop = [mo(0, [1, 4]), mo(1, [3, 3]), mo(2, [2, 2]), mo(3, [4, 4]), mo(4, [4, 1])];
    expect(nonDominatedFronts(pop, MIN2).map((f) => f.map((t) => t.number).sort())).toEqual([[0, 2, 4], [1], [3]]);
    // Objective 0 over front 0: sorted 1, 2, 4 (range 3): ends inf, middle (4 - 1) / 3 = 1.
    // Objective 1: sorted 1, 2, 4 (range 3): again ends inf, middle (4 - 1) / 3 = 1.
    const d = crowdingDistances([pop[0]!, pop[2]!, pop[4]!]);
    expect(d.get(2)).toBeCloseTo(2, 12);
    expect(d.get(0)).toBe(Infinity);
    expect(d.get(4)).toBe(Infinity);
  });

  it('the Pareto front is the COMPLETE trials nothing dominates, equal points included, by number', () => {
    const trials = [mo(0, [2, 2]), mo(1, [1, 3]), mo(2, [2, 2]), mo(3, [3, 3]), mo(4, [], {}, 'FAIL'), mo(5, [3, 0.5])];
    expect(paretoFront(trials, MIN2).map((t) => t.number)).toEqual([0, 1, 2, 5]);
    expect(paretoFront(trials, ['maximize', 'maximize']).map((t) => t.number)).toEqual([3]); // (3, 3) beats every other point
    // Infinite values (Optuna stores them): (-inf, 5), (1, 1) and (inf, 0) are each best somewhere;
    // (inf, 2) and (-inf, inf) are beaten by (inf, 0) and (-inf, 5).
    const inf = [mo(0, [Infinity, 2]), mo(1, [-Infinity, 5]), mo(2, [1, 1]), mo(3, [Infinity, 0]), mo(4, [-Infinity, Infinity])];
    expect(paretoFront(inf, MIN2).map((t) => t.number)).toEqual([1, 2, 3]);
  });

  it('2-D hypervolume of a staircase', () => {
    // Reference (4, 4): points (1, 3) and (2, 1): 3*1 + 2*2 = 7 (by hand, as rectangles).
    expect(hypervolume2d([[1, 3], [2, 1], [3, 3.5], [5, 0]], [4, 4])).toBeCloseTo(7, 12);
  });
});

// ZDT1 with 5 variables in [0, 1]: f1 = x1, g = 1 + 9 * mean(x2..x5), f2 = g * (1 - sqrt(f1 / g)).
// Its true front is f2 = 1 - sqrt(f1) (g = 1), whose hypervolume to the reference (1.1, 1.1) is
// 1.1 * 1.1 - integral over [0, 1] of (1 - sqrt(f1)) = 1.21 - 1/3.
const ZDT_SPACE: SearchSpace = new Map(['x1', 'x2', 'x3', 'x4', 'x5'].map((n) => [n, { kind: 'float', low: 0, high: 1, step: null, log: false }]));
const REF: [number, number] = [1.1, 1.1];
const TRUE_FRONT_HV = 1.21 - 1 / 3;

function zdt1(p: Record<string, ParamValue>): [number, number] {
  const x = ['x1', 'x2', 'x3', 'x4', 'x5'].map((n) => p[n] as number);
  const g = 1 + (9 * (x[1]! + x[2]! + x[3]! + x[4]!)) / 4;
  return [x[0]!, g * (1 - Math.sqrt(x[0]! / g))];
}

/** An ask/tell loop in memory, the sampler's system attrs kept on each trial as the engine does. */
function optimizeMo(sampler: Sampler, n: number): FrozenTrial[] {
  const h: FrozenTrial[] = [];
  for (let i = 0; i < n; i++) {
    const { params, systemAttrs } = sampler.propose ? sampler.propose(ZDT_SPACE, h, 'minimize') : { params: sampler.sample(ZDT_SPACE, h, 'minimize'), systemAttrs: {} };
    h.push({ ...mo(i, zdt1(params), systemAttrs), params });
  }
  return h;
}

const hvOf = (trials: readonly FrozenTrial[]): number => hypervolume2d(paretoFront(trials, MIN2).map((t) => [t.values![0]!, t.values![1]!] as const), REF);

describe('NSGA-II on ZDT1', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: 600 trials reach a front of larger hypervolume than random sampling's, below the true front's`, () => {
      const nsga = hvOf(optimizeMo(new Nsga2Sampler({ seed, directions: MIN2, populationSize: 30 }), 600));
      const random = hvOf(optimizeMo(new RandomSampler(seed), 600));
      expect(nsga).toBeLessThanOrEqual(TRUE_FRONT_HV);
      expect(nsga).toBeGreaterThan(random);
      // Well on its way to the true front (random stays far from it).
      expect(nsga).toBeGreaterThan(0.6 * TRUE_FRONT_HV);
    }, 60_000);
  }
  it('SBX crossover improves on random sampling too', () => {
    const nsga = hvOf(optimizeMo(new Nsga2Sampler({ seed: 4, directions: MIN2, populationSize: 30, crossover: 'sbx' }), 600));
    const random = hvOf(optimizeMo(new RandomSampler(4), 600));
    expect(nsga).toBeGreaterThan(random);
    expect(nsga).toBeLessThanOrEqual(TRUE_FRONT_HV);
  }, 60_000);
});

describe('multi-objective TPE', () => {
  it('splits by non-domination rank, cuts the last rank by hypervolume, and weighs by contribution (by hand)', () => {
    // Losses (both minimized): rank 0 = (1,4) (2,2) (4,1); rank 1 = (3,3) (2.5,5) (5,2.5).
    const trials = [mo(0, [1, 4]), mo(1, [3, 3]), mo(2, [2, 2]), mo(3, [2.5, 5]), mo(4, [4, 1]), mo(5, [5, 2.5])];
    const scored = scoreTrialsMulti(trials, MIN2, false);
    // Four good: rank 0 whole, then the one of rank 1 with the most hypervolume to its reference
    // point (1.1 x the rank's worst: (5.5, 5.5)): (3,3) has 2.5*2.5 = 6.25, (2.5,5) 3*0.5 = 1.5,
    // (5,2.5) 0.5*3 = 1.5.
    const isBelow = splitMultiObjective(scored, 4);
    expect([...isBelow]).toEqual([1, 1, 1, 0, 1, 0]);
    // Weights over the good group, reference 1.1 x its worst (4, 4) = (4.4, 4.4). Each point's
    // contribution is the area only it covers: (1,4): [1,2)x[4,4.4) = 0.4; (4,1): [4,4.4)x[1,2) =
    // 0.4; (3,3) lies inside (2,2)'s area: 0 (plus 1e-12); (2,2): [2,4.4)^2 = 5.76 less the union of
    // the others there (0.96 + 0.96 + 1.96 - 0.16 - 0.56 - 0.56 + 0.16 = 2.76) = 3.
    const w = belowWeights(scored, isBelow);
    expect(w.get(2)).toBeCloseTo(1, 9);
    expect(w.get(0)).toBeCloseTo(0.4 / 3, 9);
    expect(w.get(4)).toBeCloseTo(0.4 / 3, 9);
    expect(w.get(1)).toBeGreaterThan(0);
    expect(w.get(1)).toBeLessThan(1e-11);
  });

  it('feasible trials fill the good group first', () => {
    const trials = [mo(0, [1, 1], { constraints: [1] }), mo(1, [5, 5], { constraints: [0] }), mo(2, [4, 6], { constraints: [-1] }), mo(3, [6, 6], { constraints: [0.5] })];
    const scored = scoreTrialsMulti(trials, MIN2, true);
    expect([...splitMultiObjective(scored, 2)]).toEqual([0, 1, 1, 0]);
    // Three good: the two feasible ones and the least violating (0.5 < 1).
    expect([...splitMultiObjective(scored, 3)]).toEqual([0, 1, 1, 1]);
  });

  it('3-D hypervolume of two boxes (by hand: 8 + 8 - overlap 4 = 12)', () => {
    expect(hypervolume([[0, 0, 2], [2, 0, 0]], [2, 2, 4].map((x, i) => (i === 0 ? 4 : x)))).toBeCloseTo(4 * 2 * 2 + 2 * 2 * 4 - 2 * 2 * 2, 12);
  });

  for (const seed of [1, 2]) {
    it(`seed ${seed}: 300 trials on ZDT1 reach a front of larger hypervolume than random sampling's`, () => {
      const tpe = hvOf(optimizeMo(new TpeSampler({ seed, directions: MIN2 }), 300));
      const random = hvOf(optimizeMo(new RandomSampler(seed), 300));
      expect(tpe).toBeLessThanOrEqual(TRUE_FRONT_HV);
      expect(tpe).toBeGreaterThan(random);
    }, 60_000);
  }
});
