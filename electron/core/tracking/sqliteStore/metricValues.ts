// How MLflow's SQL store keeps a metric point: NaN as (0, is_nan=1), ±inf as ±DBL_MAX, steps as
// exact int64 INTEGERs, and which point is a key's latest.
import type { Step } from '../types.ts';

/** MLflow's SQL store keeps infinities as the largest finite doubles. */
export const DBL_MAX = 1.7976931348623157e308;

/** A metrics / latest_metrics row as read back (see STEP_SQL for the step). */
export interface MetricRow {
  run_uuid?: string;
  key: string;
  value: number;
  timestamp: number | null;
  /** A number, or decimal text for an integer beyond 2^53 (see STEP_SQL). */
  step: number | string;
  is_nan: number;
}

/** The step column read exactly: better-sqlite3 would round an INTEGER beyond 2^53 to a double, so
 * such a step is read as its decimal text and turned into a bigint by readStep. */
export const STEP_SQL = 'CASE WHEN step BETWEEN -9007199254740991 AND 9007199254740991 THEN step ELSE CAST(step AS TEXT) END AS step';

/** The value column of a point: 0 for NaN (is_nan says so), ±DBL_MAX for ±inf. */
export function storedValue(value: number): number {
  if (value !== value) return 0; // NaN
  if (value === Infinity) return DBL_MAX;
  if (value === -Infinity) return -DBL_MAX;
  return value;
}

/** MLflow's latest-metric rule: the greater (step, timestamp, value) tuple wins. */
export function isNewerMetric(a: { step: Step; timestamp: number; value: number }, b: { step: Step; timestamp: number | null; value: number }): boolean {
  if (a.step !== b.step) return a.step > b.step;
  const bt = b.timestamp ?? -Infinity;
  if (a.timestamp !== bt) return a.timestamp > bt;
  return a.value > b.value;
}
