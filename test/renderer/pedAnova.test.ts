// The Importance view's computation: PED-ANOVA (pedAnova.ts, parzen.ts), its bootstrap
// (stability.ts) and what the view is told (paramImportance.ts). Expected values are worked out by
// hand, follow from how a study is built, or were computed by Optuna itself.
import { describe, expect, it } from 'vitest';
import type { TrialRow } from '../../shared/contract.ts';
import { categoricalDensity, numericDensity, pearsonDivergence } from '../../renderer/src/lib/importance/parzen.ts';
import { pedAnovaDivergences, prepareImportance } from '../../renderer/src/lib/importance/pedAnova.ts';
import { methodLabel, paramImportance, type ImportanceInput } from '../../renderer/src/lib/importance/paramImportance.ts';
import { importanceStability } from '../../renderer/src/lib/importance/stability.ts';
import type { Distribution } from '../../renderer/src/lib/views/paramCoords.ts';
import { PINNED_DISTRIBUTIONS, pinnedTrials } from './pinnedStudy.ts';

function trial(number: number, params: TrialRow['params'], value: number | null, state: TrialRow['state'] = 'COMPLETE'): TrialRow {
  return { trialId: number + 1, number, state, params, value, intermediate: [], startedAt: null, completedAt: null, durationMs: null, childRunId: null, reason: null };
}

function lcg(seed: number): () => number {
  return () => (seed = (seed * 16807) % 2147483647) / 2147483647;
}

const float = (low: number, high: number): Distribution => ({ kind: 'float', low, high, step: null, log: false });

function ranked(input: ImportanceInput): string[] {
  const r = paramImportance(input);
  if (r.kind !== 'ped-anova') throw new Error(`expected a ranking, got ${r.kind}`);
  return r.params.map((p) => p.param);
}

describe('Parzen estimates and the divergence', () => {
  it('a categorical estimate is the smoothed one-hot mixture, worked out by hand', () => {
    // counts 2, 0, 1 and prior weight 1: 3 kernels (2 observed + prior), spread 1/3, rows sum to 2,
    // mixture weights 2/4, 1/4 and the uniform prior 1/4.
    const p = categoricalDensity(Float64Array.from([2, 0, 1]));
    expect(p[0]).toBeCloseTo(2 / 4 / 2 + (3 / 4) * (1 / 3) / 2 + 1 / 12, 12);
    expect(p[1]).toBeCloseTo((3 / 4) * (1 / 3) / 2 + 1 / 12, 12);
    expect(p[2]).toBeCloseTo(1 / 4 / 2 + (3 / 4) * (1 / 3) / 2 + 1 / 12, 12);
  });

  it('a numeric estimate is a density over the bins, peaked where the trials are', () => {
    const counts = new Float64Array(50);
    counts[10] = 30;
    const p = numericDensity(counts);
    expect(p.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 9);
    expect(Math.max(...p)).toBe(p[10]);
    // Without trials only the prior is left: symmetric about the middle of the grid.
    const prior = numericDensity(new Float64Array(50));
    expect(prior[0]).toBeCloseTo(prior[49]!, 12);
    expect(prior[24]).toBeGreaterThan(prior[0]!);
  });

  it('the Pearson divergence is 0 for equal densities and Σ base·(top/base − 1)² otherwise', () => {
    const base = Float64Array.from([0.5, 0.5]);
    expect(pearsonDivergence(base, base)).toBe(0);
    expect(pearsonDivergence(Float64Array.from([1, 0]), base)).toBeCloseTo(0.5 * 1 + 0.5 * 1, 9);
  });
});

describe('PED-ANOVA', () => {
  it("gives the divergences Optuna's PedAnovaImportanceEvaluator gives on the same study", () => {
    // Computed by Optuna 5.0.0.dev's PedAnovaImportanceEvaluator() (target_quantile 0.1,
    // region_quantile 1, evaluate_on_local) on pinnedTrials(n) with PINNED_DISTRIBUTIONS
    // (create_trial + add_trials, minimize), before normalisation.
    const optuna: Record<number, Record<string, number>> = {
      60: { x: 0.014366495213980916, lr: 0.00447043634687262, layers: 0.0030870091597453705, dropout: 0.0018424287176601899, optimizer: 0.0012572108923010015, units: 0.0005562709810828894 },
      200: { x: 0.010825626825226201, layers: 0.007013649794467935, lr: 0.005085904207843336, optimizer: 0.001235158916538463, units: 0.0004555362810701666, dropout: 0.0002967877473794192 },
    };
    for (const [n, want] of Object.entries(optuna)) {
      const names = Object.keys(PINNED_DISTRIBUTIONS);
      const raw = pedAnovaDivergences(prepareImportance(pinnedTrials(Number(n)), names, PINNED_DISTRIBUTIONS, 'minimize'));
      for (const [i, name] of names.entries()) expect(raw[i]! / want[name]!, `${name} at ${n} trials`).toBeCloseTo(1, 5);
    }
  });

  it('bins each kind of param as its distribution says', () => {
    const dists: Record<string, Distribution> = {
      warmup: { kind: 'int', low: 10, high: 1000, step: 1, log: true }, // ceil(log2(991)) + 1 = 11 points
      dropout: { kind: 'float', low: 0.1, high: 0.3, step: 0.05, log: false }, // 5 points
      epochs: { kind: 'int', low: 2, high: 10, step: 2, log: false }, // 5 points
      layers: { kind: 'int', low: 1, high: 200, step: 1, log: false }, // 200 values: capped at 50
      wd: float(0, 0.1), // 50 points
      bs: { kind: 'categorical', choices: [8, 16, 32] },
    };
    const t = [trial(0, { warmup: 10, dropout: 0.3, epochs: 4, layers: 200, wd: 0.1, bs: 16 }, 1)];
    const p = prepareImportance(t, Object.keys(dists), dists, 'minimize').params;
    expect(p.map((x) => [x.name, x.kind, x.bins])).toEqual([
      ['warmup', 'numeric', 11],
      ['dropout', 'numeric', 5],
      ['epochs', 'numeric', 5],
      ['layers', 'numeric', 50],
      ['wd', 'numeric', 50],
      ['bs', 'categorical', 3],
    ]);
    // The lowest value falls in the first bin, the highest in the last; 16 is the second choice.
    expect(p.map((x) => x.binOf[0])).toEqual([0, 4, 1, 49, 49, 1]);
  });

  it('ranks by construction: objective 10·x² + y with z unused gives x, y, z', () => {
    const rnd = lcg(7);
    const trials = Array.from({ length: 400 }, (_, i) => {
      const [x, y, z] = [-1 + 2 * rnd(), -1 + 2 * rnd(), -1 + 2 * rnd()];
      return trial(i, { x, y, z }, 10 * x * x + y);
    });
    const d = { x: float(-1, 1), y: float(-1, 1), z: float(-1, 1) };
    expect(ranked({ trials, params: ['z', 'y', 'x'], distributions: d, direction: 'minimize' })).toEqual(['x', 'y', 'z']);
    const r = paramImportance({ trials, params: ['x'], distributions: d, direction: 'minimize' });
    expect(r.kind === 'ped-anova' && methodLabel(r)).toBe('PED-ANOVA, top 10% vs all, 400 trials');
  });

  it('the direction picks the top trials: a param that matters only at the high end counts only when maximizing', () => {
    // value = 100·max(0, x − 0.9) + y/10: the highest values all have x > 0.9; the lowest are
    // decided by y alone.
    const rnd = lcg(11);
    const trials = Array.from({ length: 400 }, (_, i) => {
      const [x, y] = [rnd(), rnd()];
      return trial(i, { x, y }, 100 * Math.max(0, x - 0.9) + y / 10);
    });
    const d = { x: float(0, 1), y: float(0, 1) };
    expect(ranked({ trials, params: ['x', 'y'], distributions: d, direction: 'maximize' })).toEqual(['x', 'y']);
    expect(ranked({ trials, params: ['x', 'y'], distributions: d, direction: 'minimize' })).toEqual(['y', 'x']);
  });

  it('leaves out failed, pruned and non-finite trials, and says "too few" below 10 usable trials', () => {
    const d = { x: float(0, 1) };
    const nine = Array.from({ length: 9 }, (_, i) => trial(i, { x: i / 10 }, i));
    const extra = [trial(9, { x: 0.5 }, null, 'FAIL'), trial(10, { x: 0.5 }, 3, 'PRUNED'), trial(11, { x: 0.5 }, NaN), trial(12, { x: 0.5 }, Infinity)];
    expect(paramImportance({ trials: [...nine, ...extra], params: ['x'], distributions: d, direction: 'minimize' })).toEqual({ kind: 'too-few', trials: 9, need: 10 });
    const ten = paramImportance({ trials: [...nine, ...extra, trial(13, { x: 0.95 }, 9)], params: ['x'], distributions: d, direction: 'minimize' });
    expect(ten.kind).toBe('ped-anova');
    // 10% of 10 is 1 trial: the top set is raised to 5, and the label says so.
    if (ten.kind === 'ped-anova') expect(methodLabel(ten)).toBe('PED-ANOVA, top 5 (50%) vs all, 10 trials');
  });

  it('a conditional param is measured over the trials that have it; one too rare has none; a fixed one scores 0', () => {
    const rnd = lcg(3);
    const trials = Array.from({ length: 300 }, (_, i) => {
      const x = rnd();
      const opt = rnd() < 0.5 ? 'sgd' : 'adam';
      const momentum = opt === 'sgd' ? rnd() : undefined;
      const params: TrialRow['params'] = { x, opt, batch: 32 };
      if (momentum !== undefined) params.momentum = momentum;
      if (i < 4) params.rare = rnd();
      return trial(i, params, x + (momentum ?? 0.5));
    });
    const d = { x: float(0, 1), opt: { kind: 'categorical', choices: ['sgd', 'adam'] } as Distribution, momentum: float(0, 1), rare: float(0, 1), batch: { kind: 'categorical', choices: [32] } as Distribution };
    const r = paramImportance({ trials, params: ['x', 'opt', 'momentum', 'rare', 'batch'], distributions: d, direction: 'minimize' });
    if (r.kind !== 'ped-anova') throw new Error('expected a ranking');
    const m = r.params.find((p) => p.param === 'momentum')!;
    expect(m.conditional).toBe(true);
    expect(m.trials).toBe(trials.filter((t) => t.params.momentum !== undefined).length);
    expect(r.params.find((p) => p.param === 'x')!.conditional).toBe(false);
    expect(r.lacking).toEqual([{ param: 'rare', trials: 4 }]);
    const batch = r.params.find((p) => p.param === 'batch')!;
    expect([batch.fixed, batch.score]).toEqual([true, 0]);
    expect(r.params.reduce((s, p) => s + p.score, 0)).toBeCloseTo(1, 12);
  });

  it("a categorical None (null) is a choice where the distribution has it, and a missing value elsewhere; 16 and '16' are different choices", () => {
    const trials = [trial(0, { a: null, b: null, c: 16 }, 1), trial(1, { a: 'x', b: 'x', c: '16' }, 2)];
    const d: Record<string, Distribution> = { a: { kind: 'categorical', choices: ['x', null] }, b: { kind: 'categorical', choices: ['x'] }, c: { kind: 'categorical', choices: [16, '16'] } };
    const p = prepareImportance(trials, ['a', 'b', 'c'], d, 'minimize').params;
    expect(p.map((x) => [...x.binOf])).toEqual([
      [1, 0],
      [-1, 0],
      [0, 1],
    ]);
  });

  it('a param without a distribution is binned from its values: numbers on a line, anything else as choices', () => {
    const trials = Array.from({ length: 20 }, (_, i) => trial(i, { n: i, s: i % 2 ? 'a' : 'b' }, i));
    const p = prepareImportance(trials, ['n', 's'], {}, 'minimize').params;
    expect(p.map((x) => [x.kind, x.bins])).toEqual([
      ['numeric', 50],
      ['categorical', 2],
    ]);
  });
});

describe('how sure: the bootstrap', () => {
  const rnd = lcg(5);
  const trials = Array.from({ length: 300 }, (_, i) => {
    const [x, y, z] = [rnd(), rnd(), rnd()];
    return trial(i, { x, y, z }, 10 * (x - 0.5) ** 2 + 0.1 * y);
  });
  const d = { x: float(0, 1), y: float(0, 1), z: float(0, 1) };

  it('a param that decides the objective stays first in nearly every resample; the same trials give the same answer', () => {
    const r = paramImportance({ trials, params: ['x', 'y', 'z'], distributions: d, direction: 'minimize' });
    if (r.kind !== 'ped-anova') throw new Error('expected a ranking');
    const s = importanceStability(r.prepared, 100);
    expect(s.resamples).toBe(100);
    expect(s.first[0]).toBeGreaterThanOrEqual(0.95);
    expect(s.first[0]! + s.first[1]! + s.first[2]!).toBeCloseTo(1, 12);
    for (let i = 0; i < 3; i++) expect(s.low[i]).toBeLessThanOrEqual(s.high[i]!);
    expect(importanceStability(r.prepared, 100)).toEqual(s);
  });

  it('two params of equal effect share the first place between resamples', () => {
    const twin = trials.map((t, i) => trial(i, t.params, 10 * ((t.params.x as number) - 0.5) ** 2 + 10 * ((t.params.y as number) - 0.5) ** 2));
    const r = paramImportance({ trials: twin, params: ['x', 'y'], distributions: d, direction: 'minimize' });
    if (r.kind !== 'ped-anova') throw new Error('expected a ranking');
    const s = importanceStability(r.prepared, 100);
    expect(Math.max(s.first[0]!, s.first[1]!)).toBeLessThan(0.95);
  });
});
