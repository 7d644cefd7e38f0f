// Interop with the real Python Optuna (Debian python3-optuna 3.1): a study made by Optuna, with
// every distribution kind and a trial left RUNNING, resumes here to max_trials; Optuna then sees the
// same trials and best trial; Optuna adds trials (and an enqueued WAITING one) and it resumes here
// again. A study made here loads in Optuna, grows there, and resumes here.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FrozenTrial } from '../../electron/core/search/types.ts';
import { runSweep } from '../../electron/core/sweeps/sweepRunner.ts';
import type { HpoConfigInput } from '../../shared/config.ts';
import { FIXTURES, hasOptuna, PYTHON, runPython } from '../support/peers.ts';
import { OBJECTIVE, parseConfig, readTrials, runCli, tmpDir } from './support.ts';
import { spawnSync } from 'node:child_process';

interface PyTrial {
  number: number;
  state: string;
  params: Record<string, unknown>;
  value: number | null;
  intermediate: Array<[number, number]>;
  system_attrs: Record<string, unknown>;
}
interface PyStudy {
  trials: PyTrial[];
  best: { number: number; value: number } | null;
  alembic: string | null;
}

// Python's view of a study: Optuna's own load_study, nothing of ours.
const DUMP = `
import json, sys, sqlite3, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
db, name = sys.argv[1], sys.argv[2]
s = optuna.load_study(study_name=name, storage=f"sqlite:///{db}")
out = {"trials": [], "best": None}
for t in s.get_trials(deepcopy=False):
    out["trials"].append({"number": t.number, "state": t.state.name, "params": t.params, "value": t.value,
        "intermediate": sorted([[k, v] for k, v in t.intermediate_values.items()]), "system_attrs": t.system_attrs})
try:
    out["best"] = {"number": s.best_trial.number, "value": s.best_value}
except ValueError:
    pass
c = sqlite3.connect(db)
row = c.execute("select version_num from alembic_version").fetchone()
out["alembic"] = row[0] if row else None
print(json.dumps(out))
`;

// Optuna grows the study: n trials with TPE on the demo's space, then one enqueued (left WAITING).
const GROW = `
import sys, math, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
db, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = optuna.load_study(study_name=name, storage=f"sqlite:///{db}", sampler=optuna.samplers.TPESampler(seed=5))
def objective(t):
    lr = t.suggest_float("learning_rate", 1e-5, 5e-5, log=True)
    bs = t.suggest_categorical("batch_size", [8, 16, 32])
    dr = t.suggest_float("dropout", 0.1, 0.3, step=0.05)
    ep = t.suggest_int("epochs", 2, 10, step=2)
    wd = t.suggest_float("weight_decay", 0.0, 0.1)
    warm = t.suggest_int("warmup_steps", 10, 1000, log=True)
    v = 0.9 - abs(math.log10(lr) + 4.5) * 0.2 - dr * 0.3 - wd + (0.01 if bs == 16 else 0)
    t.report(v, 0)
    return v
s.optimize(objective, n_trials=n)
s.enqueue_trial({"learning_rate": 2e-5, "batch_size": 32})
`;

function pyStudy(db: string, name: string): PyStudy {
  return JSON.parse(runPython(DUMP, [db, name])) as PyStudy;
}

const DEMO_SPACE: HpoConfigInput['search_space'] = {
  learning_rate: { type: 'loguniform', min: 1e-5, max: 5e-5 },
  batch_size: { type: 'choice', values: [8, 16, 32] },
  dropout: { type: 'uniform', min: 0.1, max: 0.3, step: 0.05 },
  epochs: { type: 'int', min: 2, max: 10, step: 2 },
  weight_decay: { type: 'uniform', min: 0, max: 0.1 },
  warmup_steps: { type: 'int', min: 10, max: 1000, log: true },
};

function demoConfig(db: string, maxTrials: number, algorithm: 'tpe' | 'random' = 'tpe'): HpoConfigInput {
  const names = Object.keys(DEMO_SPACE);
  return {
    experiment_name: 'interop',
    backbone: 'distilbert',
    search_space: DEMO_SPACE,
    sampling: { algorithm, max_trials: maxTrials, seed: 9 },
    objective: { metric: 'score', goal: 'maximize' },
    trial: { command: [process.execPath, OBJECTIVE, ...names.flatMap((n) => [`--${n}`, `{${n}}`])], env: { OBJ_STEPS: '2', OBJ_SLEEP_MS: '1' } },
    checkpoint: { enabled: true, storage_path: db, auto_resume: true },
  };
}

async function sweep(input: HpoConfigInput, outputDir: string, maxTrials?: number) {
  const h = runSweep({ config: parseConfig(input), outputDir, heartbeatIntervalMs: 500, ...(maxTrials ? { maxTrials } : {}) });
  return h.done;
}

/** Every trial as Optuna sees it equals the trial as we read it. */
function expectSameTrials(py: PyStudy, ours: FrozenTrial[]): void {
  expect(py.trials.map((t) => t.number)).toEqual(ours.map((t) => t.number));
  for (const t of ours) {
    const p = py.trials.find((x) => x.number === t.number)!;
    expect(p.state, `trial ${t.number}`).toBe(t.state);
    expect(p.params, `trial ${t.number}`).toEqual(t.params);
    expect(p.value, `trial ${t.number}`).toBe(t.value);
    expect(p.intermediate, `trial ${t.number}`).toEqual(t.intermediateValues);
  }
}

const countFinished = (py: PyStudy) => py.trials.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED').length;

describe.runIf(hasOptuna())('interop with Python Optuna 3.1', () => {
  it('resumes an Optuna-made study with a RUNNING trial, and Optuna sees the same study; Optuna grows it and it resumes here again', async () => {
    const dir = tmpDir('interop');
    const db = path.join(dir, 'study.db');
    const made = spawnSync(PYTHON, [path.join(FIXTURES, 'hpo_study_demo.py'), db, '12', '0'], { encoding: 'utf8' });
    expect(made.status, made.stderr).toBe(0);
    const before = pyStudy(db, 'hpo_distilbert');
    const running = before.trials.filter((t) => t.state === 'RUNNING');
    expect(running).toHaveLength(1);
    expect(before.alembic).toBe('v3.0.0.d');

    const res = await sweep(demoConfig(db, 20), path.join(dir, 'out'));
    expect(res.status).toBe('completed');
    const after = pyStudy(db, 'hpo_distilbert');
    expect(after.alembic).toBe('v3.0.0.d'); // never restamped
    expectSameTrials(after, readTrials(db, 'hpo_distilbert'));
    expect(countFinished(after)).toBe(20);
    // Optuna's own trials are unchanged. Its RUNNING trial has no heartbeats: running elsewhere as far
    // as anyone can tell, so it is left alone (Optuna's rule) and holds no slot of the budget.
    for (const t of before.trials) expect(after.trials.find((x) => x.number === t.number)).toEqual(t);
    const elsewhere = running[0]!;
    // The user, knowing that Python process is gone, fails it on purpose and has its params re-run.
    const failed = await runCli(['sweep', 'fail-trial', db, '--trial', String(elsewhere.number), '--retry']);
    expect(failed.code, failed.stderr).toBe(0);
    const cleared = pyStudy(db, 'hpo_distilbert');
    expect(cleared.trials.find((t) => t.number === elsewhere.number)!.state).toBe('FAIL');
    expect(cleared.trials.find((t) => t.number === elsewhere.number)!.system_attrs.fail_reason).toMatch(/on purpose/);
    const retry = cleared.trials.find((t) => t.system_attrs.failed_trial === elsewhere.number)!;
    expect(retry.state).toBe('WAITING');
    expect(retry.system_attrs.fixed_params).toMatchObject({ learning_rate: elsewhere.params.learning_rate });
    const ourBest = res.best!;
    expect(after.best).toEqual({ number: ourBest.number, value: ourBest.value });

    // Optuna adds 3 trials with its TPE and enqueues one; we pop the enqueued one first.
    runPython(GROW, [db, 'hpo_distilbert', '3']);
    const grown = pyStudy(db, 'hpo_distilbert');
    expect(countFinished(grown)).toBe(23);
    const enqueued = grown.trials.find((t) => t.state === 'WAITING')!;
    const again = await sweep(demoConfig(db, 20), path.join(dir, 'out'), 26);
    expect(again.status).toBe('completed');
    const final = pyStudy(db, 'hpo_distilbert');
    expectSameTrials(final, readTrials(db, 'hpo_distilbert'));
    expect(countFinished(final)).toBe(26);
    const popped = final.trials.find((t) => t.number === enqueued.number)!;
    expect(popped.state).toBe('COMPLETE');
    expect(popped.params.learning_rate).toBe(2e-5);
    expect(popped.params.batch_size).toBe(32);
    expect(final.best).toEqual({ number: again.best!.number, value: again.best!.value });
  }, 120_000);

  it('a study made here loads in Optuna, Optuna adds trials, and it resumes here', async () => {
    const dir = tmpDir('interop');
    const db = path.join(dir, 'made-here.db');
    const input = { ...demoConfig(db, 6, 'random'), early_termination: { policy: 'median' as const, evaluation_interval: 1, delay_evaluation: 0 } };
    const res = await sweep(input, path.join(dir, 'out'));
    expect(res.status).toBe('completed');
    const loaded = pyStudy(db, 'hpo_distilbert');
    expect(loaded.alembic).toBe('v3.0.0.d'); // stamped by Optuna 3.1 on first open
    expectSameTrials(loaded, readTrials(db, 'hpo_distilbert'));
    expect(loaded.best).toEqual({ number: res.best!.number, value: res.best!.value });

    runPython(GROW, [db, 'hpo_distilbert', '4']);
    const again = await sweep(input, path.join(dir, 'out'), 13);
    expect(again.status).toBe('completed');
    const final = pyStudy(db, 'hpo_distilbert');
    expectSameTrials(final, readTrials(db, 'hpo_distilbert'));
    expect(countFinished(final)).toBe(13);
    expect(final.trials.filter((t) => t.state === 'WAITING' || t.state === 'RUNNING')).toEqual([]);
  }, 120_000);
});
