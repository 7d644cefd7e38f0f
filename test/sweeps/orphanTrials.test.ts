// Trials die with their runner (issue 10, item 6): a trial that would sleep 25 s, and the child it
// started, end soon after `sweep run` is SIGKILLed 4 s in, instead of running on beside the next
// run's trial (two at once with max_concurrent_trials 1, the orphan's work wasted). The resumed run
// then finishes the sweep one trial at a time.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { until } from '../support/until.ts';
import { finished, processRunning, readTrials, startCli, tmpDir } from './support.ts';

// Writes "<its pid> <its child's pid>" to pids.txt in its trial dir, then sleeps SLEEP_MS (the child
// sleeps too: it is what a wrapper script's trainer would be).
const TRIAL = `
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', process.env.SWEEPDECK_TRIAL_DIR], { stdio: 'ignore' });
writeFileSync(process.env.SWEEPDECK_TRIAL_DIR + '/pids.txt', process.pid + ' ' + child.pid);
const x = JSON.parse(process.env.SWEEPDECK_PARAMS).x;
await new Promise((r) => setTimeout(r, Number(process.env.SLEEP_MS)));
console.log('score=' + x);
child.kill();
`;

const config = (sleepMs: number): string => `
experiment_name: orphans
backbone: tiny
search_space:
  x: {type: uniform, min: 0.0, max: 1.0}
sampling: {algorithm: random, max_trials: 2, max_concurrent_trials: 1, seed: 9}
objective: {metric: score, goal: maximize}
trial:
  command: ["node", "trial.mjs", "{trial_dir}"]
  env: {SLEEP_MS: "${sleepMs}"}
checkpoint: {enabled: true, storage_path: "{backbone}/study.db", auto_resume: true}
`;

/** [pid, trial dir] of each trial and of its child (both name the trial dir in their argv). */
function trialPids(out: string): Array<[number, string]> {
  const root = path.join(out, 'tiny');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((d) => d.startsWith('trial_') && existsSync(path.join(root, d, 'pids.txt')))
    .flatMap((d) => readFileSync(path.join(root, d, 'pids.txt'), 'utf8').trim().split(' ').map((p): [number, string] => [Number(p), path.join(root, d)]));
}
const alive = ([pid, dir]: [number, string]): boolean => processRunning(pid, dir);

describe('trial processes and a killed runner', () => {
  it.skipIf(process.platform === 'win32')('a SIGKILLed runner takes its trial and the trial\'s children with it; the resumed run keeps one trial at a time', async () => {
    const dir = tmpDir('orphans');
    const out = path.join(dir, 'out');
    writeFileSync(path.join(dir, 'trial.mjs'), TRIAL);
    writeFileSync(path.join(dir, 'slow.yaml'), config(25_000));
    const env = { SWEEPDECK_KILL_GRACE_MS: '500' };
    const run = startCli(['sweep', 'run', path.join(dir, 'slow.yaml'), '--output-dir', out, '--no-tracking'], env, dir);
    const [trial, child] = await until('the trial and its child to start', async () => {
      const pids = trialPids(out);
      return pids.length === 2 ? pids : undefined;
    });
    expect(alive(trial!) && alive(child!)).toBe(true);
    // 4 s in, as the issue saw it: the runner dies without a chance to stop anything.
    await until('4 s into the trial', async () => Date.now() - Number(readTrials(path.join(out, 'tiny/study.db'), 'hpo_tiny')[0]!.datetimeStart) >= 4000, 20_000);
    run.child.kill('SIGKILL');
    expect((await run.exit).signal).toBe('SIGKILL');
    // Well before its 25 s are up, the trial and its child are gone.
    await until('the orphaned trial and its child to end', async () => !alive(trial!) && !alive(child!), 10_000);

    // The resume runs the rest one trial at a time: never two trial processes alive together.
    writeFileSync(path.join(dir, 'fast.yaml'), config(300));
    const resumed = startCli(['sweep', 'run', path.join(dir, 'fast.yaml'), '--output-dir', out, '--no-tracking'], { ...env, SWEEPDECK_HEARTBEAT_MS: '200' }, dir);
    let exited = false;
    void resumed.exit.then(() => (exited = true));
    let most = 0;
    while (!exited) {
      const pids = trialPids(out).filter((_, i) => i % 2 === 0); // each trial's own pid
      most = Math.max(most, pids.filter(alive).length);
      await new Promise((r) => setTimeout(r, 25));
    }
    const { code } = await resumed.exit;
    expect(code, resumed.stdout() + resumed.stderr()).toBe(0);
    expect(most).toBe(1);
    expect(finished(readTrials(path.join(out, 'tiny/study.db'), 'hpo_tiny'))).toHaveLength(2);
  }, 90_000);
});
