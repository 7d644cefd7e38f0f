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
}

export const defaultGamma = (n: number): number => Math.min(Math.ceil(0.1 * n), 25);

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
  }

  update(all: readonly Scored[], name: string, toModel: (v: ParamValue | undefined) => number | null): void {
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
      if (x === null) continue;
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
    this.update(all, name, toModel);
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
  /** Per (param, distribution): usable observations kept sorted across calls. */
  private readonly caches = new Map<string, SortedObservations>();

  constructor(opts: TpeOptions = {}) {
    this.seed = opts.seed;
    this.nStartup = opts.nStartupTrials ?? 10;
    this.nCandidates = opts.nEiCandidates ?? 24;
    this.priorWeight = opts.priorWeight ?? 1;
    this.magicClip = opts.considerMagicClip ?? true;
    this.endpoints = opts.considerEndpoints ?? false;
    this.gamma = opts.gamma ?? defaultGamma;
    this.optuna31Density = opts.optuna31Density ?? true;
  }

  sample(space: SearchSpace, history: readonly FrozenTrial[], direction: Direction): Record<string, ParamValue> {
    const rng = rngForNextTrial(this.seed, history, SALT_TPE);
    const scored = scoreTrials(history, direction);
    const out: Record<string, ParamValue> = {};
    const startup = scored.length < this.nStartup;
    const split = startup ? null : splitBelowAbove(scored, this.gamma(scored.length));
    if (split && this.caches.size > 4 * Math.max(1, space.size)) this.caches.clear();
    for (const [name, d] of space) {
      if (isSingle(d)) out[name] = d.kind === 'categorical' ? (d.choices[0] as ParamValue) : d.low;
      else if (!split) out[name] = sampleUniform(d, rng);
      else out[name] = this.sampleParam(name, d, split, rng);
    }
    return out;
  }

  private observations(group: readonly Scored[], name: string, d: Distribution, toModel: (v: number) => number): Float64Array {
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
        if (i !== undefined) vals.push(i);
      }
      return Float64Array.from(vals);
    }
    for (const s of group) {
      const v = toInternal(d, s.trial.params[name]);
      if (v !== null) vals.push(toModel(v));
    }
    return Float64Array.from(vals);
  }

  private cacheFor(name: string, d: Distribution): SortedObservations {
    const key = `${name}\u0000${JSON.stringify(d)}`;
    let c = this.caches.get(key);
    if (!c) {
      c = new SortedObservations();
      this.caches.set(key, c);
    }
    return c;
  }

  private sampleParam(name: string, d: Distribution, split: Split, rng: Rng): ParamValue {
    const { below, above } = split;
    if (d.kind === 'categorical') {
      const k = d.choices.length;
      const l = new CategoricalParzen(this.observations(below, name, d, (v) => v), k, this.priorWeight);
      const g = new CategoricalParzen(this.observations(above, name, d, (v) => v), k, this.priorWeight);
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
    const tr = numericTransform(d);
    const opt = { low: tr.low, high: tr.high, q: tr.q, priorWeight: this.priorWeight, considerMagicClip: this.magicClip, considerEndpoints: this.endpoints, optuna31Density: this.optuna31Density };
    const l = NumericParzen.fromObservations(this.observations(below, name, d, tr.toModel), opt);
    // The large "above" group comes from the incrementally sorted cache: no per-call sort.
    const cache = this.cacheFor(name, d);
    cache.update(split.all, name, (v) => {
      const x = toInternal(d, v);
      return x === null ? null : tr.toModel(x);
    });
    const g = cache.parzenExcluding(split.all, split.isBelow, opt);
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
