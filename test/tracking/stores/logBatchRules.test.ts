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

  it('writes batches that arrive together in one transaction, where a batch MLflow refuses fails alone and leaves no row', async () => {
    const file = path.join(tempDir(), 'mlflow.db');
    const store = openSqliteStore(file, { create: true });
    opened.push(store);
    const exp = await store.createExperiment('group');
    const [a, b, gone] = await Promise.all([1, 2, 3].map(async () => (await store.createRun({ experimentId: exp, startTime: 1 })).info.run_id));
    await store.deleteRun(gone!);
    const point = (step: number) => ({ key: 'loss', value: step / 10, timestamp: 5, step });
    // Called in one turn of the event loop: one group, one transaction.
    const results = await Promise.allSettled([
      store.logBatch(a!, { metrics: [point(0)], params: [{ key: 'lr', value: '0.1' }] }),
      store.logBatch(a!, { metrics: [point(1)], params: [{ key: 'lr', value: '0.2' }] }),
      store.logBatch(gone!, { metrics: [point(2)] }),
      store.logBatch(b!, { metrics: [point(3)], tags: [{ key: 'mlflow.runName', value: 'renamed' }] }),
      store.logBatch(a!, { metrics: [point(4)], params: [{ key: 'lr', value: '0.1' }, { key: 'bs', value: '32' }] }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toContain(`Changing param values is not allowed. Param with key='lr' was already logged with value='0.1' for run ID='${a}'. Attempted logging new value '0.2'.`);
    expect(String((results[2] as PromiseRejectedResult).reason)).toContain(`The run ${gone} must be in the 'active' state. Current state is deleted.`);
    expect(rawQuery(file, 'SELECT run_uuid, step FROM metrics ORDER BY step')).toEqual([{ run_uuid: a, step: 0 }, { run_uuid: b, step: 3 }, { run_uuid: a, step: 4 }]);
    expect(rawQuery(file, 'SELECT run_uuid, "key" AS key, value FROM params ORDER BY rowid')).toEqual([{ run_uuid: a, key: 'lr', value: '0.1' }, { run_uuid: a, key: 'bs', value: '32' }]);
    expect(rawQuery(file, 'SELECT "key" AS key, step FROM latest_metrics WHERE run_uuid = ?', a)).toEqual([{ key: 'loss', step: 4 }]);
    expect((await store.getRun(b!)).info.run_name).toBe('renamed');
  });

  it('writes batches still queued when the store is closed before answering them', async () => {
    const file = path.join(tempDir(), 'mlflow.db');
    const store = openSqliteStore(file, { create: true });
    const runId = (await store.createRun({ experimentId: '0', startTime: 1 })).info.run_id;
    const logged = store.logBatch(runId, { metrics: [{ key: 'm', value: 1, timestamp: 1, step: 7 }] });
    await store.close();
    await logged;
    expect(rawQuery(file, 'SELECT "key" AS key, step FROM metrics WHERE run_uuid = ?', runId)).toEqual([{ key: 'm', step: 7 }]);
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
