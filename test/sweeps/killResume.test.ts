// `sweepdeck sweep run` SIGKILLed at seeded random moments and resumed each time: no finished trial
// is lost or changed, no number repeats, trials left RUNNING by a killed runner become FAIL and their
// params run again, and the study ends with exactly the budget of its last run finished. The budget
// is large while killing and set after the tenth kill, so the number of kills never depends on how
// fast the machine runs trials.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { Rng } from '../../electron/core/search/rng.ts';
import type { FrozenTrial } from '../../electron/core/search/types.ts';
import { configInput, finished, readTrials, startCli, tmpDir, writeConfig } from './support.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const key = (t: FrozenTrial) => JSON.stringify([t.number, t.state, t.value, t.params, t.intermediateValues]);

describe('kill and resume', () => {
  it('survives 10+ SIGKILLs at random moments', async () => {
    const rng = new Rng(20261126);
    const dir = tmpDir('kill');
    const base = configInput();
    const cfg = writeConfig(dir, {
      ...base,
      sampling: { algorithm: 'tpe', max_trials: 100_000, max_concurrent_trials: 2, seed: 3 },
      trial: { ...base.trial, env: { OBJ_STEPS: '2', OBJ_SLEEP_MS: '40', OBJ_FAIL_MOD: '9:4' } },
    });
    const out = path.join(dir, 'out');
    const studyPath = path.join(out, 'tiny/study.db');
    const env = { SWEEPDECK_HEARTBEAT_MS: '100', SWEEPDECK_KILL_GRACE_MS: '200' };
    const args = ['sweep', 'run', cfg, '--output-dir', out];

    const everFinished = new Map<number, string>();
    const leftRunning = new Set<number>();
    let kills = 0;
    let completed = false;
    let maxTrials = 0;
    for (let round = 0; round < 40 && !completed; round++) {
      if (kills >= 10) {
        // The last run: a few more trials than are finished now, run to the end.
        maxTrials = finished(readTrials(studyPath, 'hpo_tiny')).length + 5;
        const run = startCli([...args, '--max-trials', String(maxTrials)], env, dir);
        const { code } = await run.exit;
        expect(code, run.stderr()).toBe(0);
        completed = true;
        break;
      }
      const run = startCli(args, env, dir);
      // Kill at a random moment after the study is open (the header line), while trials run.
      let exited = false;
      void run.exit.then(() => (exited = true));
      while (!exited && !run.stdout().includes('sweepdeck: study')) await sleep(10);
      if (exited) {
        const { code } = await run.exit;
        throw new Error(`sweep run ended by itself (exit ${code}) before it could be killed:\n${run.stderr()}`);
      }
      await sleep(rng.random() * 700);
      const before = readTrials(studyPath, 'hpo_tiny');
      run.child.kill('SIGKILL');
      const { signal, code } = await run.exit;
      if (signal !== 'SIGKILL') throw new Error(`sweep run ended by itself (exit ${code}) before the kill:\n${run.stderr()}`);
      kills++;
      const after = readTrials(studyPath, 'hpo_tiny');
      const afterByNum = new Map(after.map((t) => [t.number, t]));
      // Nothing finished before the kill is lost or changed.
      for (const t of before.filter((x) => x.state !== 'RUNNING' && x.state !== 'WAITING')) {
        expect(key(afterByNum.get(t.number)!)).toBe(key(t));
      }
      for (const t of after) {
        if (t.state === 'RUNNING') leftRunning.add(t.number);
        else if (t.state !== 'WAITING') {
          const prev = everFinished.get(t.number);
          if (prev !== undefined) expect(key(t)).toBe(prev);
          everFinished.set(t.number, key(t));
        }
      }
    }
    expect(kills).toBeGreaterThanOrEqual(10);
    expect(completed).toBe(true);

    const trials = readTrials(studyPath, 'hpo_tiny');
    const numbers = trials.map((t) => t.number).sort((a, b) => a - b);
    expect(numbers).toEqual(numbers.map((_, i) => i)); // unique, 0..n-1
    expect(finished(trials)).toHaveLength(maxTrials);
    expect(trials.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toEqual([]);
    for (const [num, k] of everFinished) expect(key(trials.find((t) => t.number === num)!)).toBe(k);
    // Trials a killed runner left RUNNING are FAIL now, and their params were run again.
    expect(leftRunning.size).toBeGreaterThan(0);
    for (const num of leftRunning) {
      const t = trials.find((x) => x.number === num)!;
      expect(t.state).toBe('FAIL');
      const retry = trials.find((x) => x.systemAttrs.failed_trial === num);
      expect(retry, `trial ${num} was re-offered`).toBeDefined();
      for (const [name, v] of Object.entries(t.params)) expect(retry!.params[name]).toBe(v);
    }
  }, 180_000);
});
