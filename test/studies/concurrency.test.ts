// Two processes writing one study at once: unique consecutive numbers, the exact total, no
// SQLITE_BUSY; WAL while a runner has the file open, rollback journal once the last one closes.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStudyStorage, type OptunaSqliteStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { REPO_ROOT } from '../support/peers.ts';
import { sqliteRows, tempDir } from './support/optunaDump.ts';

const WORKER = path.join(REPO_ROOT, 'test', 'studies', 'support', 'trialWorker.ts');

function runWorker(db: string, study: string, n: number, go: string, onReady: () => void): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    // A short pause between trials stretches each run so the two overlap even on a busy machine.
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, db, study, String(n), go, '4'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      if (!out.includes('ready') && (out + d.toString()).includes('ready')) onReady();
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

const journalMode = (db: string): unknown => sqliteRows(db, 'PRAGMA journal_mode')[0]?.[0];

describe('concurrent writers and journal mode', () => {
  it('two processes creating trials in one study at once get unique consecutive numbers, the exact total, and no SQLITE_BUSY', async () => {
    const db = path.join(tempDir('two'), 'study.db');
    const s = openStudyStorage(db, { create: true });
    const { studyId } = s.createStudy('shared', ['minimize']);
    s.close();
    const N = 200;
    const go = path.join(path.dirname(db), 'go');
    let ready = 0;
    const start = (): void => {
      if (++ready === 2) fs.writeFileSync(go, '');
    };
    const results = await Promise.all([runWorker(db, 'shared', N, go, start), runWorker(db, 'shared', N, go, start)]);
    fs.rmSync(go);
    for (const r of results) {
      expect(r.err).not.toMatch(/SQLITE_BUSY|database is locked/);
      expect(r.code, r.out + r.err).toBe(0);
    }
    const got = results.map((r) => JSON.parse(r.out.trim().split('\n').at(-1) ?? '{}') as { pid: number; numbers: number[] });
    for (const g of got) expect(g.numbers).toHaveLength(N);
    const all = got.flatMap((g) => g.numbers).sort((a, b) => a - b);
    expect(all).toEqual([...Array(2 * N).keys()]);
    // Both really interleaved: neither got one contiguous block.
    const [a, b] = [got[0]!, got[1]!];
    expect(a.numbers.at(-1)! > b.numbers[0]! && b.numbers.at(-1)! > a.numbers[0]!).toBe(true);

    const r = openStudyStorage(db, { readonly: true });
    const trials = r.getTrials(studyId);
    r.close();
    expect(trials).toHaveLength(2 * N);
    expect(trials.map((t) => t.number)).toEqual([...Array(2 * N).keys()]); // number order = trial_id order
    expect(trials.every((t) => t.state === 'COMPLETE' && t.intermediateValues.length === 1)).toBe(true);
    // The last runner out left the file in rollback-journal mode, with no side files.
    expect(journalMode(db)).toBe('delete');
    expect(fs.readdirSync(path.dirname(db))).toEqual(['study.db']);
  }, 60_000);

  it('WAL while a runner is open, DELETE after close; a runner closing while another is open does not throw, the last one out restores DELETE', () => {
    const db = path.join(tempDir('wal'), 'study.db');
    const plain = openStudyStorage(db, { create: true });
    plain.createStudy('s', ['maximize']);
    plain.close();
    expect(journalMode(db)).toBe('delete');

    const a = openStudyStorage(db, { runner: true }) as OptunaSqliteStorage;
    expect(journalMode(db)).toBe('wal');
    const b = openStudyStorage(db, { runner: true }) as OptunaSqliteStorage;
    const t = b.createTrial(b.getStudy('s')!.studyId);
    b.finishTrial(t.trialId, 'COMPLETE', 1);
    expect(() => a.close()).not.toThrow(); // b still holds the file: stays WAL
    expect(journalMode(db)).toBe('wal');
    expect(b.getTrial(t.trialId).value).toBe(1);
    b.close(); // last one out
    expect(journalMode(db)).toBe('delete');
    expect(fs.readdirSync(path.dirname(db))).toEqual(['study.db']);

    // A non-runner writer that finds a WAL file (a crashed runner's) returns it to DELETE on close.
    const c = openStudyStorage(db, { runner: true }) as OptunaSqliteStorage;
    expect(c.journalMode()).toBe('wal');
    const d = openStudyStorage(db);
    (c as unknown as { db: { close(): void } }).db.close(); // vanish without the restoring close, as a crash would
    expect(journalMode(db)).toBe('wal');
    d.close();
    expect(journalMode(db)).toBe('delete');
  });

  it('a runner that cannot switch to WAL (another process is reading) still works, in rollback-journal mode', () => {
    const db = path.join(tempDir('nowal'), 'study.db');
    const plain = openStudyStorage(db, { create: true });
    const { studyId } = plain.createStudy('s', ['minimize']);
    plain.close();
    const reader = new Database(db, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM trials').get(); // holds a SHARED lock
    const r = openStudyStorage(db, { runner: true, busyTimeoutMs: 200 }) as OptunaSqliteStorage;
    expect(r.journalMode()).toBe('delete');
    reader.exec('COMMIT');
    reader.close();
    const t = r.createTrial(studyId);
    r.finishTrial(t.trialId, 'COMPLETE', 2);
    r.close();
    expect(journalMode(db)).toBe('delete');
    const check = openStudyStorage(db, { readonly: true });
    expect(check.getTrials(studyId).map((x) => [x.number, x.state, x.value])).toEqual([[0, 'COMPLETE', 2]]);
    check.close();
  });
});
