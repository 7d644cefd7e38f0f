// `sweepdeck sweep run` on bad input: each case gives a clear message and a meaningful exit code,
// and any file involved stays byte-for-byte untouched.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { aliasBomb, damagedStudy, holdExclusiveLock } from '../support/damagedFiles.ts';
import { FIXTURES, requirePeer } from '../support/peers.ts';
import { makeReadOnly, readOnlyUnsupported } from '../support/readOnlyPlace.ts';
import { main } from '../../electron/cli/main.ts';
import { configInput, readTrials, tmpDir, writeConfig } from './support.ts';

/** The CLI in-process (spawning it costs a Node+tsx start per case): exit code and output. */
// Every path passed is absolute, so the working directory does not matter.
async function runCli(args: string[], _env: Record<string, string> = {}, _cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (stdout += `${a.join(' ')}\n`));
  const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (stderr += `${a.join(' ')}\n`));
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    log.mockRestore();
    err.mockRestore();
    out.mockRestore();
  }
}

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const sideFiles = (f: string) => ['-wal', '-shm', '-journal'].filter((x) => existsSync(f + x));

/** Runs a sweep whose checkpoint is the given file; expects exit 2 and the file untouched. */
async function refused(file: string): Promise<string> {
  const dir = path.dirname(file);
  const before = sha(file);
  const cfg = writeConfig(dir, configInput({ checkpoint: { enabled: true, storage_path: file, auto_resume: true } }));
  const r = await runCli(['sweep', 'run', cfg, '--output-dir', path.join(dir, 'out')], {}, dir);
  expect(r.code, r.stdout + r.stderr).toBe(2);
  expect(sha(file)).toBe(before);
  expect(sideFiles(file)).toEqual([]);
  expect(existsSync(path.join(dir, 'out', 'tiny', 'trial_0'))).toBe(false);
  return r.stderr;
}

describe('sweep run on bad input', () => {
  it('a non-Optuna SQLite file as checkpoint', async () => {
    const dir = tmpDir('bad');
    const file = path.join(dir, 'other.db');
    const db = new Database(file);
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES (\'keep me\')');
    db.close();
    const msg = await refused(file);
    expect(msg).toContain(file);
    expect(msg).toMatch(/not an Optuna/i);
  }, 30_000);

  it('a truncated study file and a text file', async () => {
    const dir = tmpDir('bad');
    const trunc = path.join(dir, 'truncated.db');
    copyFileSync(path.join(FIXTURES, 'optuna-3.1.0/study.db'), trunc);
    truncateSync(trunc, 50_000);
    const m1 = await refused(trunc);
    expect(m1).toContain(trunc);

    const text = path.join(dir, 'notes.txt');
    writeFileSync(text, 'this is not a database\n');
    const m2 = await refused(text);
    expect(m2).toContain(text);
    expect(m2).toMatch(/not an SQLite/i);
  }, 60_000);

  it('a study with three damaged pages in the middle: never written, the message says how to recover', async () => {
    const dir = tmpDir('bad');
    const file = damagedStudy(dir);
    const sha256Before = sha(file);
    const msg = await refused(file);
    expect(msg).toContain(file);
    expect(msg).toMatch(/integrity check/);
    expect(msg).toMatch(/restore .*backup/i);
    expect(msg).toContain('.recover');
    expect(msg).not.toMatch(/\n\s+at /);
    // `sweep status` reads it read-only and says the same instead of failing half-way.
    const status = await runCli(['sweep', 'status', file]);
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/fails SQLite's integrity check/);
    expect(sha(file)).toBe(sha256Before);
  }, 30_000);

  it('an existing checkpoint with auto_resume off', async () => {
    const dir = tmpDir('bad');
    const file = path.join(dir, 'study.db');
    copyFileSync(path.join(FIXTURES, 'optuna-3.1.0/study.db'), file);
    const before = sha(file);
    const cfg = writeConfig(dir, configInput({ checkpoint: { enabled: true, storage_path: file, auto_resume: false } }));
    const r = await runCli(['sweep', 'run', cfg], {}, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already exists and checkpoint.auto_resume is false/);
    expect(sha(file)).toBe(before);
  }, 30_000);

  it('a missing trial program ends the sweep with a message naming it (exit 1)', async () => {
    const dir = tmpDir('bad');
    const base = configInput();
    const cfg = writeConfig(dir, { ...base, trial: { command: ['no-such-trainer-sweepdeck', '--x', '{x}'] } });
    const r = await runCli(['sweep', 'run', cfg, '--output-dir', path.join(dir, 'out')], {}, dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/sweep failed: trial.command\[0\] "no-such-trainer-sweepdeck" was not found \(ENOENT/);
    expect(readTrials(path.join(dir, 'out/tiny/study.db'), 'hpo_tiny').map((t) => t.state)).toEqual(['FAIL']);
  }, 30_000);

  it('a trainer that always crashes stops the sweep instead of looping (exit 1)', async () => {
    const dir = tmpDir('bad');
    const base = configInput();
    const cfg = writeConfig(dir, { ...base, sampling: { algorithm: 'random', max_trials: 50, seed: 1 }, trial: { ...base.trial, env: { OBJ_EXIT: '1' } } });
    const r = await runCli(['sweep', 'run', cfg, '--output-dir', path.join(dir, 'out')], {}, dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed the same way 3 times in a row[\s\S]*exited with code 1[\s\S]*simulated broken trainer/);
    expect(readTrials(path.join(dir, 'out/tiny/study.db'), 'hpo_tiny')).toHaveLength(3);
  }, 60_000);

  it('usage and config errors (exit 2)', async () => {
    const dir = tmpDir('bad');
    const missing = await runCli(['sweep', 'run', path.join(dir, 'nope.yaml')], {}, dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.yaml/);
    const cfg = writeConfig(dir, configInput());
    const badN = await runCli(['sweep', 'run', cfg, '--max-trials', 'zero'], {}, dir);
    expect(badN.code).toBe(2);
    expect(badN.stderr).toMatch(/--max-trials "zero" must be a whole number/);
    const noArg = await runCli(['sweep', 'run'], {}, dir);
    expect(noArg.code).toBe(2);
    expect(noArg.stderr).toMatch(/Usage: sweepdeck sweep run CONFIG.yaml/);
  }, 60_000);
});

/** A config whose checkpoint is `file`, written outside its folder (which may be read-only). */
function configFor(file: string, dir = tmpDir('cfg')): { cfg: string; out: string } {
  return { cfg: writeConfig(dir, configInput({ checkpoint: { enabled: true, storage_path: file, auto_resume: true } })), out: path.join(dir, 'out') };
}

describe('sweep run on files it cannot use: a message naming the file, exit 2, no stack trace', () => {
  it('a YAML alias bomb ("billion laughs") in the config', async () => {
    const dir = tmpDir('bad');
    const cfg = path.join(dir, 'bomb.yaml');
    writeFileSync(cfg, aliasBomb());
    const r = await runCli(['sweep', 'run', cfg, '--output-dir', path.join(dir, 'out')]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(cfg);
    expect(r.stderr).toMatch(/alias/);
    expect(r.stderr).not.toMatch(/ReferenceError|\n\s+at /);
  }, 30_000);

  it('a study held by another process\'s exclusive lock', async () => {
    const dir = tmpDir('bad');
    const file = path.join(dir, 'study.db');
    copyFileSync(path.join(FIXTURES, 'optuna-3.1.0/study.db'), file);
    const before = sha(file);
    const lock = await holdExclusiveLock(file);
    try {
      const { cfg, out } = configFor(file);
      const r = await runCli(['sweep', 'run', cfg, '--output-dir', out]);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(/locked by another process/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await lock.release();
    }
    expect(sha(file)).toBe(before);
  }, 60_000);

  const roUnsupported = readOnlyUnsupported();
  describe.runIf(requirePeer('a read-only location', roUnsupported === null, roUnsupported ?? ''))('read-only places', () => {
    it('a read-only study file', async () => {
      const dir = tmpDir('bad');
      const file = path.join(dir, 'study.db');
      copyFileSync(path.join(FIXTURES, 'optuna-3.1.0/study.db'), file);
      const before = sha(file);
      const ro = makeReadOnly(file);
      try {
        const { cfg, out } = configFor(file);
        const r = await runCli(['sweep', 'run', cfg, '--output-dir', out]);
        expect(r.code, r.stdout + r.stderr).toBe(2);
        expect(r.stderr).toContain(file);
        expect(r.stderr).toMatch(/read-only/);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      } finally {
        ro.release();
      }
      expect(sha(file)).toBe(before);
      expect(sideFiles(file)).toEqual([]);
    }, 30_000);

    it('a study in a read-only folder, and a new study there', async () => {
      const dir = tmpDir('bad');
      const folder = path.join(dir, 'ro');
      mkdirSync(folder);
      const file = path.join(folder, 'study.db');
      copyFileSync(path.join(FIXTURES, 'optuna-3.1.0/study.db'), file);
      const before = sha(file);
      const ro = makeReadOnly(folder);
      try {
        for (const target of [file, path.join(folder, 'new-study.db')]) {
          const { cfg, out } = configFor(target);
          const r = await runCli(['sweep', 'run', cfg, '--output-dir', out]);
          expect(r.code, r.stdout + r.stderr).toBe(2);
          expect(r.stderr).toContain(folder);
          expect(r.stderr).toMatch(/read-only|cannot be written/);
          expect(r.stderr).not.toMatch(/\n\s+at /);
        }
      } finally {
        ro.release();
      }
      expect(sha(file)).toBe(before);
      expect(readdirSync(folder)).toEqual(['study.db']);
    }, 30_000);
  });
});
