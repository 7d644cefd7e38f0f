// The crash test of issue 10: `sweepdeck sweep run` (the real CLI, tracked to a local SQLite MLflow
// store, two trials at a time) SIGKILLed 30 times at seeded random moments and resumed after each
// kill, then run to the end. After every kill no trial process outlives its runner; nothing finished
// before a kill is lost or changed. At the end Python Optuna (the real peer) loads the study and
// checks every trial, and the MLflow store holds no RUNNING run.
// The seed is printed; CRASH_SEED=<n> replays a run.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../electron/core/search/rng.ts';
import type { FrozenTrial } from '../../electron/core/search/types.ts';
import { openTrackingStore } from '../../electron/core/tracking/openStore.ts';
import { hasOptuna, runPython } from '../support/peers.ts';
import { until } from '../support/until.ts';
import { processRunning, readTrials, startCli, tmpDir } from '../sweeps/support.ts';

const KILLS = 30;
// Never reached while killing; the last run sets the budget to what finished so far + FINAL_TRIALS, so
// its length does not depend on how fast this machine got through the kills.
const MAX_TRIALS = 500;
const FINAL_TRIALS = 10;

// Records its pid, then reports score = x over three steps: short ones mostly, long ones (4.5 s in
// all) for a quarter of the trials, which a killed runner's trial would outlive it by.
const TRIAL = `
import { writeFileSync } from 'node:fs';
writeFileSync(process.env.SWEEPDECK_TRIAL_DIR + '/pid.txt', String(process.pid));
const x = Number(JSON.parse(process.env.SWEEPDECK_PARAMS).x);
for (let step = 0; step < 3; step++) {
  await new Promise((r) => setTimeout(r, x < 0.25 ? 1500 : 60));
  console.log('score=' + (x * (step + 1) / 3).toFixed(6) + ' step=' + step);
}
`;

const CONFIG = `
experiment_name: crash-test
backbone: tiny
search_space:
  x: {type: uniform, min: 0.0, max: 1.0}
sampling: {algorithm: random, max_trials: ${MAX_TRIALS}, max_concurrent_trials: 2, seed: 11}
objective: {metric: score, goal: maximize}
trial:
  command: ["node", "trial.mjs", "--run", "{trial_dir}"]
checkpoint: {enabled: true, storage_path: "{backbone}/study.db", auto_resume: true}
`;

// Python Optuna's own view of every trial.
const CHECK = `
import json, sys, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.load_study(study_name="hpo_tiny", storage="sqlite:///" + sys.argv[1])
print(json.dumps([{"number": t.number, "state": t.state.name, "params": t.params, "value": t.value,
  "steps": sorted(t.intermediate_values), "complete": t.datetime_complete is not None} for t in s.trials]))
`;

const finishedKey = (t: FrozenTrial): string => JSON.stringify([t.state, t.value, t.params, t.intermediateValues]);

/** Trial processes of this test still running (each trial's argv names its trial dir, so a pid
 * another program got meanwhile does not count). */
function runningTrials(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => d.startsWith('trial_') && existsSync(path.join(root, d, 'pid.txt')))
    .filter((d) => processRunning(Number(readFileSync(path.join(root, d, 'pid.txt'), 'utf8')), path.join(root, d)));
}

describe('crash test', () => {
  it.runIf(hasOptuna())(`${KILLS} SIGKILLs at random moments, two trials at a time: nothing lost, no orphan, Optuna reads every trial, no RUNNING run`, async () => {
    const seed = process.env.CRASH_SEED ? Number(process.env.CRASH_SEED) : Math.floor(Math.random() * 2 ** 31);
    console.log(`crash test seed: ${seed} (replay with CRASH_SEED=${seed})`);
    const rng = new Rng(seed);
    const dir = tmpDir('crash');
    const out = path.join(dir, 'out');
    const studyPath = path.join(out, 'tiny', 'study.db');
    const mlflowDb = path.join(out, 'mlflow.db');
    writeFileSync(path.join(dir, 'trial.mjs'), TRIAL);
    writeFileSync(path.join(dir, 'hpo.yaml'), CONFIG);
    const args = ['sweep', 'run', path.join(dir, 'hpo.yaml'), '--output-dir', out, '--tracking-uri', `sqlite:///${mlflowDb}`];
    const env = { SWEEPDECK_HEARTBEAT_MS: '200', SWEEPDECK_KILL_GRACE_MS: '200' };

    const everFinished = new Map<number, string>();
    let kills = 0;
    let completedEarly = false;
    while (kills < KILLS) {
      const run = startCli(args, env, dir);
      let exited = false;
      void run.exit.then(() => (exited = true));
      // Most kills land while trials run; some right after the start (the first run always gets
      // as far as the open study, so the stores exist).
      const early = kills > 0 && rng.random() < 0.2;
      if (!early) await until('the study to open', async () => exited || run.stdout().includes('sweepdeck: study'), 30_000, 10);
      // The kill moment (or the run's own end, whichever comes first).
      const wait = rng.random() * (early ? 600 : 900);
      await Promise.race([new Promise((r) => setTimeout(r, wait)), run.exit]);
      if (exited) {
        const { code } = await run.exit;
        expect(code, run.stdout() + run.stderr()).toBe(0);
        completedEarly = true;
        break;
      }
      run.child.kill('SIGKILL');
      expect((await run.exit).signal).toBe('SIGKILL');
      kills++;
      // No trial process outlives its runner (beyond the moment its watchdog needs: the long trials
      // would run on for seconds).
      await until(`no trial process alive after kill ${kills}`, async () => runningTrials(path.join(out, 'tiny')).length === 0, 2500, 20).catch((err: Error) => {
        throw new Error(`${err.message}: ${runningTrials(path.join(out, 'tiny')).join(', ')} still running\nrunner output:\n${run.stdout()}${run.stderr()}`);
      });
      if (!existsSync(studyPath)) continue;
      for (const t of readTrials(studyPath, 'hpo_tiny')) {
        if (t.state === 'RUNNING' || t.state === 'WAITING') continue;
        const prev = everFinished.get(t.number);
        if (prev !== undefined) expect(finishedKey(t), `trial ${t.number} changed after kill ${kills}`).toBe(prev);
        everFinished.set(t.number, finishedKey(t));
      }
    }
    expect(completedEarly, `the sweep finished before ${KILLS} kills: raise MAX_TRIALS`).toBe(false);
    const finishedSoFar = readTrials(studyPath, 'hpo_tiny').filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED').length;
    const budget = finishedSoFar + FINAL_TRIALS;
    console.log(`after ${kills} kills: ${finishedSoFar} finished trials; the last run goes to ${budget}`);
    const last = startCli([...args, '--max-trials', String(budget)], env, dir);
    const { code } = await last.exit;
    expect(code, last.stdout() + last.stderr()).toBe(0);
    expect(last.stdout()).toContain(`sweep complete: ${budget}/${budget} finished`);

    // Python Optuna reads every trial: finished ones have their params and values, states are valid.
    const py = JSON.parse(runPython(CHECK, [studyPath])) as Array<{ number: number; state: string; params: { x?: number }; value: number | null; steps: number[]; complete: boolean }>;
    expect(py.map((t) => t.number)).toEqual(py.map((_, i) => i));
    for (const t of py) {
      expect(['COMPLETE', 'PRUNED', 'FAIL'], `trial ${t.number}`).toContain(t.state);
      expect(t.complete, `trial ${t.number}`).toBe(true);
      if (t.state === 'COMPLETE') {
        expect(typeof t.params.x, `trial ${t.number}`).toBe('number');
        expect(t.value, `trial ${t.number}`).toBeCloseTo(t.params.x!, 5);
        expect(t.steps, `trial ${t.number}`).toEqual([0, 1, 2]);
      }
    }
    expect(py.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED')).toHaveLength(budget);
    const ours = new Map(readTrials(studyPath, 'hpo_tiny').map((t) => [t.number, t]));
    for (const [n, k] of everFinished) expect(finishedKey(ours.get(n)!), `trial ${n}`).toBe(k);

    // The MLflow store: no RUNNING run, parent or child.
    const store = await openTrackingStore(`sqlite:///${mlflowDb}`, { readOnly: true });
    try {
      const exp = await store.getExperimentByName('crash-test');
      const runs = [];
      let pageToken: string | undefined;
      do {
        const page = await store.searchRuns({ experimentIds: [exp!.experiment_id], maxResults: 1000, ...(pageToken ? { pageToken } : {}) });
        runs.push(...page.items);
        pageToken = page.nextPageToken;
      } while (pageToken);
      expect(runs.length).toBeGreaterThan(budget);
      expect(runs.filter((r) => r.info.status === 'RUNNING').map((r) => r.info.run_name)).toEqual([]);
    } finally {
      await store.close();
    }
  }, 240_000);
});
