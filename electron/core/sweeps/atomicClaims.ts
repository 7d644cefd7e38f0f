// Gives a StudyStorage the two optional methods the trial-slot claim needs
// (runInWriteTransaction, countTrials) when the storage does not implement them itself.
//
// For the Optuna SQLite storage this reaches its better-sqlite3 connection: the storage's own
// methods use better-sqlite3 transaction functions, which nest as savepoints inside an outer
// transaction, so "count, then create" runs as one IMMEDIATE transaction on the same connection.
// Once the storage implements both methods this shim steps aside (it checks first).
import type { TrialState } from '../search/types.ts';
import type { StudyStorage } from '../studies/types.ts';

interface SqliteLike {
  transaction<F extends (...args: never[]) => unknown>(fn: F): { immediate: (...args: Parameters<F>) => ReturnType<F> };
  prepare(sql: string): { all: (...params: unknown[]) => unknown[] };
  pragma(source: string, opts?: { simple: boolean }): unknown;
  inTransaction: boolean;
}

function connectionOf(storage: StudyStorage): SqliteLike | undefined {
  const db: unknown = Reflect.get(storage, 'db');
  if (!db || typeof db !== 'object') return undefined;
  const d = db as Partial<SqliteLike> & { open?: unknown };
  return typeof d.transaction === 'function' && typeof d.prepare === 'function' ? (db as SqliteLike) : undefined;
}

const STATES: readonly TrialState[] = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'];

/** The same storage object, with runInWriteTransaction/countTrials filled in when possible. */
export function withAtomicClaims(storage: StudyStorage): StudyStorage {
  const db = connectionOf(storage);
  if (!db) return storage;
  if (!storage.runInWriteTransaction) {
    // A claim only creates an unfinished trial, which the storage itself commits without an fsync
    // in a runner's WAL session ('light'): a power loss can drop it, never a finished trial. The
    // level cannot change inside the transaction, so it is set around it and then restored, leaving
    // the storage's own bookkeeping of the level true.
    const wal = String(db.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal';
    storage.runInWriteTransaction = <T>(fn: () => T): T => {
      if (!wal || db.inTransaction) return db.transaction(fn).immediate();
      const prev = Number(db.pragma('synchronous', { simple: true }));
      if (prev !== 1) db.pragma('synchronous = NORMAL');
      try {
        return db.transaction(fn).immediate();
      } finally {
        if (prev !== 1) db.pragma(`synchronous = ${prev}`);
      }
    };
  }
  if (!storage.countTrials) {
    const stmt = db.prepare('SELECT state, COUNT(*) AS n FROM trials WHERE study_id = ? GROUP BY state');
    storage.countTrials = (studyId: number): Record<TrialState, number> => {
      const c = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<TrialState, number>;
      for (const r of stmt.all(studyId) as Array<{ state: string; n: number }>) if (r.state in c) c[r.state as TrialState] = r.n;
      return c;
    };
  }
  return storage;
}
