// `sweepdeck sweep run` on a study whose search space differs from the config's: the difference is
// printed and the run refused (exit 2, the study byte-for-byte untouched) unless
// --accept-space-change is given; a change of a param's kind is refused even then.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../electron/cli/main.ts';
import { openPostgresStudyStorage } from '../../electron/core/studies/optunaPostgresStorage.ts';
import type { HpoConfigInput } from '../../shared/config.ts';
import { hasPostgres, startPostgres, type PgServer } from '../support/postgresPeer.ts';
import { configInput, readTrials, tmpDir, writeConfig } from './support.ts';

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (stdout += `${a.join(' ')}\n`));
  const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (stderr += `${a.join(' ')}\n`));
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    log.mockRestore();
    err.mockRestore();
    out.mockRestore();
  }
}

const sha = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex');
const sideFiles = (f: string): string[] => ['-wal', '-shm', '-journal'].filter((x) => existsSync(f + x));

const first = (over: Partial<HpoConfigInput> = {}): HpoConfigInput =>
  configInput({
    search_space: {
      x: { type: 'uniform', min: 0, max: 1 },
      y: { type: 'int', min: 0, max: 5 },
      c: { type: 'choice', values: ['a', 'b'] },
      weight_decay: { type: 'uniform', min: 0, max: 0.1 },
    },
    sampling: { algorithm: 'random', max_trials: 2, max_concurrent_trials: 1, seed: 7 },
    ...over,
  });

describe('sweep run on a study with another search space', () => {
  it('refuses a changed space without --accept-space-change, always refuses a kind change, and resumes on purpose', async () => {
    const dir = tmpDir('space');
    const out = path.join(dir, 'out');
    const study = path.join(out, 'tiny', 'study.db');
    const made = await runCli(['sweep', 'run', writeConfig(dir, first()), '--output-dir', out, '--no-tracking']);
    expect(made.code, made.stdout + made.stderr).toBe(0);
    const before = sha(study);

    // weight_decay dropped, x widened: shown, refused, nothing written.
    const widened = writeConfig(dir, first({
      search_space: { x: { type: 'uniform', min: 0, max: 2 }, y: { type: 'int', min: 0, max: 5 }, c: { type: 'choice', values: ['a', 'b'] } },
      sampling: { algorithm: 'random', max_trials: 4, max_concurrent_trials: 1, seed: 7 },
    }), 'widened.yaml');
    const refused = await runCli(['sweep', 'run', widened, '--output-dir', out, '--no-tracking']);
    expect(refused.code, refused.stdout + refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`the search_space of ${widened} differs from study 'hpo_tiny' in ${study}`);
    expect(refused.stderr).toContain('  - x: range 0..1 → 0..2\n');
    expect(refused.stderr).toContain("  - weight_decay: removed — trials keep their values; new trials won't sample it\n");
    expect(refused.stderr).toContain('run again with --accept-space-change');
    expect(sha(study)).toBe(before);
    expect(sideFiles(study)).toEqual([]);

    // y becomes a float: refused even with the flag, naming the param, both kinds and what to do.
    const kind = writeConfig(dir, first({
      search_space: { x: { type: 'uniform', min: 0, max: 1 }, y: { type: 'uniform', min: 0, max: 5 }, c: { type: 'choice', values: ['a', 'b'] }, weight_decay: { type: 'uniform', min: 0, max: 0.1 } },
    }), 'kind.yaml');
    for (const extra of [[], ['--accept-space-change']]) {
      const r = await runCli(['sweep', 'run', kind, '--output-dir', out, '--no-tracking', ...extra]);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain("y: the study holds it as int, the config makes it float (uniform / loguniform) — Optuna cannot change a param's kind within a study; keep it int in search_space, or set a new study_name");
      expect(r.stderr).toContain('--accept-space-change does not apply');
      expect(sha(study)).toBe(before);
      expect(sideFiles(study)).toEqual([]);
    }

    // On purpose: the difference is printed and the sweep resumes with the new space.
    const accepted = await runCli(['sweep', 'run', widened, '--output-dir', out, '--no-tracking', '--accept-space-change']);
    expect(accepted.code, accepted.stdout + accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain(`search space changed from study 'hpo_tiny' in ${study} (accepted with --accept-space-change):\n  - x: range 0..1 → 0..2\n`);
    const trials = readTrials(study, 'hpo_tiny');
    expect(trials.map((t) => Object.keys(t.params).sort().join(','))).toEqual(['c,weight_decay,x,y', 'c,weight_decay,x,y', 'c,x,y', 'c,x,y']);
    expect(trials.map((t) => t.distributions.x)).toEqual([
      { kind: 'float', low: 0, high: 1, step: null, log: false },
      { kind: 'float', low: 0, high: 1, step: null, log: false },
      { kind: 'float', low: 0, high: 2, step: null, log: false },
      { kind: 'float', low: 0, high: 2, step: null, log: false },
    ]);

    // Once resumed with it, the same config is no longer a difference: no flag needed.
    const again = await runCli(['sweep', 'run', widened, '--output-dir', out, '--no-tracking', '--max-trials', '5']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).not.toContain('search space changed');
  }, 60_000);

  it('a new study, and a study with the same space, run with no question', async () => {
    const dir = tmpDir('space');
    const out = path.join(dir, 'out');
    const cfg = writeConfig(dir, first());
    const r1 = await runCli(['sweep', 'run', cfg, '--output-dir', out, '--no-tracking', '--max-trials', '1']);
    expect(r1.code, r1.stdout + r1.stderr).toBe(0);
    const r2 = await runCli(['sweep', 'run', cfg, '--output-dir', out, '--no-tracking']);
    expect(r2.code, r2.stdout + r2.stderr).toBe(0);
    expect(r2.stdout + r2.stderr).not.toMatch(/search space|search_space/);
  }, 60_000);

  it('checks the study --storage names, not the config\'s checkpoint', async () => {
    const dir = tmpDir('space');
    const out = path.join(dir, 'out');
    const elsewhere = path.join(dir, 'elsewhere.db');
    const made = await runCli(['sweep', 'run', writeConfig(dir, first()), '--storage', elsewhere, '--output-dir', out, '--no-tracking']);
    expect(made.code, made.stdout + made.stderr).toBe(0);
    const before = sha(elsewhere);
    const dropped = writeConfig(dir, first({
      search_space: { x: { type: 'uniform', min: 0, max: 1 }, y: { type: 'int', min: 0, max: 5 }, c: { type: 'choice', values: ['a', 'b'] } },
      sampling: { algorithm: 'random', max_trials: 4, max_concurrent_trials: 1, seed: 7 },
    }), 'dropped.yaml');
    // The config's own checkpoint (out/tiny/study.db) does not exist: the study checked is --storage's.
    const refused = await runCli(['sweep', 'run', dropped, '--storage', elsewhere, '--output-dir', out, '--no-tracking']);
    expect(refused.code, refused.stdout + refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`the search_space of ${dropped} differs from study 'hpo_tiny' in ${elsewhere}`);
    expect(refused.stderr).toContain('  - weight_decay: removed');
    expect(sha(elsewhere)).toBe(before);
    expect(sideFiles(elsewhere)).toEqual([]);
    expect(existsSync(path.join(out, 'tiny', 'study.db'))).toBe(false);
  }, 60_000);

  it('the usage text documents the flag', async () => {
    const r = await runCli(['sweep', 'run', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--accept-space-change\s+resume a study whose search space differs/);
  });
});

describe.runIf(hasPostgres())('sweep run on a study URL with another search space', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(() => pg?.stop());

  it('shows the difference and refuses, leaving the study as it was; resumes with the flag', async () => {
    const dir = tmpDir('space-url');
    const out = path.join(dir, 'out');
    const url = pg.createDatabase('space');
    const made = await runCli(['sweep', 'run', writeConfig(dir, first()), '--storage', url, '--output-dir', out, '--no-tracking']);
    expect(made.code, made.stdout + made.stderr).toBe(0);
    const widened = writeConfig(dir, first({
      search_space: { x: { type: 'uniform', min: 0, max: 2 }, y: { type: 'int', min: 0, max: 5 }, c: { type: 'choice', values: ['a', 'b'] }, weight_decay: { type: 'uniform', min: 0, max: 0.1 } },
      sampling: { algorithm: 'random', max_trials: 3, max_concurrent_trials: 1, seed: 7 },
    }), 'widened.yaml');
    const refused = await runCli(['sweep', 'run', widened, '--storage', url, '--output-dir', out, '--no-tracking']);
    expect(refused.code, refused.stdout + refused.stderr).toBe(2);
    expect(refused.stderr).toContain(`the search_space of ${widened} differs from study 'hpo_tiny' in postgresql://`);
    expect(refused.stderr).toContain('  - x: range 0..1 → 0..2\n');
    expect(refused.stdout + refused.stderr).not.toContain(pg.password);
    const trialsIn = async (): Promise<number> => {
      const s = await openPostgresStudyStorage(url, { readonly: true, poolSize: 1 });
      try {
        const study = await s.getStudy('hpo_tiny');
        return study ? (await s.getTrials(study.studyId)).length : -1;
      } finally {
        await s.close();
      }
    };
    expect(await trialsIn()).toBe(2);
    // A worker given the same config is held to the same rule.
    const worker = await runCli(['sweep', 'worker', widened, '--storage', url, '--output-dir', out, '--no-tracking']);
    expect(worker.code, worker.stdout + worker.stderr).toBe(2);
    expect(worker.stderr).toContain(`the search_space of ${widened} differs from study 'hpo_tiny' in postgresql://`);
    expect(await trialsIn()).toBe(2);
    const accepted = await runCli(['sweep', 'run', widened, '--storage', url, '--output-dir', out, '--no-tracking', '--accept-space-change']);
    expect(accepted.code, accepted.stdout + accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain('(accepted with --accept-space-change):\n  - x: range 0..1 → 0..2\n');
    expect(await trialsIn()).toBe(3);
  }, 120_000);
});
