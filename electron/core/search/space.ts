// Config search_space -> SearchSpace, built exactly as Optuna builds distributions for the
// equivalent suggest_float / suggest_int / suggest_categorical calls, so the distribution_json we
// store is what Python would have stored and Optuna's own samplers can continue the study.
import type { HpoConfig, ParamSpec } from '../../../shared/config.ts';
import type { Distribution, SearchSpace } from './types.ts';

/** A finite double as an exact decimal: digits x 10^exp, from its shortest round-trip repr (the same
 * digits Python's str(float) prints, which is what Optuna feeds to decimal.Decimal). */
function toDecimal(x: number): { digits: bigint; exp: number } {
  const [mant = '0', e = '0'] = x.toExponential().split('e');
  const neg = mant.startsWith('-');
  const [intPart = '0', frac = ''] = mant.replace('-', '').split('.');
  const digits = BigInt(intPart + frac) * (neg ? -1n : 1n);
  return { digits, exp: Number(e) - frac.length };
}

function scaled(d: { digits: bigint; exp: number }, exp: number): bigint {
  return d.digits * 10n ** BigInt(d.exp - exp);
}

/**
 * Optuna's `_adjust_discrete_uniform_high`: when (high - low) is not a multiple of step in decimal
 * arithmetic, high becomes low + floor((high - low) / step) * step.
 */
export function adjustFloatHigh(low: number, high: number, step: number): number {
  const dl = toDecimal(low);
  const dh = toDecimal(high);
  const ds = toDecimal(step);
  const exp = Math.min(dl.exp, dh.exp, ds.exp);
  const l = scaled(dl, exp);
  const r = scaled(dh, exp) - l;
  const s = scaled(ds, exp);
  if (r % s === 0n) return high;
  const k = r / s; // r, s > 0: truncation is floor, as Decimal's // is here
  const v = k * s + l;
  // Decimal string -> double, correctly rounded by Number(), as Python's float(Decimal) is.
  const neg = v < 0n;
  const abs = (neg ? -v : v).toString();
  return Number(`${neg ? '-' : ''}${abs}e${exp}`);
}

/** Optuna's `_adjust_int_uniform_high`. */
export function adjustIntHigh(low: number, high: number, step: number): number {
  const r = high - low;
  return r % step === 0 ? high : Math.floor(r / step) * step + low;
}

/** The distribution Optuna creates for one config entry. */
export function distributionFor(spec: ParamSpec): Distribution {
  switch (spec.type) {
    case 'choice':
      return { kind: 'categorical', choices: [...spec.values] };
    case 'loguniform':
      return { kind: 'float', low: spec.min, high: spec.max, step: null, log: true };
    case 'uniform': {
      const log = spec.log === true;
      if (spec.step !== undefined && !log) {
        return { kind: 'float', low: spec.min, high: adjustFloatHigh(spec.min, spec.max, spec.step), step: spec.step, log: false };
      }
      return { kind: 'float', low: spec.min, high: spec.max, step: null, log };
    }
    case 'int': {
      const step = spec.step ?? 1;
      return { kind: 'int', low: spec.min, high: adjustIntHigh(spec.min, spec.max, step), step, log: spec.log === true };
    }
  }
}

/** The study's search space, in config order. */
export function buildSearchSpace(searchSpace: HpoConfig['search_space']): SearchSpace {
  const out = new Map<string, Distribution>();
  for (const [name, spec] of Object.entries(searchSpace)) out.set(name, distributionFor(spec));
  return out;
}

/** True when the distribution has exactly one possible value (Optuna's `single()`). */
export function isSingle(d: Distribution): boolean {
  if (d.kind === 'categorical') return d.choices.length === 1;
  if (d.low === d.high) return true;
  if (d.kind === 'float' && d.step !== null) return d.high - d.low < d.step;
  if (d.kind === 'int') return d.high - d.low < d.step;
  return false;
}
