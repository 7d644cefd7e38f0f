// One experiment's active runs read from MLflow's SQLite schema straight into columns
// (runColumns.ts): one scan per table, rows as arrays, no Run object per run.
import type Database from 'better-sqlite3';
import { STEP_SQL } from '../sqliteStore/metricValues.ts';
import { emptyMetricColumn, Interner, type RunColumns, type RunStatus } from './runColumns.ts';

const STATUSES: ReadonlySet<string> = new Set(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);

export function sqliteRunColumns(db: Database.Database, experimentId: string): RunColumns {
  const exp = Number(experimentId);
  const strings = new Interner();
  const rows = db
    .prepare(`SELECT run_uuid, name, user_id, status, start_time, end_time, artifact_uri FROM runs WHERE experiment_id = ? AND lifecycle_stage = 'active'`)
    .raw()
    .all(exp) as Array<[string, string | null, string | null, string | null, number | null, number | null, string | null]>;
  const n = rows.length;
  const at = new Map<string, number>();
  const c: RunColumns = {
    experimentId: String(exp),
    ids: new Array<string>(n),
    names: new Array<string>(n),
    users: new Array<string>(n),
    artifactUris: new Array<string>(n),
    status: new Array<RunStatus>(n),
    start: new Float64Array(n),
    end: new Float64Array(n),
    metrics: new Map(),
    params: new Map(),
    tags: new Map(),
  };
  rows.forEach(([id, name, user, status, start, end, uri], i) => {
    at.set(id, i);
    c.ids[i] = id;
    c.names[i] = name ?? '';
    c.users[i] = strings.of(user ?? '');
    c.artifactUris[i] = uri ?? '';
    // As the store reads a run (sqliteStore toInfo): an unknown status is shown as RUNNING.
    c.status[i] = STATUSES.has(status ?? '') ? (status as RunStatus) : 'RUNNING';
    c.start[i] = start ?? 0;
    c.end[i] = end ?? NaN;
  });
  // Rows are streamed (no array of all rows) and placed by run id. When the experiment holds most of
  // the store's runs, each table is read straight through (sequential pages, several times cheaper
  // than an index lookup per run); otherwise joined on the experiment's runs.
  const all = (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
  const whole = n * 2 >= all;
  const read = (table: string, cols: string) =>
    whole
      ? db.prepare(`SELECT ${cols} FROM ${table}`)
      : db.prepare(`SELECT ${cols} FROM ${table} t JOIN runs r ON r.run_uuid = t.run_uuid WHERE r.experiment_id = ? AND r.lifecycle_stage = 'active'`);
  const args = whole ? [] : [exp];
  for (const [id, key, value, timestamp, step, isNan] of read('latest_metrics', `t.run_uuid, "key", value, timestamp, ${STEP_SQL}, is_nan`.replace('t.run_uuid', whole ? 'run_uuid' : 't.run_uuid')).raw().iterate(...args) as Iterable<[string, string, number, number | null, number | string, number]>) {
    const i = at.get(id);
    if (i === undefined) continue;
    let col = c.metrics.get(key);
    if (!col) c.metrics.set(key, (col = emptyMetricColumn(n)));
    col.value[i] = isNan ? NaN : value;
    col.timestamp[i] = timestamp ?? 0;
    // A step beyond 2^53 comes as text: the nearest double, as the app shows it.
    col.step[i] = Number(step);
    col.has[i] = 1;
  }
  for (const table of ['params', 'tags'] as const) {
    for (const [id, key, value] of read(table, whole ? 'run_uuid, "key", value' : 't.run_uuid, "key", value').raw().iterate(...args) as Iterable<[string, string, string]>) {
      const i = at.get(id);
      if (i === undefined) continue;
      let col = c[table].get(key);
      if (!col) c[table].set(key, (col = new Array<string | undefined>(n)));
      col[i] = strings.of(value);
    }
  }
  return c;
}
