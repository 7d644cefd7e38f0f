// One-dimensional Parzen estimators as Optuna's univariate TPE (3.x defaults) builds them:
// a truncated-Gaussian mixture for numbers (one component per observation plus a prior component
// spanning the range, bandwidth from neighbour distances, "magic clip"), and a smoothed histogram
// for categories. Everything here works in the transformed space (log for log scales).
import type { Rng } from '../rng.ts';

/** Index of a mixture component drawn by weight, from the running sums of the weights: the first
 * index whose sum exceeds a uniform draw over the total (one rng call). */
export function pickByCumulativeWeight(cum: Float64Array, rng: Rng): number {
  const u = rng.random() * (cum[cum.length - 1] as number);
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cum[mid] as number) > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const SQRT1_2 = Math.SQRT1_2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** log erfc(z) for z >= 0, via the Chebyshev-fitted formula published in Numerical Recipes
 * (erfcc, fractional error < 1.2e-7 everywhere). Computed in log space, so it never underflows. */
function logErfcNonNeg(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z - 1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) + poly;
}

/** log P(Z > x) for x >= 0, Z standard normal. */
function logUpperTail(x: number): number {
  return Math.log(0.5) + logErfcNonNeg(x * SQRT1_2);
}

/** P(a < Z < b) for a standard normal Z; accurate in the tails and for narrow intervals. */
export function gaussMass(a: number, b: number): number {
  if (!(b > a)) return 0;
  const w = b - a;
  if (w < 0.01) {
    // Midpoint rule with its second-order correction: relative error ~ w^4, far below erfcc's.
    const m = 0.5 * (a + b);
    return INV_SQRT_2PI * Math.exp(-0.5 * m * m) * w * (1 + (w * w * (m * m - 1)) / 24);
  }
  if (a >= 0) {
    const la = logUpperTail(a);
    const lb = b === Infinity ? -Infinity : logUpperTail(b);
    return Math.exp(la) * -Math.expm1(lb - la);
  }
  if (b <= 0) {
    const la = logUpperTail(-b);
    const lb = a === -Infinity ? -Infinity : logUpperTail(-a);
    return Math.exp(la) * -Math.expm1(lb - la);
  }
  const lo = a === -Infinity ? 0 : Math.exp(logUpperTail(-a));
  const hi = b === Infinity ? 0 : Math.exp(logUpperTail(b));
  return 1 - lo - hi;
}

// The standard normal CDF on [-PHI_ZMAX, PHI_ZMAX] by linear interpolation in a table (absolute
// error < 1e-8), for truncation masses that are known to be large (a component's mean lies inside
// the bounds, so its mass is at least ~0.34): there relative accuracy follows from absolute.
const PHI_ZMAX = 9;
const PHI_N = 16384;
const PHI_SCALE = PHI_N / (2 * PHI_ZMAX);
const PHI_TABLE = new Float64Array(PHI_N + 2);
for (let i = 0; i < PHI_N + 2; i++) {
  const z = -PHI_ZMAX + i / PHI_SCALE;
  PHI_TABLE[i] = z < 0 ? gaussMass(-Infinity, z) : 1 - gaussMass(z, Infinity);
}

/** Standard normal CDF, absolute error < 1e-8 (see PHI_TABLE). */
export function normCdfFast(z: number): number {
  if (!(z > -PHI_ZMAX)) return 0;
  if (!(z < PHI_ZMAX)) return 1;
  const u = (z + PHI_ZMAX) * PHI_SCALE;
  const i = u | 0;
  const a = PHI_TABLE[i] as number;
  return a + ((PHI_TABLE[i + 1] as number) - a) * (u - i);
}

/** Optuna's default_weights: equal weights up to 25 observations; beyond that the oldest ones ramp
 * linearly from 1/n up to 1 and the newest 25 weigh 1. */
export function defaultWeights(n: number): Float64Array {
  const w = new Float64Array(n);
  if (n < 25) {
    w.fill(1);
    return w;
  }
  const ramp = n - 25;
  // numpy.linspace(1/n, 1, num=ramp)
  for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
  for (let i = ramp; i < n; i++) w[i] = 1;
  return w;
}

/** Mixture weights for n chronological observations plus the prior (weight `priorWeight`), normalised. */
function mixtureWeights(n: number, priorWeight: number, rawWeights?: ArrayLike<number>): Float64Array {
  const base = rawWeights ?? defaultWeights(n);
  const w = new Float64Array(n + 1);
  w.set(base);
  w[n] = priorWeight;
  let s = 0;
  for (let i = 0; i <= n; i++) s += w[i] as number;
  for (let i = 0; i <= n; i++) w[i] = (w[i] as number) / s;
  return w;
}

export interface NumericParzenOptions {
  /** Bounds in the transformed space (already widened by half a step for discrete params). */
  low: number;
  high: number;
  /** Discretisation step in the transformed space, or null for continuous densities. */
  q: number | null;
  priorWeight: number;
  considerMagicClip: boolean;
  considerEndpoints: boolean;
  /**
   * Optuna 3.1's truncated-normal log pdf leaves out the -log(sigma) term, so its continuous
   * "densities" under-weight narrow components. true reproduces that exactly (used to check we match
   * Optuna 3.1 term for term); false (default) uses the proper density, as later Optuna versions do.
   */
  optuna31Density?: boolean;
}

/** Components farther than this many of their own sigmas from x contribute below ~1e-14 of the
 * density relative to the prior component, so evaluation skips them (see logPdf). */
const CUTOFF_SIGMAS = 8;
/** Components per block for the continuous density's block skipping (see logPdf). */
const BLOCK = 16;

// exp(-t) for t in [0, EXP_TMAX) as exp(-k/64) from a 16 KB table (small enough to stay in cache)
// times a cubic in the remaining fraction f < 1/64 (relative error < 1e-9): the kernel sum is
// dominated by exp calls, and this is several times faster than Math.exp in V8. Beyond
// EXP_TMAX = CUTOFF_SIGMAS^2 / 2 a term is negligible anyway.
const EXP_TMAX = (CUTOFF_SIGMAS * CUTOFF_SIGMAS) / 2;
const EXP_K = 64;
const EXP_TABLE = new Float64Array(EXP_TMAX * EXP_K + 1);
for (let i = 0; i < EXP_TABLE.length; i++) EXP_TABLE[i] = Math.exp(-i / EXP_K);

/** exp(-t) for t >= 0; 0 beyond EXP_TMAX (where it is below 1.3e-14). */
export function expNeg(t: number): number {
  if (!(t < EXP_TMAX)) return 0;
  const u = t * EXP_K;
  const k = u | 0;
  const f = (u - k) / EXP_K;
  return (EXP_TABLE[k] as number) * (1 - f * (1 - f * (0.5 - f / 6)));
}

/** Optuna's default weight of the observation at chronological rank r among n (see defaultWeights). */
export function defaultWeightAt(r: number, n: number): number {
  if (n < 25) return 1;
  const ramp = n - 25;
  if (r >= ramp) return 1;
  return ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * r) / (ramp - 1);
}

/**
 * Truncated-Gaussian mixture over [low, high]. Components are kept sorted by mean, with identical
 * (mu, sigma) pairs merged (exact; makes discrete params with repeated observations cheap), and the
 * prior component held apart, so a density evaluation only visits the components within
 * CUTOFF_SIGMAS of x instead of all of them.
 */
export class NumericParzen {
  /** Number of (merged) observation components, prior excluded. */
  readonly size: number;
  private readonly mus: Float64Array;
  private readonly sigmas: Float64Array;
  private readonly invSigmas: Float64Array;
  /** Continuous: w / (sigma * Z * sqrt(2 pi)). Discrete: w / Z. */
  private readonly coef: Float64Array;
  /** Largest sigma among components [0..k] and [k..end], for the evaluation window. */
  private readonly prefixMaxSigma: Float64Array;
  private readonly suffixMaxSigma: Float64Array;
  /** Per block of BLOCK consecutive components: the largest sigma (see logPdf). */
  private readonly blockMaxSigma: Float64Array;
  /** Cumulative weights for sampling; the last entry is the prior. */
  private readonly cum: Float64Array;
  private readonly priorMu: number;
  private readonly priorSigma: number;
  private readonly priorCoef: number;

  /** From observations in chronological order (weights by Optuna's default_weights). */
  static fromObservations(observations: ArrayLike<number>, opt: NumericParzenOptions): NumericParzen {
    const n = observations.length;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (observations[a] as number) - (observations[b] as number));
    const mus = new Float64Array(n);
    const w = new Float64Array(n);
    order.forEach((i, k) => {
      mus[k] = observations[i] as number;
      w[k] = defaultWeightAt(i, n);
    });
    return new NumericParzen(mus, w, opt);
  }

  /**
   * @param sortedMus observation means in ascending order
   * @param rawWeights their unnormalised weights (the prior's weight is added here)
   */
  constructor(
    sortedMus: Float64Array,
    rawWeights: Float64Array,
    private readonly opt: NumericParzenOptions,
  ) {
    const { low, high } = opt;
    const n = sortedMus.length;
    const m = n + 1; // with the prior, as Optuna counts components
    const priorMu = 0.5 * (low + high);
    const range = high - low;
    let total = opt.priorWeight;
    for (let i = 0; i < n; i++) total += rawWeights[i] as number;

    // The prior's place among the sorted means: it is a neighbour for bandwidths, as in Optuna.
    let p = 0;
    // After equal observations: Optuna appends the prior last and sorts stably.
    while (p < n && (sortedMus[p] as number) <= priorMu) p++;
    // The means with the prior inserted at p.
    const merged = new Float64Array(m);
    merged.set(sortedMus.subarray(0, p));
    merged[p] = priorMu;
    merged.set(sortedMus.subarray(p), p + 1);

    // Bandwidth: the larger distance to a sorted neighbour (bounds act as neighbours at the ends);
    // without endpoint handling the extreme ones use their inner neighbour only. Equal neighbours
    // are merged in the same pass, skipping the prior (handled apart with sigma = range).
    const minSigma = opt.considerMagicClip ? range / Math.min(100, 1 + m) : 1e-12;
    const inner = !opt.considerEndpoints && m >= 2;
    const buf = new Float64Array(3 * n);
    const gm = buf.subarray(0, n);
    const gs = buf.subarray(n, 2 * n);
    const gw = buf.subarray(2 * n, 3 * n);
    let size = 0;
    for (let k = 0; k < m; k++) {
      if (k === p) continue;
      const here = merged[k] as number;
      let sk: number;
      if (inner && k === 0) sk = (merged[1] as number) - here;
      else if (inner && k === m - 1) sk = here - (merged[m - 2] as number);
      else {
        const left = k === 0 ? low : (merged[k - 1] as number);
        const right = k === m - 1 ? high : (merged[k + 1] as number);
        sk = Math.max(here - left, right - here);
      }
      sk = Math.min(Math.max(sk, minSigma), range);
      const wk = (rawWeights[k < p ? k : k - 1] as number) / total;
      if (size > 0 && gm[size - 1] === here && gs[size - 1] === sk) gw[size - 1] = (gw[size - 1] as number) + wk;
      else {
        gm[size] = here;
        gs[size] = sk;
        gw[size] = wk;
        size++;
      }
    }
    this.size = size;
    this.mus = gm.subarray(0, size);
    this.sigmas = gs.subarray(0, size);
    // One allocation for the per-component tables.
    const tables = new Float64Array(5 * size + 1);
    this.invSigmas = tables.subarray(0, size);
    this.coef = tables.subarray(size, 2 * size);
    this.prefixMaxSigma = tables.subarray(2 * size, 3 * size);
    this.suffixMaxSigma = tables.subarray(3 * size, 4 * size);
    this.cum = tables.subarray(4 * size, 5 * size + 1);
    const coefOf = (w: number, mu0: number, s: number): number => {
      // Truncation mass; exactly 1 in double precision when both bounds are > 9 sigmas away.
      const a = (low - mu0) / s;
      const b = (high - mu0) / s;
      const z = a < -9 && b > 9 ? 1 : gaussMass(a, b);
      if (opt.q !== null) return w / z;
      return opt.optuna31Density ? (w * INV_SQRT_2PI) / z : (w * INV_SQRT_2PI) / (s * z);
    };
    let acc = 0;
    for (let j = 0; j < size; j++) {
      const sj = gs[j] as number;
      this.invSigmas[j] = 1 / sj;
      this.coef[j] = coefOf(gw[j] as number, gm[j] as number, sj);
      this.cum[j] = acc += gw[j] as number;
    }
    const priorW = opt.priorWeight / total;
    this.cum[size] = acc + priorW;
    let mx = 0;
    for (let j = 0; j < size; j++) this.prefixMaxSigma[j] = mx = Math.max(mx, gs[j] as number);
    mx = 0;
    for (let j = size - 1; j >= 0; j--) this.suffixMaxSigma[j] = mx = Math.max(mx, gs[j] as number);
    this.blockMaxSigma = new Float64Array(Math.ceil(size / BLOCK));
    for (let j = 0; j < size; j++) {
      const b = (j / BLOCK) | 0;
      if ((gs[j] as number) > (this.blockMaxSigma[b] as number)) this.blockMaxSigma[b] = gs[j] as number;
    }
    this.priorMu = priorMu;
    this.priorSigma = range;
    this.priorCoef = coefOf(priorW, priorMu, range);
  }

  /** One draw in the transformed space: pick a component by weight, then its truncated Gaussian. */
  sample(rng: Rng): number {
    const lo = pickByCumulativeWeight(this.cum, rng);
    const isPrior = lo === this.size;
    const mu = isPrior ? this.priorMu : (this.mus[lo] as number);
    const s = isPrior ? this.priorSigma : (this.sigmas[lo] as number);
    const { low, high } = this.opt;
    // Rejection: mu lies inside [low, high], so at least ~1/3 of draws are accepted.
    for (let k = 0; k < 1000; k++) {
      const x = mu + s * rng.normal();
      if (x >= low && x <= high) return x;
    }
    return Math.min(Math.max(mu, low), high);
  }

  /** log density (continuous) or log probability mass of the q-wide cell around x (discrete). */
  logPdf(x: number): number {
    const { low, high, q } = this.opt;
    const half = q === null ? 0 : 0.5 * q;
    const ub = Math.min(x + half, high);
    const lb = Math.max(x - half, low);
    const pinv = 1 / this.priorSigma;
    let s = q === null
      ? this.priorCoef * Math.exp(-0.5 * ((x - this.priorMu) * pinv) ** 2)
      : this.priorCoef * gaussMass((lb - this.priorMu) * pinv, (ub - this.priorMu) * pinv);
    const mus = this.mus;
    const coef = this.coef;
    const inv = this.invSigmas;
    const pre = this.prefixMaxSigma;
    const suf = this.suffixMaxSigma;
    const size = this.size;
    // First component with mu >= x; then walk outwards, stopping on a side once even its widest
    // remaining component is more than CUTOFF_SIGMAS away.
    let lo = 0;
    let hi = size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((mus[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    if (q === null) {
      // Blocks of BLOCK components (sorted by mean) whose nearest mean is more than CUTOFF_SIGMAS of
      // their widest sigma from x are skipped: every term there is exactly 0 in expNeg. Unlike the
      // one-sided prefix/suffix maxima, one wide component elsewhere does not disable the skipping.
      const bs = this.blockMaxSigma;
      for (let b = 0, j0 = 0; j0 < size; b++, j0 += BLOCK) {
        const j1 = Math.min(j0 + BLOCK, size);
        const first = mus[j0] as number;
        const last = mus[j1 - 1] as number;
        const gap = x < first ? first - x : x > last ? x - last : 0;
        if (gap > CUTOFF_SIGMAS * (bs[b] as number)) continue;
        for (let j = j0; j < j1; j++) {
          const z = (x - (mus[j] as number)) * (inv[j] as number);
          s += (coef[j] as number) * expNeg(0.5 * z * z);
        }
      }
    } else {
      for (let j = lo - 1; j >= 0; j--) {
        const mu = mus[j] as number;
        if (x - mu - half > CUTOFF_SIGMAS * (pre[j] as number)) break;
        const iv = inv[j] as number;
        s += (coef[j] as number) * gaussMass((lb - mu) * iv, (ub - mu) * iv);
      }
      for (let j = lo; j < size; j++) {
        const mu = mus[j] as number;
        if (mu - x - half > CUTOFF_SIGMAS * (suf[j] as number)) break;
        const iv = inv[j] as number;
        s += (coef[j] as number) * gaussMass((lb - mu) * iv, (ub - mu) * iv);
      }
    }
    return Math.log(s);
  }
}

/** Constant for callers that want true log densities (it cancels in TPE's l/g ratio). */
export const LOG_NORMAL_CONST = LOG_SQRT_2PI;

/** Smoothed histogram over k categories (Optuna's categorical Parzen estimator, marginalised). */
export class CategoricalParzen {
  private readonly pmf: Float64Array;
  private readonly cum: Float64Array;

  /** @param rawWeights the observations' weights (multi-objective TPE); default Optuna's default_weights */
  constructor(observations: ArrayLike<number>, k: number, priorWeight: number, rawWeights?: ArrayLike<number>) {
    const n = observations.length;
    const w = mixtureWeights(n, priorWeight, rawWeights);
    const fill = priorWeight / (n + 1);
    const rowSum = k * fill + 1;
    const pmf = new Float64Array(k);
    let obsWeight = 0;
    for (let j = 0; j < n; j++) {
      const c = observations[j] as number;
      pmf[c] = (pmf[c] as number) + (w[j] as number) / rowSum;
      obsWeight += w[j] as number;
    }
    const wPrior = w[n] as number;
    for (let c = 0; c < k; c++) pmf[c] = (pmf[c] as number) + (obsWeight * fill) / rowSum + wPrior / k;
    this.pmf = pmf;
    this.cum = new Float64Array(k);
    let acc = 0;
    for (let c = 0; c < k; c++) this.cum[c] = acc += pmf[c] as number;
  }

  sample(rng: Rng): number {
    return pickByCumulativeWeight(this.cum, rng);
  }

  logPmf(c: number): number {
    return Math.log(this.pmf[c] as number);
  }
}

