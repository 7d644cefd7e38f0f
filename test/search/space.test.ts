// The distributions we build must be what Python Optuna stores for the same suggest calls: the
// real Optuna 3.1 runs the suggests and we compare its distribution_json semantically.
import { describe, expect, it } from 'vitest';
import type { ParamSpec } from '../../shared/config.ts';
import { buildSearchSpace, isSingle } from '../../electron/core/search/space.ts';
import type { Distribution } from '../../electron/core/search/types.ts';
import { needOptuna, runPython } from '../support/peers.ts';

// Each case: our config entry and the suggest call a Python user would write for it.
const CASES: Array<{ name: string; spec: ParamSpec; py: string }> = [
  { name: 'lr', spec: { type: 'loguniform', min: 1e-5, max: 5e-5 }, py: 'trial.suggest_float("lr", 1e-5, 5e-5, log=True)' },
  { name: 'batch', spec: { type: 'choice', values: [8, 16, 32] }, py: 'trial.suggest_categorical("batch", [8, 16, 32])' },
  { name: 'mixed', spec: { type: 'choice', values: ['adam', true, null, 1.5] }, py: 'trial.suggest_categorical("mixed", ["adam", True, None, 1.5])' },
  { name: 'dropout', spec: { type: 'uniform', min: 0.1, max: 0.3, step: 0.05 }, py: 'trial.suggest_float("dropout", 0.1, 0.3, step=0.05)' },
  { name: 'adj_float', spec: { type: 'uniform', min: 0, max: 1.05, step: 0.1 }, py: 'trial.suggest_float("adj_float", 0, 1.05, step=0.1)' },
  { name: 'dec_float', spec: { type: 'uniform', min: 0.1, max: 0.7, step: 0.2 }, py: 'trial.suggest_float("dec_float", 0.1, 0.7, step=0.2)' },
  { name: 'tiny_step', spec: { type: 'uniform', min: 0.001, max: 0.0105, step: 0.001 }, py: 'trial.suggest_float("tiny_step", 0.001, 0.0105, step=0.001)' },
  { name: 'neg_step', spec: { type: 'uniform', min: -1.5, max: 2.2, step: 0.25 }, py: 'trial.suggest_float("neg_step", -1.5, 2.2, step=0.25)' },
  { name: 'plain', spec: { type: 'uniform', min: -10, max: 10 }, py: 'trial.suggest_float("plain", -10, 10)' },
  { name: 'ulog', spec: { type: 'uniform', min: 0.01, max: 1, log: true }, py: 'trial.suggest_float("ulog", 0.01, 1, log=True)' },
  { name: 'epochs', spec: { type: 'int', min: 2, max: 10, step: 2 }, py: 'trial.suggest_int("epochs", 2, 10, step=2)' },
  { name: 'adj_int', spec: { type: 'int', min: 0, max: 11, step: 5 }, py: 'trial.suggest_int("adj_int", 0, 11, step=5)' },
  { name: 'warmup', spec: { type: 'int', min: 10, max: 1000, log: true }, py: 'trial.suggest_int("warmup", 10, 1000, log=True)' },
  { name: 'plain_int', spec: { type: 'int', min: -3, max: 7 }, py: 'trial.suggest_int("plain_int", -3, 7)' },
];

function semantic(d: Distribution): Record<string, unknown> {
  if (d.kind === 'categorical') return { name: 'CategoricalDistribution', choices: d.choices };
  if (d.kind === 'float') return { name: 'FloatDistribution', low: d.low, high: d.high, step: d.step, log: d.log };
  return { name: 'IntDistribution', low: d.low, high: d.high, step: d.step, log: d.log };
}

describe('search space = what Optuna stores for the same suggests', () => {
  it('matches Python Optuna 3.1 distribution_json for every kind', (ctx) => {
    needOptuna(ctx);
    const code = `
import json, warnings, optuna
from optuna.distributions import distribution_to_json
warnings.simplefilter("ignore")
optuna.logging.set_verbosity(optuna.logging.ERROR)
study = optuna.create_study()
trial = study.ask()
${CASES.map((c) => c.py).join('\n')}
out = {}
for name, d in trial.distributions.items():
    j = json.loads(distribution_to_json(d))
    out[name] = {"name": j["name"], **j["attributes"]}
print(json.dumps(out))
`;
    const py = JSON.parse(runPython(code)) as Record<string, Record<string, unknown>>;
    const ours = buildSearchSpace(Object.fromEntries(CASES.map((c) => [c.name, c.spec])));
    expect([...ours.keys()]).toEqual(CASES.map((c) => c.name));
    for (const c of CASES) {
      const d = ours.get(c.name);
      expect(d, c.name).toBeDefined();
      expect(semantic(d as Distribution), c.name).toEqual(py[c.name]);
    }
    // the adjustments really happened (guards against a silently passing comparison)
    expect(py.adj_float?.high).toBe(1.0);
    expect(py.adj_int?.high).toBe(10);
    expect(py.tiny_step?.high).toBe(0.01);
  });

  it('isSingle follows Optuna', () => {
    expect(isSingle({ kind: 'categorical', choices: [1] })).toBe(true);
    expect(isSingle({ kind: 'int', low: 3, high: 3, step: 1, log: false })).toBe(true);
    expect(isSingle({ kind: 'float', low: 0, high: 0.05, step: 0.1, log: false })).toBe(true);
    expect(isSingle({ kind: 'float', low: 0, high: 1, step: null, log: false })).toBe(false);
  });
});
