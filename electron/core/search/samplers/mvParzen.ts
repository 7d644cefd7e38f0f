// Joint (multivariate) Parzen estimator for TPE, in the spirit of Falkner et al. 2018 (BOHB) and
// Optuna's `multivariate=True`: one mixture component per observation, each a PRODUCT of per-param
// kernels centred on that observation, plus a prior component (uniform-ish over the whole space).
// Unlike the independent estimator it keeps which values occurred together, so l(x)/g(x) rewards
// combinations that were good, not just marginally good values.
//
// Per-param kernels, in the transformed space (log for log scales):
// - numbers: a Gaussian truncated to [low, high], with one bandwidth per param shared by all
//   observation components (Scott-style: factor * n^(-1/(D+4)) * range, clipped below by the
//   "magic clip" range / min(100, n + 2)); the prior component has sigma = range. Discrete numbers
//   (int, stepped float) use the probability mass of the step-wide cell around x.
// - categories: an Aitchison-Aitken-style kernel, mass 1 - lambda on the observed choice and
//   lambda / (k - 1) on each other one; the prior component is uniform.
import type { Rng } from '../rng.ts';
import { gaussMass as gaussMassImported, normCdfFast as normCdfImported, pickByCumulativeWeight } from './parzen.ts';

// Local bindings: module transforms (tsx, vitest) may turn every call of an imported function into
// a property read through a getter, which is measurable in these inner loops.
const gaussMass = gaussMassImported;
const normCdf = normCdfImported;

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

// exp(-t) for 0 <= t < EXP_CUT as exp(-k/64) from a 20 KB table (stays in cache) times a cubic for
// the remaining fraction f < 1/64 (relative error < 1e-9): several times faster than Math.exp in V8,
// and the mixture sums below need tens of thousands of exps per trial. Terms with t >= EXP_CUT
// (below 4e-18 of the largest) are dropped.
const EXP_CUT = 40;
const EXP_K = 64;
const EXP_TAB = new Float64Array(EXP_CUT * EXP_K + 1);
for (let k = 0; k < EXP_TAB.length; k++) EXP_TAB[k] = Math.exp(-k / EXP_K);

export type MvDim =
  | { kind: 'numeric'; low: number; high: number; q: number | null }
  | { kind: 'categorical'; k: number };

export interface MvParzenOptions {
  /** Weight of the prior component, relative to an observation weight of 1. */
  priorWeight: number;
  /** Bandwidth factor in factor * n^(-1/(D+4)) * range (Optuna uses 0.2). */
  bandwidthFactor: number;
  considerMagicClip: boolean;
  /** How numeric bandwidths are chosen: 'scott' = factor * n^(-1/(D+4)) * range (Optuna 3.1's
   * multivariate rule, with factor 0.2); 'std' = factor * std(observations) * n^(-1/(D+4)) (Scott's
   * normal-reference rule on the observations' spread). Both are clipped to [magic clip, range]. */
  bandwidthRule: 'scott' | 'std';
  /** Categorical smoothing s: lambda = min((k-1)/k, s (k-1) / (n + 1 + k)) of an observation's
   * mass goes to the other choices. s = 1 is Optuna's kernel with a prior weight of 1. */
  categoricalSmoothing: number;
}

/** Per-dimension tables of the components (m = n + 1; the prior is component n). */
interface NumericDim {
  kind: 'numeric';
  low: number;
  high: number;
  q: number | null;
  mus: Float64Array;
  /** 1/sigma per component. */
  inv: Float64Array;
  sigmas: Float64Array;
}
interface CategoricalDim {
  kind: 'categorical';
  k: number;
  /** Observed choice per component; -1 for the prior. */
  obs: Int32Array;
  logHit: number;
  logMiss: number;
  logUniform: number;
  /** Probability that a draw from an observation's kernel keeps its choice. */
  pHit: number;
}
type Dim = NumericDim | CategoricalDim;

export class MultivariateParzen {
  /** Components including the prior (the last one). */
  readonly m: number;
  private readonly n: number;
  private readonly dims: Dim[];
  /** log weight + every per-component constant (truncation and normal constants, and for the
   * continuous params the mu^2 part of the expanded square, see logPdfMany). */
  private readonly base: Float64Array;
  private readonly cum: Float64Array;
  private readonly acc: Float64Array;
  /** Continuous numeric params: their dims index, centre c (mid-range), 1/sigma^2 of the
   * observation components, and column-major A[j * n + i] = (mu_ij - c_j) / sigma_j^2 (long
   * simple inner loops run fastest in V8). */
  private readonly cont: Int32Array;
  private readonly contCenter: Float64Array;
  private readonly contInvVar: Float64Array;
  private readonly contA: Float64Array;

  /**
   * @param dims the params, in a fixed order
   * @param obs obs[d][i] = observation i (chronological) of param d, in the transformed space
   *   (categories as choice indices)
   * @param weights unnormalised weight of each observation (the prior's is added here)
   */
  constructor(dims: readonly MvDim[], obs: readonly Float64Array[], weights: Float64Array, opt: MvParzenOptions) {
    const n = weights.length;
    const m = n + 1;
    this.m = m;
    this.n = n;
    const D = dims.length;
    let total = opt.priorWeight;
    for (let i = 0; i < n; i++) total += weights[i] as number;
    const base = new Float64Array(m);
    for (let i = 0; i < n; i++) base[i] = Math.log((weights[i] as number) / total);
    base[n] = Math.log(opt.priorWeight / total);
    const cum = new Float64Array(m);
    let c = 0;
    for (let i = 0; i < n; i++) cum[i] = c += (weights[i] as number) / total;
    cum[n] = c + opt.priorWeight / total;
    // Product over params of each component's truncation mass: one log per component at the end.
    const mass = new Float64Array(m).fill(1);
    const contIdx: number[] = [];
    this.dims = dims.map((dim, d): Dim => {
      const x = obs[d] as Float64Array;
      if (dim.kind === 'categorical') {
        const k = dim.k;
        // Smoothing shrinks as observations accumulate; at most it makes a row uniform.
        const lambda = k <= 1 ? 0 : Math.min((k - 1) / k, (opt.categoricalSmoothing * (k - 1)) / (n + 1 + k));
        const o = new Int32Array(m);
        for (let i = 0; i < n; i++) o[i] = x[i] as number;
        o[n] = -1;
        return { kind: 'categorical', k, obs: o, logHit: Math.log(1 - lambda), logMiss: k <= 1 ? 0 : Math.log(lambda / (k - 1)), logUniform: -Math.log(k), pHit: 1 - lambda };
      }
      const range = dim.high - dim.low;
      const minSigma = opt.considerMagicClip ? range / Math.min(100, 1 + m) : 1e-12 * range;
      let scale = range;
      if (opt.bandwidthRule === 'std') {
        let mean = 0;
        for (let i = 0; i < n; i++) mean += x[i] as number;
        mean /= Math.max(n, 1);
        let v = 0;
        for (let i = 0; i < n; i++) v += ((x[i] as number) - mean) ** 2;
        scale = Math.sqrt(v / Math.max(n - 1, 1));
      }
      const sigma = Math.min(Math.max(opt.bandwidthFactor * Math.max(n, 1) ** (-1 / (D + 4)) * scale, minSigma), range);
      const mus = new Float64Array(m);
      const sig = new Float64Array(m);
      const inv = new Float64Array(m);
      mus.set(x.subarray(0, n));
      sig.fill(sigma, 0, n);
      inv.fill(1 / sigma, 0, n);
      mus[n] = 0.5 * (dim.low + dim.high);
      sig[n] = range;
      inv[n] = 1 / range;
      const logSigma = Math.log(sigma);
      const logRange = Math.log(range);
      for (let i = 0; i < m; i++) {
        const iv = inv[i] as number;
        const mu = mus[i] as number;
        // The mean lies inside the bounds, so the mass is large and the table CDF is accurate.
        mass[i] = (mass[i] as number) * (normCdf((dim.high - mu) * iv) - normCdf((dim.low - mu) * iv));
      }
      if (dim.q === null) {
        // Continuous: the normal's 1 / (sigma sqrt(2 pi)); discrete cells need no such factor.
        for (let i = 0; i < n; i++) base[i] = (base[i] as number) - logSigma - LOG_SQRT_2PI;
        base[n] = (base[n] as number) - logRange - LOG_SQRT_2PI;
        contIdx.push(d);
      }
      return { kind: 'numeric', low: dim.low, high: dim.high, q: dim.q, mus, inv, sigmas: sig };
    });
    for (let i = 0; i < m; i++) base[i] = (base[i] as number) - Math.log(mass[i] as number);
    // Continuous params share one sigma over the observation components, so the exponent
    // -0.5 sum_j ((x_j - mu_ij) / s_j)^2 expands to a per-candidate constant, a dot product with a
    // row of A, and a per-component constant (kept in base). Centring on mid-range keeps the
    // expanded terms small (no cancellation worth speaking of: |x - c| <= range <= 100 sigma).
    const nc = contIdx.length;
    this.cont = Int32Array.from(contIdx);
    this.contCenter = new Float64Array(nc);
    this.contInvVar = new Float64Array(nc);
    this.contA = new Float64Array(n * nc);
    for (let j = 0; j < nc; j++) {
      const dim = this.dims[contIdx[j] as number] as NumericDim;
      const center = dim.mus[n] as number;
      const ivar = (dim.inv[0] as number) ** 2;
      this.contCenter[j] = center;
      this.contInvVar[j] = n > 0 ? ivar : 0;
      for (let i = 0; i < n; i++) {
        const u = (dim.mus[i] as number) - center;
        this.contA[j * n + i] = u * ivar;
        base[i] = (base[i] as number) - 0.5 * u * u * ivar;
      }
    }
    this.base = base;
    this.cum = cum;
    this.acc = new Float64Array(m);
  }

  /** One draw (transformed space, categories as indices): a component by weight, then each param
   * from that component's kernel. */
  sample(rng: Rng, out: Float64Array): void {
    const j = pickByCumulativeWeight(this.cum, rng);
    for (let d = 0; d < this.dims.length; d++) {
      const dim = this.dims[d] as Dim;
      if (dim.kind === 'categorical') {
        const c = dim.obs[j] as number;
        if (c < 0 || rng.random() >= dim.pHit) {
          // The prior row is uniform; an observation's row is uniform over the other choices.
          if (c < 0) out[d] = rng.int(dim.k);
          else {
            const r = rng.int(dim.k - 1);
            out[d] = r >= c ? r + 1 : r;
          }
        } else out[d] = c;
        continue;
      }
      const mu = dim.mus[j] as number;
      const s = dim.sigmas[j] as number;
      let v = Math.min(Math.max(mu, dim.low), dim.high);
      for (let t = 0; t < 1000; t++) {
        const z = mu + s * rng.normal();
        if (z >= dim.low && z <= dim.high) {
          v = z;
          break;
        }
      }
      out[d] = v;
    }
  }

  /** log density (log mass along discrete params) at each of `count` points; xs[d][c] is param d
   * of point c. */
  logPdfMany(xs: readonly Float64Array[], count: number, out: Float64Array): void {
    const m = this.m;
    const n = this.n;
    const acc = this.acc;
    const base = this.base;
    const cont = this.cont;
    const nc = cont.length;
    const A = this.contA;
    const y = new Float64Array(nc);
    for (let c = 0; c < count; c++) {
      // Continuous params, observation components: base + K + y . A_i (see the constructor).
      let K = 0;
      let prior = base[n] as number;
      for (let j = 0; j < nc; j++) {
        const d = cont[j] as number;
        const x = (xs[d] as Float64Array)[c] as number;
        const yj = x - (this.contCenter[j] as number);
        y[j] = yj;
        K -= 0.5 * yj * yj * (this.contInvVar[j] as number);
        const dim = this.dims[d] as NumericDim;
        const zp = (x - (dim.mus[n] as number)) * (dim.inv[n] as number);
        prior -= 0.5 * zp * zp;
      }
      for (let i = 0; i < n; i++) acc[i] = (base[i] as number) + K;
      for (let j = 0, r = 0; j < nc; j++, r += n) {
        const yj = y[j] as number;
        for (let i = 0; i < n; i++) acc[i] = (acc[i] as number) + yj * (A[r + i] as number);
      }
      acc[n] = prior;
      for (let d = 0; d < this.dims.length; d++) {
        const dim = this.dims[d] as Dim;
        const x = (xs[d] as Float64Array)[c] as number;
        if (dim.kind === 'categorical') {
          const obs = dim.obs;
          const hit = dim.logHit;
          const miss = dim.logMiss;
          for (let i = 0; i < n; i++) acc[i] = (acc[i] as number) + ((obs[i] as number) === x ? hit : miss);
          acc[n] = (acc[n] as number) + dim.logUniform;
        } else if (dim.q !== null) {
          const ub = Math.min(x + 0.5 * dim.q, dim.high);
          const lb = Math.max(x - 0.5 * dim.q, dim.low);
          const mus = dim.mus;
          const inv = dim.inv;
          for (let i = 0; i < m; i++) {
            const iv = inv[i] as number;
            const mu = mus[i] as number;
            acc[i] = (acc[i] as number) + Math.log(gaussMass((lb - mu) * iv, (ub - mu) * iv));
          }
        }
      }
      let mx = -Infinity;
      for (let i = 0; i < m; i++) if ((acc[i] as number) > mx) mx = acc[i] as number;
      if (mx === -Infinity) {
        out[c] = -Infinity;
        continue;
      }
      let s = 0;
      for (let i = 0; i < m; i++) {
        const t = mx - (acc[i] as number);
        if (t < EXP_CUT) {
          const u = t * EXP_K;
          const k = u | 0;
          const f = (u - k) / EXP_K;
          s += (EXP_TAB[k] as number) * (1 - f * (1 - f * (0.5 - f / 6)));
        }
      }
      out[c] = mx + Math.log(s);
    }
  }
}
