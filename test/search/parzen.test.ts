// Our Parzen estimators against Optuna 3.1's own _ParzenEstimator (univariate TPE defaults) on the
// same observations: the densities TPE compares must be the same numbers.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../electron/core/search/rng.ts';
import { CategoricalParzen, defaultWeights, NumericParzen } from '../../electron/core/search/samplers/parzen.ts';
import type { Distribution } from '../../electron/core/search/types.ts';
import { needOptuna, runPython } from '../support/peers.ts';

type NumDist = Exclude<Distribution, { kind: 'categorical' }>;

/** Parzen bounds/step/transform as Optuna's _calculate_parzen_bounds defines them. */
function bounds(d: NumDist): { low: number; high: number; q: number | null; t: (v: number) => number } {
  if (d.kind === 'float') {
    if (d.log) return { low: Math.log(d.low), high: Math.log(d.high), q: null, t: Math.log };
    if (d.step !== null) return { low: d.low - d.step / 2, high: d.high + d.step / 2, q: d.step, t: (v) => v };
    return { low: d.low, high: d.high, q: null, t: (v) => v };
  }
  if (d.log) return { low: Math.log(d.low - 0.5), high: Math.log(d.high + 0.5), q: null, t: Math.log };
  return { low: d.low - d.step / 2, high: d.high + d.step / 2, q: d.step, t: (v) => v };
}

function lattice(d: NumDist, k: number): number[] {
  const step = d.kind === 'int' ? d.step : d.step;
  if (step !== null && !(d.kind === 'int' && d.log)) {
    const n = Math.round((d.high - d.low) / step);
    return Array.from({ length: n + 1 }, (_, i) => Number((d.low + i * step).toFixed(10)));
  }
  if (d.kind === 'int') return Array.from({ length: d.high - d.low + 1 }, (_, i) => d.low + i);
  return Array.from({ length: k }, (_, i) => Math.min(d.high, d.log ? Math.exp(Math.log(d.low) + ((Math.log(d.high) - Math.log(d.low)) * i) / (k - 1)) : d.low + ((d.high - d.low) * i) / (k - 1)));
}

const NUMERIC: Array<{ name: string; d: NumDist }> = [
  { name: 'float', d: { kind: 'float', low: -10, high: 10, step: null, log: false } },
  { name: 'float_log', d: { kind: 'float', low: 1e-5, high: 1e-1, step: null, log: true } },
  { name: 'float_step', d: { kind: 'float', low: 0.1, high: 0.3, step: 0.05, log: false } },
  { name: 'int', d: { kind: 'int', low: 2, high: 10, step: 2, log: false } },
  { name: 'int_wide', d: { kind: 'int', low: -50, high: 400, step: 1, log: false } },
  { name: 'int_log', d: { kind: 'int', low: 10, high: 1000, step: 1, log: true } },
];

describe('Parzen estimators = Optuna 3.1 _ParzenEstimator', () => {
  it('default_weights matches numpy', (ctx) => {
    needOptuna(ctx);
    const py = JSON.parse(runPython('import json\nfrom optuna.samplers._tpe.sampler import default_weights\nprint(json.dumps([list(default_weights(n)) for n in (0, 1, 24, 25, 26, 40, 300)]))')) as number[][];
    [0, 1, 24, 25, 26, 40, 300].forEach((n, i) => {
      const ours = [...defaultWeights(n)];
      expect(ours.length).toBe(py[i]?.length);
      ours.forEach((w, j) => expect(w).toBeCloseTo(py[i]?.[j] as number, 12));
    });
  });

  it('numeric log densities agree for every distribution kind and sample size', (ctx) => {
    needOptuna(ctx);
    const rng = new Rng(7);
    type Case = { name: string; d: NumDist; obs: number[]; points: number[] };
    const cases: Case[] = [];
    for (const { name, d } of NUMERIC) {
      for (const n of [0, 1, 3, 30, 120]) {
        const obs: number[] = [];
        const lat = lattice(d, 50);
        for (let i = 0; i < n; i++) {
          // Clustered observations (as TPE produces) with duplicates for discrete kinds.
          const v = lat[Math.min(lat.length - 1, Math.floor(Math.abs(rng.normal()) * lat.length * 0.3))] as number;
          obs.push(d.kind === 'float' && d.step === null ? (d.log ? Math.exp(Math.log(d.low) + rng.random() * (Math.log(d.high) - Math.log(d.low))) : i % 2 ? v : d.low + rng.random() * (d.high - d.low)) : v);
        }
        cases.push({ name: `${name}/${n}`, d, obs, points: lattice(d, 41) });
      }
    }
    const code = `
import json, sys
import numpy as np
from optuna.distributions import FloatDistribution, IntDistribution
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import default_weights
params = _ParzenEstimatorParameters(True, 1.0, True, False, default_weights, False)
# Ties between equal observations are ordered by numpy's unstable quicksort, which matters once the
# weights ramp (n >= 25); ours is stable, so make numpy's stable too for a term-by-term comparison.
_argsort = np.argsort
np.argsort = lambda a, *args, **kw: _argsort(a, kind="stable")
out = []
for c in json.loads(sys.stdin.read()):
    d = c["d"]
    dist = FloatDistribution(d["low"], d["high"], log=d["log"], step=d["step"]) if d["kind"] == "float" else IntDistribution(d["low"], d["high"], log=d["log"], step=d["step"])
    pe = _ParzenEstimator({"x": np.asarray(c["obs"], dtype=float)}, {"x": dist}, params)
    out.append(list(pe.log_pdf({"x": np.asarray(c["points"], dtype=float)})))
print(json.dumps(out))
`;
    const py = JSON.parse(runPythonStdin(code, JSON.stringify(cases))) as number[][];
    let compared = 0;
    const bad: string[] = [];
    cases.forEach((c, i) => {
      const b = bounds(c.d);
      const pe = NumericParzen.fromObservations(c.obs.map(b.t), { low: b.low, high: b.high, q: b.q, priorWeight: 1, considerMagicClip: true, considerEndpoints: false, optuna31Density: true });
      c.points.forEach((x, j) => {
        const expected = py[i]?.[j] as number;
        const got = pe.logPdf(b.t(x));
        if (!(Math.abs(got - expected) < 1e-5 * Math.max(1, Math.abs(expected)))) bad.push(`${c.name} at ${x}: ours ${got}, optuna ${expected}`);
        compared++;
      });
    });
    expect(bad.length, `${bad.length} mismatches:\n${bad.slice(0, 40).join('\n')}`).toBe(0);
    expect(compared).toBeGreaterThan(500);
  });

  it('the default (proper) density integrates to 1 and the discrete masses sum to 1', () => {
    const rng = new Rng(11);
    for (const { name, d } of NUMERIC) {
      const b = bounds(d);
      const obs = Array.from({ length: 40 }, () => b.t(lattice(d, 50)[rng.int(lattice(d, 50).length)] as number));
      const pe = NumericParzen.fromObservations(obs, { low: b.low, high: b.high, q: b.q, priorWeight: 1, considerMagicClip: true, considerEndpoints: false });
      let total = 0;
      if (b.q !== null) {
        for (const x of lattice(d, 0)) total += Math.exp(pe.logPdf(x));
      } else {
        const steps = 20000;
        const h = (b.high - b.low) / steps;
        for (let i = 0; i < steps; i++) total += Math.exp(pe.logPdf(b.low + (i + 0.5) * h)) * h;
      }
      expect(total, name).toBeCloseTo(1, 3);
    }
  });

  it('categorical probabilities agree', (ctx) => {
    needOptuna(ctx);
    const rng = new Rng(3);
    const cases = [0, 1, 7, 40].map((n) => ({ k: 4, obs: Array.from({ length: n }, () => (rng.random() < 0.6 ? 2 : rng.int(4))) }));
    const code = `
import json, sys
import numpy as np
from optuna.distributions import CategoricalDistribution
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import default_weights
params = _ParzenEstimatorParameters(True, 1.0, True, False, default_weights, False)
out = []
for c in json.loads(sys.stdin.read()):
    dist = CategoricalDistribution(list(range(c["k"])))
    pe = _ParzenEstimator({"x": np.asarray(c["obs"], dtype=float)}, {"x": dist}, params)
    out.append(list(pe.log_pdf({"x": np.arange(c["k"])})))
print(json.dumps(out))
`;
    const py = JSON.parse(runPythonStdin(code, JSON.stringify(cases))) as number[][];
    cases.forEach((c, i) => {
      const pe = new CategoricalParzen(c.obs, c.k, 1);
      for (let x = 0; x < c.k; x++) expect(pe.logPmf(x)).toBeCloseTo(py[i]?.[x] as number, 10);
    });
  });
});

import { spawnSync } from 'node:child_process';
import { PYTHON } from '../support/peers.ts';
function runPythonStdin(code: string, input: string): string {
  const r = spawnSync(PYTHON, ['-c', code], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return r.stdout;
}
