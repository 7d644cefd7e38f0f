// Pieces every sampler shares: per-trial seeding, Optuna's random draw for one distribution, and
// the external -> internal value mapping the TPE learns from.
import { Rng, deriveSeed, randomSeed } from '../rng.ts';
import type { Distribution, FrozenTrial, ParamValue } from '../types.ts';

/** The number the next trial will get: trial numbers are 0..n-1 in a study, so one past the
 * largest in the history. */
export function nextTrialNumber(history: readonly FrozenTrial[]): number {
  let max = -1;
  for (const t of history) if (t.number > max) max = t.number;
  return max + 1;
}

/** The generator for the next trial: derived from (seed, trial number, salt), so the same history
 * gives the same proposal, and a resumed sweep draws what an uninterrupted one would have. Without a
 * seed, fresh entropy. */
export function rngForNextTrial(seed: number | undefined, history: readonly FrozenTrial[], salt: number): Rng {
  if (seed === undefined) return new Rng(randomSeed());
  return new Rng(deriveSeed(seed, nextTrialNumber(history), salt));
}

/** Digits after the point needed to write x exactly (0 for integers); capped at 17. */
function decimalsOf(x: number): number {
  const [mant = '', e = '0'] = x.toExponential().split('e');
  const frac = mant.split('.')[1]?.length ?? 0;
  return Math.max(0, Math.min(17, frac - Number(e)));
}

/**
 * Snaps v to the lattice low + k*step inside [low, high]. Optuna computes round((v-low)/step)*step+low
 * in binary floating point, which leaves values like 0.30000000000000004; we round the result to the
 * decimals of low and step, so argv shows 0.3. Python's containment check (|k - round(k)| < 1e-8)
 * accepts both.
 */
export function snapToStep(v: number, low: number, high: number, step: number): number {
  const k = Math.round((v - low) / step);
  let out = k * step + low;
  const dec = Math.max(decimalsOf(low), decimalsOf(step));
  if (dec <= 15) out = Number(out.toFixed(dec));
  return Math.min(Math.max(out, low), high);
}

/** One draw as Optuna's RandomSampler makes it: uniform in the transformed space (log for log
 * scales, widened by half a step on each side for stepped/int ones), then rounded and clipped. */
export function sampleUniform(d: Distribution, rng: Rng): ParamValue {
  switch (d.kind) {
    case 'categorical':
      return d.choices[rng.int(d.choices.length)] as ParamValue;
    case 'float': {
      if (d.log) return Math.min(Math.max(Math.exp(rng.uniform(Math.log(d.low), Math.log(d.high))), d.low), d.high);
      if (d.step === null) return d.low === d.high ? d.low : Math.min(rng.uniform(d.low, d.high), d.high);
      const s = rng.uniform(d.low - 0.5 * d.step, d.high + 0.5 * d.step);
      return snapToStep(s, d.low, d.high, d.step);
    }
    case 'int': {
      if (d.log) {
        const s = Math.exp(rng.uniform(Math.log(d.low - 0.5), Math.log(d.high + 0.5)));
        return Math.min(Math.max(Math.round(s), d.low), d.high);
      }
      const s = rng.uniform(d.low - 0.5 * d.step, d.high + 0.5 * d.step);
      const v = Math.round((s - d.low) / d.step) * d.step + d.low;
      return Math.min(Math.max(v, d.low), d.high);
    }
  }
}

/** The value as the TPE models it (Optuna's internal repr; categorical = index into the current
 * choices), or null when the stored value does not fit the current distribution (e.g. the range was
 * narrowed since, or a choice was removed): such observations are left out, as missing ones are. */
export function toInternal(d: Distribution, v: ParamValue | undefined): number | null {
  if (v === undefined) return null;
  if (d.kind === 'categorical') {
    const i = d.choices.findIndex((c) => c === v || (typeof c === 'number' && typeof v === 'number' && Number.isNaN(c) && Number.isNaN(v)));
    return i >= 0 ? i : null;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) return null;
  if (v < d.low || v > d.high) return null;
  return v;
}
