// Best-of metric values: the min and max over each metric's whole history, per run, beside the
// latest value the run already carries (MLflow shows only the latest: mlflow/mlflow#7790).
// Stores that hold histories locally answer with one read; a REST server has no such query.
import type Database from 'better-sqlite3';
import type { TrackingStore } from '../types.ts';

export interface MetricSummary {
  runId: string;
  key: string;
  /** Over the points that are numbers: NaN points are left out, ±Infinity kept. null when every point is NaN. */
  min: number | null;
  max: number | null;
  /** Every logged point, NaN ones included. */
  count: number;
}

export interface MetricSummaryReader {
  metricSummaries(runIds: readonly string[]): Promise<MetricSummary[]>;
}

export function canSummarizeMetrics(store: TrackingStore): store is TrackingStore & MetricSummaryReader {
  return typeof (store as Partial<MetricSummaryReader>).metricSummaries === 'function';
}

/** MLflow's SQL store keeps infinities as the largest finite doubles. */
const DBL_MAX = 1.7976931348623157e308;
const fromStored = (v: number | null): number | null => (v === null ? null : v >= DBL_MAX ? Infinity : v <= -DBL_MAX ? -Infinity : v);

/** SQLite's default limit on bound parameters is 32766; chunks stay well below it. */
const CHUNK = 900;

/** One grouped query per chunk of run ids over MLflow's `metrics` table (is_nan rows hold 0). */
export function sqliteMetricSummaries(db: Database.Database, runIds: readonly string[]): MetricSummary[] {
  const out: MetricSummary[] = [];
  const ids = [...new Set(runIds)];
  for (let i = 0; i < ids.length; i += CHUNK) {
    const part = ids.slice(i, i + CHUNK);
    const rows = db
      .prepare(
        `SELECT run_uuid, "key" AS key, MIN(CASE WHEN is_nan THEN NULL ELSE value END) AS min, MAX(CASE WHEN is_nan THEN NULL ELSE value END) AS max, COUNT(*) AS n
         FROM metrics WHERE run_uuid IN (${part.map(() => '?').join(',')}) GROUP BY run_uuid, "key" ORDER BY run_uuid, "key"`,
      )
      .all(...part) as { run_uuid: string; key: string; min: number | null; max: number | null; n: number }[];
    for (const r of rows) out.push({ runId: r.run_uuid, key: r.key, min: fromStored(r.min), max: fromStored(r.max), count: r.n });
  }
  return out;
}

/** The summary of one metric's points (file stores read each metric file once). */
export function summarizePoints(runId: string, key: string, values: readonly number[]): MetricSummary {
  let min: number | null = null;
  let max: number | null = null;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (min === null || v < min) min = v;
    if (max === null || v > max) max = v;
  }
  return { runId, key, min, max, count: values.length };
}
