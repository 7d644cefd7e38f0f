// Writes a log-batch's metric points into MLflow's metrics and latest_metrics tables, inside the
// caller's transaction, as MLflow's SQL store does: every point a row (an exact duplicate of a
// stored row is skipped), and each key's latest_metrics row replaced when the batch holds a newer
// point (step, then timestamp, then stored value).
import type Database from 'better-sqlite3';
import { readStep, type Metric } from '../types.ts';
import { isNewerMetric, storedValue, STEP_SQL, type MetricRow } from './metricValues.ts';

/** Rows per multi-row INSERT: 600 bound values, far below SQLite's limit of 32,766. */
const ROWS_PER_INSERT = 100;
const COLUMNS = 6;

export class MetricWriter {
  private readonly insertOne: Database.Statement;
  private readonly insertMany: Database.Statement;
  private readonly latestGet: Database.Statement;
  private readonly latestUpsert: Database.Statement;
  /** The bound values of one multi-row INSERT, reused from batch to batch. */
  private readonly args: unknown[] = new Array(ROWS_PER_INSERT * COLUMNS);

  constructor(db: Database.Database) {
    const insert = (rows: number) =>
      `INSERT INTO metrics ("key", value, timestamp, run_uuid, step, is_nan) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`;
    this.insertOne = db.prepare(insert(1));
    this.insertMany = db.prepare(insert(ROWS_PER_INSERT));
    this.latestGet = db.prepare(`SELECT value, timestamp, ${STEP_SQL}, is_nan FROM latest_metrics WHERE "key" = ? AND run_uuid = ?`);
    this.latestUpsert = db.prepare(
      'INSERT INTO latest_metrics ("key", value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT ("key", run_uuid) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan',
    );
  }

  /** Writes validated `metrics` of `runId`; call inside a write transaction. */
  write(runId: string, metrics: readonly Metric[]): void {
    if (metrics.length === 0) return;
    // Points go in key by key (each key's points in the order sent, so a key's rowid order, which
    // breaks ties in its history, is unchanged). Consecutive inserts then land next to each other
    // in the (key, timestamp, step, ...) primary-key index, where a multi-row INSERT finds its
    // place without descending the tree again: about a third less SQLite time than the points in
    // arrival order, one statement each.
    const byKey = new Map<string, number[]>();
    for (let i = 0; i < metrics.length; i++) {
      const key = metrics[i]!.key;
      const list = byKey.get(key);
      if (list) list.push(i);
      else byKey.set(key, [i]);
    }
    const args = this.args;
    let n = 0;
    for (const key of [...byKey.keys()].sort()) {
      let best = -1;
      let bestValue = 0;
      for (const i of byKey.get(key)!) {
        const m = metrics[i]!;
        const value = storedValue(m.value);
        args[n++] = key;
        args[n++] = value;
        args[n++] = m.timestamp;
        args[n++] = runId;
        args[n++] = m.step;
        args[n++] = Number.isNaN(m.value) ? 1 : 0;
        if (n === args.length) {
          this.insertMany.run(...args);
          n = 0;
        }
        // MLflow's rule over the batch (the first of equal points wins), without an object per point.
        const b = best < 0 ? undefined : metrics[best]!;
        if (!b || m.step > b.step || (m.step === b.step && (m.timestamp > b.timestamp || (m.timestamp === b.timestamp && value > bestValue)))) {
          best = i;
          bestValue = value;
        }
      }
      const cand = metrics[best]!;
      const cur = this.latestGet.get(key, runId) as MetricRow | undefined;
      if (!cur || isNewerMetric({ step: cand.step, timestamp: cand.timestamp, value: bestValue }, { ...cur, step: readStep(cur.step) })) {
        this.latestUpsert.run(key, bestValue, cand.timestamp, cand.step, Number.isNaN(cand.value) ? 1 : 0, runId);
      }
    }
    for (let j = 0; j < n; j += COLUMNS) this.insertOne.run(args[j], args[j + 1], args[j + 2], args[j + 3], args[j + 4], args[j + 5]);
  }
}
