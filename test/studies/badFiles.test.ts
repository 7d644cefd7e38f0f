// Files that are not Optuna studies, or are damaged: a clear StudyError naming the file and what
// was expected, in every open mode, and the file byte-for-byte as it was (no side files either).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStudyStorage, type OpenStudyStorageOptions } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { StudyError, type StudyErrorCode } from '../../electron/core/studies/types.ts';
import { FIXTURES } from '../support/peers.ts';
import { sha256, tempDir } from './support/optunaDump.ts';

const STUDY = path.join(FIXTURES, 'optuna-3.1.0', 'study.db');
const MODES: OpenStudyStorageOptions[] = [{}, { runner: true }, { readonly: true }, { create: true }, { create: true, runner: true }];

function expectRefused(file: string, code: StudyErrorCode, says: RegExp): void {
  const dir = path.dirname(file);
  const before = sha256(file);
  const listing = fs.readdirSync(dir).sort();
  for (const opts of MODES) {
    let err: unknown;
    try {
      openStudyStorage(file, opts).close();
    } catch (e) {
      err = e;
    }
    expect(err, JSON.stringify(opts)).toBeInstanceOf(StudyError);
    expect((err as StudyError).code, (err as Error).message).toBe(code);
    expect((err as StudyError).message).toContain(file);
    expect((err as StudyError).message).toMatch(says);
    expect((err as StudyError).message).toMatch(/not changed/);
  }
  expect(sha256(file)).toBe(before);
  expect(fs.readdirSync(dir).sort()).toEqual(listing);
}

function fileWith(name: string, bytes: Buffer): string {
  const f = path.join(tempDir('bad'), name);
  fs.writeFileSync(f, bytes);
  return f;
}

describe('bad study files', () => {
  it('an empty file', () => {
    expectRefused(fileWith('study.db', Buffer.alloc(0)), 'NOT_SQLITE', /empty \(0 bytes\).*expected an Optuna study file/);
  });

  it('random bytes', () => {
    const bytes = Buffer.alloc(8192);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    expectRefused(fileWith('study.db', bytes), 'NOT_SQLITE', /not an SQLite database \(it starts with the bytes [0-9a-f]{32}, 8192 bytes\)/);
  });

  it('a text file', () => {
    expectRefused(fileWith('study.db', Buffer.from('learning_rate: 0.001\nbatch_size: 16\n')), 'NOT_SQLITE', /starts with the text "learning_rate: 0"/);
  });

  it('a real study truncated at several lengths (inside the header, mid-page, at a page boundary)', () => {
    const full = fs.readFileSync(STUDY);
    const pageSize = full.readUInt16BE(16);
    for (const n of [60, 1000, pageSize * 2, full.length - pageSize]) {
      expect(n).toBeLessThan(full.length);
      expectRefused(fileWith('study.db', full.subarray(0, n)), 'NOT_SQLITE', /truncated SQLite database/);
    }
  });

  it('an MLflow tracking database (SQLite, not Optuna)', () => {
    const f = path.join(tempDir('mlflow'), 'mlflow.db');
    fs.copyFileSync(path.join(FIXTURES, 'mlflow-2.12.2', 'mlflow.db'), f);
    expectRefused(f, 'NOT_OPTUNA', /this is an MLflow tracking database, not an Optuna study file \(expected Optuna's tables studies, /);
  });

  it('some other SQLite database, an empty one, and one with only part of Optuna\'s tables', () => {
    const other = path.join(tempDir('other'), 'app.db');
    const d = new Database(other);
    d.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES (\'hi\')');
    d.close();
    expectRefused(other, 'NOT_OPTUNA', /SQLite database with tables notes, not an Optuna study file/);

    const empty = path.join(tempDir('empty'), 'empty.db');
    const e = new Database(empty);
    e.pragma('user_version = 7'); // writes the header so the file is a real, table-less database
    e.close();
    expectRefused(empty, 'NOT_OPTUNA', /SQLite database with no tables/);

    const part = path.join(tempDir('part'), 'study.db');
    const p = new Database(part);
    p.exec('CREATE TABLE studies (study_id INTEGER NOT NULL, study_name VARCHAR(512) NOT NULL, PRIMARY KEY (study_id)); CREATE TABLE trials (trial_id INTEGER PRIMARY KEY)');
    p.close();
    expectRefused(part, 'NOT_OPTUNA', /lacks .*trial_values/);
  });

  it('a study file missing a column of the v3.0.0.d layout', () => {
    const f = path.join(tempDir('col'), 'study.db');
    fs.copyFileSync(STUDY, f);
    const d = new Database(f);
    d.exec('ALTER TABLE trial_values DROP COLUMN value_type');
    d.close();
    expectRefused(f, 'NOT_OPTUNA', /trial_values lacks column\(s\) value_type/);
  });

  it('a missing file without create: NOT_FOUND, and nothing is created', () => {
    const dir = tempDir('missing');
    const f = path.join(dir, 'nope.db');
    for (const opts of [{}, { runner: true }, { readonly: true }, { readonly: true, create: true }]) {
      expect(() => openStudyStorage(f, opts)).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: expect.stringContaining(f) }));
    }
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('the intact fixture opens in every mode (the checks above are not refusing everything)', () => {
    for (const opts of MODES) {
      const f = path.join(tempDir('ok'), 'study.db');
      fs.copyFileSync(STUDY, f);
      const s = openStudyStorage(f, opts);
      expect(s.listStudies().map((x) => x.name)).toEqual(['hpo_distilbert']);
      s.close();
      // Opening and reading changes nothing, even read-write; only a runner touches the header
      // (to WAL and back to a rollback journal).
      if (!opts.runner) expect(sha256(f)).toBe(sha256(STUDY));
      expect(fs.readdirSync(path.dirname(f))).toEqual(['study.db']);
    }
  });
});
