// The local tracking store: MLflow's own SQLite schema, read and written directly with
// better-sqlite3 so that `mlflow ui --backend-store-uri sqlite:///...` and any MLflow client open
// the same file. New files are created exactly at alembic head 0584bdc529eb; existing files of any
// MLflow version are used as they are and their alembic_version is never touched. Writes follow
// MLflow's SQL store: latest_metrics kept in the metric's transaction, NaN as (0, is_nan=1), ±inf
// as ±DBL_MAX, params immutable, a log-batch written whole or not at all (batches that arrive
// together share one transaction, see batchQueue.ts; each is answered after that commit).
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  validateBatch,
  validateExperimentName,
  validateExperimentTag,
  validateMaxResults,
  validateRunTag,
} from '../mlflowLimits.ts';
import { decodePageToken, encodePageToken, parseRunFilter, parseRunOrderBy } from '../searchFilter.ts';
import type {
  Experiment,
  KeyValue,
  Metric,
  Page,
  Run,
  RunInfo,
  RunStatus,
  SearchExperimentsQuery,
  SearchRunsQuery,
  TrackingStore,
} from '../types.ts';
import { MlflowError, readStep } from '../types.ts';
import { searchExperimentsInMemory } from '../memorySearch.ts';
import { STEP_SQL, type MetricRow } from './metricValues.ts';
import { BatchQueue, type BatchOutcome } from './batchQueue.ts';
import { MetricWriter } from './metricWriter.ts';
import { randomRunName } from './runNames.ts';
import { MLFLOW_2X_HEAD, KNOWN_REVISIONS, REQUIRED_COLUMNS, SCHEMA_0584BDC529EB } from './schema.ts';
import { compileRunSearch } from './searchSql.ts';
import { sqliteMetricSummaries, type MetricSummary } from '../runViews/metricSummaries.ts';
import type { Run as ContractRun } from '../../../../shared/contract.ts';
import type { RunColumns } from '../runViews/runColumns.ts';
import { sqliteRunColumns } from '../runViews/sqliteRunColumns.ts';

export interface SqliteStoreOptions {
  /** Create the database (and its folder) at head 0584bdc529eb when the file is missing or empty. */
  create?: boolean;
  /** Open read-only: every write fails with PERMISSION_DENIED and the file is never changed. */
  readOnly?: boolean;
  /** Root for new experiments' artifact locations; default `<folder of the db>/mlartifacts`. */
  artifactRoot?: string;
  /** How long a writer waits for another one (ms). MLflow uses 20 s. */
  busyTimeoutMs?: number;
  /** Switch the file to WAL so readers never block the runner's writes (default true). */
  wal?: boolean;
  /** The URI to report as `store.uri`; default `sqlite:///<absolute path>`. */
  uri?: string;
  /** Clock, for tests. */
  now?: () => number;
}

const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
const STATUS_SET: ReadonlySet<string> = new Set(RUN_STATUSES);
const RUN_NAME_TAG = 'mlflow.runName';
/** Above this many rows with one key, a filter on it scans the table instead of the key index. */
const COMMON_KEY_ROWS = 2000;
/** How many keys runsWithValue keeps maps for, and the longest id list it hands to SQL. */
const VALUE_INDEX_KEYS = 8;
const VALUE_INDEX_MAX_IDS = 2000;
const VALUE_INDEX_AFTER_ASKS = 3;

interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string | null;
  lifecycle_stage: string | null;
  creation_time: number | null;
  last_update_time: number | null;
}

/** A validated log-batch waiting for its group's transaction. */
interface QueuedBatch {
  runId: string;
  metrics: Metric[];
  params: KeyValue[];
  tags: KeyValue[];
}

interface RunRow {
  run_uuid: string;
  name: string | null;
  user_id: string | null;
  status: string | null;
  start_time: number | null;
  end_time: number | null;
  lifecycle_stage: string | null;
  artifact_uri: string | null;
  experiment_id: number | null;
  deleted_time: number | null;
}

function invalid(message: string): MlflowError {
  return new MlflowError('INVALID_PARAMETER_VALUE', message);
}

/** MLflow refuses writes to a deleted experiment or run with this message. */
function mustBeActive<T extends { lifecycle_stage: string | null }>(row: T, what: string): T {
  if (row.lifecycle_stage !== 'active') throw invalid(`The ${what} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`);
  return row;
}

function sqliteUri(file: string): string {
  return `sqlite:///${file}`;
}

export class SqliteTrackingStore implements TrackingStore {
  readonly kind = 'sqlite' as const;
  readonly uri: string;
  readonly readOnly: boolean;
  /** Absolute path of the database file. */
  readonly file: string;
  /** The database's alembic_version, as found (never changed). */
  readonly schemaRevision: string;
  /** MLflow version that writes this revision, or null when the revision is not one we know. */
  readonly schemaRevisionLabel: string | null;
  readonly artifactRoot: string;

  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly st: ReturnType<SqliteTrackingStore['prepare']>;
  private readonly metricWriter: MetricWriter;
  private readonly batchQueue = new BatchQueue<QueuedBatch>((batches) => this.writeBatches(batches));
  /** `${table}\0${key}` -> value -> run ids; see runsWithValue. */
  private readonly valueIndex = new Map<string, Map<string, string[]>>();
  private valueIndexVersion = -1;
  private readonly valueIndexAsks = new Map<string, number>();
  private pendingPatches: (() => void)[] = [];
  private readonly searchStatements = new Map<string, Database.Statement>();
  private readonly hydrate = new Map<number, { metrics: Database.Statement; params: Database.Statement; tags: Database.Statement }>();

  constructor(file: string, opts: SqliteStoreOptions = {}) {
    this.file = path.resolve(file);
    this.readOnly = opts.readOnly ?? false;
    this.uri = opts.uri ?? sqliteUri(this.file);
    this.now = opts.now ?? Date.now;
    this.artifactRoot = path.resolve(opts.artifactRoot ?? path.join(path.dirname(this.file), 'mlartifacts'));
    const exists = existsSync(this.file);
    if (!exists && (!opts.create || this.readOnly)) {
      throw new MlflowError(
        'RESOURCE_DOES_NOT_EXIST',
        `No MLflow tracking database at ${this.file}. Check the path or tracking URI, or create a new store there (sqlite:///${this.file}).`,
      );
    }
    if (!exists) mkdirSync(path.dirname(this.file), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(this.file, { readonly: this.readOnly, fileMustExist: exists, timeout: opts.busyTimeoutMs ?? 20_000 });
    } catch (err) {
      throw new MlflowError('INVALID_STATE', `Cannot open ${this.file} as a SQLite database: ${(err as Error).message}`);
    }
    this.db = db;
    try {
      let tables: string[];
      try {
        tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
      } catch (err) {
        throw notMlflow(this.file, `it is not a SQLite database (${(err as Error).message})`);
      }
      if (tables.length === 0) {
        if (!opts.create || this.readOnly) throw notMlflow(this.file, 'it is an empty SQLite database without MLflow tables');
        this.initialize();
      } else {
        checkSchema(db, this.file, tables);
      }
      const rev = db.prepare('SELECT version_num FROM alembic_version').all() as { version_num: string }[];
      if (rev.length !== 1) throw notMlflow(this.file, `its alembic_version table holds ${rev.length} rows instead of one`);
      this.schemaRevision = (rev[0] as { version_num: string }).version_num;
      this.schemaRevisionLabel = KNOWN_REVISIONS[this.schemaRevision] ?? null;
      db.pragma('foreign_keys = ON');
      // MLflow's sessions make LIKE case-sensitive; ILIKE is compiled to lower() LIKE lower().
      db.pragma('case_sensitive_like = ON');
      if (!this.readOnly && (opts.wal ?? true) && String(db.pragma('journal_mode = WAL', { simple: true })).toLowerCase() === 'wal') {
        // Durability decision: in WAL mode, NORMAL makes a commit a write() into the WAL file without
        // an fsync (the fsync happens at checkpoints). A committed transaction is therefore in the OS
        // page cache before we answer, so killing or crashing this process loses nothing; only an
        // OS crash or power loss can lose the last few commits (never corrupt the file). FULL cost
        // one fsync (2-4 ms of blocked event loop on this disk) per log-batch, a third of the
        // endpoint's time per 1,000 metrics. Only set when WAL is really on: in rollback-journal
        // mode NORMAL could corrupt on power loss, so other modes keep SQLite's default (FULL).
        db.pragma('synchronous = NORMAL');
      }
      // Per-connection only (nothing is written to the file): a larger page cache for searches over
      // 100k runs. No memory-mapped reads: every page a scan touched (and its neighbours) stayed
      // mapped and counted in the process's resident size, the whole file for a large experiment
      // (300 MB at 100,000 runs), at no measurable gain in CPU time over read().
      db.pragma('cache_size = -65536');
      db.pragma('mmap_size = 0');
      this.st = this.prepare();
      this.metricWriter = new MetricWriter(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Creates MLflow's tables at head 0584bdc529eb with the Default experiment, in one transaction
   * that re-checks emptiness, so two processes creating the same file cannot both do it. */
  private initialize(): void {
    const db = this.db;
    db.exec('BEGIN IMMEDIATE');
    try {
      const n = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
      if (n === 0) {
        for (const stmt of SCHEMA_0584BDC529EB) db.exec(stmt);
        db.prepare('INSERT INTO alembic_version (version_num) VALUES (?)').run(MLFLOW_2X_HEAD);
        const t = this.now();
        db.prepare(
          "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (0, 'Default', ?, 'active', ?, ?)",
        ).run(path.join(this.artifactRoot, '0'), t, t);
      }
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  }

  private prepare() {
    const db = this.db;
    return {
      expById: db.prepare('SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time FROM experiments WHERE experiment_id = ?'),
      expByName: db.prepare('SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time FROM experiments WHERE name = ?'),
      expAll: db.prepare('SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time FROM experiments'),
      expTags: db.prepare('SELECT "key" AS key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY rowid'),
      expTagsAll: db.prepare('SELECT experiment_id, "key" AS key, value FROM experiment_tags ORDER BY rowid'),
      expInsert: db.prepare("INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, 'active', ?, ?)"),
      expSetLocation: db.prepare('UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?'),
      expSetStage: db.prepare('UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?'),
      expRename: db.prepare('UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?'),
      expTagUpsert: db.prepare('INSERT INTO experiment_tags ("key", value, experiment_id) VALUES (?, ?, ?) ON CONFLICT ("key", experiment_id) DO UPDATE SET value = excluded.value'),
      runsDeleteAll: db.prepare("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE experiment_id = ? AND lifecycle_stage = 'active'"),
      runsRestoreAll: db.prepare("UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE experiment_id = ? AND lifecycle_stage = 'deleted'"),
      runById: db.prepare('SELECT * FROM runs WHERE run_uuid = ?'),
      runInsert: db.prepare(
        "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time) VALUES (?, ?, 'UNKNOWN', '', '', ?, 'RUNNING', ?, NULL, '', 'active', ?, ?, NULL)",
      ),
      runSetStatus: db.prepare('UPDATE runs SET status = ? WHERE run_uuid = ?'),
      runSetEnd: db.prepare('UPDATE runs SET end_time = ? WHERE run_uuid = ?'),
      runSetName: db.prepare('UPDATE runs SET name = ? WHERE run_uuid = ?'),
      runSetStage: db.prepare('UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_uuid = ?'),
      tagsOf: db.prepare('SELECT "key" AS key, value FROM tags WHERE run_uuid = ? ORDER BY rowid'),
      paramsOf: db.prepare('SELECT "key" AS key, value FROM params WHERE run_uuid = ? ORDER BY rowid'),
      latestOf: db.prepare(`SELECT "key" AS key, value, timestamp, ${STEP_SQL}, is_nan FROM latest_metrics WHERE run_uuid = ? ORDER BY rowid`),
      tagUpsert: db.prepare('INSERT INTO tags ("key", value, run_uuid) VALUES (?, ?, ?) ON CONFLICT ("key", run_uuid) DO UPDATE SET value = excluded.value'),
      tagGet: db.prepare('SELECT value FROM tags WHERE run_uuid = ? AND "key" = ?'),
      tagDelete: db.prepare('DELETE FROM tags WHERE run_uuid = ? AND "key" = ?'),
      paramGet: db.prepare('SELECT value FROM params WHERE "key" = ? AND run_uuid = ?'),
      paramInsert: db.prepare('INSERT INTO params ("key", value, run_uuid) VALUES (?, ?, ?)'),
      keyCount: {
        tags: db.prepare('SELECT count(*) AS n FROM (SELECT 1 FROM tags WHERE "key" = ? LIMIT ?)'),
        params: db.prepare('SELECT count(*) AS n FROM (SELECT 1 FROM params WHERE "key" = ? LIMIT ?)'),
        latest_metrics: db.prepare('SELECT count(*) AS n FROM (SELECT 1 FROM latest_metrics WHERE "key" = ? LIMIT ?)'),
      },
      dataVersion: db.prepare('PRAGMA data_version'),
      fkOff: db.prepare('PRAGMA foreign_keys = OFF'),
      fkOn: db.prepare('PRAGMA foreign_keys = ON'),
      valueScan: {
        tags: db.prepare('SELECT value, run_uuid FROM tags NOT INDEXED WHERE "key" = ?').raw(),
        params: db.prepare('SELECT value, run_uuid FROM params NOT INDEXED WHERE "key" = ?').raw(),
      },
      history: db.prepare(`SELECT "key" AS key, value, timestamp, ${STEP_SQL}, is_nan FROM metrics WHERE run_uuid = ? AND "key" = ? ORDER BY metrics.step, timestamp, rowid LIMIT ? OFFSET ?`),
    };
  }

  // -------------------------------------------------------------------------------------------
  // helpers

  /** Runs `fn`, turning SQLite failures into MlflowErrors that name the file. */
  private guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof MlflowError) throw err;
      const code = (err as { code?: string }).code ?? '';
      const msg = (err as Error).message;
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
        throw new MlflowError('TEMPORARILY_UNAVAILABLE', `${what}: the tracking database ${this.file} is locked by another writer (${msg}); retry shortly.`);
      }
      if (code.startsWith('SQLITE_READONLY')) {
        throw new MlflowError('PERMISSION_DENIED', `${what}: the tracking database ${this.file} is read-only (${msg}).`);
      }
      throw new MlflowError('INTERNAL_ERROR', `${what} failed on ${this.file}: ${msg}`);
    }
  }

  private assertWritable(what: string): void {
    if (this.readOnly) {
      throw new MlflowError('PERMISSION_DENIED', `${what}: the tracking store ${this.uri} was opened read-only; open it without readOnly to write.`);
    }
  }

  private write<T>(what: string, fn: () => T): T {
    this.assertWritable(what);
    this.pendingPatches = [];
    let result: T;
    try {
      result = this.guard(what, () => this.db.transaction(fn).immediate());
    } catch (err) {
      this.pendingPatches = [];
      throw err;
    }
    // Committed: bring the per-key lookups up to date with what this transaction changed.
    const patches = this.pendingPatches;
    this.pendingPatches = [];
    for (const patch of patches) patch();
    return result;
  }

  /** Records, for after the commit, that `runId`'s `key` moved from `oldValue` to `newValue`
   * (undefined = absent) in a per-key lookup that is currently built. */
  private notePatch(table: 'params' | 'tags', key: string, runId: string, oldValue: string | undefined, newValue: string | undefined): void {
    const map = this.valueIndex.get(`${table}\u0000${key}`);
    if (!map) return;
    this.pendingPatches.push(() => {
      if (oldValue !== undefined) {
        const list = map.get(oldValue);
        const i = list ? list.indexOf(runId) : -1;
        if (list && i >= 0) list.splice(i, 1);
      }
      if (newValue !== undefined) {
        const list = map.get(newValue);
        if (!list) map.set(newValue, [runId]);
        else if (!list.includes(runId)) list.push(runId);
      }
    });
  }

  private upsertTag(runId: string, key: string, value: string): void {
    if (this.valueIndex.has(`tags\u0000${key}`)) {
      const old = this.st.tagGet.get(runId, key) as { value: string } | undefined;
      this.notePatch('tags', key, runId, old?.value, value);
    }
    this.st.tagUpsert.run(key, value, runId);
  }

  private experimentRow(experimentId: string): ExperimentRow {
    const row = /^-?\d+$/.test(String(experimentId)) ? (this.st.expById.get(Number(experimentId)) as ExperimentRow | undefined) : undefined;
    if (!row) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${experimentId} exists`);
    return row;
  }

  private activeExperimentRow(experimentId: string): ExperimentRow {
    return mustBeActive(this.experimentRow(experimentId), `experiment ${experimentId}`);
  }

  private toExperiment(row: ExperimentRow, tags: KeyValue[]): Experiment {
    const e: Experiment = {
      experiment_id: String(row.experiment_id),
      name: row.name,
      artifact_location: row.artifact_location ?? '',
      lifecycle_stage: row.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    };
    if (row.last_update_time !== null) e.last_update_time = row.last_update_time;
    if (row.creation_time !== null) e.creation_time = row.creation_time;
    if (tags.length > 0) e.tags = tags;
    return e;
  }

  private runRow(runId: string): RunRow {
    const row = this.st.runById.get(String(runId)) as RunRow | undefined;
    if (!row) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Run with id=${runId} not found`);
    return row;
  }

  private activeRunRow(runId: string): RunRow {
    return mustBeActive(this.runRow(runId), `run ${runId}`);
  }

  private toInfo(row: RunRow): RunInfo {
    // Field order as MLflow's JSON (end_time after start_time, only when set), so a serialized
    // run reads like a real server's.
    const status = STATUS_SET.has(row.status ?? '') ? (row.status as RunStatus) : 'RUNNING';
    const lifecycle = row.lifecycle_stage === 'deleted' ? 'deleted' : 'active';
    return {
      run_uuid: row.run_uuid,
      experiment_id: String(row.experiment_id),
      run_name: row.name ?? '',
      user_id: row.user_id ?? '',
      status,
      start_time: row.start_time ?? 0,
      ...(row.end_time !== null ? { end_time: row.end_time } : {}),
      artifact_uri: row.artifact_uri ?? '',
      lifecycle_stage: lifecycle,
      run_id: row.run_uuid,
    };
  }

  private toMetric(r: MetricRow): Metric {
    return { key: r.key, value: r.is_nan ? NaN : r.value, timestamp: r.timestamp ?? 0, step: readStep(r.step) };
  }

  private loadRun(row: RunRow, withInputs: boolean): Run {
    const metrics = (this.st.latestOf.all(row.run_uuid) as MetricRow[]).map((m) => this.toMetric(m));
    const params = this.st.paramsOf.all(row.run_uuid) as KeyValue[];
    const tags = this.st.tagsOf.all(row.run_uuid) as KeyValue[];
    return this.assembleRun(row, metrics, params, tags, withInputs);
  }

  private assembleRun(row: RunRow, metrics: Metric[], params: KeyValue[], tags: KeyValue[], withInputs: boolean): Run {
    const data: Run['data'] = {};
    if (metrics.length > 0) data.metrics = metrics;
    if (params.length > 0) data.params = params;
    if (tags.length > 0) data.tags = tags;
    const run: Run = { info: this.toInfo(row), data };
    if (withInputs) run.inputs = {};
    return run;
  }

  /** Search statements by SQL text: the runs view repeats the same shapes of query. */
  private cachedStatement(sql: string): Database.Statement {
    let stmt = this.searchStatements.get(sql);
    if (stmt) {
      this.searchStatements.delete(sql);
    } else {
      stmt = this.db.prepare(sql);
      if (this.searchStatements.size >= 32) this.searchStatements.delete(this.searchStatements.keys().next().value as string);
    }
    this.searchStatements.set(sql, stmt);
    return stmt;
  }

  /** Prepared (raw-row) statements that load metrics, params and tags of `n` runs, kept per n. */
  private hydrateStatements(n: number) {
    let q = this.hydrate.get(n);
    if (!q) {
      const qs = Array.from({ length: n }, () => '?').join(', ');
      q = {
        metrics: this.db.prepare(`SELECT run_uuid, "key", value, timestamp, ${STEP_SQL}, is_nan FROM latest_metrics WHERE run_uuid IN (${qs}) ORDER BY rowid`).raw(),
        params: this.db.prepare(`SELECT run_uuid, "key", value FROM params WHERE run_uuid IN (${qs}) ORDER BY rowid`).raw(),
        tags: this.db.prepare(`SELECT run_uuid, "key", value FROM tags WHERE run_uuid IN (${qs}) ORDER BY rowid`).raw(),
      };
      if (this.hydrate.size > 64) this.hydrate.clear();
      this.hydrate.set(n, q);
    }
    return q;
  }

  /** Loads metrics, params and tags of many runs with one query per table. */
  private loadRuns(rows: RunRow[]): Run[] {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.run_uuid);
    const metrics = new Map<string, Metric[]>();
    const params = new Map<string, KeyValue[]>();
    const tags = new Map<string, KeyValue[]>();
    const push = <T>(m: Map<string, T[]>, k: string, v: T) => {
      const list = m.get(k);
      if (list) list.push(v);
      else m.set(k, [v]);
    };
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const q = this.hydrateStatements(chunk.length);
      for (const r of q.metrics.all(...chunk) as [string, string, number, number | null, number | string, number][]) {
        push(metrics, r[0], { key: r[1], value: r[5] ? NaN : r[2], timestamp: r[3] ?? 0, step: readStep(r[4]) });
      }
      for (const r of q.params.all(...chunk) as [string, string, string][]) push(params, r[0], { key: r[1], value: r[2] });
      for (const r of q.tags.all(...chunk) as [string, string, string][]) push(tags, r[0], { key: r[1], value: r[2] });
    }
    return rows.map((row) => this.assembleRun(row, metrics.get(row.run_uuid) ?? [], params.get(row.run_uuid) ?? [], tags.get(row.run_uuid) ?? [], true));
  }

  private resolveArtifactLocation(location: string | undefined, experimentId: number): string {
    if (location === undefined || location === '') return path.join(this.artifactRoot, String(experimentId));
    // A plain relative path becomes absolute, as MLflow resolves local artifact locations.
    if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(location) || path.isAbsolute(location)) return location;
    return path.resolve(location);
  }

  // -------------------------------------------------------------------------------------------
  // experiments

  async createExperiment(name: string, artifactLocation?: string, tags: KeyValue[] = []): Promise<string> {
    const validName = validateExperimentName(name);
    const validTags = tags.map(validateExperimentTag);
    return this.write('create experiment', () => {
      const existing = this.st.expByName.get(validName) as ExperimentRow | undefined;
      if (existing) {
        const state = existing.lifecycle_stage === 'deleted' ? ` (in the deleted state: restore it or pick another name)` : '';
        throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${validName}) already exists${state}.`);
      }
      const t = this.now();
      const id = Number(this.st.expInsert.run(validName, null, t, t).lastInsertRowid);
      this.st.expSetLocation.run(this.resolveArtifactLocation(artifactLocation, id), id);
      for (const tag of validTags) this.st.expTagUpsert.run(tag.key, tag.value, id);
      return String(id);
    });
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return this.guard('get experiment', () => {
      const row = this.experimentRow(experimentId);
      return this.toExperiment(row, this.st.expTags.all(row.experiment_id) as KeyValue[]);
    });
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    return this.guard('get experiment by name', () => {
      const row = this.st.expByName.get(name) as ExperimentRow | undefined;
      return row ? this.toExperiment(row, this.st.expTags.all(row.experiment_id) as KeyValue[]) : null;
    });
  }

  async searchExperiments(query: SearchExperimentsQuery = {}): Promise<Page<Experiment>> {
    const read = (): Experiment[] =>
      this.guard('search experiments', () => {
        const tags = new Map<number, KeyValue[]>();
        for (const t of this.st.expTagsAll.all() as (KeyValue & { experiment_id: number })[]) {
          const list = tags.get(t.experiment_id) ?? [];
          list.push({ key: t.key, value: t.value });
          tags.set(t.experiment_id, list);
        }
        return (this.st.expAll.all() as ExperimentRow[]).map((r) => this.toExperiment(r, tags.get(r.experiment_id) ?? []));
      });
    return searchExperimentsInMemory(query, read, (e) => e);
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    this.write('delete experiment', () => {
      const row = this.experimentRow(experimentId);
      const t = this.now();
      this.st.expSetStage.run('deleted', t, row.experiment_id);
      this.st.runsDeleteAll.run(t, row.experiment_id);
    });
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    this.write('restore experiment', () => {
      const row = this.experimentRow(experimentId);
      if (row.lifecycle_stage !== 'deleted') {
        throw new MlflowError('INVALID_STATE', `Cannot restore experiment ${experimentId}: it is not deleted (state ${row.lifecycle_stage}).`);
      }
      this.st.expSetStage.run('active', this.now(), row.experiment_id);
      this.st.runsRestoreAll.run(row.experiment_id);
    });
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    const name = validateExperimentName(newName);
    this.write('rename experiment', () => {
      const row = this.experimentRow(experimentId);
      if (row.lifecycle_stage !== 'active') throw new MlflowError('INVALID_STATE', 'Cannot rename a non-active experiment.');
      const clash = this.st.expByName.get(name) as ExperimentRow | undefined;
      if (clash && clash.experiment_id !== row.experiment_id) {
        throw new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists.`);
      }
      this.st.expRename.run(name, this.now(), row.experiment_id);
    });
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    const tag = validateExperimentTag({ key, value });
    this.write('set experiment tag', () => {
      const row = this.activeExperimentRow(experimentId);
      this.st.expTagUpsert.run(tag.key, tag.value, row.experiment_id);
    });
  }

  // -------------------------------------------------------------------------------------------
  // runs

  async createRun(req: { experimentId: string; userId?: string; startTime?: number; tags?: KeyValue[]; runName?: string }): Promise<Run> {
    const tags = (req.tags ?? []).map(validateRunTag);
    const tagName = [...tags].reverse().find((t) => t.key === RUN_NAME_TAG)?.value;
    if (req.runName !== undefined && req.runName !== '' && tagName !== undefined && tagName !== req.runName) {
      throw invalid(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${req.runName}', mlflow.runName='${tagName}').`,
      );
    }
    const runName = req.runName || tagName || randomRunName();
    if (req.startTime !== undefined && (!Number.isInteger(req.startTime) || req.startTime < 0)) {
      throw invalid(`Invalid start_time ${JSON.stringify(req.startTime)}: give milliseconds since the epoch as a non-negative integer.`);
    }
    validateRunTag({ key: RUN_NAME_TAG, value: runName });
    return this.write('create run', () => {
      const exp = this.activeExperimentRow(req.experimentId);
      const runId = randomUUID().replace(/-/g, '');
      const location = exp.artifact_location || path.join(this.artifactRoot, String(exp.experiment_id));
      const artifactUri = `${location.replace(/\/+$/, '')}/${runId}/artifacts`;
      this.st.runInsert.run(runId, runName, req.userId ?? '', req.startTime ?? this.now(), artifactUri, exp.experiment_id);
      // Tags in the order given (last value of a repeated key wins), then the run name tag.
      const merged = new Map<string, string>();
      for (const t of tags) merged.set(t.key, t.value);
      if (!merged.has(RUN_NAME_TAG)) merged.set(RUN_NAME_TAG, runName);
      for (const [k, v] of merged) this.upsertTag(runId, k, v);
      const row = this.runRow(runId);
      return this.assembleRun(row, [], [], [...merged].map(([key, value]) => ({ key, value })), false);
    });
  }

  async getRun(runId: string): Promise<Run> {
    return this.guard('get run', () => this.loadRun(this.runRow(runId), true));
  }

  async updateRun(runId: string, req: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
    if (req.status !== undefined && !RUN_STATUSES.includes(req.status)) {
      throw invalid(`Invalid run status '${String(req.status)}'. Use one of ${RUN_STATUSES.join(', ')}.`);
    }
    if (req.endTime !== undefined && req.endTime !== null && (!Number.isInteger(req.endTime) || req.endTime < 0)) {
      throw invalid(`Invalid end_time ${JSON.stringify(req.endTime)}: give milliseconds since the epoch as a non-negative integer.`);
    }
    if (req.runName) validateRunTag({ key: RUN_NAME_TAG, value: req.runName });
    return this.write('update run', () => {
      this.activeRunRow(runId);
      if (req.status !== undefined) this.st.runSetStatus.run(req.status, runId);
      if (req.endTime !== undefined && req.endTime !== null) this.st.runSetEnd.run(req.endTime, runId);
      if (req.runName) {
        this.st.runSetName.run(req.runName, runId);
        this.upsertTag(runId, RUN_NAME_TAG, req.runName);
      }
      return this.toInfo(this.runRow(runId));
    });
  }

  async deleteRun(runId: string): Promise<void> {
    this.write('delete run', () => {
      this.runRow(runId);
      this.st.runSetStage.run('deleted', this.now(), runId);
    });
  }

  async restoreRun(runId: string): Promise<void> {
    this.write('restore run', () => {
      this.runRow(runId);
      this.st.runSetStage.run('active', null, runId);
    });
  }

  async searchRuns(query: SearchRunsQuery): Promise<Page<Run>> {
    const comparisons = parseRunFilter(query.filter);
    const orderBy = parseRunOrderBy(query.orderBy);
    const maxResults = validateMaxResults(query.maxResults);
    const offset = decodePageToken(query.pageToken);
    const view = query.runViewType ?? 'ACTIVE_ONLY';
    const experimentIds = (query.experimentIds ?? []).filter((id) => /^-?\d+$/.test(String(id))).map(Number);
    if (experimentIds.length === 0) return { items: [] };
    return this.guard('search runs', () => {
      const isCommonKey = (table: 'latest_metrics' | 'params' | 'tags', key: string) => this.isCommonKey(table, key);
      const runsWithValue = (table: 'params' | 'tags', key: string, value: string) => this.runsWithValue(table, key, value);
      const { sql, params } = compileRunSearch({ experimentIds, comparisons, orderBy, view, limit: maxResults, offset, isCommonKey, runsWithValue });
      const rows = this.cachedStatement(sql).all(...params) as RunRow[];
      const page: Page<Run> = { items: this.loadRuns(rows) };
      if (rows.length === maxResults) page.nextPageToken = encodePageToken(offset + maxResults);
      return page;
    });
  }

  private clearValueIndex(): void {
    this.valueIndex.clear();
    this.valueIndexAsks.clear();
  }

  /** Runs whose tag/param `key` equals `value`, from a per-key map built by one pass over the
   * table, for keys most runs carry (mlflow.parentRunId above all: the runs view asks for one
   * parent's children after another). This store's own writes patch the map after they commit;
   * it is dropped whenever another connection has committed (PRAGMA data_version), so it is never
   * stale. Null when the key is rare (the index is then cheaper) or when
   * the value has too many runs for an IN list. */
  private runsWithValue(table: 'params' | 'tags', key: string, value: string): string[] | null {
    const version = (this.st.dataVersion.get() as { data_version: number }).data_version;
    if (version !== this.valueIndexVersion) {
      this.clearValueIndex();
      this.valueIndexVersion = version;
    }
    const id = `${table}\u0000${key}`;
    let map = this.valueIndex.get(id);
    if (!map) {
      if (!this.isCommonKey(table, key)) return null;
      // Building the map costs a few table scans; only do it once the key is asked for again and
      // again with no other connection writing in between.
      const asked = (this.valueIndexAsks.get(id) ?? 0) + 1;
      this.valueIndexAsks.set(id, asked);
      if (asked < VALUE_INDEX_AFTER_ASKS) return null;
      map = new Map<string, string[]>();
      for (const [value, runUuid] of this.st.valueScan[table].all(key) as [string, string][]) {
        const list = map.get(value);
        if (list) list.push(runUuid);
        else map.set(value, [runUuid]);
      }
      if (this.valueIndex.size >= VALUE_INDEX_KEYS) this.valueIndex.delete(this.valueIndex.keys().next().value as string);
      this.valueIndex.set(id, map);
    }
    const ids = map.get(value) ?? [];
    return ids.length <= VALUE_INDEX_MAX_IDS ? ids : null;
  }

  /** Whether at least COMMON_KEY_ROWS rows carry `key`: counted on the (key, run_uuid) index
   * without touching the table, so it costs well under a millisecond. */
  private isCommonKey(table: 'latest_metrics' | 'params' | 'tags', key: string): boolean {
    const stmt = this.st.keyCount[table];
    return (stmt.get(key, COMMON_KEY_ROWS) as { n: number }).n >= COMMON_KEY_ROWS;
  }

  // -------------------------------------------------------------------------------------------
  // logging

  async logBatch(runId: string, batch: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] }): Promise<void> {
    const valid = validateBatch(batch);
    this.assertWritable('log batch');
    return this.batchQueue.add({ runId, ...valid });
  }

  /** Writes a group of log-batches in one IMMEDIATE transaction. A batch MLflow refuses (its run
   * missing or deleted, a param logged again with another value) is found by checkBatch before any
   * of its rows is written, and fails alone; the others are written. Throws when none was written
   * (the transaction failed to start or commit, or SQLite failed mid-way: all is rolled back). */
  private writeBatches(batches: QueuedBatch[]): BatchOutcome[] {
    const outcomes: BatchOutcome[] = [];
    this.pendingPatches = [];
    // Every row written here references only its batch's run, whose row activeRunRow reads inside
    // the same IMMEDIATE transaction (and MLflow never deletes a run row outside garbage
    // collection), so the per-row foreign-key lookups into runs are redundant: they were ~10% of a
    // 1,000-metric batch. The pragma is a no-op inside a transaction, hence around it; restored
    // even on failure.
    this.st.fkOff.run();
    try {
      this.guard('log batch', () => this.db.transaction(() => {
        for (const b of batches) {
          let newParams: KeyValue[];
          try {
            newParams = this.checkBatch(b);
          } catch (err) {
            if (!(err instanceof MlflowError)) throw err;
            outcomes.push(err);
            continue;
          }
          this.writeBatch(b, newParams);
          outcomes.push(undefined);
        }
      }).immediate());
    } catch (err) {
      this.pendingPatches = [];
      throw err;
    } finally {
      this.st.fkOn.run();
    }
    // Committed: bring the per-key lookups up to date with what the transaction changed.
    const patches = this.pendingPatches;
    this.pendingPatches = [];
    for (const patch of patches) patch();
    return outcomes;
  }

  /** MLflow's refusals of a log-batch, read before anything of it is written: the run must be
   * active, and a param may be logged again only with the same value (validateBatch already
   * refused a key twice in one batch). Returns the params not stored yet. */
  private checkBatch({ runId, params }: QueuedBatch): KeyValue[] {
    this.activeRunRow(runId);
    const fresh: KeyValue[] = [];
    for (const p of params) {
      const existing = this.st.paramGet.get(p.key, runId) as { value: string } | undefined;
      if (!existing) fresh.push(p);
      else if (existing.value !== p.value) {
        throw invalid(
          `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${existing.value}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
        );
      }
    }
    return fresh;
  }

  private writeBatch({ runId, metrics, tags }: QueuedBatch, newParams: KeyValue[]): void {
    for (const p of newParams) {
      this.st.paramInsert.run(p.key, p.value, runId);
      this.notePatch('params', p.key, runId, undefined, p.value);
    }
    this.metricWriter.write(runId, metrics);
    for (const t of tags) {
      this.upsertTag(runId, t.key, t.value);
      if (t.key === RUN_NAME_TAG) this.st.runSetName.run(t.value, runId);
    }
  }

  async logMetric(runId: string, metric: Metric): Promise<void> {
    return this.logBatch(runId, { metrics: [metric] });
  }

  async logParam(runId: string, param: KeyValue): Promise<void> {
    return this.logBatch(runId, { params: [param] });
  }

  async setTag(runId: string, tag: KeyValue): Promise<void> {
    return this.logBatch(runId, { tags: [tag] });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    this.write('delete tag', () => {
      this.activeRunRow(runId);
      if (this.st.tagGet.get(runId, key) === undefined) {
        throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No tag with name: ${key} in run with id ${runId}`);
      }
      const old = this.st.tagGet.get(runId, key) as { value: string } | undefined;
      this.notePatch('tags', key, runId, old?.value, undefined);
      this.st.tagDelete.run(runId, key);
    });
  }

  async getMetricHistory(runId: string, key: string, opts: { maxResults?: number; pageToken?: string } = {}): Promise<Page<Metric>> {
    const offset = decodePageToken(opts.pageToken);
    const limit = opts.maxResults === undefined ? -1 : validateMaxResults(opts.maxResults, undefined, Number.MAX_SAFE_INTEGER);
    return this.guard('get metric history', () => {
      this.runRow(runId);
      const rows = this.st.history.all(runId, key, limit, offset) as MetricRow[];
      const page: Page<Metric> = { items: rows.map((r) => this.toMetric(r)) };
      if (limit > 0 && rows.length === limit) page.nextPageToken = encodePageToken(offset + limit);
      return page;
    });
  }

  /** Min, max and count over every metric's history of these runs (read-only; runViews/metricSummaries.ts). */
  async metricSummaries(runIds: readonly string[]): Promise<MetricSummary[]> {
    return this.guard('read metric summaries', () => sqliteMetricSummaries(this.db, runIds));
  }

  /** One experiment's active runs as columns (runViews/sqliteRunColumns.ts): the Experiments
   * screen's runs table, read in one scan per table instead of three queries per run. */
  async experimentRunColumns(experimentId: string): Promise<RunColumns | null> {
    if (!/^-?\d+$/.test(experimentId)) return null;
    const runsById = async (ids: readonly string[]) => this.guard('read the runs of a page', () => this.runsById(ids).map(contractRun));
    const columns = this.guard('read the runs of an experiment', () => sqliteRunColumns(this.db, experimentId, runsById));
    const lazy = columns.lazy;
    if (lazy) {
      columns.lazy = {
        keys: () => this.guard(`read the keys of experiment ${experimentId}'s runs`, () => lazy.keys()),
        load: (kind, key) => this.guard(`read ${kind} '${key}' of experiment ${experimentId}'s runs`, () => lazy.load(kind, key)),
        step: (kind, key) => this.guard(`read ${kind} '${key}' of experiment ${experimentId}'s runs`, () => lazy.step(kind, key)),
        details: () => this.guard(`read experiment ${experimentId}'s runs`, () => lazy.details()),
        runs: lazy.runs,
      };
    }
    return columns;
  }

  /** Runs by id with their latest metrics, params and tags, in the order given (missing ids left out). */
  private runsById(ids: readonly string[]): Run[] {
    const rows = new Map<string, RunRow>();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const q = this.db.prepare(`SELECT * FROM runs WHERE run_uuid IN (${chunk.map(() => '?').join(', ')})`);
      for (const r of q.all(...chunk) as RunRow[]) rows.set(r.run_uuid, r);
    }
    return this.loadRuns(ids.flatMap((id) => rows.get(id) ?? []));
  }

  /** Changes whenever this connection or another one commits: what a cached read is keyed on. */
  revision(): string {
    const version = (this.st.dataVersion.get() as { data_version: number }).data_version;
    const own = (this.db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    return `${version}.${own}`;
  }

  async close(): Promise<void> {
    if (this.db.open) this.batchQueue.flush();
    if (this.db.open) this.db.close();
  }
}

/** A run as the app's contract carries it: steps as numbers (the nearest double beyond 2^53), no inputs. */
function contractRun(r: Run): ContractRun {
  const data: ContractRun['data'] = {};
  if (r.data.metrics) data.metrics = r.data.metrics.map((m) => ({ ...m, step: Number(m.step) }));
  if (r.data.params) data.params = r.data.params;
  if (r.data.tags) data.tags = r.data.tags;
  return { info: r.info, data };
}

function notMlflow(file: string, why: string): MlflowError {
  return new MlflowError(
    'INVALID_STATE',
    `${file} is not an MLflow tracking database: ${why}. Expected a SQLite file written by MLflow (tables experiments, runs, metrics, latest_metrics, params, tags and alembic_version, e.g. at head ${MLFLOW_2X_HEAD}). The file was not changed.`,
  );
}

function checkSchema(db: Database.Database, file: string, tables: string[]): void {
  const missingTables = Object.keys(REQUIRED_COLUMNS).filter((t) => !tables.includes(t));
  if (missingTables.length > 0) {
    let hint = '';
    if (tables.includes('alembic_version')) {
      const rev = db.prepare('SELECT version_num FROM alembic_version').all() as { version_num: string }[];
      const v = rev[0]?.version_num ?? '';
      hint = tables.includes('studies') || /^v\d/.test(v) ? ` (its alembic_version '${v}' and tables look like an Optuna study)` : ` (its alembic_version is '${v}')`;
    }
    throw notMlflow(file, `it has no ${missingTables.map((t) => `'${t}'`).join(', ')} table${missingTables.length > 1 ? 's' : ''}${hint}`);
  }
  for (const [table, cols] of Object.entries(REQUIRED_COLUMNS)) {
    const have = new Set((db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name));
    const missing = cols.filter((c) => !have.has(c));
    if (missing.length > 0) {
      throw notMlflow(file, `its '${table}' table lacks column(s) ${missing.join(', ')} (a schema older than MLflow 2.0; upgrade it with 'mlflow db upgrade sqlite:///${file}')`);
    }
  }
}

/** Opens (or with `create`, creates) the MLflow SQLite store at `file`. */
export function openSqliteStore(file: string, opts: SqliteStoreOptions = {}): SqliteTrackingStore {
  return new SqliteTrackingStore(file, opts);
}
