// A live Python Optuna worker beside `sweepdeck sweep run` on the same study (issue 10, item 4).
// Python Optuna sends no heartbeats by default, so its RUNNING trial looks the same whether its
// process lives or died. Optuna's rule: only a heartbeat older than the grace period makes a trial
// stale; a RUNNING trial without heartbeats is left alone ("running elsewhere"), and the user fails
// it on purpose with `sweepdeck sweep fail-trial` when it was left behind.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { hasOptuna, PYTHON, runPython } from '../support/peers.ts';
import { quickTrial } from '../support/quickSweep.ts';
import { until } from '../support/until.ts';
import { readTrials, runCli, tmpDir } from './support.ts';

// Python's optimize with a slow objective; each trial writes its number to FLAG once it runs.
const WORKER = `
import sys, time, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
db, name, n, secs, flag = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
study = optuna.create_study(study_name=name, storage=f"sqlite:///{db}", direction="maximize", load_if_exists=True)
def objective(t):
    x = t.suggest_float("x", 0.0, 1.0)
    with open(flag, "a") as f:
        f.write(f"{t.number}\\n")
    time.sleep(secs)
    return x
study.optimize(objective, n_trials=n)
print("python done", len(study.trials))
`;

const DUMP = `
import json, sys, optuna
s = optuna.load_study(study_name=sys.argv[2], storage=f"sqlite:///{sys.argv[1]}")
print(json.dumps([{"number": t.number, "state": t.state.name, "value": t.value, "params": t.params, "reason": t.system_attrs.get("fail_reason")} for t in s.trials]))
`;

const config = (db: string, maxTrials: number): string => `
experiment_name: py-live
backbone: tiny
study_name: shared
search_space:
  x: {type: uniform, min: 0.0, max: 1.0}
sampling: {algorithm: random, max_trials: ${maxTrials}, max_concurrent_trials: 1, seed: 5}
objective: {metric: score, goal: maximize}
trial:
  command: ["node", "trial.mjs"]
checkpoint: {enabled: true, storage_path: ${JSON.stringify(db)}, auto_resume: true}
`;

describe('a RUNNING trial without heartbeats runs elsewhere', () => {
  it.runIf(hasOptuna())('sweep run leaves a live Python Optuna trial alone, and Python finishes without error', async () => {
    const dir = tmpDir('pylive');
    const db = path.join(dir, 'study.db');
    const flag = path.join(dir, 'python-trials.txt');
    writeFileSync(path.join(dir, 'trial.mjs'), quickTrial(30));
    writeFileSync(path.join(dir, 'hpo.yaml'), config(db, 3));
    const py = spawn(PYTHON, ['-c', WORKER, db, 'shared', '2', '5', flag], { stdio: ['ignore', 'pipe', 'pipe'] });
    let pyOut = '';
    let pyErr = '';
    py.stdout.setEncoding('utf8').on('data', (d: string) => (pyOut += d));
    py.stderr.setEncoding('utf8').on('data', (d: string) => (pyErr += d));
    const pyExit = new Promise<number | null>((resolve) => py.on('close', (code) => resolve(code)));
    try {
      await until("Python's first trial to run", async () => existsSync(flag) && readFileSync(flag, 'utf8').startsWith('0'), 60_000);

      const r = await runCli(['sweep', 'run', path.join(dir, 'hpo.yaml'), '--output-dir', path.join(dir, 'out'), '--no-tracking'], {}, dir);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(/marked FAIL/);
      expect(r.stdout).toMatch(/trial\(s\) 0 RUNNING elsewhere/);

      expect(await pyExit, pyErr).toBe(0);
      expect(pyOut).toContain('python done');
      const trials = JSON.parse(runPython(DUMP, [db, 'shared'])) as Array<{ number: number; state: string; value: number | null; params: { x: number }; reason: string | null }>;
      // Python's trials (the first two numbers it wrote) and ours are all COMPLETE, with their values.
      const pythonNumbers = readFileSync(flag, 'utf8').trim().split('\n').map(Number);
      expect(pythonNumbers).toHaveLength(2);
      for (const t of trials) {
        expect([t.number, t.state], JSON.stringify(t)).toEqual([t.number, 'COMPLETE']);
        expect(t.value).not.toBeNull();
      }
      for (const n of pythonNumbers) expect(trials.find((t) => t.number === n)!.value).toBe(trials.find((t) => t.number === n)!.params.x);
      expect(trials.length).toBeGreaterThanOrEqual(3 + 2 - 1); // ours may count a finished Python trial in max_trials
    } finally {
      py.kill('SIGKILL');
    }
  }, 120_000);

  it('sweep status shows it, and sweep fail-trial fails it on purpose (with --retry, its params run again)', async () => {
    const dir = tmpDir('elsewhere');
    const db = path.join(dir, 'study.db');
    const s = openStudyStorage(db, { create: true });
    const study = s.createStudy('shared', ['maximize']);
    const dist = { kind: 'float' as const, low: 0, high: 1, step: null, log: false };
    const mine = s.createTrial(study.studyId, { params: { x: { value: 0.25, distribution: dist } } }); // born with a heartbeat
    const left = s.createTrial(study.studyId, { params: { x: { value: 0.75, distribution: dist } } });
    s.close();
    const raw = new Database(db);
    raw.prepare('DELETE FROM trial_heartbeats WHERE trial_id = ?').run(left.trialId); // as Python Optuna leaves it
    raw.close();

    const st = await runCli(['sweep', 'status', db, '--json']);
    expect(st.code, st.stderr).toBe(0);
    expect((JSON.parse(st.stdout) as { runningElsewhere: number[] }).runningElsewhere).toEqual([left.number]);
    const text = await runCli(['sweep', 'status', db]);
    expect(text.stdout).toContain(`Running elsewhere: trial(s) ${left.number}`);
    expect(text.stdout).toContain(`sweepdeck sweep fail-trial ${db} --study shared --trial N`);

    // A trial with heartbeats is a Sweepdeck runner's: refused without --force, and nothing changes.
    const refused = await runCli(['sweep', 'fail-trial', db, '--trial', String(mine.number)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/has heartbeats.*--force/s);
    const bad = await runCli(['sweep', 'fail-trial', db, '--trial', 'x']);
    expect([bad.code, bad.stderr.includes('--trial "x"')]).toEqual([2, true]);

    const ok = await runCli(['sweep', 'fail-trial', db, '--trial', String(left.number), '--retry']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`trial ${left.number} of study 'shared' is now FAIL (was RUNNING)`);
    const trials = readTrials(db, 'shared');
    expect(trials.map((t) => [t.number, t.state])).toEqual([
      [mine.number, 'RUNNING'],
      [left.number, 'FAIL'],
      [2, 'WAITING'],
    ]);
    expect(trials[1]!.systemAttrs.fail_reason).toMatch(/on purpose/);
    expect(trials[2]!.systemAttrs).toMatchObject({ failed_trial: left.number, fixed_params: { x: 0.75 } });
    const again = await runCli(['sweep', 'fail-trial', db, '--trial', String(left.number)]);
    expect([again.code, /already FAIL/.test(again.stderr)]).toEqual([1, true]);
  }, 60_000);
});
