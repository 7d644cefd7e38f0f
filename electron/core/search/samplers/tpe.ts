// Independent (univariate) TPE with Optuna 3.x's defaults: 10 random startup trials, gamma(n) =
// min(ceil(0.1 n), 25), a prior component of weight 1, magic clip, no endpoint bandwidths, 24 EI
// candidates drawn from the "good" estimator l(x) and the one maximising l(x)/g(x) kept.
//
// What it learns from, as Optuna does: COMPLETE trials by value; PRUNED trials ranked after them
// by how far they got (later step first), then by their last intermediate value (NaN last; no
// intermediate values at all = last); FAIL, RUNNING and WAITING trials are ignored.
import type { Rng } from '../rng.ts';
import { isSingle } from '../space.ts';
import type { Direction, Distribution, FrozenTrial, ParamValue, Sampler, SearchSpace } from '../types.ts';
import { rngForNextTrial, sampleUniform, snapToStep, toInternal } from './common.ts';
import { MultivariateParzen, type MvDim } from './mvParzen.ts';
import { belowWeights, scoreTrialsMulti, splitMultiObjective } from './motpeSplit.ts';
import { CategoricalParzen, defaultWeightAt, NumericParzen, type NumericParzenOptions } from './parzen.ts';

export interface TpeOptions {
  seed?: number;
  nStartupTrials?: number;
  nEiCandidates?: number;
  priorWeight?: number;
  considerMagicClip?: boolean;
  considerEndpoints?: boolean;
  /** Size of the "good" group for n usable trials. */
  gamma?: (n: number) => number;
  /**
   * Optuna 3.1's truncated-normal densities, without the 1/sigma factor (see NumericParzenOptions).
   * Default true: measured in bench/samplerQuality.ts, the proper density did worse on 3 of 4
   * functions, and with it our TPE is Optuna 3.1's TPE (checked term by term in test/search).
   */
  optuna31Density?: boolean;
  /**
   * Default true: one joint Parzen estimator over the params every usable trial has (see
   * mvParzen.ts); params outside that intersection are sampled independently. false is Optuna 3.1's
   * independent TPE, estimator for estimator.
   */
  multivariate?: boolean;
  /** Multivariate only: bandwidth factor (see MvParzenOptions). */
  bandwidthFactor?: number;
  /** Multivariate only: bandwidth rule (see MvParzenOptions). */
  bandwidthRule?: 'scott' | 'std';
  /** Multivariate only: weight of the independent estimators' log ratio added to the joint one. */
  independentWeight?: number;
  /** Multivariate only: categorical smoothing (see MvParzenOptions). */
  categoricalSmoothing?: number;
  /** The study's directions: with several, the multi-objective split and weights (motpeSplit.ts). */
  directions?: readonly Direction[];
  /** Multi-objective: the trials carry constraint values (feasible trials rank first). */
  constrained?: boolean;
}

export const defaultGamma = (n: number): number => Math.min(Math.ceil(0.1 * n), 25);

/**
 * The default (multivariate) TPE's settings, chosen in bench/samplerTune.ts on seed blocks disjoint
 * from the reported ones: a joint estimator with Scott's normal-reference bandwidth on the good
 * trials' spread (0.9 std n^(-1/(D+4))), a larger good group (20% instead of 10%, still at most 25),
 * and the joint log ratio plus 1.5x the independent estimators' log ratio as the candidate score
 * (the joint ratio alone lost on the separable multimodal rastrigin).
 */
export const MULTIVARIATE_DEFAULTS = {
  gamma: (n: number): number => Math.min(Math.ceil(0.2 * n), 25),
  bandwidthRule: 'std' as const,
  bandwidthFactor: 0.9,
  independentWeight: 1.5,
  categoricalSmoothing: 1,
};

const SALT_TPE = 0x54504531;

interface Scored {
  trial: FrozenTrial;
  /** Primary rank key: -Infinity for COMPLETE, -lastStep for PRUNED, 1 for PRUNED without steps. */
  stepKey: number;
  /** Secondary key: the value, sign-flipped so that smaller is better. */
  loss: number;
}

/** Usable trials in chronological order with their ranking keys. */
export function scoreTrials(history: readonly FrozenTrial[], direction: Direction): Scored[] {
  const sign = direction === 'minimize' ? 1 : -1;
  const out: Scored[] = [];
  const sorted = [...history].sort((a, b) => a.number - b.number);
  for (const t of sorted) {
    if (t.state === 'COMPLETE') {
      if (t.value === null || Number.isNaN(t.value)) continue;
      out.push({ trial: t, stepKey: -Infinity, loss: sign * t.value });
    } else if (t.state === 'PRUNED') {
      const iv = t.intermediateValues;
      if (iv.length === 0) {
        out.push({ trial: t, stepKey: 1, loss: 0 });
        continue;
      }
      let last = iv[0] as [number, number];
      for (const p of iv) if (p[0] > last[0]) last = p;
      out.push({ trial: t, stepKey: -last[0], loss: Number.isNaN(last[1]) ? Infinity : sign * last[1] });
    }
  }
  return out;
}

export interface Split {
  /** Every usable trial, chronological. */
  all: readonly Scored[];
  /** isBelow[i] = 1 when all[i] is in the "good" group. */
  isBelow: Uint8Array;
  below: Scored[];
  above: Scored[];
  /** Multi-objective: each good trial's weight by trial number (else Optuna's default weights). */
  belowWeights?: ReadonlyMap<number, number>;
}

/** (stepKey, loss) order: the ranking numpy's stable argsort gives on the structured pairs. */
function ranksBefore(x: Scored, y: Scored): boolean {
  return x.stepKey < y.stepKey || (x.stepKey === y.stepKey && x.loss < y.loss);
}

/** Splits into the best `nBelow` ("good") and the rest, each kept in chronological order. */
export function splitBelowAbove(scored: readonly Scored[], nBelow: number): Split {
  const n = scored.length;
  const k = Math.max(0, Math.min(nBelow, n));
  // Only the k (<= 25) best are needed, not a full sort: keep them in an insertion-sorted window.
  // A later trial never displaces an equal earlier one, which is the stable sort's tie order.
  const top = new Int32Array(k);
  let m = 0;
  for (let i = 0; i < n && k > 0; i++) {
    const s = scored[i] as Scored;
    if (m === k) {
      if (!ranksBefore(s, scored[top[k - 1] as number] as Scored)) continue;
      m--;
    }
    let p = m;
    while (p > 0 && ranksBefore(s, scored[top[p - 1] as number] as Scored)) {
      top[p] = top[p - 1] as number;
      p--;
    }
    top[p] = i;
    m++;
  }
  const isBelow = new Uint8Array(n);
  for (let j = 0; j < m; j++) isBelow[top[j] as number] = 1;
  const below: Scored[] = [];
  const above: Scored[] = [];
  for (let i = 0; i < n; i++) (isBelow[i] ? below : above).push(scored[i] as Scored);
  return { all: scored, isBelow, below, above };
}

/**
 * One param's usable observations, sorted by model value and updated incrementally: each call adds
 * only the trials it has not seen, so building the large "above" estimator costs O(n) instead of a
 * sort. Entries are keyed by trial number and checked against the trial's current raw value, so a
 * different history (another study, a test) is detected and the cache rebuilt.
 */
class SortedObservations {
  /** @param sorted false: keep only the per-trial model values (categorical params). */
  constructor(private readonly sorted: boolean) {}
  /** The history last brought up to date (the same array within one sample() call). */
  private lastAll: readonly Scored[] | null = null;
  private raw: Array<ParamValue | undefined> = [];
  private model: number[] = [];
  /** Trial numbers and their model values, ascending by value. */
  private sortedNums: number[] = [];
  private sortedVals: number[] = [];
  private known = 0;

  private reset(): void {
    this.raw = [];
    this.model = [];
    this.sortedNums = [];
    this.sortedVals = [];
    this.known = 0;
    this.lastAll = null;
  }

  update(all: readonly Scored[], name: string, toModel: (v: ParamValue | undefined) => number | null): void {
    if (all === this.lastAll) return;
    this.updateFrom(all, name, toModel);
    this.lastAll = all;
  }

  /** Fills out[i] with the model value of all[i]; false when some trial has none. */
  column(all: readonly Scored[], out: Float64Array): boolean {
    const model = this.model;
    for (let i = 0; i < all.length; i++) {
      const x = model[(all[i] as Scored).trial.number];
      if (x === undefined || Number.isNaN(x)) return false;
      out[i] = x;
    }
    return true;
  }

  private updateFrom(all: readonly Scored[], name: string, toModel: (v: ParamValue | undefined) => number | null): void {
    // One pass: check every remembered trial still has the value we cached (else rebuild) and
    // collect the new ones, in chronological order so ties insert as before.
    let seen = 0;
    const fresh: number[] = [];
    const raw = this.raw;
    for (let i = 0; i < all.length; i++) {
      const t = (all[i] as Scored).trial;
      const num = t.number;
      const v = t.params[name];
      const r = num < raw.length ? raw[num] : undefined;
      if (r === undefined) fresh.push(i);
      else if (r !== (v ?? null)) return this.rebuild(all, name, toModel);
      else seen++;
    }
    if (seen !== this.known) return this.rebuild(all, name, toModel);
    for (const i of fresh) {
      const t = (all[i] as Scored).trial;
      const num = t.number;
      // A duplicate trial number within one history: the first occurrence wins, as before.
      if (num < raw.length && raw[num] !== undefined) continue;
      const v = t.params[name];
      // A missing param is remembered too (as null model value) so it is not re-examined.
      const x = toModel(v);
      raw[num] = v === undefined ? null : v;
      this.model[num] = x === null ? NaN : x;
      this.known++;
      if (x === null || !this.sorted) continue;
      let lo = 0;
      let hi = this.sortedVals.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((this.sortedVals[mid] as number) <= x) lo = mid + 1;
        else hi = mid;
      }
      this.sortedVals.splice(lo, 0, x);
      this.sortedNums.splice(lo, 0, num);
    }
  }

  private rebuild(all: readonly Scored[], name: string, toModel: (v: ParamValue | undefined) => number | null): void {
    this.reset();
    this.updateFrom(all, name, toModel);
  }

  /** The Parzen estimator over every cached observation whose trial is not in the good group. */
  parzenExcluding(all: readonly Scored[], isBelow: Uint8Array, opt: NumericParzenOptions): NumericParzen {
    // Chronological rank among the "above" trials that have a usable value, for the weight ramp
    // (indexed by trial number; -1 = not in the group).
    const rank = new Int32Array(this.model.length).fill(-1);
    let n = 0;
    for (let i = 0; i < all.length; i++) {
      if (isBelow[i]) continue;
      const num = (all[i] as Scored).trial.number;
      const x = this.model[num];
      if (x === undefined || Number.isNaN(x)) continue;
      rank[num] = n++;
    }
    const mus = new Float64Array(n);
    const w = new Float64Array(n);
    let k = 0;
    const nums = this.sortedNums;
    const vals = this.sortedVals;
    for (let j = 0; j < nums.length; j++) {
      const r = rank[nums[j] as number] as number;
      if (r < 0) continue;
      mus[k] = vals[j] as number;
      w[k] = defaultWeightAt(r, n);
      k++;
    }
    return new NumericParzen(mus, w, opt);
  }
}

interface NumericTransform {
  /** Parzen bounds and step in the transformed space. */
  low: number;
  high: number;
  q: number | null;
  toModel(v: number): number;
  /** Transformed sample -> the external value Optuna would return. */
  fromModel(s: number): number;
}

function numericTransform(d: Exclude<Distribution, { kind: 'categorical' }>): NumericTransform {
  const clip = (v: number) => Math.min(Math.max(v, d.low), d.high);
  if (d.kind === 'float') {
    if (d.log) return { low: Math.log(d.low), high: Math.log(d.high), q: null, toModel: Math.log, fromModel: (s) => clip(Math.exp(s)) };
    if (d.step !== null) {
      const q = d.step;
      return { low: d.low - 0.5 * q, high: d.high + 0.5 * q, q, toModel: (v) => v, fromModel: (s) => snapToStep(s, d.low, d.high, q) };
    }
    return { low: d.low, high: d.high, q: null, toModel: (v) => v, fromModel: clip };
  }
  if (d.log) {
    return { low: Math.log(d.low - 0.5), high: Math.log(d.high + 0.5), q: null, toModel: Math.log, fromModel: (s) => clip(Math.round(Math.exp(s))) };
  }
  const q = d.step;
  return { low: d.low - 0.5 * q, high: d.high + 0.5 * q, q, toModel: (v) => v, fromModel: (s) => clip(Math.round((s - d.low) / q) * q + d.low) };
}

export class TpeSampler implements Sampler {
  readonly name = 'tpe' as const;
  private readonly seed: number | undefined;
  private readonly nStartup: number;
  private readonly nCandidates: number;
  private readonly priorWeight: number;
  private readonly magicClip: boolean;
  private readonly endpoints: boolean;
  private readonly gamma: (n: number) => number;
  private readonly optuna31Density: boolean;
  private readonly multivariate: boolean;
  private readonly bandwidthFactor: number;
  private readonly categoricalSmoothing: number;
  private readonly bandwidthRule: 'scott' | 'std';
  private readonly independentWeight: number;
  private readonly directions: readonly Direction[];
  private readonly constrained: boolean;
  /** Per (param, distribution): usable observations kept sorted across calls. */
  private readonly caches = new Map<string, SortedObservations>();

  constructor(opts: TpeOptions = {}) {
    this.seed = opts.seed;
    this.nStartup = opts.nStartupTrials ?? 10;
    this.nCandidates = opts.nEiCandidates ?? 24;
    this.priorWeight = opts.priorWeight ?? 1;
    this.magicClip = opts.considerMagicClip ?? true;
    this.endpoints = opts.considerEndpoints ?? false;
    this.multivariate = opts.multivariate ?? true;
    const mv = this.multivariate ? MULTIVARIATE_DEFAULTS : null;
    this.gamma = opts.gamma ?? mv?.gamma ?? defaultGamma;
    this.optuna31Density = opts.optuna31Density ?? true;
    this.bandwidthFactor = opts.bandwidthFactor ?? MULTIVARIATE_DEFAULTS.bandwidthFactor;
    this.categoricalSmoothing = opts.categoricalSmoothing ?? MULTIVARIATE_DEFAULTS.categoricalSmoothing;
    this.bandwidthRule = opts.bandwidthRule ?? MULTIVARIATE_DEFAULTS.bandwidthRule;
    this.independentWeight = opts.independentWeight ?? MULTIVARIATE_DEFAULTS.independentWeight;
    this.directions = opts.directions ?? [];
    this.constrained = opts.constrained ?? false;
  }

  /** Multi-objective: COMPLETE trials split by non-domination rank and hypervolume, weighted. */
  private splitMulti(history: readonly FrozenTrial[]): { scored: Scored[]; split: Split | null } {
    const mo = scoreTrialsMulti(history, this.directions, this.constrained);
    const scored: Scored[] = mo.map((s) => ({ trial: s.trial, stepKey: -Infinity, loss: 0 }));
    if (scored.length < this.nStartup) return { scored, split: null };
    const isBelow = splitMultiObjective(mo, this.gamma(scored.length));
    const below: Scored[] = [];
    const above: Scored[] = [];
    scored.forEach((s, i) => (isBelow[i] ? below : above).push(s));
    return { scored, split: { all: scored, isBelow, below, above, belowWeights: belowWeights(mo, isBelow) } };
  }

  sample(space: SearchSpace, history: readonly FrozenTrial[], direction: Direction): Record<string, ParamValue> {
    const rng = rngForNextTrial(this.seed, history, SALT_TPE);
    const out: Record<string, ParamValue> = {};
    let split: Split | null;
    if (this.directions.length > 1) {
      split = this.splitMulti(history).split;
    } else {
      const scored = scoreTrials(history, direction);
      split = scored.length < this.nStartup ? null : splitBelowAbove(scored, this.gamma(scored.length));
    }
    if (split && this.caches.size > 4 * Math.max(1, space.size)) this.caches.clear();
    const joint = split && this.multivariate ? this.sampleJoint(space, split, rng) : null;
    for (const [name, d] of space) {
      if (isSingle(d)) out[name] = d.kind === 'categorical' ? (d.choices[0] as ParamValue) : d.low;
      else if (!split) out[name] = sampleUniform(d, rng);
      else if (joint && Object.hasOwn(joint, name)) out[name] = joint[name] as ParamValue;
      else out[name] = this.sampleParam(name, d, split, rng);
    }
    return out;
  }

  /**
   * Samples the params that every usable trial has (with a value valid in the current distribution)
   * from one joint estimator; null when fewer than two such params exist, and the independent
   * estimators take over (as Optuna falls back outside the intersection search space).
   */
  private sampleJoint(space: SearchSpace, split: Split, rng: Rng): Record<string, ParamValue> | null {
    const all = split.all;
    const n = all.length;
    const names: string[] = [];
    const dists: Distribution[] = [];
    const cols: Float64Array[] = [];
    for (const [name, d] of space) {
      if (isSingle(d)) continue;
      const col = new Float64Array(n);
      const cache = this.cacheFor(name, d);
      cache.update(all, name, this.modelOf(d));
      if (!cache.column(all, col)) continue;
      names.push(name);
      dists.push(d);
      cols.push(col);
    }
    const D = names.length;
    if (D < 2) return null;
    // Each numeric param's transform, made once for its kernel dims and for scoring candidates.
    const transforms: Array<NumericTransform | null> = [];
    const dims: MvDim[] = dists.map((d) => {
      if (d.kind === 'categorical') {
        transforms.push(null);
        return { kind: 'categorical', k: d.choices.length };
      }
      const tr = numericTransform(d);
      transforms.push(tr);
      return { kind: 'numeric', low: tr.low, high: tr.high, q: tr.q };
    });
    const opt = { priorWeight: this.priorWeight, bandwidthFactor: this.bandwidthFactor, considerMagicClip: this.magicClip, categoricalSmoothing: this.categoricalSmoothing, bandwidthRule: this.bandwidthRule };
    const build = (below: boolean): MultivariateParzen => {
      let count = 0;
      for (let i = 0; i < n; i++) if ((split.isBelow[i] === 1) === below) count++;
      const obs = cols.map(() => new Float64Array(count));
      const w = new Float64Array(count);
      let r = 0;
      for (let i = 0; i < n; i++) {
        if ((split.isBelow[i] === 1) !== below) continue;
        for (let d = 0; d < D; d++) (obs[d] as Float64Array)[r] = (cols[d] as Float64Array)[i] as number;
        w[r] = below && split.belowWeights ? (split.belowWeights.get((all[i] as Scored).trial.number) ?? 0) : defaultWeightAt(r, count);
        r++;
      }
      return new MultivariateParzen(dims, obs, w, opt);
    };
    const l = build(true);
    const g = build(false);
    const nc = this.nCandidates;
    const xs = dims.map(() => new Float64Array(nc));
    const values: ParamValue[][] = dists.map(() => new Array<ParamValue>(nc));
    const point = new Float64Array(D);
    for (let c = 0; c < nc; c++) {
      l.sample(rng, point);
      for (let d = 0; d < D; d++) {
        const tr = transforms[d] ?? null;
        const dist = dists[d] as Distribution;
        const p = point[d] as number;
        if (tr === null || dist.kind === 'categorical') {
          (values[d] as ParamValue[])[c] = (dist as { choices: readonly ParamValue[] }).choices[p] as ParamValue;
          (xs[d] as Float64Array)[c] = p;
        } else {
          // Score the value the trial will actually get (rounded to its step or int).
          const v = tr.fromModel(p);
          (values[d] as ParamValue[])[c] = v;
          (xs[d] as Float64Array)[c] = tr.toModel(v);
        }
      }
    }
    const score = new Float64Array(nc);
    const lg = new Float64Array(nc);
    l.logPdfMany(xs, nc, score);
    g.logPdfMany(xs, nc, lg);
    for (let c = 0; c < nc; c++) score[c] = (score[c] as number) - (lg[c] as number);
    // Product of experts: the independent estimators' ratio keeps rewarding values that are good
    // on their own, which lets good coordinates of different trials recombine.
    const wgt = this.independentWeight;
    if (wgt > 0) {
      for (let d = 0; d < D; d++) {
        const name = names[d] as string;
        const dist = dists[d] as Distribution;
        const x = xs[d] as Float64Array;
        if (dist.kind === 'categorical') {
          const { l: cl, g: cg } = this.categoricalPair(name, dist, split);
          for (let c = 0; c < nc; c++) score[c] = (score[c] as number) + wgt * (cl.logPmf(x[c] as number) - cg.logPmf(x[c] as number));
        } else {
          const { l: nl, g: ng } = this.numericPair(name, dist, split);
          for (let c = 0; c < nc; c++) score[c] = (score[c] as number) + wgt * (nl.logPdf(x[c] as number) - ng.logPdf(x[c] as number));
        }
      }
    }
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < nc; c++) {
      if ((score[c] as number) > bestScore) {
        best = c;
        bestScore = score[c] as number;
      }
    }
    const out: Record<string, ParamValue> = {};
    names.forEach((name, d) => {
      out[name] = (values[d] as ParamValue[])[best] as ParamValue;
    });
    return out;
  }

  /** The group's usable values of one param; `nums` (when given) receives their trials' numbers. */
  private observations(group: readonly Scored[], name: string, d: Distribution, toModel: (v: number) => number, nums?: number[]): Float64Array {
    const vals: number[] = [];
    if (d.kind === 'categorical') {
      // Index lookup by map rather than a scan per trial. Map keys compare as SameValueZero, which
      // is toInternal's match (=== plus NaN equals NaN); the first of duplicate choices wins as there.
      const index = new Map<ParamValue, number>();
      d.choices.forEach((c, i) => {
        if (!index.has(c as ParamValue)) index.set(c as ParamValue, i);
      });
      for (const s of group) {
        const v = s.trial.params[name];
        const i = v === undefined ? undefined : index.get(v);
        if (i !== undefined) {
          vals.push(i);
          nums?.push(s.trial.number);
        }
      }
      return Float64Array.from(vals);
    }
    for (const s of group) {
      const v = toInternal(d, s.trial.params[name]);
      if (v !== null) {
        vals.push(toModel(v));
        nums?.push(s.trial.number);
      }
    }
    return Float64Array.from(vals);
  }

  /** External value -> model value (transformed number, or choice index), null when unusable. */
  private modelOf(d: Distribution): (v: ParamValue | undefined) => number | null {
    if (d.kind === 'categorical') {
      // Map keys compare as SameValueZero, which is toInternal's match; the first of duplicate
      // choices wins as there.
      const index = new Map<ParamValue, number>();
      d.choices.forEach((c, i) => {
        if (!index.has(c as ParamValue)) index.set(c as ParamValue, i);
      });
      return (v) => (v === undefined ? null : (index.get(v) ?? null));
    }
    const tr = numericTransform(d);
    return (v) => {
      const x = toInternal(d, v);
      return x === null ? null : tr.toModel(x);
    };
  }

  private cacheFor(name: string, d: Distribution): SortedObservations {
    const key = `${name}\u0000${JSON.stringify(d)}`;
    let c = this.caches.get(key);
    if (!c) {
      c = new SortedObservations(d.kind !== 'categorical');
      this.caches.set(key, c);
    }
    return c;
  }

  /** Optuna's independent "good" and "bad" categorical estimators for one param. */
  private categoricalPair(name: string, d: Extract<Distribution, { kind: 'categorical' }>, split: Split): { l: CategoricalParzen; g: CategoricalParzen } {
    const k = d.choices.length;
    const nums: number[] = [];
    const below = this.observations(split.below, name, d, (v) => v, nums);
    const weights = split.belowWeights ? nums.map((n) => split.belowWeights!.get(n) ?? 0) : undefined;
    return {
      l: new CategoricalParzen(below, k, this.priorWeight, weights),
      g: new CategoricalParzen(this.observations(split.above, name, d, (v) => v), k, this.priorWeight),
    };
  }

  /** Optuna's independent "good" and "bad" numeric estimators for one param (transformed space). */
  private numericPair(name: string, d: Exclude<Distribution, { kind: 'categorical' }>, split: Split): { tr: NumericTransform; l: NumericParzen; g: NumericParzen } {
    const tr = numericTransform(d);
    const opt = { low: tr.low, high: tr.high, q: tr.q, priorWeight: this.priorWeight, considerMagicClip: this.magicClip, considerEndpoints: this.endpoints, optuna31Density: this.optuna31Density };
    const l = split.belowWeights ? this.weightedParzen(name, d, split, tr, opt) : NumericParzen.fromObservations(this.observations(split.below, name, d, tr.toModel), opt);
    // The large "above" group comes from the incrementally sorted cache: no per-call sort.
    const cache = this.cacheFor(name, d);
    cache.update(split.all, name, this.modelOf(d));
    return { tr, l, g: cache.parzenExcluding(split.all, split.isBelow, opt) };
  }

  /** The good estimator with each observation's multi-objective weight. */
  private weightedParzen(name: string, d: Distribution, split: Split, tr: NumericTransform, opt: NumericParzenOptions): NumericParzen {
    const nums: number[] = [];
    const obs = this.observations(split.below, name, d, tr.toModel, nums);
    const order = Array.from({ length: obs.length }, (_, i) => i).sort((a, b) => (obs[a] as number) - (obs[b] as number));
    const mus = Float64Array.from(order, (i) => obs[i] as number);
    const w = Float64Array.from(order, (i) => split.belowWeights!.get(nums[i] as number) ?? 0);
    return new NumericParzen(mus, w, opt);
  }

  private sampleParam(name: string, d: Distribution, split: Split, rng: Rng): ParamValue {
    if (d.kind === 'categorical') {
      const { l, g } = this.categoricalPair(name, d, split);
      let best = -1;
      let bestScore = -Infinity;
      for (let i = 0; i < this.nCandidates; i++) {
        const c = l.sample(rng);
        const score = l.logPmf(c) - g.logPmf(c);
        if (best < 0 || score > bestScore) {
          best = c;
          bestScore = score;
        }
      }
      return d.choices[best] as ParamValue;
    }
    const { tr, l, g } = this.numericPair(name, d, split);
    let best: number | null = null;
    let bestScore = -Infinity;
    // Discrete candidates repeat often: score each distinct value once.
    const seen = new Map<number, number>();
    for (let i = 0; i < this.nCandidates; i++) {
      const value = tr.fromModel(l.sample(rng));
      let score = seen.get(value);
      if (score === undefined) {
        const x = tr.toModel(value);
        score = l.logPdf(x) - g.logPdf(x);
        seen.set(value, score);
      }
      if (best === null || score > bestScore) {
        best = value;
        bestScore = score;
      }
    }
    return best as number;
  }
}
