// The log-batch fast path (per-key latest_metrics candidates, no per-row foreign-key lookups,
// synchronous=NORMAL under WAL) against MLflow's rules computed here by brute force from the
// logged points: every point is a metrics row, and latest_metrics holds the max of
// (step, timestamp, stored value) per key, with NaN stored as (0, is_nan=1) and ±inf as ±DBL_MAX.
import Database from 'better-sqlite3';
import fc from 'fast-check';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteTrackingStore } from '../../../electron/core/tracking/sqliteStore/sqliteStore.ts';
import type { Metric } from '../../../electron/core/tracking/types.ts';
import { rawQuery, tempDir } from './storeSupport.ts';

const DBL_MAX = 1.7976931348623157e308;
const opened: SqliteTrackingStore[] = [];
afterAll(async () => {
  for (const s of opened) await s.close();
});

function stored(v: number): { value: number; is_nan: number } {
  if (Number.isNaN(v)) return { value: 0, is_nan: 1 };
  if (v === Infinity) return { value: DBL_MAX, is_nan: 0 };
  if (v === -Infinity) return { value: -DBL_MAX, is_nan: 0 };
  return { value: v, is_nan: 0 };
}

const metricArb = fc.record({
  key: fc.constantFrom('a', 'b', 'c/d'),
  value: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(NaN, Infinity, -Infinity, 0.5)),
  timestamp: fc.integer({ min: 0, max: 3 }),
  step: fc.integer({ min: -2, max: 3 }),
});

/** Checks the run's rows against MLflow's rules applied here to `batches`, logged in that order:
 * one row per distinct point (MLflow's 6-column primary key), each key's rows in the order its
 * points were sent, and latest_metrics the max of (step, timestamp, stored value) per key. */
function expectMlflowRows(file: string, runId: string, batches: Metric[][]): void {
  const all: Metric[] = batches.flat();
  const seen = new Set<string>();
  const sentByKey = new Map<string, { timestamp: number; step: number; value: number; is_nan: number }[]>();
  for (const m of all) {
    const id = JSON.stringify([m.key, m.timestamp, m.step, stored(m.value)]);
    if (seen.has(id)) continue;
    seen.add(id);
    const list = sentByKey.get(m.key) ?? [];
    list.push({ timestamp: m.timestamp, step: Number(m.step), ...stored(m.value) });
    sentByKey.set(m.key, list);
  }
  expect(rawQuery<{ n: number }>(file, 'SELECT count(*) AS n FROM metrics WHERE run_uuid = ?', runId)[0]!.n).toBe(seen.size);
  for (const [key, sent] of sentByKey) {
    expect(rawQuery(file, 'SELECT timestamp, step, value, is_nan FROM metrics WHERE run_uuid = ? AND "key" = ? ORDER BY rowid', runId, key)).toEqual(sent);
  }
  const expected = new Map<string, { value: number; is_nan: number; timestamp: number; step: number }>();
  for (const m of all) {
    const s = stored(m.value);
    const cur = expected.get(m.key);
    const newer = !cur || m.step > cur.step || (m.step === cur.step && (m.timestamp > cur.timestamp || (m.timestamp === cur.timestamp && s.value > cur.value)));
    if (newer) expected.set(m.key, { ...s, timestamp: m.timestamp, step: Number(m.step) });
  }
  const rows = rawQuery<{ key: string; value: number; is_nan: number; timestamp: number; step: number }>(
    file, 'SELECT "key" AS key, value, is_nan, timestamp, step FROM latest_metrics WHERE run_uuid = ? ORDER BY "key"', runId);
  expect(rows).toEqual([...expected].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, v]) => ({ key, ...v })));
}

describe('log-batch fast path', () => {
  it('writes every point and keeps latest_metrics by max (step, timestamp, stored value) across batches', async () => {
    const file = path.join(tempDir(), 'mlflow.db');
    const store = openSqliteStore(file, { create: true });
    opened.push(store);
    const exp = await store.createExperiment('rules');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(metricArb, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 4 }), async (batches) => {
        const runId = (await store.createRun({ experimentId: exp, startTime: 1 })).info.run_id;
        for (const b of batches) await store.logBatch(runId, { metrics: b });
        expectMlflowRows(file, runId, batches);
      }),
      { numRuns: 60 },
    );
  });

  it('follows the same rules for batches of hundreds of points (written key by key, 100 rows per INSERT, duplicates across those groups)', async () => {
    const file = path.join(tempDir(), 'mlflow.db');
    const store = openSqliteStore(file, { create: true });
    opened.push(store);
    const exp = await store.createExperiment('rules');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(metricArb, { minLength: 99, maxLength: 1000 }), { minLength: 1, maxLength: 3 }), async (batches) => {
        const runId = (await store.createRun({ experimentId: exp, startTime: 1 })).info.run_id;
        for (const b of batches) await store.logBatch(runId, { metrics: b });
        expectMlflowRows(file, runId, batches);
      }),
      { numRuns: 25 },
    );
  });

  it('leaves foreign keys on after a batch (also a failed one) and uses synchronous=NORMAL only in WAL', async () => {
    const file = path.join(tempDir(), 'mlflow.db');
    const store = openSqliteStore(file, { create: true });
    opened.push(store);
    const runId = (await store.createRun({ experimentId: '0', startTime: 1 })).info.run_id;
    await store.logBatch(runId, { metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }, { key: 'm', value: 2, timestamp: 1, step: 1 }] });
    await expect(store.logBatch('0123456789abcdef0123456789abcdef', { metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }] })).rejects.toThrow(/not found/);
    const conn = (store as unknown as { db: Database.Database }).db;
    expect(conn.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(conn.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(conn.pragma('synchronous', { simple: true })).toBe(1);
    // Without WAL the store keeps SQLite's default FULL: NORMAL is only power-safe in WAL mode.
    const file2 = path.join(tempDir(), 'mlflow.db');
    const plain = openSqliteStore(file2, { create: true, wal: false });
    opened.push(plain);
    expect((plain as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true })).toBe(2);
    // A foreign-key violation by hand is still refused on the store's connection.
    expect(() => conn.prepare(`INSERT INTO tags ("key", value, run_uuid) VALUES ('k', 'v', 'nope')`).run()).toThrow(/FOREIGN KEY/);
  });
});
