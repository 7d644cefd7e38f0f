// One experiment's active runs read from MLflow's SQLite schema into columns (runColumns.ts), lazily:
// the runs table at once (one chunked scan, each chunk of rows as one text: concatScan.ts) with the
// tag the table's layout needs (the parent); each other metric, param or tag key only when
// a sort, filter or chart first asks for it, in one scan of its table; and the full runs of the
// rows a page shows through the store. Opening 100,000 runs then reads a tenth of the rows it
// would read whole, and holds only the columns in use.
import type Database from 'better-sqlite3';
import type { Run } from '../../../../shared/contract.ts';
import { STEP_SQL } from '../sqliteStore/metricValues.ts';
import { concatChunks, concatScan, sqlNumber, type ConcatScan } from './concatScan.ts';
import { emptyMetricColumn, Interner, runAt, type MetricColumn, type KeyKind, type RunColumns, type RunStatus, type RunTableKeys } from './runColumns.ts';

const STATUSES: ReadonlySet<string> = new Set(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);
const PARENT_TAG = 'mlflow.parentRunId';
const TABLE: Record<KeyKind, string> = { metrics: 'latest_metrics', params: 'params', tags: 'tags' };
const STEP = STEP_SQL.replace(/ AS step$/, '');
/** Values of a param or tag column seen before it is decided whether they repeat. */
const INTERN_SAMPLE = 2048;

/** The experiment's runs (by id, in this order) with all their data, as the store reads them. */
export type RunsById = (ids: readonly string[]) => Promise<Run[]>;

export function sqliteRunColumns(db: Database.Database, experimentId: string, runsById: RunsById): RunColumns {
  const exp = Number(experimentId);
  const strings = new Interner();
  const ids: string[] = [];
  const names: string[] = [];
  const status: RunStatus[] = [];
  const start: number[] = [];
  const end: number[] = [];
  const ACTIVE = "experiment_id = ? AND lifecycle_stage = 'active'";
  concatScan(
    db,
    {
      table: 'runs',
      from: 'runs',
      fields: ['run_uuid', "coalesce(name, '')", "coalesce(status, '')", 'coalesce(start_time, 0)', "coalesce(end_time, 'NaN')"],
      where: ACTIVE,
      args: [exp],
    },
    (p, k) => {
      ids.push(p[k]!);
      names.push(p[k + 1]!);
      const s = p[k + 2]!;
      // As the store reads a run (sqliteStore toInfo): an unknown status is shown as RUNNING.
      status.push(STATUSES.has(s) ? (s as RunStatus) : 'RUNNING');
      start.push(sqlNumber(p[k + 3]!));
      end.push(sqlNumber(p[k + 4]!));
    },
  );
  const n = ids.length;
  const users = new Array<string>(n).fill('');
  const uris = new Array<string>(n).fill('');
  const at = new Map<string, number>();
  ids.forEach((id, i) => at.set(id, i));
  /** A finder of rows by run id for one scan of a key's table. Its rows are mostly written run after
   * run in the runs' order, so the row after the last one found is tried first (one string
   * compare); the Map (hashing each fresh id: about half of a column's read) only when it is not. */
  const rowFinder = (): ((id: string) => number | undefined) => {
    let next = 0;
    return (id) => {
      const i = ids[next] === id ? next : at.get(id);
      if (i !== undefined) next = i + 1;
      return i;
    };
  };
  const c: RunColumns = {
    experimentId: String(exp),
    ids,
    names,
    users,
    artifactUris: uris,
    status,
    start: Float64Array.from(start),
    end: Float64Array.from(end),
    metrics: new Map(),
    params: new Map(),
    tags: new Map(),
    runIndex: at,
  };
  // When the experiment holds most of the store's runs, a key's rows are read straight through its
  // table (sequential pages, several times cheaper than an index lookup per row) and other
  // experiments' rows dropped here; otherwise only the experiment's runs are asked for.
  const all = (db.prepare('SELECT count(*) AS n FROM runs').get() as { n: number }).n;
  const whole = n * 2 >= all;
  const OWN = `run_uuid IN (SELECT run_uuid FROM runs WHERE ${ACTIVE})`;
  // A tag without a value (NULL, which MLflow never writes) is left out, as its key.
  const valued = (kind: KeyKind) => (kind === 'tags' ? ' AND value IS NOT NULL' : '');
  const scan = (kind: KeyKind, key: string, fields: string[]): ConcatScan => ({
    table: TABLE[kind],
    from: `${TABLE[kind]} NOT INDEXED`,
    fields: ['run_uuid', ...fields],
    where: `"key" = ?${valued(kind)}${whole ? '' : ` AND ${OWN}`}`,
    args: whole ? [key] : [key, exp],
  });
  const loaded = new Set<string>();
  /** Reads still under way (warm), by `${kind}\0${key}`: a load finishes them. */
  const reading = new Map<string, Generator<void, void, void>>();
  function* read(kind: KeyKind, key: string): Generator<void, void, void> {
    if (kind === 'metrics') {
      const col = emptyMetricColumn(n);
      let any = false;
      // NaN is kept as (0, is_nan = 1); here it comes as 'NaN'. Sorts, filters and charts need only
      // the value: times and steps are read with the runs' details.
      const times = details;
      const rowOf = rowFinder();
      yield* concatChunks(db, scan(kind, key, ["CASE WHEN is_nan THEN 'NaN' ELSE value END", ...(times ? TIMES : [])]), (p, k) => {
        const i = rowOf(p[k]!);
        if (i === undefined) return;
        col.value[i] = sqlNumber(p[k + 1]!);
        if (times) timesAt(col, i, p, k + 2);
        col.has[i] = 1;
        any = true;
      });
      if (any && !times && details) readTimes(key, col);
      if (any) c.metrics.set(key, col);
    } else {
      const col = new Array<string | undefined>(n);
      let any = false;
      const rowOf = rowFinder();
      // Storing a value once pays only when values repeat: a column whose first values are mostly
      // new (numbers, names, ids) is kept as read, without a lookup per value (a fifth of its read).
      let intern = true;
      let values = 0;
      const hits0 = strings.hits;
      yield* concatChunks(db, scan(kind, key, ['value']), (p, k) => {
        const i = rowOf(p[k]!);
        if (i === undefined) return;
        const v = p[k + 1]!;
        if (intern && ++values === INTERN_SAMPLE && (strings.hits - hits0) * 2 < INTERN_SAMPLE) intern = false;
        col[i] = intern ? strings.of(v) : v;
        any = true;
      });
      if (any) c[kind].set(key, col);
    }
  }
  /** Reads the next chunk of a key's column; true once the column is complete. */
  const step = (kind: KeyKind, key: string): boolean => {
    const id = `${kind}\0${key}`;
    if (loaded.has(id) || n === 0) return true;
    let it = reading.get(id);
    if (!it) reading.set(id, (it = read(kind, key)));
    let done: boolean | undefined;
    try {
      done = it.next().done;
    } finally {
      // A read that failed is started again by the next ask.
      if (done !== false) reading.delete(id);
    }
    if (!done) return false;
    loaded.add(id);
    return true;
  };
  const load = (kind: KeyKind, key: string): void => {
    while (!step(kind, key));
  };
  const TIMES = ['coalesce(timestamp, 0)', STEP];
  const timesAt = (col: MetricColumn, i: number, p: readonly string[], k: number): void => {
    col.timestamp[i] = sqlNumber(p[k]!);
    // A step beyond 2^53 comes as text (STEP_SQL): the nearest double, as the app shows it.
    col.step[i] = sqlNumber(p[k + 1]!);
  };
  const readTimes = (key: string, col: MetricColumn): void => {
    const rowOf = rowFinder();
    concatScan(db, scan('metrics', key, TIMES), (p, k) => {
      const i = rowOf(p[k]!);
      if (i !== undefined) timesAt(col, i, p, k + 1);
    });
  };
  // The runs' user and artifact location, and the metrics' times and steps: only for whole runs built from the columns.
  let details = false;
  const loadDetails = (): void => {
    if (details) return;
    for (const [key, col] of c.metrics) readTimes(key, col);
    const rowOf = rowFinder();
    concatScan(db, { table: 'runs', from: 'runs', fields: ['run_uuid', "coalesce(user_id, '')", "coalesce(artifact_uri, '')"], where: ACTIVE, args: [exp] }, (p, k) => {
      const i = rowOf(p[k]!);
      if (i === undefined) return;
      users[i] = strings.of(p[k + 1]!);
      uris[i] = p[k + 2]!;
    });
    details = true;
  };
  let keys: RunTableKeys | null = null;
  const keysOf = (kind: KeyKind): string[] => {
    const t = TABLE[kind];
    const own = db.prepare(`SELECT 1 FROM ${t} t JOIN runs r ON r.run_uuid = t.run_uuid WHERE t."key" = ?${valued(kind).replace('value', 't.value')} AND r.experiment_id = ? AND r.lifecycle_stage = 'active' LIMIT 1`).pluck();
    // Each next key is one seek in the table's (key, run_uuid) index, instead of a walk through
    // every row of it (a few keys over 100,000s of rows).
    const after = db.prepare(`SELECT min("key") FROM ${t} WHERE "key" > ?`).pluck();
    const every: string[] = [];
    for (let k = db.prepare(`SELECT min("key") FROM ${t}`).pluck().get() as string | null; k !== null; k = after.get(k) as string | null) every.push(k);
    // Keys of other experiments' runs are left out (one index probe each).
    return every.filter((k) => own.get(k, exp) !== undefined).sort();
  };
  // The layout's tag: which run is whose child.
  load('tags', PARENT_TAG);
  c.lazy = {
    keys: () => (keys ??= n === 0 ? { metrics: [], params: [], tags: [] } : { metrics: keysOf('metrics'), params: keysOf('params'), tags: keysOf('tags') }),
    load,
    step,
    details: loadDetails,
    runs: async (indices) => {
      const got = new Map((await runsById(indices.map((i) => ids[i]!))).map((r) => [r.info.run_id, r]));
      // A run deleted since this read (another process): shown as read, until the table is read again.
      if (got.size < indices.length) loadDetails();
      return indices.map((i) => got.get(ids[i]!) ?? runAt(c, i));
    },
  };
  return c;
}
