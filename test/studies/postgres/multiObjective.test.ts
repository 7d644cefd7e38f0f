// A multi-objective study on PostgreSQL, both ways with Python Optuna 3.1: Python's NSGA-II study
// (directions=[...], constraints_func) resumes here with the runner, each objective's value in its
// own trial_values row; Python then sees the same values, constraints and generations, and its
// best_trials is the front we compute.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paretoFront } from '../../../electron/core/search/multiObjective.ts';
import { openPostgresStudyStorage } from '../../../electron/core/studies/optunaPostgresStorage.ts';
import { runSweep } from '../../../electron/core/sweeps/sweepRunner.ts';
import { hasOptuna, runPython } from '../../support/peers.ts';
import { hasPostgres, startPostgres, type PgServer } from '../../support/postgresPeer.ts';
import { zdt1, zdt1Config } from '../../sweeps/moSupport.ts';
import { parseConfig, tmpDir } from '../../sweeps/support.ts';

const GROW = `
import sys, math, warnings, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.simplefilter("ignore")
sampler = optuna.samplers.NSGAIISampler(population_size=4, seed=2, constraints_func=lambda t: [t.params["x1"] - 0.8])
s = optuna.create_study(study_name="hpo_zdt", storage=sys.argv[1], directions=["minimize", "minimize"], sampler=sampler)
def objective(t):
    x = [t.suggest_float(f"x{i}", 0.0, 1.0) for i in (1, 2, 3)]
    g = 1 + 9 * (x[1] + x[2]) / 2
    return x[0], g * (1 - math.sqrt(x[0] / g))
s.optimize(objective, n_trials=6)
`;

const DUMP = `
import json, sys, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.load_study(study_name="hpo_zdt", storage=sys.argv[1])
print(json.dumps({"trials": [{"number": t.number, "state": t.state.name, "values": t.values, "generation": t.system_attrs.get("nsga2:generation"), "constraints": t.system_attrs.get("constraints")} for t in s.trials],
  "best_trials": sorted(t.number for t in s.best_trials)}))
`;

interface PyDump {
  trials: Array<{ number: number; state: string; values: number[] | null; generation: number | null; constraints: number[] | null }>;
  best_trials: number[];
}

describe.runIf(hasPostgres() && hasOptuna())('multi-objective studies on PostgreSQL with Python Optuna 3.1', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(() => pg?.stop());

  it("Python's NSGA-II study resumes here; Python sees our values, constraints and generations, and its best_trials is our front", async () => {
    const url = pg.createDatabase('mo');
    runPython(GROW, [url]);
    const dir = tmpDir('mo-pg');
    const { checkpoint: _file, ...input } = zdt1Config(path.join(dir, 'unused.db'), 10, { constraints: ['x1_over'] });
    const res = await runSweep({ config: parseConfig({ ...input, storage: url }), outputDir: path.join(dir, 'out') }).done;
    expect(res.status).toBe('completed');

    const py = JSON.parse(runPython(DUMP, [url])) as PyDump;
    expect(py.trials).toHaveLength(10);
    expect(py.trials.every((t) => t.state === 'COMPLETE')).toBe(true);
    // Python's 6 trials fill generation 0 and start 1; ours finish generation 1 and start 2.
    expect(py.trials.map((t) => t.generation)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);

    const s = await openPostgresStudyStorage(url, { readonly: true });
    try {
      const study = (await s.getStudy('hpo_zdt'))!;
      expect(study.directions).toEqual(['minimize', 'minimize']);
      const ours = await s.getTrials(study.studyId);
      for (const t of ours) {
        const p = py.trials.find((x) => x.number === t.number)!;
        expect(t.values, `trial ${t.number}`).toEqual(p.values);
        expect(t.systemAttrs.constraints, `trial ${t.number}`).toEqual(p.constraints);
      }
      for (const t of ours.slice(6)) {
        const [f1, f2] = zdt1(t.params);
        expect(t.values![0]).toBeCloseTo(f1, 12);
        expect(t.values![1]).toBeCloseTo(f2, 12);
      }
      expect(py.best_trials).toEqual(paretoFront(ours, ['minimize', 'minimize']).map((t) => t.number));
    } finally {
      await s.close();
    }
  }, 180_000);
});
