// Two `sweepdeck sweep run` processes on one study at once: trial slots are claimed atomically, so
// numbers stay unique, the total is exactly max_trials, and neither hits SQLITE_BUSY.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/peers.ts';
import { configInput, finished, readTrials, startCli, tmpDir, writeConfig } from './support.ts';

const startedNumbers = (stdout: string): number[] => [...stdout.matchAll(/^trial (\d+) started/gm)].map((m) => Number(m[1]));

describe('two runners on one study', () => {
  it('share the budget exactly', async () => {
    const dir = tmpDir('two');
    const maxTrials = 16;
    const base = configInput();
    const cfg = writeConfig(dir, {
      ...base,
      sampling: { algorithm: 'tpe', max_trials: maxTrials, max_concurrent_trials: 2, seed: 1 },
      trial: { ...base.trial, env: { OBJ_STEPS: '2', OBJ_SLEEP_MS: '30', OBJ_FAIL_MOD: '7:2' } },
    });
    const out = path.join(dir, 'out');
    const env = { SWEEPDECK_HEARTBEAT_MS: '250' };
    const a = startCli(['sweep', 'run', cfg, '--output-dir', out], env, dir);
    const b = startCli(['sweep', 'run', cfg, '--output-dir', out], env, dir);
    const [ea, eb] = await Promise.all([a.exit, b.exit]);
    for (const r of [a, b]) expect(r.stderr()).not.toMatch(/SQLITE_BUSY|database is locked/i);
    expect(ea.code, a.stderr()).toBe(0);
    expect(eb.code, b.stderr()).toBe(0);

    const trials = readTrials(path.join(out, 'tiny/study.db'), 'hpo_tiny');
    const numbers = trials.map((t) => t.number).sort((x, y) => x - y);
    expect(numbers).toEqual(numbers.map((_, i) => i));
    expect(finished(trials)).toHaveLength(maxTrials);
    expect(trials.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toEqual([]);
    // Both runners did part of the work, and no trial was run by both.
    const na = startedNumbers(a.stdout());
    const nb = startedNumbers(b.stdout());
    expect(na.length).toBeGreaterThan(0);
    expect(nb.length).toBeGreaterThan(0);
    expect(na.filter((n) => nb.includes(n))).toEqual([]);
    expect([...na, ...nb].sort((x, y) => x - y)).toEqual(numbers);
  }, 120_000);

  it('claims are atomic: three processes racing for 150 slots get exactly 150 between them', async () => {
    const dir = tmpDir('race');
    const file = path.join(dir, 'race.db');
    const barrier = path.join(dir, 'barrier');
    (await import('node:fs')).mkdirSync(barrier);
    const script = path.join(REPO_ROOT, 'test/sweeps/fixtures/claimLoop.ts');
    const one = (seed: number) =>
      new Promise<number>((resolve, reject) => {
        let out = '';
        let err = '';
        const c = spawn(process.execPath, ['--import', 'tsx', script, file, '150', String(seed), barrier, '3'], { cwd: REPO_ROOT });
        c.stdout.on('data', (d: Buffer) => (out += d));
        c.stderr.on('data', (d: Buffer) => (err += d));
        c.on('close', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`claimLoop exited ${code}: ${err}`))));
      });
    const counts = await Promise.all([one(1), one(2), one(3)]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(150);
    const trials = readTrials(file, 'race');
    expect(trials.filter((t) => t.state === 'COMPLETE')).toHaveLength(150);
    expect(new Set(trials.map((t) => t.number)).size).toBe(trials.length);
  }, 120_000);
});
