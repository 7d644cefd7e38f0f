// The one-dimensional Parzen estimates PED-ANOVA compares, over a param's grid of bins (numeric
// params) or its choices (categorical ones), from weighted counts per bin. Numeric bins get
// truncated, discretised Gaussian kernels whose width follows Scott's rule, plus one wide prior
// kernel (weight PRIOR_WEIGHT) so an empty bin never has density zero; choices get the smoothed
// one-hot kernels Optuna's TPE uses for categorical params, plus a uniform prior.

export const PRIOR_WEIGHT = 1;
/** Scott's rule can give width zero (all top trials in one bin): never narrower than this, so about
 * 90% of a kernel's mass stays in its own bin (1.64 standard deviations past half a bin). */
const MIN_SIGMA = 0.5 / 1.64;

/** erfc(x), fractional error below 1.2e-7 everywhere (Chebyshev fit, Numerical Recipes §6.2). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Mass of a standard normal between a and b (a < b), from the nearer tail so that a thin slice far
 * out is not lost to cancellation. */
function normalMass(a: number, b: number): number {
  if (a >= 0) return 0.5 * (erfc(a / Math.SQRT2) - erfc(b / Math.SQRT2));
  if (b <= 0) return 0.5 * (erfc(-b / Math.SQRT2) - erfc(-a / Math.SQRT2));
  return 1 - 0.5 * erfc(-a / Math.SQRT2) - 0.5 * erfc(b / Math.SQRT2);
}

/** Scott's bandwidth (in bins) of the counts: 1.059 · min(IQR/1.34, sd) · n^(-1/5). */
function scottSigma(counts: Float64Array, total: number): number {
  const bins = counts.length;
  let mean = 0;
  for (let k = 0; k < bins; k++) mean += k * counts[k]!;
  mean /= total;
  let ss = 0;
  for (let k = 0; k < bins; k++) ss += counts[k]! * (k - mean) ** 2;
  const sd = Math.sqrt(ss / Math.max(1, total - 1));
  // Quartile bins by cumulative count: the first bin reaching n/4, the first passing 3n/4.
  const q1 = Math.floor(total / 4);
  const q3 = Math.floor((3 * total) / 4);
  let cum = 0;
  let lo = -1;
  let hi = -1;
  let last = 0;
  for (let k = 0; k < bins; k++) {
    if (counts[k]! <= 0) continue;
    cum += counts[k]!;
    last = k;
    if (lo < 0 && cum >= q1) lo = k;
    if (hi < 0 && cum > q3) hi = k;
  }
  const iqr = (hi < 0 ? last : hi) - Math.max(0, lo);
  const sigma = 1.059 * Math.min(iqr / 1.34, sd) * total ** -0.2;
  return Math.max(sigma, MIN_SIGMA);
}

/** Density per bin (sums to 1) of the weighted counts over `counts.length` ordered bins. */
export function numericDensity(counts: Float64Array): Float64Array {
  const bins = counts.length;
  const out = new Float64Array(bins);
  let total = 0;
  for (let k = 0; k < bins; k++) total += counts[k]!;
  const norm = total + PRIOR_WEIGHT;
  if (total > 0) {
    const sigma = scottSigma(counts, total);
    // Every data kernel is centred on a bin and shares sigma, so a kernel's mass in bin k depends on
    // k - centre only: one table of 2·bins - 1 masses serves them all.
    const mass = new Float64Array(2 * bins - 1);
    for (let d = -(bins - 1); d <= bins - 1; d++) mass[d + bins - 1] = normalMass((d - 0.5) / sigma, (d + 0.5) / sigma);
    for (let j = 0; j < bins; j++) {
      const c = counts[j]!;
      if (c <= 0) continue;
      // Truncated to the grid: renormalised over the bins.
      let z = 0;
      for (let k = 0; k < bins; k++) z += mass[k - j + bins - 1]!;
      const w = c / norm / z;
      for (let k = 0; k < bins; k++) out[k] = out[k]! + w * mass[k - j + bins - 1]!;
    }
  }
  // The prior: centred on the grid, as wide as it.
  const centre = (bins - 1) / 2;
  const sp = bins;
  let zp = 0;
  const prior = new Float64Array(bins);
  for (let k = 0; k < bins; k++) zp += prior[k] = normalMass((k - 0.5 - centre) / sp, (k + 0.5 - centre) / sp);
  for (let k = 0; k < bins; k++) out[k] = out[k]! + (PRIOR_WEIGHT / norm) * (prior[k]! / zp);
  return out;
}

/** Probability per choice (sums to 1) of the weighted counts over the choices. Each observed choice
 * is a kernel putting 1 + w/K on it and w/K on every choice (K kernels counting the prior, w the
 * prior weight), renormalised; the prior kernel is uniform. */
export function categoricalDensity(counts: Float64Array): Float64Array {
  const choices = counts.length;
  let total = 0;
  let observed = 0;
  for (let k = 0; k < choices; k++) {
    total += counts[k]!;
    if (counts[k]! > 0) observed++;
  }
  const norm = total + PRIOR_WEIGHT;
  const spread = PRIOR_WEIGHT / (observed + 1);
  const rowSum = 1 + choices * spread;
  const out = new Float64Array(choices);
  for (let k = 0; k < choices; k++) {
    out[k] = counts[k]! / norm / rowSum + ((total / norm) * spread) / rowSum + PRIOR_WEIGHT / norm / choices;
  }
  return out;
}

/** Pearson divergence of `top` from `base`, Σ base·(top/base − 1)², each density floored at 1e-12
 * so that a bin empty in both adds nothing and none divides by zero. */
export function pearsonDivergence(top: Float64Array, base: Float64Array): number {
  let d = 0;
  for (let k = 0; k < top.length; k++) {
    const b = base[k]! + 1e-12;
    const r = (top[k]! + 1e-12) / b - 1;
    d += b * r * r;
  }
  return d;
}
