// The outbox file: a small SQLite database (WAL, synchronous=FULL) that holds, in order, every
// tracking write the remote store could not take, plus the ids of runs created while it was away
// and a local view of the runs the outbox serves reads for. Each append is its own committed
// transaction, so once a write is acknowledged to a trial it survives a crash or power loss.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Experiment, KeyValue, Metric, Run, RunStatus } from './types.ts';

export type OutboxOp =
  | { op: 'createRun'; placeholder: string; experimentId: string; userId?: string; startTime: number; tags?: KeyValue[]; runName?: string; ambiguous?: boolean }
  | { op: 'updateRun'; runId: string; status?: RunStatus; endTime?: number; runName?: string }
  | { op: 'deleteRun'; runId: string }
  | { op: 'restoreRun'; runId: string }
  | { op: 'logBatch'; runId: string; metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] }
  | { op: 'logMetric'; runId: string; metric: Metric }
  | { op: 'logParam'; runId: string; param: KeyValue }
  | { op: 'setTag'; runId: string; tag: KeyValue }
  | { op: 'deleteTag'; runId: string; key: string }
  | { op: 'setExperimentTag'; experimentId: string; key: string; value: string };

/** A write still waiting, as the app's outbox details show it. */
export interface WaitingWrite {
  seq: number;
  op: OutboxOp['op'];
  runId: string | null;
  createdAt: number;
  attempts: number;
  lastError: string | null;
}

export interface OutboxEntry {
  seq: number;
  attempts: number;
  write: OutboxOp;
}

/** Entry states: waiting to be sent, acknowledged by the remote, refused by the remote for good. */
const PENDING = 0;
const SENT = 1;
const REJECTED = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox_entries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  op TEXT NOT NULL,
  run_id TEXT,
  payload TEXT NOT NULL,
  state INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  done_at INTEGER
);
CREATE INDEX IF NOT EXISTS outbox_entries_state_seq ON outbox_entries (state, seq);
CREATE INDEX IF NOT EXISTS outbox_entries_run ON outbox_entries (run_id, state);
CREATE TABLE IF NOT EXISTS outbox_run_ids (
  placeholder TEXT PRIMARY KEY,
  remote_id TEXT,
  rejected INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS outbox_runs (
  run_id TEXT PRIMARY KEY,
  run_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox_experiments (
  name TEXT PRIMARY KEY,
  experiment_json TEXT NOT NULL
);
`;

/** JSON that keeps NaN and ±Infinity metric values (JSON.stringify would turn them into null)
 * and int64 steps beyond 2^53 (bigints, which JSON.stringify refuses). */
export function encodeOp(write: unknown): string {
  return JSON.stringify(write, (_k, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) return { $double: String(v) };
    if (typeof v === 'bigint') return { $int64: String(v) };
    return v;
  });
}
export function decodeOp<T = OutboxOp>(text: string, mapString: (s: string) => string = (s) => s): T {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v && typeof v === 'object' && '$double' in v) return Number((v as { $double: string }).$double);
    if (v && typeof v === 'object' && '$int64' in v) return BigInt((v as { $int64: string }).$int64);
    return typeof v === 'string' ? mapString(v) : v;
  }) as T;
}
const encode = (write: OutboxOp): string => encodeOp(write);
const decode = (text: string): OutboxOp => decodeOp(text);

export function entryRunId(w: OutboxOp): string | null {
  if (w.op === 'createRun') return w.placeholder;
  if (w.op === 'setExperimentTag') return null;
  return w.runId;
}

/**
 * What an outbox file holds, read without taking it over (its owner keeps it locked while it runs:
 * then this throws saying the file is in use). undefined: no such file.
 */
export function peekOutboxFile(file: string, limit: number): { pending: number; waiting: WaitingWrite[] } | undefined {
  if (!existsSync(file)) return undefined;
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 0 });
  } catch (err) {
    throw new Error(`cannot read outbox file ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const pending = (db.prepare(`SELECT count(*) AS n FROM outbox_entries WHERE state = ${PENDING}`).get() as { n: number }).n;
    const rows = db.prepare(`SELECT seq, op, run_id, created_at, attempts, last_error FROM outbox_entries WHERE state = ${PENDING} ORDER BY seq LIMIT ?`).all(limit) as WaitingRow[];
    return { pending, waiting: rows.map(toWaiting) };
  } catch (err) {
    const msg = (err as Error).message;
    throw new Error(/busy|locked/i.test(msg) ? `outbox file ${file} is in use by another Sweepdeck process (a sweep running from the CLI?)` : `cannot read outbox file ${file}: ${msg}`, { cause: err });
  } finally {
    db.close();
  }
}

interface WaitingRow {
  seq: number;
  op: OutboxOp['op'];
  run_id: string | null;
  created_at: number;
  attempts: number;
  last_error: string | null;
}
const toWaiting = (r: WaitingRow): WaitingWrite => ({ seq: r.seq, op: r.op, runId: r.run_id, createdAt: r.created_at, attempts: r.attempts, lastError: r.last_error });

export class OutboxQueue {
  private readonly db: Database.Database;
  private readonly stmts;
  private pendingCount: number;

  constructor(readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      this.db = new Database(file, { timeout: 0 });
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      // One owner per outbox file: two flushers would send the same entries twice.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.exec('BEGIN EXCLUSIVE; COMMIT;');
      this.db.exec(SCHEMA);
    } catch (err) {
      const msg = (err as Error).message;
      throw new Error(/busy|locked/i.test(msg)
        ? `outbox file ${file} is in use by another Sweepdeck process; close it or use another data folder`
        : `cannot open outbox file ${file}: ${msg}`, { cause: err });
    }
    const db = this.db;
    this.stmts = {
      append: db.prepare('INSERT INTO outbox_entries (op, run_id, payload, created_at) VALUES (?, ?, ?, ?)'),
      peek: db.prepare(`SELECT seq, op, run_id, created_at, attempts, last_error FROM outbox_entries WHERE state = ${PENDING} ORDER BY seq LIMIT ?`),
      head: db.prepare(`SELECT seq, attempts, payload FROM outbox_entries WHERE state = ${PENDING} ORDER BY seq LIMIT 1`),
      count: db.prepare(`SELECT count(*) AS n FROM outbox_entries WHERE state = ${PENDING}`),
      countRun: db.prepare(`SELECT count(*) AS n FROM outbox_entries WHERE state = ${PENDING} AND run_id = ?`),
      pendingForRun: db.prepare(`SELECT seq, attempts, payload FROM outbox_entries WHERE state = ${PENDING} AND run_id = ? ORDER BY seq`),
      done: db.prepare('UPDATE outbox_entries SET state = ?, last_error = ?, done_at = ? WHERE seq = ? AND state = 0'),
      attempt: db.prepare('UPDATE outbox_entries SET attempts = attempts + 1, last_error = ? WHERE seq = ?'),
      purge: db.prepare(`DELETE FROM outbox_entries WHERE state = ${SENT} AND done_at < ?`),
      addPlaceholder: db.prepare('INSERT INTO outbox_run_ids (placeholder) VALUES (?)'),
      mapPlaceholder: db.prepare('UPDATE outbox_run_ids SET remote_id = ? WHERE placeholder = ?'),
      rejectPlaceholder: db.prepare('UPDATE outbox_run_ids SET rejected = 1 WHERE placeholder = ?'),
      placeholder: db.prepare('SELECT remote_id, rejected FROM outbox_run_ids WHERE placeholder = ?'),
      allMappings: db.prepare('SELECT placeholder, remote_id FROM outbox_run_ids WHERE remote_id IS NOT NULL'),
      getRun: db.prepare('SELECT run_json FROM outbox_runs WHERE run_id = ?'),
      getExperiment: db.prepare('SELECT experiment_json FROM outbox_experiments WHERE name = ?'),
      putExperiment: db.prepare('INSERT INTO outbox_experiments (name, experiment_json) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET experiment_json = excluded.experiment_json'),
      putRun: db.prepare('INSERT INTO outbox_runs (run_id, run_json) VALUES (?, ?) ON CONFLICT (run_id) DO UPDATE SET run_json = excluded.run_json'),
    };
    this.pendingCount = (this.stmts.count.get() as { n: number }).n;
    // Acknowledged entries are kept a day for diagnosis, then dropped.
    this.stmts.purge.run(Date.now() - 24 * 3600 * 1000);
  }

  pending(): number {
    return this.pendingCount;
  }

  pendingForRun(runId: string): number {
    return (this.stmts.countRun.get(runId) as { n: number }).n;
  }

  /** Appends one write (committed and synced on return) and returns its sequence number. */
  append(write: OutboxOp): number {
    const seq = Number(this.stmts.append.run(write.op, entryRunId(write), encode(write), Date.now()).lastInsertRowid);
    this.pendingCount++;
    return seq;
  }

  /** Appends a run created while the remote was away, together with its placeholder id. */
  appendCreateRun(write: Extract<OutboxOp, { op: 'createRun' }>, run: Run): number {
    return this.db.transaction(() => {
      this.stmts.addPlaceholder.run(write.placeholder);
      this.putRun(run);
      return this.append(write);
    })();
  }

  head(): OutboxEntry | undefined {
    const row = this.stmts.head.get() as { seq: number; attempts: number; payload: string } | undefined;
    return row && { seq: row.seq, attempts: row.attempts, write: decode(row.payload) };
  }

  /** The first `limit` writes still waiting, oldest first. */
  peek(limit: number): WaitingWrite[] {
    return (this.stmts.peek.all(limit) as WaitingRow[]).map(toWaiting);
  }

  entriesForRun(runId: string): OutboxEntry[] {
    return (this.stmts.pendingForRun.all(runId) as { seq: number; attempts: number; payload: string }[]).map((r) => ({
      seq: r.seq, attempts: r.attempts, write: decode(r.payload),
    }));
  }

  /** Marks an entry acknowledged; for a replayed create, records the remote id in the same commit. */
  markSent(seq: number, mapping?: { placeholder: string; remoteId: string }): void {
    this.db.transaction(() => {
      if (this.stmts.done.run(SENT, null, Date.now(), seq).changes === 1) this.pendingCount--;
      if (mapping) this.stmts.mapPlaceholder.run(mapping.remoteId, mapping.placeholder);
    })();
  }

  markRejected(seq: number, error: string, placeholder?: string): void {
    this.db.transaction(() => {
      if (this.stmts.done.run(REJECTED, error, Date.now(), seq).changes === 1) this.pendingCount--;
      if (placeholder) this.stmts.rejectPlaceholder.run(placeholder);
    })();
  }

  noteAttempt(seq: number, error: string): void {
    this.stmts.attempt.run(error, seq);
  }

  /** undefined: not a placeholder; null: placeholder whose create has not been replayed yet. */
  placeholder(id: string): { remoteId: string | null; rejected: boolean } | undefined {
    const row = this.stmts.placeholder.get(id) as { remote_id: string | null; rejected: number } | undefined;
    return row && { remoteId: row.remote_id, rejected: row.rejected === 1 };
  }

  mappings(): Map<string, string> {
    return new Map((this.stmts.allMappings.all() as { placeholder: string; remote_id: string }[]).map((r) => [r.placeholder, r.remote_id]));
  }

  getRun(runId: string): Run | undefined {
    const row = this.stmts.getRun.get(runId) as { run_json: string } | undefined;
    return row ? (decode(row.run_json) as unknown as Run) : undefined;
  }

  putRun(run: Run): void {
    this.stmts.putRun.run(run.info.run_id, encode(run as unknown as OutboxOp));
  }

  /** The experiment last seen under this name (a sweep resumed during an outage still finds it). */
  getExperiment(name: string): Experiment | undefined {
    const row = this.stmts.getExperiment.get(name) as { experiment_json: string } | undefined;
    return row ? (JSON.parse(row.experiment_json) as Experiment) : undefined;
  }

  putExperiment(experiment: Experiment): void {
    this.stmts.putExperiment.run(experiment.name, JSON.stringify(experiment));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
