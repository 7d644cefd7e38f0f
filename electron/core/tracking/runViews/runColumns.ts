// One experiment's runs held column by column (the host's copy behind the Experiments screen's runs
// table): typed arrays for times and metric values, one array per param and tag key, repeated
// strings stored once. 100,000 runs as Run objects take several hundred MB of heap; as columns a
// fraction of that. A Run is built only for the rows a page shows. A store that can read one key's
// values on their own (SQLite) fills the metric, param and tag columns only when a sort, filter or
// chart first needs them (`lazy`).
import type { Run } from '../../../../shared/contract.ts';

export type RunStatus = Run['info']['status'];

export interface MetricColumn {
  value: Float64Array;
  timestamp: Float64Array;
  step: Float64Array;
  /** 1 where the run has this metric. */
  has: Uint8Array;
}

export interface RunTableKeys {
  metrics: string[];
  params: string[];
  tags: string[];
}

export type KeyKind = 'metrics' | 'params' | 'tags';

/** What a store reads on demand when its columns are lazy. */
export interface LazyRunData {
  /** Every metric, param and tag key the runs carry, sorted. */
  keys(): RunTableKeys;
  /** Fills `kind`'s column for `key` (left absent when no run has it); read once. */
  load(kind: KeyKind, key: string): void;
  /** Reads a part of `kind`'s column for `key`; true once it is complete (load finishes it). */
  step(kind: KeyKind, key: string): boolean;
  /** Fills `users`, `artifactUris` and the metric columns' timestamps and steps (read once, and
   * with each metric read after). */
  details(): void;
  /** The runs at these indices, with all their data, in that order. */
  runs(indices: readonly number[]): Promise<Run[]>;
}

export interface RunColumns {
  experimentId: string;
  ids: string[];
  names: string[];
  users: string[];
  artifactUris: string[];
  status: RunStatus[];
  start: Float64Array;
  /** NaN where the run has no end time. */
  end: Float64Array;
  metrics: Map<string, MetricColumn>;
  params: Map<string, Array<string | undefined>>;
  tags: Map<string, Array<string | undefined>>;
  /** Set when metrics, params and tags hold only the keys asked for so far, and users and
   * artifactUris only once `details` was called. */
  lazy?: LazyRunData;
  /** Index of each run id, when the reader kept it. */
  runIndex?: ReadonlyMap<string, number>;
}

/** Strings seen again are the same string (param values, parent ids, statuses repeat). */
export class Interner {
  private readonly seen = new Map<string, string>();
  /** Strings given that had been seen. */
  hits = 0;
  of(s: string): string {
    const had = this.seen.get(s);
    if (had !== undefined) {
      this.hits++;
      return had;
    }
    // Short strings only: long unique ones (ids, paths) would only fill the map.
    if (s.length <= 64 && this.seen.size < 20_000) this.seen.set(s, s);
    return s;
  }
}

export function emptyMetricColumn(n: number): MetricColumn {
  return { value: new Float64Array(n), timestamp: new Float64Array(n), step: new Float64Array(n), has: new Uint8Array(n) };
}

/** Run `i` as the contract's JSON (keys in sorted order). */
export function runAt(c: RunColumns, i: number): Run {
  const metrics: NonNullable<Run['data']['metrics']> = [];
  for (const [key, m] of c.metrics) if (m.has[i]) metrics.push({ key, value: m.value[i]!, timestamp: m.timestamp[i]!, step: m.step[i]! });
  const kv = (map: Map<string, Array<string | undefined>>) => {
    const out: Array<{ key: string; value: string }> = [];
    for (const [key, col] of map) {
      const v = col[i];
      if (v !== undefined) out.push({ key, value: v });
    }
    return out;
  };
  const params = kv(c.params);
  const tags = kv(c.tags);
  const data: Run['data'] = {};
  if (metrics.length) data.metrics = metrics;
  if (params.length) data.params = params;
  if (tags.length) data.tags = tags;
  const end = c.end[i]!;
  return {
    info: {
      run_uuid: c.ids[i]!,
      experiment_id: c.experimentId,
      run_name: c.names[i]!,
      user_id: c.users[i]!,
      status: c.status[i]!,
      start_time: c.start[i]!,
      ...(Number.isNaN(end) ? {} : { end_time: end }),
      artifact_uri: c.artifactUris[i]!,
      lifecycle_stage: 'active',
      run_id: c.ids[i]!,
    },
    data,
  };
}

/** Columns from Run objects (stores without a columnar read: REST servers, mlruns/ folders). */
export function columnsOfRuns(experimentId: string, runs: readonly Run[]): RunColumns {
  const n = runs.length;
  const c: RunColumns = {
    experimentId,
    ids: runs.map((r) => r.info.run_id),
    names: runs.map((r) => r.info.run_name),
    users: runs.map((r) => r.info.user_id),
    artifactUris: runs.map((r) => r.info.artifact_uri),
    status: runs.map((r) => r.info.status),
    start: Float64Array.from(runs, (r) => r.info.start_time),
    end: Float64Array.from(runs, (r) => r.info.end_time ?? NaN),
    metrics: new Map(),
    params: new Map(),
    tags: new Map(),
  };
  runs.forEach((r, i) => {
    for (const m of r.data.metrics ?? []) {
      let col = c.metrics.get(m.key);
      if (!col) c.metrics.set(m.key, (col = emptyMetricColumn(n)));
      col.value[i] = m.value;
      col.timestamp[i] = m.timestamp;
      col.step[i] = m.step;
      col.has[i] = 1;
    }
    for (const kind of ['params', 'tags'] as const) {
      for (const p of r.data[kind] ?? []) {
        let col = c[kind].get(p.key);
        if (!col) c[kind].set(p.key, (col = new Array<string | undefined>(n)));
        col[i] = p.value;
      }
    }
  });
  return c;
}
