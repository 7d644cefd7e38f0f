// `sweepdeck sweep run` on a study whose search space differs from the config's: the difference is
// printed and the run refused (exit 2, the study byte-for-byte untouched) unless
// --accept-space-change is given; a change of a param's kind is refused even then.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../electron/cli/main.ts';
import type { HpoConfigInput } from '../../shared/config.ts';
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

  it('the usage text documents the flag', async () => {
    const r = await runCli(['sweep', 'run', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--accept-space-change\s+resume a study whose search space differs/);
  });
});
