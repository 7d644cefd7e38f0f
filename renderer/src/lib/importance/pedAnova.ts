// PED-ANOVA (Watanabe et al., IJCAI 2023; Optuna's PedAnovaImportanceEvaluator, the evaluator
// optuna-dashboard and Optuna 5 use): a param matters as much as its distribution among the best
// trials (the top TARGET_QUANTILE by objective) departs from its distribution among all trials.
// Per param: Parzen estimates of both over the param's grid, and the Pearson divergence between
// them; the divergences are normalised to sum to 1. Only COMPLETE trials with a finite value count.
//
// Where this differs from Optuna's defaults, on purpose:
// - the top set holds at least MIN_TOP trials (Optuna: 2) and a study needs 2·MIN_TOP trials, so a
//   small study shows "not enough trials" rather than a ranking made of two trials;
// - a param some trials lack (a conditional space) is measured over the trials that have it, its own
//   top quantile among them; Optuna leaves such a param out.
// The work is split: prepareImportance bins every trial's params once; pedAnova then only counts
// (with weights, so the bootstrap in stability.ts reuses the bins without copying trials).
import type { TrialScalars } from '../../../../shared/contract.ts';
import { paramOf } from '../../../../shared/trialColumns.ts';
import type { Distribution } from '../views/paramCoords.ts';
import { categoricalDensity, numericDensity, pearsonDivergence } from './parzen.ts';

export const TARGET_QUANTILE = 0.1;
/** Fewest trials in the top set (Optuna's documentation asks for at least 5). */
export const MIN_TOP = 5;
/** Fewest trials (with the param) for an importance: the top set is then at most half of them. */
export const MIN_TRIALS = 2 * MIN_TOP;
/** Grid points of a numeric param's range (fewer for a stepped or log int param). */
export const GRID_STEPS = 50;

type ParamValue = TrialScalars['params'][string];

export interface PreparedParam {
  name: string;
  kind: 'numeric' | 'categorical';
  /** Grid points (numeric) or choices (categorical). */
  bins: number;
  /** The bin of each usable trial's value; -1 where the trial lacks the param. */
  binOf: Int32Array;
  /** Usable trials that have the param. */
  present: number;
  /** One possible value: no importance (0, as Optuna gives). */
  fixed: boolean;
}

export interface PreparedStudy {
  /** Usable trials: COMPLETE with a finite value. */
  n: number;
  /** Their objective, signed so that lower is better. */
  loss: Float64Array;
  /** Usable trials from best to worst. */
  order: Uint32Array;
  params: PreparedParam[];
}

function numericGrid(dist: Distribution | undefined, lo: number, hi: number): { bins: number; log: boolean } {
  const log = dist !== undefined && dist.kind !== 'categorical' && dist.log && lo > 0;
  if (dist?.kind === 'int' && log) return { bins: Math.min(Math.ceil(Math.log2(hi - lo + 1)) + 1, GRID_STEPS), log };
  if (dist !== undefined && dist.kind !== 'categorical' && dist.step !== null && !log && dist.step > 0) {
    return { bins: Math.min(Math.round((hi - lo) / dist.step) + 1, GRID_STEPS), log };
  }
  return { bins: GRID_STEPS, log };
}

function prepareParam(rows: readonly TrialScalars[], name: string, dist: Distribution | undefined): PreparedParam {
  const n = rows.length;
  const values = new Array<ParamValue | undefined>(n);
  // null is a value only where it is one of the choices (Optuna allows None); elsewhere it is absent.
  const nullIsChoice = dist?.kind === 'categorical' && dist.choices.includes(null);
  let present = 0;
  let numeric = dist === undefined || dist.kind !== 'categorical';
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = paramOf(rows[i]!, name);
    values[i] = v;
    if (v === undefined || (v === null && !nullIsChoice)) continue;
    present++;
    if (typeof v !== 'number' || !Number.isFinite(v)) numeric = false;
    else {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const binOf = new Int32Array(n).fill(-1);
  if (numeric) {
    // The grid spans the distribution's range and any value outside it (a space changed on resume).
    if (dist !== undefined && dist.kind !== 'categorical') {
      lo = Math.min(lo, dist.low);
      hi = Math.max(hi, dist.high);
    }
    const { bins, log } = numericGrid(dist, lo, hi);
    if (!(hi > lo) || bins < 2) {
      for (let i = 0; i < n; i++) if (typeof values[i] === 'number') binOf[i] = 0;
      return { name, kind: 'numeric', bins: 1, binOf, present, fixed: true };
    }
    const s0 = log ? Math.log(lo) : lo;
    const perBin = (bins - 1) / ((log ? Math.log(hi) : hi) - s0);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v !== 'number') continue;
      const b = Math.round(((log ? Math.log(v) : v) - s0) * perBin);
      binOf[i] = b < 0 ? 0 : b >= bins ? bins - 1 : b;
    }
    return { name, kind: 'numeric', bins, binOf, present, fixed: false };
  }
  // Choices: the distribution's, then any value it lacks, in order of first appearance. A Map keyed
  // by the value itself tells 16 from '16' and true from 'true', as Optuna's choices do.
  const at = new Map<ParamValue, number>();
  if (dist?.kind === 'categorical') for (const c of dist.choices) if (!at.has(c)) at.set(c, at.size);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === undefined || (v === null && !nullIsChoice)) continue;
    let b = at.get(v);
    if (b === undefined) at.set(v, (b = at.size));
    binOf[i] = b;
  }
  return { name, kind: 'categorical', bins: Math.max(1, at.size), binOf, present, fixed: at.size < 2 };
}

/** Bins the usable trials' params once, for pedAnova and the bootstrap. `direction` null counts as
 * minimize (Optuna's default). */
export function prepareImportance(
  trials: readonly TrialScalars[],
  params: readonly string[],
  distributions: Readonly<Record<string, Distribution>>,
  direction: 'minimize' | 'maximize' | null,
): PreparedStudy {
  const rows = trials.filter((t) => t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value));
  const n = rows.length;
  const sign = direction === 'maximize' ? -1 : 1;
  const loss = new Float64Array(n);
  for (let i = 0; i < n; i++) loss[i] = sign * (rows[i]!.value as number);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => loss[a]! - loss[b]!);
  return { n, loss, order, params: params.map((p) => prepareParam(rows, p, distributions[p])) };
}

/** How many of `total` (weighted) trials form the top set. */
export function topCount(total: number, quantile = TARGET_QUANTILE): number {
  return Math.max(MIN_TOP, Math.ceil(quantile * total - 1e-9));
}

/**
 * The raw divergence of every param (in `study.params` order): NaN for a param with fewer than
 * MIN_TRIALS trials, 0 for a fixed one. `weights` (a count per usable trial, as a bootstrap
 * resample gives) defaults to one each.
 */
export function pedAnovaDivergences(study: PreparedStudy, weights: Uint32Array | null = null, quantile = TARGET_QUANTILE): Float64Array {
  const out = new Float64Array(study.params.length);
  const { order, loss } = study;
  for (const [pi, p] of study.params.entries()) {
    const all = new Float64Array(p.bins);
    let total = 0;
    for (let i = 0; i < study.n; i++) {
      const b = p.binOf[i]!;
      if (b < 0) continue;
      const w = weights === null ? 1 : weights[i]!;
      all[b] = all[b]! + w;
      total += w;
    }
    if (total < MIN_TRIALS) {
      out[pi] = NaN;
      continue;
    }
    if (p.fixed) continue;
    // The top set: the best trials having the param until `need` are in, and every trial tied with
    // the last of them (ties stay together, as in Optuna's quantile filter).
    const need = topCount(total, quantile);
    const top = new Float64Array(p.bins);
    let taken = 0;
    let cutoff = Infinity;
    for (let r = 0; r < order.length; r++) {
      const i = order[r]!;
      const b = p.binOf[i]!;
      if (b < 0) continue;
      const w = weights === null ? 1 : weights[i]!;
      if (w === 0) continue;
      if (taken >= need && loss[i]! > cutoff) break;
      top[b] = top[b]! + w;
      taken += w;
      if (taken >= need && cutoff === Infinity) cutoff = loss[i]!;
    }
    const density = p.kind === 'numeric' ? numericDensity : categoricalDensity;
    // Scaled by the quantile squared, as in the paper (the variance the param explains of "is in the
    // top set"): the same for every param, so only the raw values show it.
    out[pi] = quantile * quantile * pearsonDivergence(density(top), density(all));
  }
  return out;
}

/** Divergences normalised to sum to 1 over the params that have one (NaN stays NaN); all equal
 * when every divergence is 0 (the top trials look like all of them). */
export function normalise(raw: Float64Array, fixed: readonly boolean[]): Float64Array {
  let sum = 0;
  let counted = 0;
  for (let i = 0; i < raw.length; i++) {
    if (Number.isNaN(raw[i]!) || fixed[i]) continue;
    sum += raw[i]!;
    counted++;
  }
  const out = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    if (Number.isNaN(raw[i]!)) out[i] = NaN;
    else if (fixed[i]) out[i] = 0;
    else out[i] = sum > 0 ? raw[i]! / sum : 1 / counted;
  }
  return out;
}
