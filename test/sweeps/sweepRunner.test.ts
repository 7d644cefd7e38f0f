// The runner in-process: outcomes, failure handling, hooks and the second metric channel.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSweep, SweepSetupError } from '../../electron/core/sweeps/sweepRunner.ts';
import type { SweepEvent, SweepHooks } from '../../electron/core/sweeps/types.ts';
import { configInput, finished, parseConfig, readTrials, tmpDir } from './support.ts';
import type { HpoConfigInput } from '../../shared/config.ts';

/** What the objective fixture prints last for given params (its own formula, restated). */
function expectedValue(p: Record<string, unknown>): number {
  const x = Number(p.x);
  const y = Number(p.y);
  return -((x - 0.3) ** 2) - 0.01 * (y - 2) ** 2 + (p.c === 'b' ? 0.05 : 0);
}

function run(input: HpoConfigInput, opts: { outputDir?: string; hooks?: SweepHooks; maxTrials?: number } = {}) {
  const outputDir = opts.outputDir ?? tmpDir('runner');
  const events: SweepEvent[] = [];
  const handle = runSweep({
    config: parseConfig(input),
    outputDir,
    heartbeatIntervalMs: 200,
    killGraceMs: 500,
    metricPollIntervalMs: 50,
    onEvent: (e) => events.push(e),
    ...(opts.hooks ? { hooks: opts.hooks } : {}),
    ...(opts.maxTrials ? { maxTrials: opts.maxTrials } : {}),
  });
  return { handle, events, outputDir, studyPath: path.join(outputDir, 'tiny/study.db') };
}

describe('sweep runner', () => {
  it('runs to max_trials with at most max_concurrent_trials at once, recording values, steps, logs and env', async () => {
    const r = run(configInput({ sampling: { algorithm: 'random', max_trials: 5, max_concurrent_trials: 2, seed: 3 } }));
    let live = 0;
    let peak = 0;
    const seen: SweepEvent[] = [];
    const result = await r.handle.done;
    for (const e of r.events) {
      seen.push(e);
      if (e.type === 'trial-start') peak = Math.max(peak, ++live);
      if (e.type === 'trial-end') live--;
    }
    expect(result.status).toBe('completed');
    expect(peak).toBe(2);
    const trials = readTrials(r.studyPath, 'hpo_tiny');
    expect(trials.map((t) => t.number).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
    for (const t of trials) {
      expect(t.state).toBe('COMPLETE');
      const v = expectedValue(t.params);
      expect(t.value).toBeCloseTo(v, 12);
      // Two objective lines -> steps 0 and 1; the last is the value.
      expect(t.intermediateValues.map(([s]) => s)).toEqual([0, 1]);
      expect(t.intermediateValues[1]![1]).toBe(t.value);
      const dir = path.join(r.outputDir, 'tiny', `trial_${t.number}`);
      expect(t.userAttrs.trial_dir).toBe(dir);
      const out = readFileSync(path.join(dir, 'stdout.log'), 'utf8');
      const paramsLine = out.split('\n').find((l) => l.startsWith('params '))!;
      expect(JSON.parse(paramsLine.slice(7))).toEqual(t.params);
      expect(out).toContain(`trial dir ${dir}\n`);
    }
    const summary = r.events.find((e) => e.type === 'sweep-end');
    expect(summary && summary.type === 'sweep-end' && summary.result.best?.value).toBe(Math.max(...trials.map((t) => t.value!)));
    // The study records the sweep's metadata for the app.
    const { openStudyStorage } = await import('../../electron/core/studies/optunaSqliteStorage.ts');
    const s = openStudyStorage(r.studyPath, { readonly: true });
    const info = s.getStudy('hpo_tiny')!;
    s.close();
    expect(info.userAttrs).toMatchObject({ objective_metric: 'score', max_trials: 5, backbone: 'tiny', objective_goal: 'maximize' });
  }, 60_000);

  it('fails trials with their reason kept and still reaches max_trials finished', async () => {
    const base = configInput();
    const r = run({ ...base, sampling: { algorithm: 'random', max_trials: 4, seed: 1 }, trial: { ...base.trial, env: { OBJ_STEPS: '2', OBJ_SLEEP_MS: '5', OBJ_FAIL_MOD: '3:1' } } });
    const result = await r.handle.done;
    expect(result.status).toBe('completed');
    const trials = readTrials(r.studyPath, 'hpo_tiny');
    expect(finished(trials)).toHaveLength(4);
    const failed = trials.filter((t) => t.state === 'FAIL');
    expect(failed.map((t) => t.number)).toEqual(trials.filter((t) => t.number % 3 === 1).map((t) => t.number));
    for (const t of failed) {
      expect(String(t.systemAttrs.fail_reason)).toMatch(/exited with code 3[\s\S]*RuntimeError: simulated failure in trial/);
      expect(t.value).toBeNull();
    }
  }, 60_000);

  it('a trial that prints no objective fails with the reason, and a command failing the same way every time ends the sweep', async () => {
    const base = configInput();
    const r = run({ ...base, sampling: { algorithm: 'random', max_trials: 20, seed: 1 }, trial: { ...base.trial, env: { OBJ_STEPS: '1', OBJ_SLEEP_MS: '1', OBJ_NO_VALUE: '1' } } });
    const result = await r.handle.done;
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/failed the same way 3 times in a row/);
    const trials = readTrials(r.studyPath, 'hpo_tiny');
    expect(trials).toHaveLength(3);
    for (const t of trials) expect(String(t.systemAttrs.fail_reason)).toMatch(/no objective value: the trial printed no 'score=<number>' line/);
  }, 60_000);

  it('a missing program ends the sweep at once with a message naming it', async () => {
    const base = configInput();
    const r = run({ ...base, trial: { command: ['sweepdeck-no-such-trainer', '--x', '{x}'] } });
    const result = await r.handle.done;
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/"sweepdeck-no-such-trainer" was not found \(ENOENT/);
    expect(readTrials(r.studyPath, 'hpo_tiny').map((t) => t.state)).toEqual(['FAIL']);
  }, 30_000);

  it('stops at max_failed_trials', async () => {
    const base = configInput();
    const r = run({ ...base, sampling: { algorithm: 'random', max_trials: 20, seed: 1, max_failed_trials: 2 }, trial: { ...base.trial, env: { OBJ_STEPS: '2', OBJ_SLEEP_MS: '1', OBJ_FAIL_MOD: '2:0' } } });
    const result = await r.handle.done;
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/2 trials failed in this run, reaching sampling.max_failed_trials \(2\)/);
    expect(readTrials(r.studyPath, 'hpo_tiny').filter((t) => t.state === 'FAIL')).toHaveLength(2);
  }, 60_000);

  it('enforces the trial timeout', async () => {
    const base = configInput();
    const r = run({ ...base, sampling: { algorithm: 'random', max_trials: 1, seed: 1, max_failed_trials: 1 }, trial: { ...base.trial, timeout_minutes: 0.005, env: { OBJ_STEPS: '1', OBJ_SLEEP_MS: '20000' } } });
    const result = await r.handle.done;
    expect(result.status).toBe('failed');
    const [t] = readTrials(r.studyPath, 'hpo_tiny');
    expect(t!.state).toBe('FAIL');
    expect(String(t!.systemAttrs.fail_reason)).toMatch(/timed out after 0.005 minutes/);
  }, 30_000);

  it('calls the tracking hooks, passes their env, keeps going when a hook throws, and reads the second metric channel', async () => {
    const base = configInput();
    const calls: string[] = [];
    const hooks: SweepHooks = {
      onSweepStart: (ctx) => {
        calls.push(`start resumed=${ctx.resumed} max=${ctx.maxTrials}`);
        ctx.setStudyUserAttr('mlflow_parent_run_id', 'parent-1');
      },
      onTrialStart: (t) => ({ env: { MLFLOW_RUN_ID: `run-${t.number}` }, userAttrs: { mlflow_run_id: `run-${t.number}` } }),
      onTrialMetric: (_t, key) => {
        if (key === 'other_metric') throw new Error('tracking store down');
      },
      onTrialEnd: (t, state, value) => void calls.push(`end ${t.number} ${state} ${value !== null}`),
      onSweepEnd: (s) => void calls.push(`sweep-end ${s.status} ${s.counts.finished}`),
      // The trial "logged" two more steps through MLflow; step 1 is also printed and stays as printed.
      pollTrialMetrics: async () => [{ step: 1, value: -99 }, { step: 5, value: 0.5 }, { step: 6, value: 0.75 }],
    };
    const r = run({ ...base, sampling: { algorithm: 'random', max_trials: 2, seed: 1 }, trial: { ...base.trial, env: { OBJ_STEPS: '2', OBJ_SLEEP_MS: '5', OBJ_ECHO_ENV: 'MLFLOW_RUN_ID' } } }, { hooks });
    const result = await r.handle.done;
    expect(result.status).toBe('completed');
    expect(calls).toEqual(['start resumed=false max=2', 'end 0 COMPLETE true', 'end 1 COMPLETE true', 'sweep-end completed 2']);
    expect(r.events.some((e) => e.type === 'warning' && /onTrialMetric failed.*tracking store down/.test(e.message))).toBe(true);
    const trials = readTrials(r.studyPath, 'hpo_tiny');
    for (const t of trials) {
      expect(t.userAttrs.mlflow_run_id).toBe(`run-${t.number}`);
      expect(readFileSync(path.join(r.outputDir, 'tiny', `trial_${t.number}`, 'stdout.log'), 'utf8')).toContain(`env MLFLOW_RUN_ID=run-${t.number}\n`);
      expect(t.intermediateValues.map(([s]) => s)).toEqual([0, 1, 5, 6]);
      expect(t.intermediateValues[1]![1]).not.toBe(-99);
      expect(t.value).toBe(0.75);
    }
  }, 60_000);

  it('refuses an existing checkpoint when auto_resume is false, and runs without a checkpoint file when disabled', async () => {
    const first = run(configInput({ sampling: { algorithm: 'random', max_trials: 1, seed: 1 } }));
    await first.handle.done;
    const again = run(configInput({ sampling: { algorithm: 'random', max_trials: 2, seed: 1 }, checkpoint: { enabled: true, storage_path: '{backbone}/study.db', auto_resume: false } }), { outputDir: first.outputDir });
    await expect(again.handle.done).rejects.toThrow(SweepSetupError);
    await expect(again.handle.done).rejects.toThrow(/already exists and checkpoint.auto_resume is false.*auto_resume: true.*move or delete/);

    const off = run(configInput({ sampling: { algorithm: 'random', max_trials: 2, seed: 1 }, checkpoint: { enabled: false, storage_path: '{backbone}/study.db', auto_resume: true } }));
    const res = await off.handle.done;
    expect(res.status).toBe('completed');
    expect(res.counts.finished).toBe(2);
    expect(existsSync(off.studyPath)).toBe(false);
    expect(readdirSync(off.outputDir).filter((f) => f.endsWith('.db') || f.includes('.db-'))).toEqual([]);
    expect(existsSync(path.join(off.outputDir, 'tiny', 'trial_1', 'stdout.log'))).toBe(true);
  }, 60_000);

  it('refuses a study whose direction differs from objective.goal', async () => {
    const first = run(configInput({ sampling: { algorithm: 'random', max_trials: 1, seed: 1 } }));
    await first.handle.done;
    const flipped = run(configInput({ objective: { metric: 'score', goal: 'minimize' } }), { outputDir: first.outputDir });
    await expect(flipped.handle.done).rejects.toThrow(/direction\(s\) maximize but objective.goal is minimize/);
  }, 30_000);
});
