// How sure the importance is: a bootstrap. The completed trials are resampled with replacement
// (as a count per trial, so the bins prepared once are reused) and PED-ANOVA is run on each
// resample; a param's interval is the 5th to 95th percentile of its share over the resamples, and
// the ranking is as sure as the share of resamples that put the same param first. The generator is
// seeded, so the same trials always give the same answer.
import { normalise, pedAnovaDivergences, type PreparedStudy } from './pedAnova.ts';

export const MAX_RESAMPLES = 200;
export const MIN_RESAMPLES = 40;
/** Trial-param visits the resamples may make in all: a 100,000-trial study gets fewer resamples
 * (its intervals are narrow anyway) so the view stays quick. */
const BUDGET = 8_000_000;

export interface Stability {
  resamples: number;
  /** Per param (in the prepared study's order): 5th and 95th percentile of its share; NaN when it
   * has no importance. */
  low: Float64Array;
  high: Float64Array;
  /** Per param: the share of resamples in which it ranked first. */
  first: Float64Array;
}

/** A small seeded generator (mulberry32): uniform in [0, 1). */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function resampleCount(study: PreparedStudy): number {
  const visits = Math.max(1, study.n * (study.params.length + 1));
  return Math.max(MIN_RESAMPLES, Math.min(MAX_RESAMPLES, Math.floor(BUDGET / visits)));
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const at = q * (sorted.length - 1);
  const i = Math.floor(at);
  const f = at - i;
  return i + 1 < sorted.length ? sorted[i]! * (1 - f) + sorted[i + 1]! * f : sorted[i]!;
}

export function importanceStability(study: PreparedStudy, resamples = resampleCount(study), seed = 1): Stability {
  const m = study.params.length;
  const fixed = study.params.map((p) => p.fixed);
  const shares = study.params.map(() => new Float64Array(resamples));
  const firsts = new Float64Array(m);
  const weights = new Uint32Array(study.n);
  const random = generator(seed);
  for (let r = 0; r < resamples; r++) {
    weights.fill(0);
    for (let k = 0; k < study.n; k++) {
      const i = Math.floor(random() * study.n);
      weights[i] = weights[i]! + 1;
    }
    const s = normalise(pedAnovaDivergences(study, weights), fixed);
    let best = -1;
    for (let i = 0; i < m; i++) {
      shares[i]![r] = s[i]!;
      if (!Number.isNaN(s[i]!) && (best < 0 || s[i]! > s[best]!)) best = i;
    }
    if (best >= 0) firsts[best] = firsts[best]! + 1;
  }
  const low = new Float64Array(m);
  const high = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    // A resample can leave a conditional param with too few trials: its NaNs are left out.
    const got = Float64Array.from(shares[i]!.filter((x) => !Number.isNaN(x))).sort();
    low[i] = percentile(got, 0.05);
    high[i] = percentile(got, 0.95);
  }
  return { resamples, low, high, first: firsts.map((c) => c / resamples) };
}
