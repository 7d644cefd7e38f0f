// `sweepdeck sweep status` on the real fixture and on files with several studies, wrong names and
// bad content. The main cases run as users run it (node bin/sweepdeck.js, a separate process); the
// rest call the same CLI entry point in-process, which is much faster here.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../electron/cli/main.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { FIXTURES, hasOptuna, REPO_ROOT, runPython } from '../support/peers.ts';
import { sha256, sqliteRows, tempDir } from './support/optunaDump.ts';

const FIXTURE = path.join(FIXTURES, 'optuna-3.1.0', 'study.db');

function status(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/sweepdeck.js', 'sweep', 'status', ...args], { cwd: REPO_ROOT, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The same CLI entry point, in-process, with its console output captured. */
async function statusInProcess(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const code = await main(['sweep', 'status', ...args]);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

function fixtureCopy(): string {
  const f = path.join(tempDir('status'), 'study.db');
  fs.copyFileSync(FIXTURE, f);
  return f;
}

describe('sweepdeck sweep status', () => {
  it.runIf(hasOptuna())('shows the counts by state and the best trial Python Optuna reports, and leaves the file untouched', async () => {
    const db = fixtureCopy();
    const before = sha256(db);
    const r = status(db, '--json');
    expect(r.code, r.err).toBe(0);
    const got = JSON.parse(r.out) as { study: string; total: number; counts: Record<string, number>; best: { number: number; value: number; params: Record<string, unknown> } };
    // Counts straight from the table, best from Python Optuna itself.
    const counts = Object.fromEntries(sqliteRows(db, 'SELECT state, COUNT(*) FROM trials GROUP BY state') as Array<[string, number]>);
    expect(got.counts).toEqual({ COMPLETE: 0, PRUNED: 0, FAIL: 0, RUNNING: 0, WAITING: 0, ...counts });
    expect(got.total).toBe(sqliteRows(db, 'SELECT COUNT(*) FROM trials')[0]![0]);
    const py = JSON.parse(runPython('import json, sys, optuna\ns = optuna.load_study(study_name=None, storage="sqlite:///" + sys.argv[1])\nb = s.best_trial\nprint(json.dumps({"number": b.number, "value": b.value, "params": b.params}))', [db]));
    expect(got.study).toBe('hpo_distilbert');
    expect(got.best).toEqual(py);

    const text = await statusInProcess(db);
    expect(text.code).toBe(0);
    expect(text.out).toContain('Study hpo_distilbert (maximize)');
    expect(text.out).toContain(`Trials: ${got.total}  COMPLETE ${got.counts.COMPLETE}  PRUNED ${got.counts.PRUNED}  FAIL ${got.counts.FAIL}  RUNNING ${got.counts.RUNNING}  WAITING 0`);
    expect(text.out).toContain(`Best: trial ${py.number}, value ${py.value}`);
    for (const k of Object.keys(py.params)) expect(text.out).toMatch(new RegExp(`^  ${k} `, 'm'));
    expect(sha256(db)).toBe(before);
    expect(fs.readdirSync(path.dirname(db))).toEqual(['study.db']);
  });

  it('lists the studies (name, trial count) and exits non-zero when the name is missing among several, or wrong', async () => {
    const db = path.join(tempDir('multi'), 'study.db');
    const s = openStudyStorage(db, { create: true });
    const a = s.createStudy('hpo_distilbert', ['maximize']).studyId;
    const b = s.createStudy('hpo_bert', ['minimize']).studyId;
    for (let i = 0; i < 3; i++) s.finishTrial(s.createTrial(a).trialId, 'COMPLETE', i);
    s.finishTrial(s.createTrial(b).trialId, 'COMPLETE', -Infinity);
    s.createTrial(b);
    s.close();
    const before = sha256(db);

    const missing = status(db);
    expect(missing.code).not.toBe(0);
    expect(missing.out).toBe('');
    expect(missing.err).toContain('holds 2 studies; choose one with --study NAME');
    expect(missing.err).toMatch(/^ {2}hpo_distilbert {2}3 trials$/m);
    expect(missing.err).toMatch(/^ {2}hpo_bert {8}2 trials$/m);

    const wrong = status(db, '--study', 'hpo_roberta');
    expect(wrong.code).not.toBe(0);
    expect(wrong.err).toContain(`there is no study named 'hpo_roberta' in ${db}`);
    expect(wrong.err).toMatch(/^ {2}hpo_bert {8}2 trials$/m);

    const ok = await statusInProcess(db, '--study', 'hpo_bert', '--json');
    expect(ok.code, ok.err).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ study: 'hpo_bert', total: 2, counts: { COMPLETE: 1, RUNNING: 1 }, best: { number: 0, value: '-Infinity', params: {} } });
    expect(sha256(db)).toBe(before);
  });

  it('bad files get the storage\'s clear message and stay byte-for-byte the same; usage errors exit 2', async () => {
    const dir = tempDir('badstatus');
    const text = path.join(dir, 'notes.db');
    fs.writeFileSync(text, 'not a database\n');
    const truncated = path.join(dir, 'study.db');
    fs.writeFileSync(truncated, fs.readFileSync(FIXTURE).subarray(0, 3000));
    for (const [f, says] of [
      [text, /not an SQLite database \(it starts with the text "not a database/],
      [truncated, /truncated SQLite database/],
      [path.join(dir, 'absent.db'), /no such study file/],
    ] as const) {
      const before = fs.existsSync(f) ? sha256(f) : null;
      const r = f === text ? status(f) : await statusInProcess(f);
      expect(r.code).toBe(1);
      expect(r.err).toContain(f);
      expect(r.err).toMatch(says);
      expect(fs.existsSync(f) ? sha256(f) : null).toBe(before);
    }
    expect(fs.readdirSync(dir).sort()).toEqual(['notes.db', 'study.db']);
    expect((await statusInProcess()).code).toBe(2);
    const bogus = await statusInProcess(FIXTURE, '--bogus');
    expect(bogus.code).toBe(2);
    expect(bogus.err).toMatch(/--bogus/);
  });

  it('works while a runner holds the file in WAL mode', async () => {
    const db = fixtureCopy();
    const runner = openStudyStorage(db, { runner: true });
    const st = runner.getStudy('hpo_distilbert')!;
    runner.createTrial(st.studyId);
    const r = await statusInProcess(db, '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).counts.RUNNING).toBe(2);
    runner.close();
    expect(sqliteRows(db, 'PRAGMA journal_mode')).toEqual([['delete']]);
  });
});
