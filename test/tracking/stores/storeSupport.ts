// Helpers for the store tests: fixture copies in temp dirs, direct SQL reads that bypass the store,
// and the fixtures' REST transcript.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES } from '../../support/peers.ts';
import { normalizeSql } from '../../../electron/core/tracking/sqliteStore/schema.ts';

export const FIXTURE_DBS = {
  '2.12.2': path.join(FIXTURES, 'mlflow-2.12.2', 'mlflow.db'),
  '2.22': path.join(FIXTURES, 'mlflow-2.22', 'mlflow.db'),
  '3.12': path.join(FIXTURES, 'mlflow-3.12', 'mlflow.db'),
} as const;
export const FIXTURE_MLRUNS = path.join(FIXTURES, 'mlflow-2.12.2', 'mlruns');
export const TRANSCRIPT = path.join(FIXTURES, 'mlflow-2.12.2', 'rest-transcript.jsonl');

export function tempDir(prefix = 'sweepdeck-stores-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Copies a fixture file into a fresh temp dir; fixtures themselves are never opened for writing. */
export function copyFixture(src: string, name = path.basename(src)): string {
  const dest = path.join(tempDir(), name);
  copyFileSync(src, dest);
  return dest;
}

export function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export function rawQuery<T>(file: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** sqlite_master as a sorted list of `type|name|tbl_name|sql` with SQL compared modulo whitespace. */
export function schemaOf(file: string): string[] {
  return rawQuery<{ type: string; name: string; tbl_name: string; sql: string | null }>(file, 'SELECT type, name, tbl_name, sql FROM sqlite_master')
    .map((r) => `${r.type}|${r.name}|${r.tbl_name}|${r.sql === null ? '' : normalizeSql(r.sql)}`)
    .sort();
}

export function alembicVersion(file: string): string[] {
  return rawQuery<{ version_num: string }>(file, 'SELECT version_num FROM alembic_version').map((r) => r.version_num);
}

export interface Exchange {
  method: string;
  path: string;
  query: string;
  request: Record<string, unknown> | null;
  status: number;
  response: Record<string, unknown>;
}

export function transcript(): Exchange[] {
  return readFileSync(TRANSCRIPT, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Exchange);
}

/** A value as it would travel in JSON (drops undefined fields). */
export function wire<T>(v: T): unknown {
  return JSON.parse(JSON.stringify(v));
}
