// Multi-objective interop with the real Python Optuna 3.1, both ways: a study Python made with
// directions=[...] and NSGAIISampler (with constraints_func) resumes here with `sweepdeck sweep run`,
// its generations continuing; a study made here loads in Python, whose NSGAIISampler continues our
// generations, and Python's best_trials is the front we compute.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { paretoFront } from '../../electron/core/search/multiObjective.ts';
import { runSweep } from '../../electron/core/sweeps/sweepRunner.ts';
import { hasOptuna, runPython } from '../support/peers.ts';
import { zdt1, zdt1Config } from './moSupport.ts';
import { parseConfig, readTrials, runCli, tmpDir, writeConfig } from './support.ts';

interface PyTrial {
  number: number;
  state: string;
  params: Record<string, number>;
  values: number[] | null;
  system_attrs: Record<string, unknown>;
}
interface PyStudy {
  directions: string[];
  trials: PyTrial[];
  best_trials: number[];
}

// Python's view, through Optuna's own load_study.
const DUMP = `
import json, sys, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.load_study(study_name=sys.argv[2], storage=f"sqlite:///{sys.argv[1]}")
print(json.dumps({"directions": [d.name for d in s.directions],
  "trials": [{"number": t.number, "state": t.state.name, "params": t.params, "values": t.values, "system_attrs": t.system_attrs} for t in s.trials],
  "best_trials": sorted(t.number for t in s.best_trials)}))
`;

// Python runs ZDT1 with NSGA-II (population 4) and the same constraint as the config's x1_over.
const GROW = `
import sys, math, warnings, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.simplefilter("ignore")
db, name, n, create = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "create"
sampler = optuna.samplers.NSGAIISampler(population_size=4, seed=11, constraints_func=lambda t: [t.params["x1"] - 0.8])
if create:
    s = optuna.create_study(study_name=name, storage=f"sqlite:///{db}", directions=["minimize", "minimize"], sampler=sampler)
else:
    s = optuna.load_study(study_name=name, storage=f"sqlite:///{db}", sampler=sampler)
def objective(t):
    x = [t.suggest_float(f"x{i}", 0.0, 1.0) for i in (1, 2, 3)]
    g = 1 + 9 * (x[1] + x[2]) / 2
    return x[0], g * (1 - math.sqrt(x[0] / g))
s.optimize(objective, n_trials=n)
`;

const pyStudy = (db: string): PyStudy => JSON.parse(runPython(DUMP, [db, 'hpo_zdt'])) as PyStudy;
const generationOf = (t: { system_attrs?: Record<string, unknown>; systemAttrs?: Record<string, unknown> }): number => Number((t.system_attrs ?? t.systemAttrs)!['nsga2:generation']);

/** Every trial as Python sees it equals the trial as we read it, values and constraints included. */
function expectSameTrials(py: PyStudy, db: string): void {
  const ours = readTrials(db, 'hpo_zdt');
  expect(py.trials.map((t) => t.number)).toEqual(ours.map((t) => t.number));
  for (const t of ours) {
    const p = py.trials.find((x) => x.number === t.number)!;
    expect(p.state, `trial ${t.number}`).toBe(t.state);
    expect(p.params, `trial ${t.number}`).toEqual(t.params);
    expect(p.values, `trial ${t.number}`).toEqual(t.values ?? null);
    expect(p.system_attrs['nsga2:generation'], `trial ${t.number}`).toBe(t.systemAttrs['nsga2:generation']);
    expect(p.system_attrs.constraints, `trial ${t.number}`).toEqual(t.systemAttrs.constraints);
  }
  // Python's best_trials is the front we compute over the same trials.
  expect(py.best_trials).toEqual(paretoFront(ours, ['minimize', 'minimize']).map((t) => t.number));
}

describe.runIf(hasOptuna())('multi-objective interop with Python Optuna 3.1', () => {
  it('a study Python made with NSGA-II resumes here with sweepdeck sweep run, continuing its generations', async () => {
    const dir = tmpDir('mo-interop');
    const db = path.join(dir, 'study.db');
    runPython(GROW, [db, 'hpo_zdt', '10', 'create']);
    const before = pyStudy(db);
    expect(before.directions).toEqual(['MINIMIZE', 'MINIMIZE']);
    const pythonLast = Math.max(...before.trials.map(generationOf));
    expect(pythonLast).toBe(2); // 10 trials, population 4: generations 0, 1 and the start of 2

    const config = writeConfig(dir, zdt1Config(db, 18, { constraints: ['x1_over'] }));
    const r = await runCli(['sweep', 'run', config, '--no-tracking', '--output-dir', path.join(dir, 'out')], { SWEEPDECK_DATA_DIR: path.join(dir, 'data') }, dir);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/sweep complete: 18\/18 finished .*; Pareto front \d+ trials?, best f1=\S+ f2=\S+/);

    const after = pyStudy(db);
    expect(after.trials).toHaveLength(18);
    expect(after.trials.every((t) => t.state === 'COMPLETE')).toBe(true);
    // Python's trials are unchanged; ours carry on from generation 2 (its 2 missing members), then 3.
    for (const t of before.trials) expect(after.trials.find((x) => x.number === t.number)).toEqual(t);
    const ours = after.trials.slice(10);
    expect(ours.map(generationOf)).toEqual([2, 2, 3, 3, 3, 3, 4, 4]);
    for (const t of ours) {
      const [f1, f2] = zdt1(t.params);
      expect(t.values![0]).toBeCloseTo(f1, 12);
      expect(t.values![1]).toBeCloseTo(f2, 12);
      expect((t.system_attrs.constraints as number[])[0]).toBeCloseTo(t.params.x1! - 0.8, 12);
    }
    expectSameTrials(after, db);
  }, 120_000);

  it('a study made here resumes in Python: its NSGA-II continues our generations and best_trials is our front', async () => {
    const dir = tmpDir('mo-interop');
    const db = path.join(dir, 'study.db');
    const res = await runSweep({ config: parseConfig(zdt1Config(db, 12, { constraints: ['x1_over'] })), outputDir: path.join(dir, 'out') }).done;
    expect(res.status).toBe('completed');
    const loaded = pyStudy(db);
    expect(loaded.directions).toEqual(['MINIMIZE', 'MINIMIZE']);
    expectSameTrials(loaded, db);
    expect(Math.max(...loaded.trials.map(generationOf))).toBe(2);

    runPython(GROW, [db, 'hpo_zdt', '6', 'load']);
    const grown = pyStudy(db);
    expect(grown.trials).toHaveLength(18);
    // Generations 0..2 are complete (4 each): Python's sampler takes our elite as parents and goes on
    // with generation 3, then 4.
    expect(grown.trials.slice(12).map(generationOf)).toEqual([3, 3, 3, 3, 4, 4]);
    expectSameTrials(grown, db);
  }, 120_000);
});
