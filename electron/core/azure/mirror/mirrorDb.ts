// The offline mirror of one Azure ML workspace: a SQLite file of its own (never the MLflow store)
// holding experiments, runs (params, tags and latest metrics as JSON, the parent run id pulled
// out for nesting), metric histories once fetched, an "as of" time per experiment and run, and
// the sync cursor. Every write is one transaction, so a kill leaves either the whole page or none
// of it; runs are upserted by run id, so re-reading a page never duplicates anything.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { decodeDouble, encodeDouble } from '../../tracking/endpoint/wire.ts';
import type { Experiment, KeyValue, LifecycleStage, Metric, Run, RunStatus } from '../../tracking/types.ts';
import { readStep } from '../../tracking/types.ts';
import type { WorkspaceRef } from '../workspace.ts';

export const MIRROR_SCHEMA_VERSION = 1;
const PARENT_TAG = 'mlflow.parentRunId';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS experiments (
  experiment_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  artifact_location TEXT NOT NULL DEFAULT '',
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  creation_time INTEGER,
  last_update_time INTEGER,
  tags_json TEXT NOT NULL DEFAULT '[]',
  as_of INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY,
  experiment_id TEXT NOT NULL,
  run_name TEXT NOT NULL DEFAULT '',
  user_id TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  end_time INTEGER,
  artifact_uri TEXT NOT NULL DEFAULT '',
  lifecycle_stage TEXT NOT NULL DEFAULT 'active',
  parent_run_id TEXT,
  params_json TEXT NOT NULL DEFAULT '[]',
  tags_json TEXT NOT NULL DEFAULT '[]',
  metrics_json TEXT NOT NULL DEFAULT '[]',
  as_of INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_experiment ON runs (experiment_id, start_time DESC);
CREATE INDEX IF NOT EXISTS runs_by_parent ON runs (parent_run_id);
CREATE TABLE IF NOT EXISTS metric_history (
  run_id TEXT NOT NULL,
  key TEXT NOT NULL,
  seq INTEGER NOT NULL,
  step INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (run_id, key, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history_state (
  run_id TEXT NOT NULL,
  key TEXT NOT NULL,
  points INTEGER NOT NULL,
  as_of INTEGER NOT NULL,
  run_finished INTEGER NOT NULL,
  PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sync_state (
  experiment_id TEXT PRIMARY KEY,
  hwm_start_time INTEGER,
  window_from INTEGER,
  window_max_start INTEGER,
  page_token TEXT,
  pages_done INTEGER NOT NULL DEFAULT 0,
  last_sync_at INTEGER,
  last_error TEXT
);
`;

export interface SyncCursor {
  experimentId: string;
  /** Largest run start_time seen by a completed sync window. */
  hwmStartTime: number | null;
  /** The window being read (start_time >= windowFrom), null for "everything". */
  windowFrom: number | null;
  windowMaxStart: number | null;
  /** Next page of an unfinished window: set, a sync resumes there. */
  pageToken: string | null;
  pagesDone: number;
  lastSyncAt: number | null;
  lastError: string | null;
}

export interface MirrorCounts {
  experiments: number;
  runs: number;
  historyPoints: number;
}

interface RunRow {
  run_id: string;
  experiment_id: string;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  artifact_uri: string;
  lifecycle_stage: string;
  params_json: string;
  tags_json: string;
  metrics_json: string;
  as_of: number;
}

interface ExperimentRow {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number | null;
  last_update_time: number | null;
  tags_json: string;
  as_of: number;
}

interface WireMetric {
  key: string;
  value: number | string;
  timestamp: number;
  /** int64: text when a double cannot hold it exactly. */
  step: number | string;
}

/** `<dataDir>/azure-mirror/<subscription>__<resource group>__<workspace>.db` */
export function mirrorPathFor(dataDir: string, ws: WorkspaceRef): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return path.join(dataDir, 'azure-mirror', `${safe(ws.subscriptionId)}__${safe(ws.resourceGroup)}__${safe(ws.workspaceName)}.db`);
}

const metricsToJson = (ms: Metric[] | undefined): string =>
  JSON.stringify((ms ?? []).map((m): WireMetric => ({ key: m.key, value: encodeDouble(m.value), timestamp: m.timestamp, step: typeof m.step === 'bigint' ? m.step.toString() : m.step })));
const metricsFromJson = (s: string): Metric[] =>
  (JSON.parse(s) as WireMetric[]).map((m) => ({ key: m.key, value: decodeDouble(m.value) ?? NaN, timestamp: m.timestamp, step: readStep(m.step) }));

export const isFinishedStatus = (s: RunStatus): boolean => s === 'FINISHED' || s === 'FAILED' || s === 'KILLED';

export class MirrorDb {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly stmts: ReturnType<MirrorDb['prepare']>;

  private constructor(file: string, db: Database.Database) {
    this.file = file;
    this.db = db;
    this.stmts = this.prepare();
  }

  /** Opens (creating when asked) the mirror file; refuses a file with a newer schema. */
  static open(file: string, opts: { readOnly?: boolean; create?: boolean } = {}): MirrorDb {
    const exists = fs.existsSync(file);
    if (!exists && !opts.create) {
      throw new Error(`no offline mirror at ${file}: run 'sweepdeck azure sync' once while online to create it`);
    }
    if (!exists) fs.mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file, { readonly: !!opts.readOnly && exists, fileMustExist: !opts.create });
    try {
      db.pragma('busy_timeout = 5000');
      const version = Number(db.pragma('user_version', { simple: true }));
      if (version > MIRROR_SCHEMA_VERSION) {
        throw new Error(`the offline mirror ${file} has schema version ${version}, newer than this Sweepdeck understands (${MIRROR_SCHEMA_VERSION}); update Sweepdeck or delete the file to rebuild it with a sync`);
      }
      if (!opts.readOnly) {
        db.pragma('journal_mode = WAL');
        // A page committed is on disk in WAL order; a crash loses at most the page in flight.
        db.pragma('synchronous = NORMAL');
        if (version < MIRROR_SCHEMA_VERSION) {
          db.transaction(() => {
            db.exec(SCHEMA);
            db.pragma(`user_version = ${MIRROR_SCHEMA_VERSION}`);
          }).immediate();
        }
      } else if (version === 0) {
        throw new Error(`the offline mirror ${file} is empty (never synced): run 'sweepdeck azure sync' while online`);
      }
      return new MirrorDb(file, db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private prepare() {
    const db = this.db;
    return {
      upsertRun: db.prepare(`INSERT INTO runs (run_id, experiment_id, run_name, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage, parent_run_id, params_json, tags_json, metrics_json, as_of)
        VALUES (@run_id, @experiment_id, @run_name, @user_id, @status, @start_time, @end_time, @artifact_uri, @lifecycle_stage, @parent_run_id, @params_json, @tags_json, @metrics_json, @as_of)
        ON CONFLICT (run_id) DO UPDATE SET experiment_id = excluded.experiment_id, run_name = excluded.run_name, user_id = excluded.user_id, status = excluded.status,
          start_time = excluded.start_time, end_time = excluded.end_time, artifact_uri = excluded.artifact_uri, lifecycle_stage = excluded.lifecycle_stage,
          parent_run_id = excluded.parent_run_id, params_json = excluded.params_json, tags_json = excluded.tags_json, metrics_json = excluded.metrics_json, as_of = excluded.as_of`),
      runExists: db.prepare('SELECT 1 FROM runs WHERE run_id = ?').pluck(),
      upsertExperiment: db.prepare(`INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time, tags_json, as_of)
        VALUES (@experiment_id, @name, @artifact_location, @lifecycle_stage, @creation_time, @last_update_time, @tags_json, @as_of)
        ON CONFLICT (experiment_id) DO UPDATE SET name = excluded.name, artifact_location = excluded.artifact_location, lifecycle_stage = excluded.lifecycle_stage,
          creation_time = excluded.creation_time, last_update_time = excluded.last_update_time, tags_json = excluded.tags_json, as_of = MAX(experiments.as_of, excluded.as_of)`),
      getCursor: db.prepare('SELECT * FROM sync_state WHERE experiment_id = ?'),
      putCursor: db.prepare(`INSERT INTO sync_state (experiment_id, hwm_start_time, window_from, window_max_start, page_token, pages_done, last_sync_at, last_error)
        VALUES (@experimentId, @hwmStartTime, @windowFrom, @windowMaxStart, @pageToken, @pagesDone, @lastSyncAt, @lastError)
        ON CONFLICT (experiment_id) DO UPDATE SET hwm_start_time = excluded.hwm_start_time, window_from = excluded.window_from, window_max_start = excluded.window_max_start,
          page_token = excluded.page_token, pages_done = excluded.pages_done, last_sync_at = excluded.last_sync_at, last_error = excluded.last_error`),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      deleteHistory: db.prepare('DELETE FROM metric_history WHERE run_id = ? AND key = ?'),
      insertPoint: db.prepare('INSERT INTO metric_history (run_id, key, seq, step, timestamp, value) VALUES (?, ?, ?, ?, ?, ?)'),
      putHistoryState: db.prepare(`INSERT INTO history_state (run_id, key, points, as_of, run_finished) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (run_id, key) DO UPDATE SET points = excluded.points, as_of = excluded.as_of, run_finished = excluded.run_finished`),
    };
  }

  // ---- writes -------------------------------------------------------------------------------

  /** Upserts a page of runs and, in the same transaction, the experiment's cursor. Returns how
   * many of the runs were new to the mirror. */
  commitRunPage(runs: readonly Run[], asOf: number, cursor?: SyncCursor): { inserted: number; updated: number } {
    let inserted = 0;
    this.db
      .transaction(() => {
        for (const r of runs) {
          const tags = r.data.tags ?? [];
          if (!this.stmts.runExists.get(r.info.run_id)) inserted++;
          this.stmts.upsertRun.run({
            run_id: r.info.run_id,
            experiment_id: r.info.experiment_id,
            run_name: r.info.run_name,
            user_id: r.info.user_id,
            status: r.info.status,
            start_time: r.info.start_time,
            end_time: r.info.end_time ?? null,
            artifact_uri: r.info.artifact_uri,
            lifecycle_stage: r.info.lifecycle_stage,
            parent_run_id: tags.find((t) => t.key === PARENT_TAG)?.value ?? null,
            params_json: JSON.stringify(r.data.params ?? []),
            tags_json: JSON.stringify(tags),
            metrics_json: metricsToJson(r.data.metrics),
            as_of: asOf,
          });
        }
        if (cursor) this.stmts.putCursor.run(cursor);
      })
      .immediate();
    return { inserted, updated: runs.length - inserted };
  }

  upsertExperiments(experiments: readonly Experiment[], asOf: number): void {
    this.db
      .transaction(() => {
        for (const e of experiments) {
          this.stmts.upsertExperiment.run({
            experiment_id: e.experiment_id,
            name: e.name,
            artifact_location: e.artifact_location ?? '',
            lifecycle_stage: e.lifecycle_stage,
            creation_time: e.creation_time ?? null,
            last_update_time: e.last_update_time ?? null,
            tags_json: JSON.stringify(e.tags ?? []),
            // An experiment's "as of" is when its runs were last brought up to date; listing it
            // alone does not make its runs current, so a new experiment starts at 0.
            as_of: 0,
          });
        }
        this.stmts.setMeta.run('experiments_as_of', String(asOf));
      })
      .immediate();
  }

  putCursor(cursor: SyncCursor): void {
    this.stmts.putCursor.run(cursor);
  }

  /** Marks an experiment's runs as current up to `asOf` (a finished sync window). */
  setExperimentAsOf(experimentId: string, asOf: number): void {
    this.db.prepare('UPDATE experiments SET as_of = MAX(as_of, ?) WHERE experiment_id = ?').run(asOf, experimentId);
  }

  /** Replaces a metric's whole history in one transaction (written only once all pages are in). */
  putHistory(runId: string, key: string, points: readonly Metric[], asOf: number, runFinished: boolean): void {
    this.db
      .transaction(() => {
        this.stmts.deleteHistory.run(runId, key);
        points.forEach((m, i) => this.stmts.insertPoint.run(runId, key, i, m.step, m.timestamp, String(encodeDouble(m.value))));
        this.stmts.putHistoryState.run(runId, key, points.length, asOf, runFinished ? 1 : 0);
      })
      .immediate();
  }

  setMeta(key: string, value: string): void {
    this.stmts.setMeta.run(key, value);
  }

  setWorkspace(ws: WorkspaceRef & { restBase?: string }): void {
    this.setMeta('workspace', JSON.stringify(ws));
  }

  // ---- reads --------------------------------------------------------------------------------

  meta(key: string): string | undefined {
    return this.stmts.getMeta.get(key) as string | undefined;
  }

  workspace(): (WorkspaceRef & { restBase?: string }) | undefined {
    const v = this.meta('workspace');
    return v ? (JSON.parse(v) as WorkspaceRef & { restBase?: string }) : undefined;
  }

  cursor(experimentId: string): SyncCursor {
    const row = this.stmts.getCursor.get(experimentId) as
      | { hwm_start_time: number | null; window_from: number | null; window_max_start: number | null; page_token: string | null; pages_done: number; last_sync_at: number | null; last_error: string | null }
      | undefined;
    return {
      experimentId,
      hwmStartTime: row?.hwm_start_time ?? null,
      windowFrom: row?.window_from ?? null,
      windowMaxStart: row?.window_max_start ?? null,
      pageToken: row?.page_token ?? null,
      pagesDone: row?.pages_done ?? 0,
      lastSyncAt: row?.last_sync_at ?? null,
      lastError: row?.last_error ?? null,
    };
  }

  experiments(): { experiment: Experiment; asOf: number }[] {
    const rows = this.db.prepare('SELECT * FROM experiments').all() as ExperimentRow[];
    return rows.map((r) => ({ experiment: toExperiment(r), asOf: r.as_of }));
  }

  experiment(experimentId: string): { experiment: Experiment; asOf: number } | undefined {
    const r = this.db.prepare('SELECT * FROM experiments WHERE experiment_id = ?').get(experimentId) as ExperimentRow | undefined;
    return r ? { experiment: toExperiment(r), asOf: r.as_of } : undefined;
  }

  experimentByName(name: string): { experiment: Experiment; asOf: number } | undefined {
    const r = this.db.prepare('SELECT * FROM experiments WHERE name = ?').get(name) as ExperimentRow | undefined;
    return r ? { experiment: toExperiment(r), asOf: r.as_of } : undefined;
  }

  runsOf(experimentIds: readonly string[]): { run: Run; asOf: number }[] {
    if (experimentIds.length === 0) return [];
    const rows = this.db
      .prepare(`SELECT * FROM runs WHERE experiment_id IN (${experimentIds.map(() => '?').join(',')})`)
      .all(...experimentIds) as RunRow[];
    return rows.map((r) => ({ run: toRun(r), asOf: r.as_of }));
  }

  run(runId: string): { run: Run; asOf: number } | undefined {
    const r = this.db.prepare('SELECT * FROM runs WHERE run_id = ?').get(runId) as RunRow | undefined;
    return r ? { run: toRun(r), asOf: r.as_of } : undefined;
  }

  /** Start time of the oldest run not yet finished that started at or after `since`. */
  oldestOpenRunStart(experimentId: string, since: number): number | null {
    const v = this.db
      .prepare("SELECT MIN(start_time) FROM runs WHERE experiment_id = ? AND status IN ('RUNNING', 'SCHEDULED') AND start_time >= ?")
      .pluck()
      .get(experimentId, since) as number | null;
    return v ?? null;
  }

  history(runId: string, key: string): { points: Metric[]; asOf: number; runFinished: boolean } | undefined {
    const state = this.db.prepare('SELECT points, as_of, run_finished FROM history_state WHERE run_id = ? AND key = ?').get(runId, key) as
      | { points: number; as_of: number; run_finished: number }
      | undefined;
    if (!state) return undefined;
    const rows = this.db.prepare('SELECT step, timestamp, value FROM metric_history WHERE run_id = ? AND key = ? ORDER BY seq').all(runId, key) as {
      step: number;
      timestamp: number;
      value: string;
    }[];
    return { points: rows.map((p) => ({ key, step: p.step, timestamp: p.timestamp, value: decodeDouble(p.value) ?? NaN })), asOf: state.as_of, runFinished: state.run_finished === 1 };
  }

  counts(): MirrorCounts {
    const n = (sql: string): number => Number(this.db.prepare(sql).pluck().get());
    return { experiments: n('SELECT COUNT(*) FROM experiments'), runs: n('SELECT COUNT(*) FROM runs'), historyPoints: n('SELECT COUNT(*) FROM metric_history') };
  }

  /** Newest completed sync over all experiments (null before the first). */
  lastSyncAt(): number | null {
    const v = this.db.prepare('SELECT MAX(last_sync_at) FROM sync_state').pluck().get() as number | null;
    return v ?? null;
  }

  close(): void {
    this.db.close();
  }
}

function toExperiment(r: ExperimentRow): Experiment {
  const e: Experiment = {
    experiment_id: r.experiment_id,
    name: r.name,
    artifact_location: r.artifact_location,
    lifecycle_stage: r.lifecycle_stage as LifecycleStage,
    tags: JSON.parse(r.tags_json) as KeyValue[],
  };
  if (r.creation_time !== null) e.creation_time = r.creation_time;
  if (r.last_update_time !== null) e.last_update_time = r.last_update_time;
  return e;
}

function toRun(r: RunRow): Run {
  const run: Run = {
    info: {
      run_id: r.run_id,
      run_uuid: r.run_id,
      run_name: r.run_name,
      experiment_id: r.experiment_id,
      user_id: r.user_id,
      status: r.status as RunStatus,
      start_time: r.start_time,
      artifact_uri: r.artifact_uri,
      lifecycle_stage: r.lifecycle_stage as LifecycleStage,
    },
    data: { params: JSON.parse(r.params_json) as KeyValue[], tags: JSON.parse(r.tags_json) as KeyValue[], metrics: metricsFromJson(r.metrics_json) },
  };
  if (r.end_time !== null) run.info.end_time = r.end_time;
  return run;
}
