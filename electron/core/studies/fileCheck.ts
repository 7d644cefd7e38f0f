// Validates a file before we open it for writing: is it SQLite, whole, an Optuna study, at a
// revision we know? All checks are reads (the header, then a read-only connection), so a file that
// fails them is left byte-for-byte as it was.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { readRevision, type Revision } from './revisions.ts';
import { REQUIRED_COLUMNS } from './schema.ts';
import { StudyError } from './types.ts';

const MAGIC = 'SQLite format 3\0';

function describeStart(buf: Buffer): string {
  const head = buf.subarray(0, 16);
  const printable = [...head].every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b < 0x7f));
  return printable ? `it starts with the text ${JSON.stringify(head.toString('latin1'))}` : `it starts with the bytes ${head.toString('hex')}`;
}

/** Checks the 100-byte SQLite header and the file length it implies. */
export function checkSqliteHeader(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new StudyError('NOT_FOUND', `${file}: no such file.`);
    throw new StudyError('NOT_SQLITE', `${file}: cannot be read (${code ?? (e as Error).message}).`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const expected = 'expected an Optuna study file (an SQLite database written by Optuna or Sweepdeck)';
    if (size === 0) throw new StudyError('NOT_SQLITE', `${file}: the file is empty (0 bytes); ${expected}. The file was not changed.`);
    const buf = Buffer.alloc(100);
    const n = fs.readSync(fd, buf, 0, 100, 0);
    if (n < 16 || buf.toString('latin1', 0, 16) !== MAGIC) {
      throw new StudyError('NOT_SQLITE', `${file}: not an SQLite database (${describeStart(buf.subarray(0, n))}, ${size} bytes); ${expected}. The file was not changed.`);
    }
    if (n < 100) throw new StudyError('NOT_SQLITE', `${file}: truncated SQLite database (${size} bytes, shorter than the 100-byte header); ${expected}. The file was not changed.`);
    const rawPage = buf.readUInt16BE(16);
    const pageSize = rawPage === 1 ? 65536 : rawPage;
    const changeCounter = buf.readUInt32BE(24);
    const pageCount = buf.readUInt32BE(28);
    const validFor = buf.readUInt32BE(92);
    const headerCountValid = changeCounter === validFor && pageCount > 0;
    if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) {
      throw new StudyError('NOT_SQLITE', `${file}: corrupt SQLite header (page size ${rawPage}); ${expected}. The file was not changed.`);
    }
    if (size % pageSize !== 0 || (headerCountValid && size < pageCount * pageSize)) {
      const want = headerCountValid ? `${pageCount * pageSize} bytes (${pageCount} pages of ${pageSize})` : `a multiple of the ${pageSize}-byte page size`;
      throw new StudyError('NOT_SQLITE', `${file}: truncated SQLite database: ${size} bytes, its header says ${want}; ${expected}. The file was not changed.`);
    }
  } finally {
    fs.closeSync(fd);
  }
}

function sqliteCode(e: unknown): string {
  return typeof (e as { code?: unknown }).code === 'string' ? String((e as { code: string }).code) : '';
}

/** Turns SQLite's "this is not a database / it is corrupt" errors into StudyError('NOT_SQLITE'), and
 * "a read-only connection cannot roll back a crashed writer's journal" into NEEDS_RECOVERY. */
export function asStudyError(file: string, e: unknown): unknown {
  const code = sqliteCode(e);
  if (code === 'SQLITE_READONLY_ROLLBACK' || code === 'SQLITE_READONLY_RECOVERY') {
    return new StudyError(
      'NEEDS_RECOVERY',
      `${file}: a process writing this study stopped in the middle of a transaction (its journal is still beside the file). ` +
        'Reading it needs SQLite\'s recovery, which rolls that transaction back and so writes to the file; a read-only open cannot. ' +
        'Open it for writing once (for example, resume the sweep) and try again. The file was not changed.',
    );
  }
  if (code.startsWith('SQLITE_CORRUPT')) return corrupt(file, (e as Error).message);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StudyError(
      'LOCKED',
      `${file}: the study file is locked by another process (${(e as Error).message}): a program holding a transaction open on it, ` +
        'such as a sqlite3 shell or a Python script, or a copy of the file on a network share that does not support locks. ' +
        'Finish or close that program and try again. The file was not changed.',
    );
  }
  if (code === 'SQLITE_NOTADB') {
    return new StudyError('NOT_SQLITE', `${file}: not a readable SQLite database (${(e as Error).message}); expected an Optuna study file. The file was not changed.`);
  }
  return e;
}

/** What to do with a damaged study: it is never written, so the user restores or recovers it. */
function corrupt(file: string, problems: string): StudyError {
  return new StudyError(
    'CORRUPT',
    `${file}: the study file is damaged: it fails SQLite's integrity check (${problems}). Sweepdeck does not write to a damaged study. ` +
      `Restore it from a backup, or recover what is still readable into a new file: sqlite3 '${file}' .recover > dump.sql && sqlite3 recovered.db < dump.sql ` +
      '(then use recovered.db as checkpoint.storage_path). The file was not changed.',
  );
}

/** Problems SQLite's quick_check reports beyond this many are not listed in the message. */
const LISTED_PROBLEMS = 3;

/** SQLite's quick_check on an open connection (reads every page once; O(file size), without the
 * index cross-check of integrity_check): a file that fails it is refused before its first write. */
export function checkIntegrity(db: Database.Database, file: string): void {
  let rows: Array<{ quick_check: string }>;
  try {
    rows = db.prepare(`PRAGMA quick_check(${LISTED_PROBLEMS})`).all() as Array<{ quick_check: string }>;
  } catch (e) {
    throw asStudyError(file, e);
  }
  const problems = rows.map((r) => r.quick_check);
  if (problems.length === 1 && problems[0] === 'ok') return;
  throw corrupt(file, problems.join('; '));
}

/** Checks tables, revision and columns on an open connection (reads only). */
export function checkOptunaLayout(db: Database.Database, file: string): Revision {
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
  const have = new Set(names);
  const required = Object.keys(REQUIRED_COLUMNS);
  const missing = required.filter((t) => !have.has(t));
  // alembic_version alone proves nothing: MLflow and other alembic-managed apps have it too.
  if (required.every((t) => t === 'alembic_version' || !have.has(t))) {
    const what = have.has('experiments') && have.has('runs') && have.has('metrics')
      ? 'an MLflow tracking database'
      : names.length === 0 ? 'an SQLite database with no tables' : `an SQLite database with tables ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''}`;
    throw new StudyError('NOT_OPTUNA', `${file}: this is ${what}, not an Optuna study file (expected Optuna's tables ${required.join(', ')}). The file was not changed.`);
  }
  if (missing.length > 0) {
    throw new StudyError('NOT_OPTUNA', `${file}: has some of Optuna's tables but lacks ${missing.join(', ')}; it is not a complete Optuna study file. The file was not changed.`);
  }
  const revision = readRevision(db, file);
  for (const [table, cols] of Object.entries(REQUIRED_COLUMNS)) {
    const got = new Set((db.prepare(`PRAGMA table_info("${table}")`).all() as Array<{ name: string }>).map((c) => c.name));
    const lack = cols.filter((c) => !got.has(c));
    if (lack.length > 0) {
      throw new StudyError('NOT_OPTUNA', `${file}: table ${table} lacks column(s) ${lack.join(', ')} that Optuna ${revision} files have; it is not a usable Optuna study file. The file was not changed.`);
    }
  }
  return revision;
}

function accessProblem(p: string): string | null {
  try {
    fs.accessSync(p, fs.constants.W_OK);
    return null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
}

/** Refuses a study that cannot be written before anything is written: the file itself, or its folder,
 * where SQLite creates the journal (rollback) or -wal/-shm files (WAL) every write needs.
 * access(2) reports read-only mounts to root too, where permission bits would not stop a write. */
export function checkWritable(file: string): void {
  const fileProblem = accessProblem(file);
  if (fileProblem) {
    throw new StudyError(
      'READ_ONLY_FILE',
      `${file}: the study file is read-only (${fileProblem}); a sweep writes its trials into it. ` +
        'Make it writable, or copy it to a writable folder and point checkpoint.storage_path at the copy. The file was not changed.',
    );
  }
  const dir = path.dirname(file);
  const dirProblem = accessProblem(dir);
  if (dirProblem) {
    throw new StudyError(
      'READ_ONLY_FILE',
      `${file}: its folder ${dir} cannot be written (${dirProblem}), and SQLite creates its journal beside the study file on every write. ` +
        'Make the folder writable, or move the study to a writable folder and point checkpoint.storage_path there. The file was not changed.',
    );
  }
}

/** Full validation through a read-only connection, integrity included; returns the revision.
 * `busyTimeoutMs`: how long to wait for another process's exclusive lock before refusing. */
export function validateStudyFile(file: string, busyTimeoutMs = 10_000): Revision {
  checkSqliteHeader(file);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    const revision = checkOptunaLayout(db, file);
    checkIntegrity(db, file);
    return revision;
  } catch (e) {
    throw asStudyError(file, e);
  } finally {
    db?.close();
  }
}
