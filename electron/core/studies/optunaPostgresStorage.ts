// AsyncStudyStorage on Optuna's RDB schema in PostgreSQL, shared by many workers on many machines
// (Sweepdeck's and Python Optuna's). The database is the coordinator, with Optuna's own locks: a
// trial is created under `SELECT ... FOR UPDATE` on its study row, as RDBStorage does, so numbers
// never repeat across processes; an enqueued WAITING trial is taken with FOR UPDATE SKIP LOCKED, so
// it is taken once. Heartbeats and the stale check use the server's clock (LOCALTIMESTAMP, what
// Optuna's func.now() stores), so machines with different clocks agree.
import type pg from 'pg';
import type { Direction, Distribution, FinishedState, FrozenTrial, ParamValue, TrialState } from '../search/types.ts';
import { formatOptunaDatetime } from './datetime.ts';
import { toInternalRepr } from './distributionJson.ts';
import { isConnectionLoss, ROLLED_BACK_SQLSTATE } from './postgresErrors.ts';
import { acquirePool, asPostgresError, checkOut, connectionReason, DEFAULT_POOL_SIZE, releasePool } from './postgresPool.ts';
import { Backoff, CommitInDoubt, ConnectionWatch, PATIENCE_ENV, reconnectPolicy, sleep, type OutageNotice, type ReconnectPolicy } from './postgresRetry.ts';
import { PG_ENUM_DDL, PG_TABLE_DDL } from './postgresSchema.ts';
import { FROZEN_SCHEMA_VERSION, judgeRevision, type Revision } from './revisions.ts';
import { checkedSteps, distributionJsonOf, encodeJson, encodeTrialAttrs, RowDecoder, setKey, storedValue, valueType } from './rowCodec.ts';
import { REQUIRED_COLUMNS } from './schema.ts';
import { LIBRARY_VERSION } from './optunaSqliteStorage.ts';
import { parseStudyUrl, type StudyUrl } from './studyUrl.ts';
import { addAttrs, addIntermediates, addParams, addValues, trialShells, type AttrRow, type IntermediateRaw, type ParamRaw, type TrialRow, type ValueRaw } from './trialAssembly.ts';
import { StateIndex, TrialCache } from './trialCache.ts';
import { bestTrialOrderSql, checkParamDistribution, finishOutcome, valueCount, unfinishedTrialRow, zeroCounts } from './trialRules.ts';
import { StudyError, type CreateTrialOptions, type AsyncStudyStorage, type NewTrial, type StudyInfo, type StudySummary } from './types.ts';

export interface OpenPostgresStorageOptions {
  /** Create Optuna's tables when the database has none of them (an empty database). */
  create?: boolean;
  /** Nothing in the database changes; writes throw StudyError('READ_ONLY'). */
  readonly?: boolean;
  /** Connections in this process's pool for the URL (shared by every storage on it). */
  poolSize?: number;
  /** Backoff and patience while the database is away (default DEFAULT_RECONNECT, patience from
   * SWEEPDECK_PG_PATIENCE_SECONDS). Opening does not wait: a URL that does not answer fails at once. */
  reconnect?: Partial<ReconnectPolicy>;
  /** Told once when the connection is lost, at each wait, and once when it is back (default: the
   * lost and back lines on stderr). */
  onConnectionNotice?: (n: OutageNotice) => void;
  /** How long an open waits for a schema another program is creating right now (Python Optuna
   * creates its tables, then its version rows, in separate steps): default SCHEMA_SETTLE_MS. */
  schemaSettleMs?: number;
  /** Told once when the open waits for such a schema (default: a line on stderr). */
  onSchemaWait?: (message: string) => void;
}

export const SCHEMA_SETTLE_MS = 15_000;
const SCHEMA_POLL_MS = 200;

const TRIAL_COLS = 'trial_id, number, study_id, state::text AS state, datetime_start::text AS datetime_start, datetime_complete::text AS datetime_complete';
/**
 * Our heartbeats are stamped this much before the server's time. Python Optuna 3.1 judges a
 * heartbeat by `(now - heartbeat).seconds > grace_period`, with `now` read when its check's
 * transaction began: a heartbeat written after that moment gives a negative difference, whose
 * `.seconds` is about 86,400, so it fails a trial that has just beaten (seen with Python workers
 * beside ours). Setting ours back keeps them behind any check that starts while they are written.
 * Our own stale rule adds the lag back, so our grace periods are unchanged; Python workers see our
 * heartbeats this much older (keep their grace_period above our stale age plus this).
 */
export const HEARTBEAT_LAG_SECONDS = 1;
const INTERMEDIATE_UPSERT = 'ON CONFLICT (trial_id, step) DO UPDATE SET intermediate_value = excluded.intermediate_value, intermediate_value_type = excluded.intermediate_value_type';
/** pg_advisory_xact_lock key for schema creation ('swdk' as a number): two first workers do not
 * both create the tables. */
const SCHEMA_LOCK = 0x7377646b;

type Queryable = pg.PoolClient;
type StudyRow = { study_id: number; study_name: string };
/** A state-index row: trial_id, study_id, state, and whether it is RUNNING without a heartbeat. */
type IndexRow = [number, number, string, boolean];
/** State-index rows read with a claim's BEGIN, for the index as it stood then (key: its mark and open ids). */
type PrefetchedIndex = { studyId: number; key: string; rows: IndexRow[] };

/** The statement that brings a StateIndex up to date: the rows last seen open and the rows above
 * the mark (disjoint: open ids are at most the mark); each RUNNING row says whether it has a
 * heartbeat, for the claim's budget (looked up for those rows only: a NOT EXISTS there is planned
 * as a scan of every heartbeat the study ever had). Given placeholders, or literals (for a simple
 * query). */
const indexSql = (openIds: string, mark: string, studyId: string): string =>
  `WITH t AS (SELECT trial_id, study_id, state FROM trials WHERE trial_id = ANY(${openIds}) OR (trial_id > ${mark} AND study_id = ${studyId})),
       h AS (SELECT trial_id FROM trial_heartbeats WHERE trial_id = ANY(ARRAY(SELECT trial_id FROM t WHERE state = 'RUNNING')))
       SELECT t.trial_id, t.study_id, t.state::text AS state, t.state = 'RUNNING' AND t.trial_id <> ALL(ARRAY(SELECT trial_id FROM h)) AS elsewhere FROM t ORDER BY t.trial_id`;
const INDEX_SQL = indexSql('$1::int[]', '$2', '$3');
const indexKey = (ix: StateIndex | undefined): string => (ix ? `${ix.mark}:${ix.openIds().join(',')}` : '0:');

/** Names for the statements this process sends, so each connection parses and plans a statement
 * once (a named prepared statement) instead of on every call: the server's share of a trial is
 * mostly the parsing and planning of a few statements. Bounded: statement texts are built from a
 * few shapes, and one made of a study's data beyond the bound is sent unnamed. */
const statementNames = new Map<string, string>();
const MAX_NAMED_STATEMENTS = 500;
function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_NAMED_STATEMENTS) statementNames.set(text, (name = `sweepdeck_${statementNames.size}`));
  return name;
}

async function rows<R>(c: Queryable, text: string, values: unknown[] = []): Promise<R[]> {
  return (await c.query({ name: statementName(text), text, values })).rows as R[];
}
async function arrays<R extends unknown[]>(c: Queryable, text: string, values: unknown[] = []): Promise<R[]> {
  return (await c.query({ name: statementName(text), text, values, rowMode: 'array' })).rows as R[];
}

/** Opens (and with create, sets up) the Optuna schema at a postgresql:// URL. Reads only, unless
 * create is set and the database has no Optuna table at all. */
export async function openPostgresStudyStorage(location: string, opts: OpenPostgresStorageOptions = {}): Promise<OptunaPostgresStorage> {
  const url = parseStudyUrl(location);
  const policy = reconnectPolicy(opts.reconnect);
  const pool = acquirePool(url, opts.poolSize ?? DEFAULT_POOL_SIZE);
  try {
    const revision = await prepareSchema(url, pool, opts.create === true && opts.readonly !== true, {
      settleMs: opts.schemaSettleMs ?? SCHEMA_SETTLE_MS,
      onWait: opts.onSchemaWait ?? ((m) => process.stderr.write(`${m}\n`)),
    });
    return new OptunaPostgresStorage(url, pool, revision, opts.readonly === true, {
      policy,
      notify: opts.onConnectionNotice ?? ((n) => n.kind !== 'retry' && process.stderr.write(`${n.message}\n`)),
    });
  } catch (e) {
    await releasePool(pool);
    throw asPostgresError(url, e, pool);
  }
}

async function readLayout(c: Queryable): Promise<Map<string, Set<string>>> {
  const cols = await rows<{ table_name: string; column_name: string }>(
    c,
    'SELECT table_name::text AS table_name, column_name::text AS column_name FROM information_schema.columns WHERE table_schema = current_schema()',
  );
  const tables = new Map<string, Set<string>>();
  for (const r of cols) {
    let s = tables.get(r.table_name);
    if (!s) tables.set(r.table_name, (s = new Set()));
    s.add(r.column_name);
  }
  return tables;
}

async function prepareSchema(url: StudyUrl, pool: pg.Pool, create: boolean, settle: { settleMs: number; onWait: (message: string) => void }): Promise<Revision> {
  const c = await checkOut(pool);
  try {
    let tables = await readLayout(c);
    const required = Object.keys(REQUIRED_COLUMNS);
    const none = required.every((t) => t === 'alembic_version' || !tables.has(t));
    if (none && create) {
      await c.query('BEGIN');
      try {
        await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
        tables = await readLayout(c);
        if (required.every((t) => !tables.has(t))) {
          for (const ddl of [...PG_ENUM_DDL, ...PG_TABLE_DDL]) await c.query(ddl);
          await c.query('INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (1, $1, $2)', [FROZEN_SCHEMA_VERSION, LIBRARY_VERSION]);
        }
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK');
        throw e;
      }
      tables = await readLayout(c);
    }
    // A schema half made is most likely being made now (a first Python worker): waited for a while,
    // then judged as it stands.
    const deadline = Date.now() + settle.settleMs;
    for (let told = false; ; told = true) {
      const judged = await judgeSchema(url, c, tables);
      if ('revision' in judged) return judged.revision;
      if (!judged.forming || Date.now() >= deadline) throw judged.error;
      if (!told) settle.onWait(`${url.redacted}: the Optuna schema there is incomplete, as while another worker (Python Optuna, or Sweepdeck) creates it; waiting up to ${Math.round(settle.settleMs / 1000)} s for it.`);
      await new Promise((r) => setTimeout(r, SCHEMA_POLL_MS));
      tables = await readLayout(c);
    }
  } finally {
    c.release();
  }
}

/** The schema's revision, or why it is not one Sweepdeck opens; `forming`: the tables or version
 * rows are partly there, as while another program creates them. */
async function judgeSchema(url: StudyUrl, c: Queryable, tables: Map<string, Set<string>>): Promise<{ revision: Revision } | { error: StudyError; forming: boolean }> {
  const required = Object.keys(REQUIRED_COLUMNS);
  try {
    const missing = required.filter((t) => !tables.has(t));
    if (required.every((t) => t === 'alembic_version' || !tables.has(t))) {
      const names = [...tables.keys()].sort();
      const what = names.length === 0 ? 'has no tables' : `has tables ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''} but none of Optuna's`;
      throw new StudyError(
        'NOT_OPTUNA',
        `${url.redacted}: the database ${what}: no Optuna schema. Start a sweep on it with Sweepdeck (it creates the schema in an empty database) or create a study there with Python Optuna, or fix the database name. Nothing was changed.`,
      );
    }
    if (missing.length > 0) {
      throw new StudyError('NOT_OPTUNA', `${url.redacted}: the database has some of Optuna's tables but lacks ${missing.join(', ')}; it is not a complete Optuna schema. Nothing was changed.`);
    }
    for (const [table, cols] of Object.entries(REQUIRED_COLUMNS)) {
      const lack = cols.filter((col) => !tables.get(table)?.has(col));
      if (lack.length > 0) throw new StudyError('NOT_OPTUNA', `${url.redacted}: table ${table} lacks column(s) ${lack.join(', ')} of Optuna's schema. Nothing was changed.`);
    }
    const nums = await rows<{ version_num: string }>(c, 'SELECT version_num FROM alembic_version');
    const vi = (await rows<{ schema_version: unknown }>(c, 'SELECT schema_version FROM version_info WHERE version_info_id = 1'))[0];
    try {
      return { revision: judgeRevision({ place: url.redacted, noun: 'database', storageUrl: url.redacted }, nums.map((r) => r.version_num), vi) };
    } catch (e) {
      if (e instanceof StudyError) return { error: e, forming: nums.length === 0 && vi === undefined };
      throw e;
    }
  } catch (e) {
    if (!(e instanceof StudyError)) throw e;
    const present = required.filter((t) => tables.has(t) && t !== 'alembic_version');
    const missing = required.filter((t) => !tables.has(t));
    return { error: e, forming: present.length > 0 && missing.length > 0 };
  }
}

export class OptunaPostgresStorage implements AsyncStudyStorage {
  /** The study URL without its password. */
  readonly path: string;
  private readonly trials = new TrialCache();
  private readonly stateIndexes = new Map<number, StateIndex>();
  private readonly firstDist = new Map<string, Distribution>();
  private readonly decoder: RowDecoder;
  /** Set on the view runInWriteTransaction hands out: its calls join that transaction. */
  private bound: Queryable | null = null;
  /** The study row a transaction view holds FOR UPDATE (runInWriteTransaction's lockStudy). */
  /** Objectives per study (from study_directions, fixed at creation). A Map shared by the views. */
  private readonly objectiveCounts = new Map<number, number>();
  /** Directions per study (fixed at creation), for getBestTrial. */
  private readonly studyDirections = new Map<number, Direction[]>();
  /** Studies whose state index this transaction view refreshed under the study-row lock. */
  private indexedUnderLock: Set<number> = new Set();
  private lockedStudy: { study_id: number; study_name: string } | null = null;
  /** Set on a claim's transaction view: the state-index rows read with its BEGIN (used once). */
  private prefetchedIndex: PrefetchedIndex | null = null;
  /** Per study, from the last state-index refresh: RUNNING trials without a heartbeat. */
  private readonly runningWithoutHeartbeat = new Map<number, number>();
  /** The study of each trial this process created or took: finishTrial's one-statement path. */
  private readonly trialStudies = new Map<number, number>();
  /** The caches above are brought up to date by one call at a time: two concurrent refreshes from
   * the same mark (a runner counting while it claims) would otherwise both add the same trials.
   * An object, so the transaction views (Object.create) share it. */
  private readonly cacheGate: { tail: Promise<unknown> } = { tail: Promise.resolve() };
  private closed = false;
  private readonly reconnect: ReconnectPolicy;
  private readonly watch: ConnectionWatch;

  constructor(
    private readonly url: StudyUrl,
    private readonly pool: pg.Pool,
    readonly revision: Revision,
    readonly readonly: boolean,
    outages: { policy: ReconnectPolicy; notify: (n: OutageNotice) => void },
  ) {
    this.path = url.redacted;
    this.decoder = new RowDecoder(url.redacted);
    this.reconnect = outages.policy;
    this.watch = new ConnectionWatch(url.redacted, outages.policy, outages.notify);
  }

  // ---- transactions ----

  // Outages. Every call is one transaction; when the connection is lost (isConnectionLoss: errno or
  // SQLSTATE class 08/57P0x, never a statement's own error) the call waits with backoff and runs
  // again, for at most the reconnect patience. Whether running it again is safe:
  // - Reads (listStudies, getTrials, countTrials, ...): always; they change nothing.
  // - Writes that lost the connection before COMMIT was sent: the server rolls back a transaction
  //   whose connection is gone, so none of it was saved and running it again saves it once.
  // - Writes that lost the connection after COMMIT was sent are in doubt. They are never simply
  //   run again: createTrial would make a second trial and popWaitingTrial take a second one. The
  //   server is asked instead (txid_status of the transaction id read before COMMIT): committed ->
  //   the call returns what its transaction returned; aborted -> it runs again; in progress -> ask
  //   again after the next wait; unknown (too old) -> StudyError('COMMIT_UNKNOWN').
  // Per method, running again after an abort is harmless: createTrial/popWaitingTrial/createStudy
  // redo their work from the current state (a fresh number, the next WAITING trial, STUDY_EXISTS
  // if someone else made it meanwhile); param, intermediate, attr and heartbeat writes are upserts
  // of the same value; finishTrial and failTrial re-check that the trial is still unfinished;
  // failStaleTrials re-judges staleness. A runInWriteTransaction body runs again as a whole, as it
  // already does after a deadlock, so it must only touch the database.
  /** Runs f once every earlier cache refresh of this storage is done. f never waits for a lock of
   * the database while it holds the gate, only for its own queries. */
  private withCaches<T>(f: () => Promise<T>): Promise<T> {
    const run = this.cacheGate.tail.then(f, f);
    this.cacheGate.tail = run.catch(() => undefined);
    return run;
  }

  /**
   * kind 'autocommit': f runs one write statement, atomic by itself, with no BEGIN and COMMIT round
   * trips. Its commit is in doubt whenever the connection is lost after it was sent; `settle` then
   * asks the database whether it took effect (by what the statement wrote: its own marks) and gives
   * its result, or null when it did not (it runs again).
   */
  private async tx<T>(
    kind: 'read' | 'write' | 'statement' | 'autocommit',
    f: (c: Queryable, locked: StudyRow | null, index?: PrefetchedIndex) => Promise<T>,
    lockStudy?: number,
    settle?: (c: Queryable) => Promise<{ result: T } | null>,
  ): Promise<T> {
    if (this.closed) throw new Error(`${this.path}: the study storage is closed.`);
    if ((kind === 'write' || kind === 'autocommit') && this.readonly) throw new StudyError('READ_ONLY', `${this.path}: opened read-only; nothing was changed.`);
    if (this.bound) return f(this.bound, null);
    const backoff = new Backoff(this.reconnect);
    let doubt: CommitInDoubt | undefined;
    for (let rolledBack = 0; ; ) {
      try {
        if (doubt && doubt.xid === null) {
          // An autocommit statement: the database says whether it took effect.
          const settled = settle ? await this.onConnection(settle) : null;
          if (settled) {
            this.watch.back();
            return settled.result;
          }
          doubt = undefined;
        }
        if (doubt && doubt.xid !== null) {
          const status = await this.commitStatus(doubt.xid);
          if (status === 'committed') {
            this.watch.back();
            return doubt.result as T;
          }
          if (status === null) {
            throw new StudyError(
              'COMMIT_UNKNOWN',
              `${this.path}: the connection was lost while a change was being committed, and the server no longer knows whether transaction ${doubt.xid} committed. Look at the study (the last trial's state) before running again.`,
            );
          }
          // 'in progress': the old session still holds it; ask again after the next wait.
          if (status === 'aborted') doubt = undefined;
        }
        if (!doubt) {
          const out = await this.txOnce(kind, f, lockStudy);
          this.watch.back();
          return out;
        }
      } catch (e) {
        if (e instanceof CommitInDoubt) doubt = e;
        const lost = e instanceof CommitInDoubt ? e.lostWith : e;
        if (e instanceof CommitInDoubt || isConnectionLoss(e)) {
          await this.waitToReconnect(backoff, lost, doubt !== undefined);
          continue;
        }
        const code = (e as { code?: unknown }).code;
        if (typeof code === 'string' && ROLLED_BACK_SQLSTATE.has(code) && rolledBack++ < 3) continue;
        throw asPostgresError(this.url, e, this.pool);
      }
      // Still in doubt ('in progress'): wait, then ask again.
      await this.waitToReconnect(backoff, doubt?.lostWith, true);
    }
  }

  /** Announces the outage, waits the next backoff delay, or throws when patience is spent. */
  private async waitToReconnect(backoff: Backoff, lost: unknown, inDoubt: boolean): Promise<void> {
    const reason = connectionReason(this.url, lost);
    this.watch.lost(reason);
    const delay = backoff.next();
    if (delay === null) throw this.outOfPatience(backoff, lost, inDoubt);
    this.watch.retry(delay, reason);
    await sleep(delay);
  }

  /** One try of a transaction. Throws CommitInDoubt when a write's COMMIT went out and its answer
   * was lost with the connection; any other error as it came. */
  private async txOnce<T>(kind: 'read' | 'write' | 'statement' | 'autocommit', f: (c: Queryable, locked: StudyRow | null, index?: PrefetchedIndex) => Promise<T>, lockStudy?: number): Promise<T> {
    const c = await checkOut(this.pool);
    let broken: Error | undefined;
    let xid: string | null = null;
    let out: T | undefined;
    let committing = false;
    let index: PrefetchedIndex | undefined;
    try {
      // Reads see one snapshot across their several SELECTs; writes run at READ COMMITTED with
      // Optuna's row locks, so they interleave with Python Optuna's writes as Optuna's own do.
      // 'statement': f runs one read statement, which sees one snapshot by itself: no transaction.
      if (kind === 'statement') return await f(c, null);
      if (kind === 'autocommit') {
        committing = true;
        return await f(c, null);
      }
      let locked: StudyRow | null = null;
      if (kind === 'read') await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      else {
        // The id to ask about if the COMMIT's answer is lost, taken with BEGIN in one round trip (a
        // simple query of two statements): every write transaction pays one fewer.
        // With lockStudy, the study row's lock (Optuna's trial-creation lock) is taken in the same
        // round trip; a simple query takes no parameters, so the id goes in as a checked integer.
        // A claim counts under the lock first: the study's state index is brought up to date in the
        // same round trip too (read for the index as it stands now; used only if it still does).
        const lock = lockStudy !== undefined && Number.isSafeInteger(lockStudy) ? `; SELECT study_id, study_name FROM studies WHERE study_id = ${lockStudy} FOR UPDATE` : '';
        const ix = lock ? this.stateIndexes.get(lockStudy!) : undefined;
        const openIds = ix ? ix.openIds() : [];
        const literal = lock !== '' && Number.isSafeInteger(ix?.mark ?? 0) && openIds.every((id) => Number.isSafeInteger(id));
        const refresh = literal ? `; ${indexSql(`'{${openIds.join(',')}}'::int[]`, String(ix?.mark ?? 0), String(lockStudy))}` : '';
        const begun = (await c.query(`BEGIN; SELECT txid_current()::text AS xid${lock}${refresh}`)) as unknown as pg.QueryResult[];
        xid = (begun[1]?.rows[0] as { xid?: string } | undefined)?.xid ?? null;
        if (lock) {
          locked = (begun[2]?.rows[0] as StudyRow | undefined) ?? null;
          if (!locked) throw new StudyError('STUDY_NOT_FOUND', `${this.path}: no study with id ${lockStudy}.`);
        }
        if (refresh) {
          const rs = (begun[3]?.rows ?? []) as Array<{ trial_id: number; study_id: number; state: string; elsewhere: boolean }>;
          index = { studyId: lockStudy!, key: indexKey(ix), rows: rs.map((r) => [r.trial_id, r.study_id, r.state, r.elsewhere]) };
        }
      }
      out = await f(c, locked, index);
      committing = true;
      await c.query('COMMIT');
      return out;
    } catch (e) {
      if (kind === 'write' || kind === 'autocommit') this.forgetUncommitted();
      if (isConnectionLoss(e)) {
        // The connection is gone: no ROLLBACK to send (the server rolls back on its own).
        broken = e as Error;
        if (committing && (xid !== null || kind === 'autocommit')) throw new CommitInDoubt(xid, out, e);
        throw e;
      }
      if (kind !== 'statement' && kind !== 'autocommit') {
        try {
          await c.query('ROLLBACK');
        } catch (e2) {
          broken = e2 as Error;
        }
      }
      throw e;
    } finally {
      // A connection that failed is dropped, not reused.
      c.release(broken);
    }
  }

  /** txid_status of a transaction whose COMMIT's answer was lost: committed, aborted, in progress,
   * or null when the server no longer remembers it. */
  private async commitStatus(xid: string): Promise<string | null> {
    return this.onConnection(async (c) => (await rows<{ s: string | null }>(c, 'SELECT txid_status($1::bigint) AS s', [xid]))[0]?.s ?? null);
  }

  /** f on a connection of the pool, outside any transaction (a connection that fails is dropped). */
  private async onConnection<T>(f: (c: Queryable) => Promise<T>): Promise<T> {
    const c = await checkOut(this.pool);
    let broken: Error | undefined;
    try {
      return await f(c);
    } catch (e) {
      broken = e as Error;
      throw e;
    } finally {
      c.release(broken);
    }
  }

  private outOfPatience(backoff: Backoff, lost: unknown, inDoubt: boolean): StudyError {
    return new StudyError(
      'UNREACHABLE',
      `${this.path}: the database did not come back within ${(backoff.waitedMs / 1000).toFixed(0)} s (${backoff.attempts} reconnect attempts; last: ${connectionReason(this.url, lost)}). ` +
        (inDoubt
          ? 'The last change was being committed when the connection was lost: it may or may not be in the study. '
          : 'The last change was not saved; everything committed before it is in the study. ') +
        `Check the server; to wait longer through maintenance, set ${PATIENCE_ENV} (seconds).`,
    );
  }

  /** What the caches learnt inside a rolled-back write may never have been committed. */
  private forgetUncommitted(): void {
    this.stateIndexes.clear();
    this.firstDist.clear();
    this.trials.clear();
  }

  /**
   * Runs fn in one write transaction; the storage handed to fn joins it. With lockStudy, the study
   * row is locked first (Optuna's trial-creation lock), so a caller can check a budget and create a
   * trial atomically across machines, Python Optuna's creators included. The lock blocks other
   * creators until commit: keep fn short.
   */
  async runInWriteTransaction<T>(fn: (tx: OptunaPostgresStorage) => Promise<T>, opts: { lockStudy?: number } = {}): Promise<T> {
    return this.tx(
      'write',
      async (c, lockedRow, index) => {
        // The lock came with BEGIN, unless this runs inside another transaction.
        const locked = opts.lockStudy === undefined ? null : (lockedRow ?? (await this.studyRow(c, opts.lockStudy, true)));
        const view = Object.create(this) as OptunaPostgresStorage;
        view.bound = c;
        view.lockedStudy = locked;
        view.prefetchedIndex = index ?? null;
        view.indexedUnderLock = new Set();
        return fn(view);
      },
      opts.lockStudy,
    );
  }

  // ---- studies ----

  private async studyRow(c: Queryable, studyId: number, forUpdate = false): Promise<{ study_id: number; study_name: string }> {
    // Inside runInWriteTransaction({ lockStudy }) the row is already read and held: it cannot change
    // before commit, so the claim's later steps need not read it again.
    if (this.bound && this.lockedStudy?.study_id === studyId) return this.lockedStudy;
    const r = (await rows<{ study_id: number; study_name: string }>(c, `SELECT study_id, study_name FROM studies WHERE study_id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [studyId]))[0];
    if (!r) throw new StudyError('STUDY_NOT_FOUND', `${this.path}: no study with id ${studyId}.`);
    return r;
  }

  private async directionsOf(c: Queryable, studyId: number, name: string): Promise<Direction[]> {
    const rs = await rows<{ direction: string }>(c, 'SELECT direction::text AS direction FROM study_directions WHERE study_id = $1 ORDER BY objective', [studyId]);
    return rs.map((r) => this.decoder.direction(r.direction, name));
  }

  private async attrsOf(c: Queryable, table: 'study_user_attributes' | 'study_system_attributes', studyId: number): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const r of await rows<AttrRow>(c, `SELECT "key" AS key, value_json FROM ${table} WHERE study_id = $1 ORDER BY 1`, [studyId])) {
      setKey(out, r.key, this.decoder.json(r.value_json, `${table} '${r.key}' of study ${studyId}`));
    }
    return out;
  }

  private async studyInfo(c: Queryable, studyId: number): Promise<StudyInfo> {
    const row = await this.studyRow(c, studyId);
    return {
      studyId,
      name: row.study_name,
      directions: await this.directionsOf(c, studyId, row.study_name),
      userAttrs: await this.attrsOf(c, 'study_user_attributes', studyId),
      systemAttrs: await this.attrsOf(c, 'study_system_attributes', studyId),
    };
  }

  private async bestRow(c: Queryable, studyId: number, direction: Direction): Promise<{ trial_id: number; number: number | null; value: number | null; value_type: string } | undefined> {
    return (
      await rows<{ trial_id: number; number: number | null; value: number | null; value_type: string }>(
        c,
        `SELECT t.trial_id, t.number, v.value, v.value_type::text AS value_type FROM trials t JOIN trial_values v ON v.trial_id = t.trial_id AND v.objective = 0 ` +
          `WHERE t.study_id = $1 AND t.state = 'COMPLETE' ${bestTrialOrderSql(direction)} LIMIT 1`,
        [studyId],
      )
    )[0];
  }

  async listStudies(): Promise<StudySummary[]> {
    return this.tx('read', async (c) => {
      const studies = await rows<{ study_id: number }>(c, 'SELECT study_id FROM studies ORDER BY study_id');
      const counts = await rows<{ study_id: number; state: string; n: string }>(c, 'SELECT study_id, state::text AS state, COUNT(*) AS n FROM trials GROUP BY study_id, state');
      const out: StudySummary[] = [];
      for (const { study_id } of studies) {
        const info = await this.studyInfo(c, study_id);
        const n = zeroCounts();
        for (const r of counts) if (r.study_id === study_id && r.state in n) n[r.state as TrialState] += Number(r.n);
        const best = info.directions.length === 1 ? await this.bestRow(c, study_id, info.directions[0] as Direction) : undefined;
        out.push({ ...info, counts: n, best: best ? { number: best.number ?? -1, value: storedValue(best.value, best.value_type) } : null });
      }
      return out;
    });
  }

  async getStudy(name: string): Promise<StudyInfo | undefined> {
    return this.tx('read', async (c) => {
      const r = (await rows<{ study_id: number }>(c, 'SELECT study_id FROM studies WHERE study_name = $1', [name]))[0];
      return r ? this.studyInfo(c, r.study_id) : undefined;
    });
  }

  /** The study of that name, or StudyError('STUDY_NOT_FOUND') naming the URL and the studies there. */
  async loadStudy(name: string): Promise<StudyInfo> {
    const info = await this.getStudy(name);
    if (info) return info;
    const names = await this.tx('read', async (c) => (await rows<{ study_name: string }>(c, 'SELECT study_name FROM studies ORDER BY study_id LIMIT 21')).map((r) => r.study_name));
    const here = names.length === 0 ? 'the database has no studies' : `studies here: ${names.slice(0, 20).map((n) => `'${n}'`).join(', ')}${names.length > 20 ? ', ...' : ''}`;
    throw new StudyError('STUDY_NOT_FOUND', `${this.path}: no study named '${name}' (${here}). Check the study name (--study, or study_name in the config). Nothing was changed.`);
  }

  async createStudy(name: string, directions: Direction[]): Promise<StudyInfo> {
    if (directions.length === 0) throw new Error(`createStudy('${name}'): at least one direction is needed.`);
    return this.tx('write', async (c) => {
      if ((await rows(c, 'SELECT 1 FROM studies WHERE study_name = $1', [name])).length > 0) {
        throw new StudyError('STUDY_EXISTS', `${this.path}: a study named '${name}' already exists; load it, or choose another study_name.`);
      }
      let studyId: number;
      try {
        studyId = (await rows<{ study_id: number }>(c, 'INSERT INTO studies (study_name) VALUES ($1) RETURNING study_id', [name]))[0]!.study_id;
      } catch (e) {
        // Another process created it between our check and our insert.
        if ((e as { code?: unknown }).code === '23505') throw new StudyError('STUDY_EXISTS', `${this.path}: a study named '${name}' already exists; load it, or choose another study_name.`);
        throw e;
      }
      for (const [i, d] of directions.entries()) {
        await c.query('INSERT INTO study_directions (direction, study_id, objective) VALUES ($1, $2, $3)', [d === 'maximize' ? 'MAXIMIZE' : 'MINIMIZE', studyId, i]);
      }
      return { studyId, name, directions: [...directions], userAttrs: {}, systemAttrs: {} };
    });
  }

  async setStudyUserAttr(studyId: number, key: string, value: unknown): Promise<void> {
    await this.setStudyAttr('study_user_attributes', studyId, key, value);
  }

  async setStudySystemAttr(studyId: number, key: string, value: unknown): Promise<void> {
    await this.setStudyAttr('study_system_attributes', studyId, key, value);
  }

  private async setStudyAttr(table: 'study_user_attributes' | 'study_system_attributes', studyId: number, key: string, value: unknown): Promise<void> {
    const json = encodeJson(value, `${table} '${key}'`);
    await this.tx('write', async (c) => {
      await this.studyRow(c, studyId);
      await c.query(`INSERT INTO ${table} (study_id, "key", value_json) VALUES ($1, $2, $3) ON CONFLICT (study_id, "key") DO UPDATE SET value_json = excluded.value_json`, [studyId, key, json]);
    });
  }

  /** Writes a study system attr only when the study has none under that key, or null there (the
   * unique (study_id, key) constraint and the row lock decide between racing workers); true when
   * this call wrote it. */
  async insertStudySystemAttr(studyId: number, key: string, value: unknown): Promise<boolean> {
    const json = encodeJson(value, `study_system_attributes '${key}'`);
    return this.tx('write', async (c) => {
      await this.studyRow(c, studyId);
      const r = await rows(c, 'INSERT INTO study_system_attributes AS a (study_id, "key", value_json) VALUES ($1, $2, $3) ON CONFLICT (study_id, "key") DO UPDATE SET value_json = excluded.value_json WHERE a.value_json = \'null\' RETURNING a.study_id', [studyId, key, json]);
      return r.length === 1;
    });
  }

  /** Removes a study system attr (e.g. a stop request once a sweep is started again). */
  async deleteStudySystemAttr(studyId: number, key: string): Promise<void> {
    await this.tx('write', async (c) => {
      await this.studyRow(c, studyId);
      await c.query('DELETE FROM study_system_attributes WHERE study_id = $1 AND "key" = $2', [studyId, key]);
    });
  }

  /** The study's StateIndex brought up to date inside the caller's transaction. */
  private async stateIndex(c: Queryable, studyId: number): Promise<StateIndex> {
    // Under the study-row lock no trial of the study can be created by anyone else, so an index
    // refreshed earlier in the same transaction (the claim's budget count) still has every trial:
    // createTrial, which only needs the total, does not read it again.
    const locked = this.bound !== null && this.lockedStudy?.study_id === studyId;
    if (locked && this.indexedUnderLock.has(studyId)) {
      const known = this.stateIndexes.get(studyId);
      if (known) return known;
    }
    let ix = this.stateIndexes.get(studyId);
    if (!ix) {
      ix = new StateIndex();
      this.stateIndexes.set(studyId, ix);
    }
    // One statement (INDEX_SQL), or its rows as read with the claim's BEGIN when they were read for
    // the index as it stands (nothing refreshed it in between).
    const pre = this.prefetchedIndex;
    this.prefetchedIndex = null;
    const rs = pre && locked && pre.studyId === studyId && pre.key === indexKey(ix) ? pre.rows : await arrays<IndexRow>(c, INDEX_SQL, [ix.openIds(), ix.mark, studyId]);
    const again: Array<[number, number, string]> = [];
    const fresh: Array<[number, string]> = [];
    let withoutHeartbeat = 0;
    for (const [id, sid, state, elsewhere] of rs) {
      if (ix.open.has(id)) again.push([id, sid, state]);
      else fresh.push([id, state]);
      if (elsewhere) withoutHeartbeat++;
    }
    if (ix.open.size > 0 && !ix.applyOpen(again, studyId)) {
      this.stateIndexes.delete(studyId);
      return this.stateIndex(c, studyId);
    }
    ix.applyFresh(fresh);
    // Every RUNNING trial of the study was in the rows (open before, or above the mark).
    this.runningWithoutHeartbeat.set(studyId, withoutHeartbeat);
    if (locked) this.indexedUnderLock.add(studyId);
    return ix;
  }

  /** The counts by state and how many RUNNING trials have no heartbeat (running elsewhere), from one
   * statement: what a claim's budget check needs (under the study lock, exact). */
  async claimCounts(studyId: number): Promise<{ counts: Record<TrialState, number>; runningWithoutHeartbeat: number }> {
    return this.withCaches(() =>
      this.tx('read', async (c) => {
        await this.studyRow(c, studyId);
        const counts = (await this.stateIndex(c, studyId)).counts();
        return { counts, runningWithoutHeartbeat: this.runningWithoutHeartbeat.get(studyId) ?? 0 };
      }),
    );
  }

  async countTrials(studyId: number): Promise<Record<TrialState, number>> {
    // The gate first, then the snapshot: a refresh never applies a snapshot older than the last.
    return this.withCaches(() =>
      this.tx('read', async (c) => {
        await this.studyRow(c, studyId);
        return (await this.stateIndex(c, studyId)).counts();
      }),
    );
  }

  // ---- trials: writes ----

  private async unfinishedTrial(c: Queryable, trialId: number, what: string): Promise<TrialRow> {
    // FOR UPDATE, as Optuna's writes lock the trial: a concurrent finish waits, then sees FINISHED.
    const r = (await rows<TrialRow>(c, `SELECT ${TRIAL_COLS} FROM trials WHERE trial_id = $1 FOR UPDATE`, [trialId]))[0];
    return unfinishedTrialRow(this.path, trialId, r, what);
  }

  private async writeParam(c: Queryable, studyId: number, trialId: number, name: string, value: ParamValue, d: Distribution): Promise<void> {
    await this.writeParams(c, studyId, trialId, [[name, { value, distribution: d }]]);
  }

  /** Checks each param against the study's first distribution of that name, then writes them all
   * in one statement (names are distinct: they come from an object). */
  private async writeParams(c: Queryable, studyId: number, trialId: number, params: ReadonlyArray<readonly [string, { value: ParamValue; distribution: Distribution }]>): Promise<void> {
    if (params.length === 0) return;
    const checked = await this.checkParams(c, studyId, params);
    const values: unknown[] = [trialId, ...checked.rows.flat()];
    const tuples = params.map((_, i) => `($1, $${3 * i + 2}, $${3 * i + 3}, $${3 * i + 4})`).join(', ');
    await c.query(
      `INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES ${tuples} ON CONFLICT (trial_id, param_name) DO UPDATE SET param_value = excluded.param_value, distribution_json = excluded.distribution_json`,
      values,
    );
    for (const [key, d] of checked.fresh) this.firstDist.set(key, d);
  }

  /** Each param checked against the study's first distribution of its name: the rows to store
   * (name, internal value, distribution_json), and the first distributions to remember once stored. */
  private async checkParams(
    c: Queryable,
    studyId: number,
    params: ReadonlyArray<readonly [string, { value: ParamValue; distribution: Distribution }]>,
  ): Promise<{ rows: Array<[string, number, string]>; fresh: Array<[string, Distribution]> }> {
    const out: Array<[string, number, string]> = [];
    const fresh: Array<[string, Distribution]> = [];
    for (const [name, { value, distribution: d }] of params) {
      const key = `${studyId}\u0000${name}`;
      let first = this.firstDist.get(key);
      if (!first) {
        const r = (
          await rows<{ distribution_json: string | null }>(
            c,
            'SELECT p.distribution_json FROM trial_params p JOIN trials t ON t.trial_id = p.trial_id WHERE t.study_id = $1 AND p.param_name = $2 ORDER BY p.param_id LIMIT 1',
            [studyId, name],
          )
        )[0];
        if (r) {
          first = this.decoder.distribution(r.distribution_json, `param '${name}'`);
          this.firstDist.set(key, first);
        }
      }
      checkParamDistribution(this.path, name, first, d);
      if (!first) fresh.push([key, d]);
      out.push([name, toInternalRepr(name, d, value), distributionJsonOf(d)]);
    }
    return { rows: out, fresh };
  }

  private async writeTrialAttr(c: Queryable, table: 'trial_user_attributes' | 'trial_system_attributes', trialId: number, key: string, json: string): Promise<void> {
    await c.query(`INSERT INTO ${table} (trial_id, "key", value_json) VALUES ($1, $2, $3) ON CONFLICT (trial_id, "key") DO UPDATE SET value_json = excluded.value_json`, [trialId, key, json]);
  }

  /** Several attrs of one new trial in one statement (keys are distinct: they come from an object). */
  private async writeTrialAttrs(c: Queryable, table: 'trial_user_attributes' | 'trial_system_attributes', trialId: number, attrs: ReadonlyArray<readonly [string, string]>): Promise<void> {
    if (attrs.length === 0) return;
    const tuples = attrs.map((_, i) => `($1, $${2 * i + 2}, $${2 * i + 3})`).join(', ');
    await c.query(`INSERT INTO ${table} (trial_id, "key", value_json) VALUES ${tuples} ON CONFLICT (trial_id, "key") DO UPDATE SET value_json = excluded.value_json`, [trialId, ...attrs.flat()]);
  }

  private async writeIntermediate(c: Queryable, trialId: number, step: number, value: number): Promise<void> {
    const v = valueType(value);
    await c.query(`INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type) VALUES ($1, $2, $3, $4) ${INTERMEDIATE_UPSERT}`, [trialId, step, v.value, v.type]);
  }

  /** Optuna's heartbeat: the server's LOCALTIMESTAMP (its func.now() in a naive column), set back
   * by HEARTBEAT_LAG_SECONDS (see there). */
  private async writeHeartbeat(c: Queryable, trialId: number): Promise<void> {
    await c.query(
      'INSERT INTO trial_heartbeats (trial_id, heartbeat) VALUES ($1, LOCALTIMESTAMP - make_interval(secs => $2::float8)) ON CONFLICT (trial_id) DO UPDATE SET heartbeat = excluded.heartbeat',
      [trialId, HEARTBEAT_LAG_SECONDS],
    );
  }

  /**
   * A new trial, in one statement after the study lock and the count: its row, params, attrs and
   * (RUNNING) first heartbeat. `userAttrsFor` gives user attrs that depend on the trial's number
   * (e.g. its trial dir), written in the same statement.
   */
  async createTrial(studyId: number, opts: CreateTrialOptions = {}, userAttrsFor?: (number: number) => Record<string, unknown>): Promise<NewTrial> {
    const state = opts.state ?? 'RUNNING';
    const sys = encodeTrialAttrs(opts.systemAttrs, 'system');
    const usr = encodeTrialAttrs(opts.userAttrs, 'user');
    const params = Object.entries(opts.params ?? {});
    return this.tx('write', async (c) => {
      // Optuna's lock: every creator (Python's RDBStorage too) holds the study row, so the trials
      // committed when we hold it are all there are, and number = their count below our trial_id.
      await this.studyRow(c, studyId, true);
      const ix = await this.withCaches(() => this.stateIndex(c, studyId));
      let n = ix.total;
      const checked = await this.checkParams(c, studyId, params);
      const userAttrs = userAttrsFor ? encodeTrialAttrs({ ...opts.userAttrs, ...userAttrsFor(n) }, 'user') : usr;
      const now = formatOptunaDatetime(new Date());
      const values: unknown[] = [n, studyId, state, state === 'RUNNING' ? now : null];
      const at = (v: unknown): string => `$${values.push(v)}`;
      const ctes = ['t AS (INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete) VALUES ($1, $2, $3, $4, NULL) RETURNING trial_id)'];
      if (checked.rows.length > 0) {
        const tuples = checked.rows.map(([name, v, dj]) => `(${at(name)}::text, ${at(v)}::float8, ${at(dj)}::text)`).join(', ');
        ctes.push(`p AS (INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) SELECT t.trial_id, v.* FROM t, (VALUES ${tuples}) AS v)`);
      }
      for (const [name, table, attrs] of [['s', 'trial_system_attributes', sys], ['u', 'trial_user_attributes', userAttrs]] as const) {
        if (attrs.length === 0) continue;
        const tuples = attrs.map(([k, j]) => `(${at(k)}::text, ${at(j)}::text)`).join(', ');
        ctes.push(`${name} AS (INSERT INTO ${table} (trial_id, "key", value_json) SELECT t.trial_id, v.* FROM t, (VALUES ${tuples}) AS v)`);
      }
      // Born with a heartbeat, so another worker's failStaleTrials never takes a trial created a
      // moment ago for one a dead worker left behind.
      if (state === 'RUNNING') ctes.push(`h AS (INSERT INTO trial_heartbeats (trial_id, heartbeat) SELECT trial_id, LOCALTIMESTAMP - make_interval(secs => ${at(HEARTBEAT_LAG_SECONDS)}::float8) FROM t)`);
      const trialId = (await rows<{ trial_id: number }>(c, `WITH ${ctes.join(', ')} SELECT trial_id FROM t`, values))[0]!.trial_id;
      for (const [key, d] of checked.fresh) this.firstDist.set(key, d);
      // The index no longer holds every trial (not this one): a later step reads it again.
      this.indexedUnderLock.delete(studyId);
      if (trialId <= ix.mark) {
        // The sequence was reset below existing ids (a restored dump): count instead.
        n = Number((await rows<{ n: string }>(c, 'SELECT COUNT(*) AS n FROM trials WHERE study_id = $1 AND trial_id < $2', [studyId, trialId]))[0]!.n);
        await c.query('UPDATE trials SET number = $1 WHERE trial_id = $2', [n, trialId]);
        if (userAttrsFor) await this.writeTrialAttrs(c, 'trial_user_attributes', trialId, encodeTrialAttrs(userAttrsFor(n), 'user'));
        this.stateIndexes.delete(studyId);
      }
      this.trialStudies.set(trialId, studyId);
      return { trialId, number: n };
    });
  }

  async popWaitingTrial(studyId: number): Promise<NewTrial | null> {
    return this.tx('write', async (c) => {
      await this.studyRow(c, studyId);
      // SKIP LOCKED: a WAITING trial another worker is taking right now is passed over, and the
      // state check in the UPDATE re-reads a row that changed meanwhile, so each is taken once.
      const r = (
        await rows<{ trial_id: number; number: number | null }>(
          c,
          `UPDATE trials SET state = 'RUNNING', datetime_start = $2
           WHERE trial_id = (SELECT trial_id FROM trials WHERE study_id = $1 AND state = 'WAITING' ORDER BY trial_id LIMIT 1 FOR UPDATE SKIP LOCKED) AND state = 'WAITING'
           RETURNING trial_id, number`,
          [studyId, formatOptunaDatetime(new Date())],
        )
      )[0];
      if (!r) return null;
      await this.writeHeartbeat(c, r.trial_id);
      this.trialStudies.set(r.trial_id, studyId);
      return { trialId: r.trial_id, number: r.number ?? 0 };
    });
  }

  async setTrialParam(trialId: number, name: string, value: ParamValue, distribution: Distribution): Promise<void> {
    await this.tx('write', async (c) => {
      const t = await this.unfinishedTrial(c, trialId, `setting param '${name}'`);
      await this.writeParam(c, t.study_id, trialId, name, value, distribution);
    });
  }

  async reportIntermediate(trialId: number, step: number, value: number): Promise<void> {
    if (!Number.isSafeInteger(step) || step < 0) throw new StudyError('BAD_VALUE', `reportIntermediate: step must be a non-negative integer, got ${step}.`);
    if (typeof value !== 'number') throw new StudyError('BAD_VALUE', `reportIntermediate: value must be a number, got ${JSON.stringify(value)}.`);
    const v = valueType(value);
    await this.tx('write', async (c) => {
      // One statement: the trial row locked (as unfinishedTrial does) and the step written only while
      // it is unfinished; the row comes back for the refusal's message.
      const r = (
        await rows<TrialRow>(
          c,
          `WITH t AS (SELECT ${TRIAL_COLS} FROM trials WHERE trial_id = $1 FOR UPDATE),
           i AS (INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type) SELECT trial_id, $2::int, $3::float8, $4::trialintermediatevaluetype FROM t WHERE t.state IN ('RUNNING', 'WAITING') ${INTERMEDIATE_UPSERT})
           SELECT * FROM t`,
          [trialId, step, v.value, v.type],
        )
      )[0];
      unfinishedTrialRow(this.path, trialId, r, `reporting step ${step}`);
    });
  }

  async finishTrial(trialId: number, state: FinishedState, value?: number | readonly number[] | null, steps?: ReadonlyArray<readonly [number, number]>): Promise<void> {
    const unstored = checkedSteps(steps);
    const studyId = this.trialStudies.get(trialId);
    const nObjectives = studyId === undefined ? undefined : this.objectiveCounts.get(studyId);
    const needsLast = state === 'PRUNED' && (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value)));
    const outcome = nObjectives === undefined || needsLast ? null : finishOutcome(state, value, nObjectives, () => undefined);
    if (outcome) {
      // A trial of a known study that needs no stored value: one statement, whose UPDATE re-checks
      // the state on the row's latest version (a concurrent finish makes it change nothing).
      // Autocommit: the statement is the whole transaction. If its answer is lost, the trial's row
      // tells whether it took effect: finished in this state at this very datetime_complete.
      const stamp = formatOptunaDatetime(new Date());
      const settle = async (c: Queryable): Promise<{ result: number } | null> => {
        const r = (await rows<{ state: string; ours: boolean }>(c, 'SELECT state::text AS state, datetime_complete = $2::timestamp AS ours FROM trials WHERE trial_id = $1', [trialId, stamp]))[0];
        return r && r.state === outcome.state && r.ours === true ? { result: 1 } : null;
      };
      const changed = await this.tx('autocommit', async (c) => {
        const values: unknown[] = [outcome.state, stamp, trialId];
        const at = (x: unknown): string => `$${values.push(x)}`;
        // One row per objective, objective index as Optuna writes them.
        let insertValues = '';
        if (outcome.values && outcome.values.length > 0) {
          const tuples = outcome.values.map((x, objective) => {
            const t = valueType(x);
            return `(${at(objective)}::int, ${at(t.value)}::float8, ${at(t.type)}::trialvaluetype)`;
          });
          insertValues = `, v AS (INSERT INTO trial_values (trial_id, objective, value, value_type) SELECT u.trial_id, s.* FROM u, (VALUES ${tuples.join(', ')}) AS s ON CONFLICT (trial_id, objective) DO UPDATE SET value = excluded.value, value_type = excluded.value_type)`;
        }
        // Steps not stored yet go in with the finish, only if it changed the trial.
        let insertSteps = '';
        if (unstored.length > 0) {
          const tuples = unstored.map(([step, iv]) => {
            const t = valueType(iv);
            return `(${at(step)}::int, ${at(t.value)}::float8, ${at(t.type)}::trialintermediatevaluetype)`;
          });
          insertSteps = `, i AS (INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type) SELECT u.trial_id, s.* FROM u, (VALUES ${tuples.join(', ')}) AS s ${INTERMEDIATE_UPSERT})`;
        }
        const n = (await rows<{ n: number }>(c, `WITH u AS (UPDATE trials SET state = $1, datetime_complete = $2 WHERE trial_id = $3 AND state IN ('RUNNING', 'WAITING') RETURNING trial_id)${insertValues}${insertSteps} SELECT COUNT(*)::int AS n FROM u`, values))[0]!.n;
        if (n > 0) return n;
        // Nothing changed. Finished by this very call (a run again after a lost answer, while the
        // first one was still committing): done. Else the trial is gone or finished; say which, as
        // the general path does.
        if (await settle(c)) return 1;
        unfinishedTrialRow(this.path, trialId, (await rows<TrialRow>(c, `SELECT ${TRIAL_COLS} FROM trials WHERE trial_id = $1`, [trialId]))[0], `finishing as ${state}`);
        return 0;
      }, undefined, settle);
      if (changed) this.trialStudies.delete(trialId);
      return;
    }
    await this.tx('write', async (c) => {
      const t = await this.unfinishedTrial(c, trialId, `finishing as ${state}`);
      for (const [step, iv] of unstored) await this.writeIntermediate(c, trialId, step, iv);
      // A study's directions never change once it exists: counted once per study.
      let nObjectives = this.objectiveCounts.get(t.study_id);
      if (nObjectives === undefined) {
        nObjectives = Number((await rows<{ n: string }>(c, 'SELECT COUNT(*) AS n FROM study_directions WHERE study_id = $1', [t.study_id]))[0]!.n);
        this.objectiveCounts.set(t.study_id, nObjectives);
      }
      // The last intermediate value only matters to a PRUNED trial finished without a value.
      const needsLast = state === 'PRUNED' && (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value)));
      const last = needsLast
        ? (
            await rows<{ intermediate_value: number | null; intermediate_value_type: string }>(
              c,
              'SELECT intermediate_value, intermediate_value_type::text AS intermediate_value_type FROM trial_intermediate_values WHERE trial_id = $1 ORDER BY step DESC LIMIT 1',
              [trialId],
            )
          )[0]
        : undefined;
      const outcome = finishOutcome(state, value, nObjectives, () =>
        last && last.intermediate_value_type !== 'NAN' ? storedValue(last.intermediate_value, last.intermediate_value_type) : undefined,
      );
      if (!outcome) throw new StudyError('BAD_VALUE', `${this.path}: study ${t.study_id} has ${nObjectives} objective(s); finishTrial got ${valueCount(value)}.`);
      await c.query('UPDATE trials SET state = $1, datetime_complete = $2 WHERE trial_id = $3', [outcome.state, formatOptunaDatetime(new Date()), trialId]);
      // One row per objective, objective index as Optuna writes them.
      for (const [objective, x] of (outcome.values ?? []).entries()) {
        const v = valueType(x);
        await c.query(
          'INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES ($1, $2, $3, $4) ON CONFLICT (trial_id, objective) DO UPDATE SET value = excluded.value, value_type = excluded.value_type',
          [trialId, objective, v.value, v.type],
        );
      }
    });
  }

  async setTrialUserAttr(trialId: number, key: string, value: unknown): Promise<void> {
    const json = encodeJson(value, `trial user attr '${key}'`);
    await this.tx('write', async (c) => {
      await this.unfinishedTrial(c, trialId, `setting user attr '${key}'`);
      await this.writeTrialAttr(c, 'trial_user_attributes', trialId, key, json);
    });
  }

  async setTrialLinkAttr(trialId: number, key: string, value: unknown): Promise<void> {
    const json = encodeJson(value, `trial user attr '${key}'`);
    await this.tx('write', (c) => this.writeTrialAttr(c, 'trial_user_attributes', trialId, key, json));
    await this.reloadTrial(trialId);
  }

  /** A link attr is the one change a finished trial can get (from this or another process): the
   * trial is read again, so the caches show it. */
  async reloadTrial(trialId: number): Promise<void> {
    if (this.trials.forget(trialId)) this.trials.replace(trialId, (await this.loadTrials([trialId]))[0]);
  }

  async setTrialSystemAttr(trialId: number, key: string, value: unknown): Promise<void> {
    const json = encodeJson(value, `trial system attr '${key}'`);
    await this.tx('write', async (c) => {
      await this.unfinishedTrial(c, trialId, `setting system attr '${key}'`);
      await this.writeTrialAttr(c, 'trial_system_attributes', trialId, key, json);
    });
  }

  async heartbeat(trialId: number): Promise<void> {
    await this.tx('write', async (c) => {
      if ((await rows(c, 'SELECT 1 FROM trials WHERE trial_id = $1', [trialId])).length === 0) throw new StudyError('TRIAL_NOT_FOUND', `${this.path}: no trial with id ${trialId}.`);
      await this.writeHeartbeat(c, trialId);
    });
  }

  /** Optuna's rule (trialRules.isStaleHeartbeat), judged by the server's clock: only a heartbeat
   * older than staleSeconds makes a RUNNING trial stale; trials without heartbeats are left alone. */
  async failStaleTrials(studyId: number, staleSeconds: number): Promise<FrozenTrial[]> {
    const ids = await this.tx('write', async (c) => {
      await this.studyRow(c, studyId);
      const failed = await rows<{ trial_id: number }>(
        c,
        `UPDATE trials t SET state = 'FAIL', datetime_complete = $2 FROM trial_heartbeats h
         WHERE h.trial_id = t.trial_id AND t.study_id = $1 AND t.state = 'RUNNING' AND h.heartbeat < LOCALTIMESTAMP - make_interval(secs => $3::float8 + $4::float8)
         RETURNING t.trial_id`,
        [studyId, formatOptunaDatetime(new Date()), staleSeconds, HEARTBEAT_LAG_SECONDS],
      );
      return failed.map((r) => r.trial_id).sort((a, b) => a - b);
    });
    return ids.length ? this.loadTrials(ids) : [];
  }

  async runningElsewhere(studyId: number): Promise<FrozenTrial[]> {
    const ids = await this.tx('read', async (c) => {
      await this.studyRow(c, studyId);
      return (
        await rows<{ trial_id: number }>(
          c,
          "SELECT t.trial_id FROM trials t WHERE t.study_id = $1 AND t.state = 'RUNNING' AND NOT EXISTS (SELECT 1 FROM trial_heartbeats h WHERE h.trial_id = t.trial_id) ORDER BY t.trial_id",
          [studyId],
        )
      ).map((r) => r.trial_id);
    });
    return ids.length ? this.loadTrials(ids) : [];
  }

  /** The heartbeats of the study's RUNNING trials, as ages by the server's clock (heartbeats are
   * stamped with it), so a reader on a machine whose clock differs judges them as the workers do. */
  async runningHeartbeats(studyId: number): Promise<Array<{ trialId: number; ageMs: number }>> {
    return this.tx('read', async (c) => {
      await this.studyRow(c, studyId);
      const rs = await rows<{ trial_id: number; age_ms: number | string }>(
        c,
        "SELECT h.trial_id, EXTRACT(EPOCH FROM (LOCALTIMESTAMP - h.heartbeat)) * 1000 AS age_ms FROM trial_heartbeats h JOIN trials t ON t.trial_id = h.trial_id WHERE t.study_id = $1 AND t.state = 'RUNNING' ORDER BY h.trial_id",
        [studyId],
      );
      return rs.map((r) => ({ trialId: r.trial_id, ageMs: Math.max(0, Number(r.age_ms)) }));
    });
  }

  async failTrial(studyId: number, number: number, reason: string): Promise<FrozenTrial> {
    const json = encodeJson(reason, "trial system attr 'fail_reason'");
    const trialId = await this.tx('write', async (c) => {
      await this.studyRow(c, studyId);
      const r = (await rows<{ trial_id: number }>(c, 'SELECT trial_id FROM trials WHERE study_id = $1 AND number = $2', [studyId, number]))[0];
      if (!r) throw new StudyError('TRIAL_NOT_FOUND', `${this.path}: study id ${studyId} has no trial number ${number}.`);
      await this.unfinishedTrial(c, r.trial_id, 'failing it');
      await this.writeTrialAttr(c, 'trial_system_attributes', r.trial_id, 'fail_reason', json);
      await c.query("UPDATE trials SET state = 'FAIL', datetime_complete = $1 WHERE trial_id = $2", [formatOptunaDatetime(new Date()), r.trial_id]);
      return r.trial_id;
    });
    return this.getTrial(trialId);
  }

  // ---- trials: reads ----

  /** Builds trials for the rows, reading children only for trials not in the finished cache, each
   * child table in one statement for the whole set. */
  private async buildTrials(c: Queryable, trialRows: TrialRow[]): Promise<FrozenTrial[]> {
    const need = trialRows.filter((r) => !this.trials.has(r.trial_id));
    let built = new Map<number, FrozenTrial>();
    if (need.length > 0) {
      const ids = need.map((r) => r.trial_id);
      built = trialShells(need);
      addParams(built, await arrays<ParamRaw>(c, 'SELECT trial_id, param_id, param_name, param_value, distribution_json FROM trial_params WHERE trial_id = ANY($1::int[]) ORDER BY trial_id', [ids]), this.decoder);
      addValues(built, await arrays<ValueRaw>(c, 'SELECT trial_id, value, value_type::text, objective FROM trial_values WHERE trial_id = ANY($1::int[])', [ids]));
      addIntermediates(
        built,
        await arrays<IntermediateRaw>(c, 'SELECT trial_id, step, intermediate_value, intermediate_value_type::text FROM trial_intermediate_values WHERE trial_id = ANY($1::int[]) ORDER BY trial_id, step', [ids]),
      );
      for (const table of ['trial_user_attributes', 'trial_system_attributes'] as const) {
        addAttrs(built, table, await rows<AttrRow>(c, `SELECT trial_id AS owner, "key" AS key, value_json FROM ${table} WHERE trial_id = ANY($1::int[]) ORDER BY trial_id, 2`, [ids]), this.decoder);
      }
      for (const t of built.values()) this.trials.remember(t);
    }
    return trialRows.map((r) => (this.trials.get(r.trial_id) ?? built.get(r.trial_id)) as FrozenTrial);
  }

  /** The study's trials above maxSeen and those with the given ids, with every child row, in one
   * statement, in trial_id order (finished ones remembered). Throws STUDY_NOT_FOUND when the study
   * is gone. */
  private async readTrialsAndChildren(c: Queryable, studyId: number, maxSeen: number, ids: readonly number[]): Promise<FrozenTrial[]> {
    // Columns shared by every part: kind, trial id, an int (number, param_id, objective, step), a float, three texts.
    // Children are looked up by `trial_id = ANY(ARRAY(...))`, not joined to t: the planner costs a
    // join to a handful of trials as a hash join over the whole child table (a scan of every
    // trial's rows on each read), the array as a few index probes.
    type Row = [kind: number, id: number, i: number | null, f: number | null, a: string | null, b: string | null, c: string | null];
    const rs = await arrays<Row>(
      c,
      `WITH t AS (SELECT trial_id, number, state::text AS state, datetime_start::text AS ds, datetime_complete::text AS dc FROM trials WHERE (trial_id > $1 AND study_id = $2) OR trial_id = ANY($3::int[]))
       SELECT 0, study_id, NULL::int, NULL::float8, NULL::text, NULL::text, NULL::text FROM studies WHERE study_id = $2
       UNION ALL SELECT 1, trial_id, number, NULL, state, ds, dc FROM t
       UNION ALL SELECT 2, p.trial_id, p.param_id, p.param_value, p.param_name::text, p.distribution_json::text, NULL FROM trial_params p WHERE p.trial_id = ANY(ARRAY(SELECT trial_id FROM t))
       UNION ALL SELECT 3, v.trial_id, v.objective, v.value, v.value_type::text, NULL, NULL FROM trial_values v WHERE v.trial_id = ANY(ARRAY(SELECT trial_id FROM t))
       UNION ALL SELECT 4, iv.trial_id, iv.step, iv.intermediate_value, iv.intermediate_value_type::text, NULL, NULL FROM trial_intermediate_values iv WHERE iv.trial_id = ANY(ARRAY(SELECT trial_id FROM t))
       UNION ALL SELECT 5, a.trial_id, NULL, NULL, a."key"::text, a.value_json::text, NULL FROM trial_user_attributes a WHERE a.trial_id = ANY(ARRAY(SELECT trial_id FROM t))
       UNION ALL SELECT 6, a.trial_id, NULL, NULL, a."key"::text, a.value_json::text, NULL FROM trial_system_attributes a WHERE a.trial_id = ANY(ARRAY(SELECT trial_id FROM t))
       ORDER BY 1, 2, 3, 5`,
      [maxSeen, studyId, ids],
    );
    if (rs[0]?.[0] !== 0) throw new StudyError('STUDY_NOT_FOUND', `${this.path}: no study with id ${studyId}.`);
    const trialRows: TrialRow[] = [];
    const params: ParamRaw[] = [];
    const values: ValueRaw[] = [];
    const inter: IntermediateRaw[] = [];
    const attrs: [AttrRow[], AttrRow[]] = [[], []];
    for (const r of rs) {
      switch (r[0]) {
        case 1:
          trialRows.push({ trial_id: r[1], number: r[2], study_id: studyId, state: r[4]!, datetime_start: r[5], datetime_complete: r[6] });
          break;
        case 2:
          params.push([r[1], r[2]!, r[4]!, r[3]!, r[5]]);
          break;
        case 3:
          values.push([r[1], r[3], r[4]!, r[2]!]);
          break;
        case 4:
          inter.push([r[1], r[2]!, r[3], r[4]!]);
          break;
        case 5:
        case 6:
          attrs[r[0] - 5]!.push({ owner: r[1], key: r[4]!, value_json: r[5] });
          break;
      }
    }
    const need = trialRows.filter((r) => !this.trials.has(r.trial_id));
    const built = trialShells(need);
    addParams(built, params, this.decoder);
    addValues(built, values);
    addIntermediates(built, inter);
    addAttrs(built, 'trial_user_attributes', attrs[0], this.decoder);
    addAttrs(built, 'trial_system_attributes', attrs[1], this.decoder);
    for (const t of built.values()) this.trials.remember(t);
    return trialRows.map((r) => (this.trials.get(r.trial_id) ?? built.get(r.trial_id)) as FrozenTrial);
  }

  private async loadTrials(ids: number[]): Promise<FrozenTrial[]> {
    return this.tx('read', async (c) => this.buildTrials(c, await rows<TrialRow>(c, `SELECT ${TRIAL_COLS} FROM trials WHERE trial_id = ANY($1::int[]) ORDER BY trial_id`, [ids])));
  }

  /** All trials of the study in trial_id order (optionally only some states); reads only trials
   * not seen finished before (new ids, and ids last seen unfinished), as Optuna's cached storage. */
  async getTrials(studyId: number, states?: readonly TrialState[]): Promise<FrozenTrial[]> {
    // The gate first, then the snapshot: a merge never applies a snapshot older than the last one
    // (trials it cannot see yet would drop out of the cache for good).
    return this.withCaches(() =>
      this.tx('statement', async (c) => {
        const plan = this.trials.readPlan(studyId);
        // One statement (one snapshot, one round trip, no transaction around it) for the study's
        // existence, the new rows and those last seen unfinished, and their children: a runner asks
        // for the history before every trial.
        const built = await this.readTrialsAndChildren(c, studyId, plan.maxSeen, plan.unfinished);
        const again: FrozenTrial[] = [];
        const fresh: FrozenTrial[] = [];
        for (const t of built) (t.trialId > plan.maxSeen ? fresh : again).push(t);
        return this.trials.merge(studyId, again, fresh, states);
      }),
    );
  }

  async getTrial(trialId: number): Promise<FrozenTrial> {
    const t = (await this.loadTrials([trialId]))[0];
    if (!t) throw new StudyError('TRIAL_NOT_FOUND', `${this.path}: no trial with id ${trialId}.`);
    return t;
  }

  async getBestTrial(studyId: number): Promise<FrozenTrial | null> {
    // One transaction (a runner asks after every trial): the best trial is COMPLETE, so usually in
    // the finished cache already; only a trial not seen finished yet is read, in the same snapshot.
    return this.tx('read', async (c) => {
      const row = await this.studyRow(c, studyId);
      let dirs = this.studyDirections.get(studyId);
      if (!dirs) {
        dirs = await this.directionsOf(c, studyId, row.study_name);
        this.studyDirections.set(studyId, dirs);
      }
      if (dirs.length !== 1) return null;
      const id = (await this.bestRow(c, studyId, dirs[0] as Direction))?.trial_id;
      if (id === undefined) return null;
      const cached = this.trials.get(id);
      if (cached) return cached;
      const built = await this.buildTrials(c, await rows<TrialRow>(c, `SELECT ${TRIAL_COLS} FROM trials WHERE trial_id = $1`, [id]));
      return built[0] ?? null;
    });
  }

  async close(): Promise<void> {
    if (this.closed || this.bound) return;
    this.closed = true;
    await releasePool(this.pool);
  }
}
