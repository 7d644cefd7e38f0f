// A writer killed in the middle of a transaction: committed trials survive, the unfinished
// transaction is rolled back by the next read-write open, and a read-only open (sweep status, the
// app's viewer) either reads the committed state or says what to do, never changing the file.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { StudyError } from '../../electron/core/studies/types.ts';
import { REPO_ROOT } from '../support/peers.ts';
import { sha256, tempDir } from './support/optunaDump.ts';

const WRITER = path.join(REPO_ROOT, 'test', 'studies', 'support', 'crashWriter.ts');

function crash(mode: 'runner' | 'plain' | 'flush-later'): string {
  const db = path.join(tempDir(`crash-${mode}`), 'study.db');
  const r = spawnSync(process.execPath, ['--import', 'tsx', WRITER, db, mode], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(r.signal, r.stderr).toBe('SIGKILL');
  expect(r.stdout).toContain('dying');
  return db;
}

const committed = (db: string, opts: { readonly?: boolean; runner?: boolean }): unknown => {
  const s = openStudyStorage(db, opts);
  try {
    return s.listStudies().map((x) => [x.name, x.counts.COMPLETE, x.counts.FAIL]);
  } finally {
    s.close();
  }
};

describe('a writer killed mid-transaction', () => {
  it('rollback-journal mode: read-only open says NEEDS_RECOVERY and changes nothing; a read-write open recovers every committed trial', () => {
    const db = crash('plain');
    expect(fs.existsSync(`${db}-journal`)).toBe(true);
    const hash = sha256(db);
    let err: unknown;
    try {
      openStudyStorage(db, { readonly: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StudyError);
    expect((err as StudyError).code).toBe('NEEDS_RECOVERY');
    expect((err as StudyError).message).toMatch(/Open it for writing once/);
    expect(sha256(db)).toBe(hash);
    expect(fs.existsSync(`${db}-journal`)).toBe(true);
    expect(committed(db, { runner: true })).toEqual([['s', 40, 0]]);
    expect(fs.readdirSync(path.dirname(db))).toEqual(['study.db']);
    expect(committed(db, { readonly: true })).toEqual([['s', 40, 0]]);
  });

  it('runner finishing trials with finishTrialFlushLater, killed before their fsyncs report back: every finished trial is there', () => {
    const db = crash('flush-later');
    expect(committed(db, { readonly: true })).toEqual([['s', 40, 0]]);
    expect(committed(db, { runner: true })).toEqual([['s', 40, 0]]);
    expect(fs.readdirSync(path.dirname(db))).toEqual(['study.db']);
  });

  it('runner (WAL) mode: committed trials are all there for readers and for the next runner, which leaves rollback-journal mode', () => {
    const db = crash('runner');
    expect(committed(db, { readonly: true })).toEqual([['s', 40, 0]]);
    expect(committed(db, { runner: true })).toEqual([['s', 40, 0]]);
    expect(fs.readdirSync(path.dirname(db))).toEqual(['study.db']);
  });
});
