// StudyStorage on Optuna's RDB schema in SQLite. Rows are written exactly as Optuna writes them so
// that Python Optuna (3.0-5.0) loads, resumes and grows what we write, and we resume what it wrote.
// Every state change runs in its own BEGIN IMMEDIATE transaction and is committed before the method
// returns; finished trials are immutable (Optuna caches them forever), so we cache them too.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Direction, Distribution, FinishedState, FrozenTrial, ParamValue, TrialState } from '../search/types.ts';
import { formatOptunaDatetime, parseOptunaDatetime } from './datetime.ts';
import { toInternalRepr } from './distributionJson.ts';
import { asStudyError, checkIntegrity, checkOptunaLayout, checkSqliteHeader, checkWritable, validateStudyFile } from './fileCheck.ts';
import { FROZEN_SCHEMA_VERSION, type Revision } from './revisions.ts';
import { checkedSteps, distributionJsonOf, encodeJson, encodeTrialAttrs, RowDecoder, setKey, storedValue, valueType } from './rowCodec.ts';
import { INDEX_3_2, TABLE_DDL } from './schema.ts';
import { addAttrs, addIntermediates, addParams, addValues, trialShells, type AttrRow, type IntermediateRaw, type ParamRaw, type TrialRow, type ValueRaw } from './trialAssembly.ts';
import { StateIndex, TrialCache } from './trialCache.ts';
import { WalFlusher } from './walFlush.ts';
import { StudyColumnsReader, type ColumnsSince, type ParamScan, type IntermediateColumnsRead, type StudyColumns } from './studyColumnsSql.ts';
import { bestTrialOrderSql, checkParamDistribution, finishOutcome, valueCount, isStaleHeartbeat, unfinishedTrialRow, zeroCounts } from './trialRules.ts';
import { UnchangedFileMemo } from './unchangedFileMemo.ts';
import { StudyError, type CreateTrialOptions, type NewTrial, type StudyInfo, type StudyStorage, type StudySummary } from './types.ts';

export interface OpenStudyStorageOptions {
  /** Create the file (3.2 layout, alembic_version left empty) when it does not exist. */
  create?: boolean;
  /** A runner session: WAL while open; close() returns the file to rollback-journal mode. */
  runner?: boolean;
  /** Open read-only: nothing in the file changes; writes throw StudyError('READ_ONLY'). */
  readonly?: boolean;
  /** Read-only opens: run SQLite's integrity check too (read-write opens always do, before their
   * first write). Off by default: it reads the whole file, and readers open studies often. */
  verify?: boolean;
  /** How long a write waits for another process's lock (default 10 s). */
  busyTimeoutMs?: number;
}

/** version_info.library_version of files we create: informational only (the gate is alembic), kept
 * PEP 440-valid in case a tool parses it. */
export const LIBRARY_VERSION = '0.1.0+sweepdeck';

export function openStudyStorage(file: string, opts: OpenStudyStorageOptions = {}): StudyStorage {
  return OptunaSqliteStorage.open(file, opts);
}

/** Creates a new study file atomically: built under a temporary name, then hard-linked into place
 * (never clobbers a file another process created meanwhile), so a crash leaves no half-made file. */
function createStudyFile(file: string): void {
  const dir = path.dirname(file);
  let step = 'created';
  try {
    fs.mkdirSync(dir, { recursive: true });
    step = 'written';
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new StudyError('READ_ONLY_FILE', `${file}: cannot create the study file: its folder ${dir} cannot be ${step} (${code}). Choose a writable folder for checkpoint.storage_path (or --output-dir).`);
  }
  const tmp = `${file}.creating-${process.pid}-${randomBytes(4).toString('hex')}`;
  const db = new Database(tmp);
  try {
    db.pragma('synchronous = FULL');
    db.exec('BEGIN IMMEDIATE');
    for (const ddl of TABLE_DDL) db.exec(ddl);
    db.exec(INDEX_3_2);
    // alembic_version stays EMPTY: the first Python Optuna to open the file stamps its own head
    // revision (it does so only when version_info.schema_version is 12), so 3.0 through 5.0 open it.
    db.prepare('INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (1, ?, ?)').run(FROZEN_SCHEMA_VERSION, LIBRARY_VERSION);
    db.exec('COMMIT');
  } finally {
    db.close();
  }
  try {
    fs.linkSync(tmp, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      // Another process created it first; use theirs.
    } else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV' || code === 'ENOSYS') {
      // No hard links on this filesystem: a rename is atomic too, only not exclusive.
      if (!fs.existsSync(file)) fs.renameSync(tmp, file);
    } else {
      throw e;
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  try {
    const dfd = fs.openSync(path.dirname(file), 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // Directory fsync is not possible everywhere (Windows); the file itself is already synced.
  }
}

export class OptunaSqliteStorage implements StudyStorage {
  readonly path: string;
  readonly revision: Revision;
  readonly readonly: boolean;
  /** True while this connection runs the file in WAL as a runner (lighter commits, see write()). */
  private readonly runner: boolean;
  private readonly db: Database.Database;
  private readonly stmts = new Map<string, Database.Statement>();
  private readonly writeTx: Database.Transaction<(f: () => unknown) => unknown>;
  private readonly readTx: Database.Transaction<(f: () => unknown) => unknown>;
  private readonly trials = new TrialCache();
  private readonly decoder: RowDecoder;
  /** First recorded distribution per (study, param), for Optuna's compatibility check. */
  private readonly firstDist = new Map<string, Distribution>();
  private readonly stateIndexes = new Map<number, StateIndex>();
  /** Summaries and distributions a read-only connection read, while the file is unchanged. */
  private readonly memo: UnchangedFileMemo | null;
  /** Write transactions open on this connection (nested ones are savepoints). */
  private writeDepth = 0;
  /** A trial cache was filled inside the current write transaction (it may yet roll back). */
  private cachedInWrite = false;
  private closed = false;
  private sync: 'FULL' | 'NORMAL' = 'FULL';
  /** finishTrialFlushLater's fsyncs of the WAL (runner sessions). */
  private readonly wal: WalFlusher;
  private syncStmts: Record<'FULL' | 'NORMAL', Database.Statement> | undefined;

  static open(file: string, opts: OpenStudyStorageOptions): OptunaSqliteStorage {
    const abs = path.resolve(file);
    if (!fs.existsSync(abs)) {
      if (!opts.create || opts.readonly) throw new StudyError('NOT_FOUND', `${abs}: no such study file.${opts.readonly ? '' : ' Pass create to make a new one.'}`);
      createStudyFile(abs);
    }
    let revision: Revision;
    let db: Database.Database;
    const busyTimeoutMs = Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 10_000));
    if (opts.readonly) {
      checkSqliteHeader(abs);
      try {
        db = new Database(abs, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
      } catch (e) {
        throw asStudyError(abs, e);
      }
      try {
        revision = checkOptunaLayout(db, abs);
        if (opts.verify) checkIntegrity(db, abs);
      } catch (e) {
        db.close();
        throw asStudyError(abs, e);
      }
    } else {
      try {
        revision = validateStudyFile(abs, busyTimeoutMs);
        checkWritable(abs);
        db = new Database(abs, { fileMustExist: true, timeout: busyTimeoutMs });
      } catch (e) {
        if (!(e instanceof StudyError && e.code === 'NEEDS_RECOVERY')) throw asStudyError(abs, e);
        checkWritable(abs);
        // A crashed writer's hot journal: the header says SQLite, and a read-write connection
        // rolls the unfinished transaction back (SQLite's own crash recovery, restoring the last
        // committed state) before anything else; then the same layout checks run.
        db = new Database(abs, { fileMustExist: true, timeout: busyTimeoutMs });
        try {
          revision = checkOptunaLayout(db, abs);
          checkIntegrity(db, abs);
        } catch (e2) {
          db.close();
          throw asStudyError(abs, e2);
        }
      }
    }
    return new OptunaSqliteStorage(abs, db, revision, opts);
  }

  private constructor(file: string, db: Database.Database, revision: Revision, opts: OpenStudyStorageOptions) {
    this.path = file;
    this.wal = new WalFlusher(file);
    this.decoder = new RowDecoder(file);
    this.db = db;
    this.revision = revision;
    this.readonly = opts.readonly === true;
    // Only a read-only connection: a writer's own commits leave its data_version as it was.
    const dataVersion = this.readonly ? db.prepare('PRAGMA data_version').pluck() : null;
    this.memo = dataVersion ? new UnchangedFileMemo(() => dataVersion.get() as number) : null;
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 10_000))}`);
    if (!this.readonly) {
      // FULL by default; see write() for the runner's lighter commits.
      db.pragma('synchronous = FULL');
    }
    let wal = false;
    if (opts.runner && !this.readonly) {
      // If another process holds a lock right now the switch can fail; the runner then works in
      // rollback-journal mode (every commit fsynced): slower, equally correct.
      try {
        wal = String(db.pragma('journal_mode = WAL', { simple: true })) === 'wal';
      } catch {
        wal = false;
      }
    }
    this.runner = wal;
    const run = (f: () => unknown): unknown => f();
    this.writeTx = db.transaction(run);
    this.readTx = db.transaction(run);
  }

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  /**
   * Runs f in one BEGIN IMMEDIATE transaction, committed before returning. Durability: every commit
   * survives a process kill. In a runner's WAL session, 'light' commits (trial creation, params,
   * intermediate values, attrs, heartbeats) skip the fsync (synchronous=NORMAL) and 'full' commits
   * (a trial's end, stale-trial failures, study changes) fsync the WAL (synchronous=FULL), which
   * also makes every earlier frame durable: a power loss can only drop what an unfinished trial
   * wrote since the last full commit, never a finished trial. Measured: an fsync costs 0.5-8 ms
   * here (bench/studyStorage.ts), several per trial would exceed the 3 ms/trial budget. Outside
   * WAL every commit is FULL (NORMAL in rollback-journal mode risks more than the last commits).
   * finishTrialFlushLater commits a trial's end light and makes the same fsync right after, on the
   * thread pool; its caller waits for it before anything that needs the finish durable.
   */
  private write<T>(f: () => T, durability: 'full' | 'light' = 'full'): T {
    if (this.closed) throw new Error(`${this.path}: the study storage is closed.`);
    if (this.readonly) throw new StudyError('READ_ONLY', `${this.path}: opened read-only; nothing was changed.`);
    const sync = this.runner && durability === 'light' ? 'NORMAL' : 'FULL';
    // The level cannot change inside a transaction (a caller's outer transaction, e.g. an atomic
    // slot claim): the outer one then commits at the level already set.
    if (sync !== this.sync && !this.db.inTransaction) {
      this.syncStmts ??= { FULL: this.db.prepare('PRAGMA synchronous = FULL'), NORMAL: this.db.prepare('PRAGMA synchronous = NORMAL') };
      this.syncStmts[sync].run();
      this.sync = sync;
    }
    if (this.writeDepth === 0) this.cachedInWrite = false;
    this.writeDepth++;
    try {
      return this.writeTx.immediate(f) as T;
    } catch (e) {
      this.forgetUncommitted();
      throw e;
    } finally {
      this.writeDepth--;
    }
  }

  /**
   * A write (or savepoint) rolled back: what the caches learnt inside it may never have been
   * committed (a trial created then rolled back, whose trial_id SQLite hands out again). The state
   * indexes and first distributions are cheap to rebuild and always dropped; the trial caches only
   * when they were filled inside a write.
   */
  private forgetUncommitted(): void {
    this.stateIndexes.clear();
    this.firstDist.clear();
    if (this.cachedInWrite) {
      this.trials.clear();
      this.cachedInWrite = false;
    }
  }

  /** The study's StateIndex brought up to date; call inside a transaction. */
  private stateIndex(studyId: number): StateIndex {
    let ix = this.stateIndexes.get(studyId);
    if (!ix) {
      ix = new StateIndex();
      this.stateIndexes.set(studyId, ix);
    }
    if (ix.open.size > 0) {
      const rows = this.rawStmt('SELECT trial_id, study_id, state FROM trials WHERE trial_id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ix.openIds())) as Array<[number, number, string]>;
      if (!ix.applyOpen(rows, studyId)) {
        // Trials vanished (the study was deleted by another process): start over from the file.
        this.stateIndexes.delete(studyId);
        return this.stateIndex(studyId);
      }
    }
    ix.applyFresh(this.rawStmt('SELECT trial_id, state FROM trials WHERE trial_id > ? AND study_id = ? ORDER BY trial_id').all(ix.mark, studyId) as Array<[number, string]>);
    return ix;
  }

  private read<T>(f: () => T): T {
    if (this.closed) throw new Error(`${this.path}: the study storage is closed.`);
    // One deferred transaction: a consistent snapshot across the several SELECTs, held briefly.
    // Inside a caller's transaction the snapshot is already there, and a read needs no savepoint.
    if (this.db.inTransaction) return f();
    return this.readTx.deferred(f) as T;
  }

  // ---- studies ----

  private studyRow(studyId: number): { study_id: number; study_name: string } {
    const r = this.stmt('SELECT study_id, study_name FROM studies WHERE study_id = ?').get(studyId) as { study_id: number; study_name: string } | undefined;
    if (!r) throw new StudyError('STUDY_NOT_FOUND', `${this.path}: no study with id ${studyId}.`);
    return r;
  }

  private directionsOf(studyId: number, name: string): Direction[] {
    const rows = this.stmt('SELECT direction FROM study_directions WHERE study_id = ? ORDER BY objective').all(studyId) as Array<{ direction: string }>;
    return rows.map((r) => this.decoder.direction(r.direction, name));
  }

  private attrsOf(table: 'study_user_attributes' | 'study_system_attributes', studyId: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const r of this.stmt(`SELECT "key" AS key, value_json FROM ${table} WHERE study_id = ? ORDER BY 1`).all(studyId) as AttrRow[]) {
      setKey(out, r.key, this.decoder.json(r.value_json, `${table} '${r.key}' of study ${studyId}`));
    }
    return out;
  }

  private studyInfo(studyId: number): StudyInfo {
    const row = this.studyRow(studyId);
    return {
      studyId,
      name: row.study_name,
      directions: this.directionsOf(studyId, row.study_name),
      userAttrs: this.attrsOf('study_user_attributes', studyId),
      systemAttrs: this.attrsOf('study_system_attributes', studyId),
    };
  }

  listStudies(): StudySummary[] {
    return this.read(() => this.remembered('listStudies', () => this.readStudySummaries()));
  }

  private readStudySummaries(): StudySummary[] {
    const studies = this.stmt('SELECT study_id FROM studies ORDER BY study_id').all() as Array<{ study_id: number }>;
    const counts = this.stmt('SELECT study_id, state, COUNT(*) AS n FROM trials GROUP BY study_id, state').all() as Array<{ study_id: number; state: string; n: number }>;
    return studies.map(({ study_id }) => {
      const info = this.studyInfo(study_id);
      const c = zeroCounts();
      for (const r of counts) if (r.study_id === study_id && r.state in c) c[r.state as TrialState] += r.n;
      const best = info.directions.length === 1 ? this.bestRow(study_id, info.directions[0] as Direction) : undefined;
      return { ...info, counts: c, best: best ? { number: best.number ?? -1, value: storedValue(best.value, best.value_type) } : null };
    });
  }

  getStudy(name: string): StudyInfo | undefined {
    return this.read(() => {
      const r = this.stmt('SELECT study_id FROM studies WHERE study_name = ?').get(name) as { study_id: number } | undefined;
      return r ? this.studyInfo(r.study_id) : undefined;
    });
  }

  createStudy(name: string, directions: Direction[]): StudyInfo {
    if (directions.length === 0) throw new Error(`createStudy('${name}'): at least one direction is needed.`);
    return this.write(() => {
      if (this.stmt('SELECT 1 FROM studies WHERE study_name = ?').get(name)) {
        throw new StudyError('STUDY_EXISTS', `${this.path}: a study named '${name}' already exists; load it, or choose another study_name.`);
      }
      const studyId = Number(this.stmt('INSERT INTO studies (study_name) VALUES (?)').run(name).lastInsertRowid);
      const ins = this.stmt('INSERT INTO study_directions (direction, study_id, objective) VALUES (?, ?, ?)');
      directions.forEach((d, i) => ins.run(d === 'maximize' ? 'MAXIMIZE' : 'MINIMIZE', studyId, i));
      return { studyId, name, directions: [...directions], userAttrs: {}, systemAttrs: {} };
    });
  }

  setStudyUserAttr(studyId: number, key: string, value: unknown): void {
    this.setStudyAttr('study_user_attributes', studyId, key, value);
  }

  setStudySystemAttr(studyId: number, key: string, value: unknown): void {
    this.setStudyAttr('study_system_attributes', studyId, key, value);
  }

  private setStudyAttr(table: 'study_user_attributes' | 'study_system_attributes', studyId: number, key: string, value: unknown): void {
    const json = encodeJson(value, `${table} '${key}'`);
    this.write(() => {
      this.studyRow(studyId);
      this.stmt(`INSERT INTO ${table} (study_id, "key", value_json) VALUES (?, ?, ?) ON CONFLICT (study_id, "key") DO UPDATE SET value_json = excluded.value_json`).run(studyId, key, json);
    });
  }

  /**
   * Runs fn in one IMMEDIATE write transaction; this storage's methods called inside join it (as
   * savepoints), so a caller can check a budget and create a trial atomically across processes.
   * The commit is 'light' (see write()): it is meant for claiming unfinished trials.
   */
  runInWriteTransaction<T>(fn: () => T): T {
    return this.write(fn, 'light');
  }

  /** The study's trial counts by state, without reading the trials. */
  countTrials(studyId: number): Record<TrialState, number> {
    return this.read(() => this.stateIndex(studyId).counts());
  }

  // ---- trials: writes ----

  /** The trial's row, checked to be unfinished (Optuna's UpdateFinishedTrialError). */
  private unfinishedTrial(trialId: number, what: string): TrialRow {
    return unfinishedTrialRow(this.path, trialId, this.stmt('SELECT * FROM trials WHERE trial_id = ?').get(trialId) as TrialRow | undefined, what);
  }

  private writeParam(studyId: number, trialId: number, name: string, value: ParamValue, d: Distribution): void {
    const key = `${studyId}\u0000${name}`;
    let first = this.firstDist.get(key);
    if (!first) {
      const r = this.stmt(
        'SELECT p.distribution_json FROM trial_params p JOIN trials t ON t.trial_id = p.trial_id WHERE t.study_id = ? AND p.param_name = ? ORDER BY p.param_id LIMIT 1',
      ).get(studyId, name) as { distribution_json: string | null } | undefined;
      if (r) {
        first = this.decoder.distribution(r.distribution_json, `param '${name}'`);
        this.firstDist.set(key, first);
      }
    }
    checkParamDistribution(this.path, name, first, d);
    const internal = toInternalRepr(name, d, value);
    this.stmt(
      'INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES (?, ?, ?, ?) ON CONFLICT (trial_id, param_name) DO UPDATE SET param_value = excluded.param_value, distribution_json = excluded.distribution_json',
    ).run(trialId, name, internal, distributionJsonOf(d));
    if (!first) this.firstDist.set(key, d);
  }

  private writeTrialAttr(table: 'trial_user_attributes' | 'trial_system_attributes', trialId: number, key: string, json: string): void {
    this.stmt(`INSERT INTO ${table} (trial_id, "key", value_json) VALUES (?, ?, ?) ON CONFLICT (trial_id, "key") DO UPDATE SET value_json = excluded.value_json`).run(trialId, key, json);
  }

  private writeHeartbeat(trialId: number, now: string): void {
    this.stmt('INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES (?, ?) ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat').run(trialId, now);
  }

  createTrial(
    studyId: number,
    opts: CreateTrialOptions = {},
  ): NewTrial {
    const state = opts.state ?? 'RUNNING';
    const sys = encodeTrialAttrs(opts.systemAttrs, 'system');
    const usr = encodeTrialAttrs(opts.userAttrs, 'user');
    return this.write(() => {
      this.studyRow(studyId);
      const now = formatOptunaDatetime(new Date());
      // Optuna's rule: number = how many of the study's trials have a smaller trial_id, computed in
      // the same transaction (the write lock serializes concurrent creators). The state index, just
      // refreshed under this lock, holds every trial of the study; a new trial_id is above them all.
      const ix = this.stateIndex(studyId);
      let n = ix.total;
      const trialId = Number(
        this.stmt('INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete) VALUES (?, ?, ?, ?, NULL)').run(n, studyId, state, state === 'RUNNING' ? now : null).lastInsertRowid,
      );
      if (trialId <= ix.mark) {
        // SQLite chose a lower rowid (only after the largest possible one was used): count instead.
        n = (this.stmt('SELECT COUNT(*) AS n FROM trials WHERE study_id = ? AND trial_id < ?').get(studyId, trialId) as { n: number }).n;
        this.stmt('UPDATE trials SET number = ? WHERE trial_id = ?').run(n, trialId);
        this.stateIndexes.delete(studyId);
      }
      for (const [name, p] of Object.entries(opts.params ?? {})) this.writeParam(studyId, trialId, name, p.value, p.distribution);
      for (const [k, j] of sys) this.writeTrialAttr('trial_system_attributes', trialId, k, j);
      for (const [k, j] of usr) this.writeTrialAttr('trial_user_attributes', trialId, k, j);
      // A RUNNING trial is born with a heartbeat, so a concurrent failStaleTrials never mistakes a
      // trial created a moment ago for one a dead process left behind.
      if (state === 'RUNNING') this.writeHeartbeat(trialId, now);
      return { trialId, number: n };
    }, 'light');
  }

  popWaitingTrial(studyId: number): NewTrial | null {
    return this.write(() => {
      this.studyRow(studyId);
      const oldest = this.stateIndex(studyId).oldestWaiting();
      if (oldest === undefined) return null;
      const r = this.stmt("SELECT trial_id, number FROM trials WHERE trial_id = ? AND state = 'WAITING'").get(oldest) as { trial_id: number; number: number | null } | undefined;
      if (!r) throw new Error(`${this.path}: internal error: trial id ${oldest} was indexed as WAITING but is not`);
      const now = formatOptunaDatetime(new Date());
      this.stmt("UPDATE trials SET state = 'RUNNING', datetime_start = ? WHERE trial_id = ? AND state = 'WAITING'").run(now, r.trial_id);
      this.writeHeartbeat(r.trial_id, now);
      return { trialId: r.trial_id, number: r.number ?? 0 };
    }, 'light');
  }

  setTrialParam(trialId: number, name: string, value: ParamValue, distribution: Distribution): void {
    this.write(() => {
      const t = this.unfinishedTrial(trialId, `setting param '${name}'`);
      this.writeParam(t.study_id, trialId, name, value, distribution);
    }, 'light');
  }

  reportIntermediate(trialId: number, step: number, value: number): void {
    if (!Number.isSafeInteger(step) || step < 0) throw new StudyError('BAD_VALUE', `reportIntermediate: step must be a non-negative integer, got ${step}.`);
    if (typeof value !== 'number') throw new StudyError('BAD_VALUE', `reportIntermediate: value must be a number, got ${JSON.stringify(value)}.`);
    this.write(() => {
      this.unfinishedTrial(trialId, `reporting step ${step}`);
      this.writeIntermediate(trialId, step, value);
    }, 'light');
  }

  private writeIntermediate(trialId: number, step: number, value: number): void {
    const v = valueType(value);
    this.stmt(
      'INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type) VALUES (?, ?, ?, ?) ON CONFLICT (trial_id, step) DO UPDATE SET intermediate_value = excluded.intermediate_value, intermediate_value_type = excluded.intermediate_value_type',
    ).run(trialId, step, v.value, v.type);
  }

  /**
   * Finishes a RUNNING (or WAITING) trial, as Optuna's tell does: COMPLETE with a NaN or missing
   * value becomes FAIL; PRUNED without a value takes the last intermediate value unless it is NaN;
   * FAIL stores no value.
   */
  finishTrial(trialId: number, state: FinishedState, value?: number | readonly number[] | null, steps?: ReadonlyArray<readonly [number, number]>): void {
    this.finish(trialId, state, value, steps, 'full');
  }

  /**
   * finishTrial for a runner with work to do while the finish reaches the disk. When this returns,
   * the finish is committed: other connections see it and a kill of this process cannot lose it.
   * The promise resolves once it is on disk, so that a power loss cannot lose it either: in a
   * runner's WAL session the commit skips SQLite's fsync and the same fsync of the WAL file runs on
   * libuv's thread pool instead (walFlush.ts); elsewhere the commit is finishTrial's own (FULL).
   */
  finishTrialFlushLater(trialId: number, state: FinishedState, value?: number | readonly number[] | null, steps?: ReadonlyArray<readonly [number, number]>): Promise<void> {
    if (!this.runner) {
      this.finish(trialId, state, value, steps, 'full');
      return Promise.resolve();
    }
    this.finish(trialId, state, value, steps, 'light');
    return this.wal.flush();
  }

  private finish(trialId: number, state: FinishedState, value: number | readonly number[] | null | undefined, steps: ReadonlyArray<readonly [number, number]> | undefined, durability: 'full' | 'light'): void {
    const unstored = checkedSteps(steps);
    this.write(() => {
      const t = this.unfinishedTrial(trialId, `finishing as ${state}`);
      // Steps not stored yet go in with the finish: one commit for both.
      for (const [step, iv] of unstored) this.writeIntermediate(trialId, step, iv);
      const nObjectives = (this.stmt('SELECT COUNT(*) AS n FROM study_directions WHERE study_id = ?').get(t.study_id) as { n: number }).n;
      const outcome = finishOutcome(state, value, nObjectives, () => {
        const last = this.stmt('SELECT intermediate_value, intermediate_value_type FROM trial_intermediate_values WHERE trial_id = ? ORDER BY step DESC LIMIT 1').get(trialId) as
          | { intermediate_value: number | null; intermediate_value_type: string }
          | undefined;
        return last && last.intermediate_value_type !== 'NAN' ? storedValue(last.intermediate_value, last.intermediate_value_type) : undefined;
      });
      if (!outcome) throw new StudyError('BAD_VALUE', `${this.path}: study ${t.study_id} has ${nObjectives} objective(s); finishTrial got ${valueCount(value)}.`);
      const finalState = outcome.state;
      const stored = outcome.values;
      const changed = this.stmt("UPDATE trials SET state = ?, datetime_complete = ? WHERE trial_id = ? AND state IN ('RUNNING', 'WAITING')").run(
        finalState,
        formatOptunaDatetime(new Date()),
        trialId,
      ).changes;
      if (changed !== 1) throw new StudyError('TRIAL_FINISHED', `${this.path}: trial id ${trialId} changed state while being finished.`);
      if (stored !== null) {
        // One row per objective, objective index as Optuna writes them.
        stored.forEach((x, objective) => {
          const v = valueType(x);
          this.stmt('INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, ?, ?, ?) ON CONFLICT (trial_id, objective) DO UPDATE SET value = excluded.value, value_type = excluded.value_type').run(
            trialId,
            objective,
            v.value,
            v.type,
          );
        });
      }
    }, durability);
  }

  setTrialUserAttr(trialId: number, key: string, value: unknown): void {
    const json = encodeJson(value, `trial user attr '${key}'`);
    this.write(() => {
      this.unfinishedTrial(trialId, `setting user attr '${key}'`);
      this.writeTrialAttr('trial_user_attributes', trialId, key, json);
    }, 'light');
  }

  setTrialLinkAttr(trialId: number, key: string, value: unknown): void {
    const json = encodeJson(value, `trial user attr '${key}'`);
    this.write(() => this.writeTrialAttr('trial_user_attributes', trialId, key, json), 'light');
    // The one change a finished trial can get: re-read it so this connection's caches show it (other
    // connections keep what they cached, as Optuna's cached storage would).
    if (this.trials.forget(trialId)) this.trials.replace(trialId, this.loadTrials([trialId])[0]);
  }

  setTrialSystemAttr(trialId: number, key: string, value: unknown): void {
    const json = encodeJson(value, `trial system attr '${key}'`);
    this.write(() => {
      this.unfinishedTrial(trialId, `setting system attr '${key}'`);
      this.writeTrialAttr('trial_system_attributes', trialId, key, json);
    }, 'light');
  }

  heartbeat(trialId: number): void {
    this.write(() => {
      if (!this.stmt('SELECT 1 FROM trials WHERE trial_id = ?').get(trialId)) throw new StudyError('TRIAL_NOT_FOUND', `${this.path}: no trial with id ${trialId}.`);
      this.writeHeartbeat(trialId, formatOptunaDatetime(new Date()));
    }, 'light');
  }

  failStaleTrials(studyId: number, staleSeconds: number): FrozenTrial[] {
    const failed = this.write(() => {
      this.studyRow(studyId);
      const rows = this.stmt(
        "SELECT t.trial_id, h.heartbeat FROM trials t LEFT JOIN trial_heartbeats h ON h.trial_id = t.trial_id WHERE t.study_id = ? AND t.state = 'RUNNING' ORDER BY t.trial_id",
      ).all(studyId) as Array<{ trial_id: number; heartbeat: string | null }>;
      const now = Date.now();
      const stamp = formatOptunaDatetime(new Date(now));
      const ids: number[] = [];
      for (const r of rows) {
        if (isStaleHeartbeat(parseOptunaDatetime(r.heartbeat), now, staleSeconds)) {
          if (this.stmt("UPDATE trials SET state = 'FAIL', datetime_complete = ? WHERE trial_id = ? AND state = 'RUNNING'").run(stamp, r.trial_id).changes === 1) ids.push(r.trial_id);
        }
      }
      return ids;
    });
    return failed.length ? this.loadTrials(failed) : [];
  }

  runningElsewhere(studyId: number): FrozenTrial[] {
    const ids = this.read(() => {
      this.studyRow(studyId);
      // The state index knows the RUNNING trials without a scan (a runner's claim asks this).
      const running = this.stateIndex(studyId).running();
      if (!running.length) return [];
      const rows = this.rawStmt('SELECT j.value FROM json_each(?) j WHERE NOT EXISTS (SELECT 1 FROM trial_heartbeats h WHERE h.trial_id = j.value) ORDER BY j.value').all(JSON.stringify(running)) as Array<[number]>;
      return rows.map((r) => r[0]);
    });
    return ids.length ? this.loadTrials(ids) : [];
  }

  failTrial(studyId: number, number: number, reason: string): FrozenTrial {
    const json = encodeJson(reason, "trial system attr 'fail_reason'");
    const trialId = this.write(() => {
      this.studyRow(studyId);
      const r = this.stmt('SELECT * FROM trials WHERE study_id = ? AND number = ?').get(studyId, number) as TrialRow | undefined;
      if (!r) throw new StudyError('TRIAL_NOT_FOUND', `${this.path}: study id ${studyId} has no trial number ${number}.`);
      this.unfinishedTrial(r.trial_id, 'failing it');
      this.writeTrialAttr('trial_system_attributes', r.trial_id, 'fail_reason', json);
      this.stmt("UPDATE trials SET state = 'FAIL', datetime_complete = ? WHERE trial_id = ?").run(formatOptunaDatetime(new Date()), r.trial_id);
      return r.trial_id;
    });
    return this.getTrial(trialId);
  }

  // ---- trials: reads ----

  /** A statement returning rows as arrays (no per-row object): cheaper on 50,000-row reads. */
  private rawStmt(sql: string): Database.Statement {
    const key = `raw:${sql}`;
    let s = this.stmts.get(key);
    if (!s) {
      s = this.db.prepare(sql).raw(true);
      this.stmts.set(key, s);
    }
    return s;
  }

  /** Builds trials for the given ids, reading children only for ids not in the finished cache.
   * Each child table is read in one statement for the whole set and joined in memory by trial_id
   * (a cold 10,000-trial study: 50,000 params, 30,000 intermediate values). */
  private buildTrials(rows: TrialRow[], range?: { after: number; studyId: number }): FrozenTrial[] {
    const need = rows.filter((r) => !this.trials.has(r.trial_id));
    let built = new Map<number, FrozenTrial>();
    if (need.length > 0) {
      // Children of a whole range of a study's trials are read through a join on the trials table
      // (several times faster than a list of ids at 1000+ trials); rows of already cached trials
      // in that range are skipped by the assembly. The join walks trials in trial_id order, so one
      // trial's rows arrive together.
      const from = (table: string): string =>
        range ? `${table} c JOIN trials t ON t.trial_id = c.trial_id WHERE t.trial_id > ? AND t.study_id = ?` : `${table} c WHERE c.trial_id IN (SELECT value FROM json_each(?))`;
      // Ordering by the trials side keeps SQLite on the index order (no temporary sort b-tree).
      const byTrial = range ? 't.trial_id' : 'c.trial_id';
      const args: unknown[] = range ? [range.after, range.studyId] : [JSON.stringify(need.map((r) => r.trial_id))];
      built = trialShells(need);
      addParams(built, this.rawStmt(`SELECT c.trial_id, c.param_id, c.param_name, c.param_value, c.distribution_json FROM ${from('trial_params')} ORDER BY ${byTrial}`).all(...args) as ParamRaw[], this.decoder);
      addValues(built, this.rawStmt(`SELECT c.trial_id, c.value, c.value_type, c.objective FROM ${from('trial_values')}`).all(...args) as ValueRaw[]);
      addIntermediates(
        built,
        this.rawStmt(`SELECT c.trial_id, c.step, c.intermediate_value, c.intermediate_value_type FROM ${from('trial_intermediate_values')} ORDER BY ${byTrial}, c.step`).all(...args) as IntermediateRaw[],
      );
      for (const table of ['trial_user_attributes', 'trial_system_attributes'] as const) {
        addAttrs(built, table, this.stmt(`SELECT c.trial_id AS owner, c."key" AS key, c.value_json FROM ${from(table)} ORDER BY ${byTrial}, 2`).all(...args) as AttrRow[], this.decoder);
      }
      if (this.writeDepth > 0) this.cachedInWrite = true;
      for (const t of built.values()) this.trials.remember(t);
    }
    return rows.map((r) => (this.trials.get(r.trial_id) ?? built.get(r.trial_id)) as FrozenTrial);
  }

  private loadTrials(ids: number[]): FrozenTrial[] {
    return this.read(() => {
      const rows = this.stmt('SELECT * FROM trials WHERE trial_id IN (SELECT value FROM json_each(?)) ORDER BY trial_id').all(JSON.stringify(ids)) as TrialRow[];
      return this.buildTrials(rows);
    });
  }

  /**
   * All trials of the study in trial_id order (optionally only some states). Like Optuna's cached
   * storage, it re-reads only trials it has not seen finished: those with a trial_id above the
   * highest seen, and those last seen RUNNING or WAITING. Finished trials come from the cache.
   */
  getTrials(studyId: number, states?: readonly TrialState[]): FrozenTrial[] {
    return this.read(() => {
      this.studyRow(studyId);
      if (this.writeDepth > 0) this.cachedInWrite = true;
      const plan = this.trials.readPlan(studyId);
      const fresh = this.stmt('SELECT * FROM trials WHERE trial_id > ? AND study_id = ? ORDER BY trial_id').all(plan.maxSeen, studyId) as TrialRow[];
      const again = plan.unfinished.length
        ? (this.stmt('SELECT * FROM trials WHERE trial_id IN (SELECT value FROM json_each(?)) ORDER BY trial_id').all(JSON.stringify(plan.unfinished)) as TrialRow[])
        : [];
      return this.trials.merge(studyId, this.buildTrials(again), this.buildTrials(fresh, { after: plan.maxSeen, studyId }), states);
    });
  }

  getTrialByNumber(studyId: number, number: number): FrozenTrial | undefined {
    const id = this.read(() => {
      this.studyRow(studyId);
      return (this.stmt('SELECT trial_id FROM trials WHERE study_id = ? AND number = ?').get(studyId, number) as { trial_id: number } | undefined)?.trial_id;
    });
    return id === undefined ? undefined : this.getTrial(id);
  }

  readColumns(studyId: number, since: ColumnsSince, systemKeys: readonly string[], scanned?: () => ParamScan | null): StudyColumns {
    return this.read(() => {
      this.studyRow(studyId);
      return new StudyColumnsReader(this.db, this.decoder).read(studyId, since, systemKeys, scanned);
    });
  }

  readIntermediateColumns(studyId: number, since: ColumnsSince): IntermediateColumnsRead {
    return this.read(() => {
      this.studyRow(studyId);
      return new StudyColumnsReader(this.db, this.decoder).intermediate(studyId, since);
    });
  }

  paramDistributions(studyId: number): Array<[string, Distribution]> {
    return this.read(() => {
      this.studyRow(studyId);
      return this.remembered(`paramDistributions:${studyId}`, () => new StudyColumnsReader(this.db, this.decoder).distributions(studyId));
    });
  }

  /** `read()` once per content of the file on a read-only connection (see UnchangedFileMemo). */
  private remembered<T>(key: string, read: () => T): T {
    return this.memo ? this.memo.get(key, read) : read();
  }

  getTrial(trialId: number): FrozenTrial {
    const t = this.loadTrials([trialId])[0];
    if (!t) throw new StudyError('TRIAL_NOT_FOUND', `${this.path}: no trial with id ${trialId}.`);
    return t;
  }

  /** Optuna's best-trial SQL: COMPLETE trials ordered by value_type (-inf < finite < +inf) then
   * value; ties go to the earliest trial. */
  private bestRow(studyId: number, direction: Direction): { trial_id: number; number: number | null; value: number | null; value_type: string } | undefined {
    return this.stmt(
      `SELECT t.trial_id, t.number, v.value, v.value_type FROM trials t JOIN trial_values v ON v.trial_id = t.trial_id AND v.objective = 0 ` +
        `WHERE t.study_id = ? AND t.state = 'COMPLETE' ${bestTrialOrderSql(direction)} LIMIT 1`,
    ).get(studyId) as { trial_id: number; number: number | null; value: number | null; value_type: string } | undefined;
  }

  /** The best COMPLETE trial of a single-objective study; null when there is none (or the study
   * has several objectives, where Optuna has best_trials instead). */
  getBestTrial(studyId: number): FrozenTrial | null {
    const id = this.read(() => {
      const dirs = this.directionsOf(studyId, String(this.studyRow(studyId).study_name));
      if (dirs.length !== 1) return undefined;
      return this.bestRow(studyId, dirs[0] as Direction)?.trial_id;
    });
    return id === undefined ? null : this.getTrial(id);
  }

  // ---- lifecycle ----

  /** Current journal mode of the file ('wal', 'delete', ...). */
  journalMode(): string {
    return String(this.db.pragma('journal_mode', { simple: true }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Before the -wal file goes away with the journal mode (a runner awaits its flushes before).
    this.wal.close();
    try {
      if (!this.readonly && this.journalMode() === 'wal') this.restoreRollbackJournal();
    } catch {
      // Best effort only; never fail a close.
    } finally {
      this.db.close();
    }
  }

  /**
   * Back to rollback-journal mode, which optuna-dashboard's browser viewer and VS Code extension
   * need. SQLite allows it only when no other connection has the file open, so the last writer to
   * close does it. A runner retries for up to a second, to outlast a short reader such as
   * `sweep status`; anyone else tries once.
   */
  private restoreRollbackJournal(): void {
    this.db.pragma('busy_timeout = 0');
    const deadline = Date.now() + (this.runner ? 1000 : 0);
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (;;) {
      try {
        if (String(this.db.pragma('journal_mode = DELETE', { simple: true })) === 'delete') return;
      } catch {
        // SQLITE_BUSY: another connection still has the file open.
      }
      if (Date.now() >= deadline) return;
      Atomics.wait(pause, 0, 0, 50);
    }
  }
}
