// Ctrl-C / SIGTERM on `sweepdeck sweep run`: running trials are terminated and re-offered, the CLI
// says how to resume and exits 130 / 143, and the same command then finishes the sweep.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { until } from '../support/until.ts';
import { configInput, finished, readTrials, runCli, startCli, tmpDir, writeConfig } from './support.ts';

describe('sweep run signals', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s stops gracefully and the same command resumes', async (signal, exitCode) => {
    const dir = tmpDir('sig');
    const base = configInput();
    const slow = writeConfig(dir, { ...base, sampling: { algorithm: 'random', max_trials: 3, max_concurrent_trials: 1, seed: 1 }, trial: { ...base.trial, env: { OBJ_STEPS: '1', OBJ_SLEEP_MS: '60000' } } });
    const out = path.join(dir, 'out');
    const run = startCli(['sweep', 'run', slow, '--output-dir', out], { SWEEPDECK_KILL_GRACE_MS: '2000' }, dir);
    await until('trial 0 to start', async () => /trial 0 started/.test(run.stdout()), 40_000, 20);
    run.child.kill(signal);
    const { code } = await run.exit;
    expect(code, run.stderr()).toBe(exitCode);
    expect(run.stdout()).toMatch(new RegExp(`${signal}: stopping`));
    expect(run.stdout()).toMatch(/sweep stopped: 0\/3 finished/);
    expect(run.stdout()).toContain(`resume with: sweepdeck sweep run ${slow} --output-dir ${out}`);
    const studyPath = path.join(out, 'tiny/study.db');
    const t = readTrials(studyPath, 'hpo_tiny');
    expect(t.map((x) => [x.number, x.state])).toEqual([[0, 'FAIL'], [1, 'WAITING']]);

    // Resume with fast trials (same space, so the re-offered params apply).
    const fast = writeConfig(dir, { ...base, sampling: { algorithm: 'random', max_trials: 3, max_concurrent_trials: 1, seed: 1 }, trial: { ...base.trial, env: { OBJ_STEPS: '1', OBJ_SLEEP_MS: '1' } } });
    const r = await runCli(['sweep', 'run', fast, '--output-dir', out], {}, dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/resuming: 0\/3 finished/);
    expect(r.stdout).toMatch(/trial 1 started \(re-offered params\)/);
    const after = readTrials(studyPath, 'hpo_tiny');
    expect(finished(after)).toHaveLength(3);
    expect(after.find((x) => x.number === 1)!.params).toEqual(t[0]!.params);
  }, 90_000);
});
