// Best-of metric columns read from the stores real MLflow wrote. Expected values were read from the
// fixtures by hand (sqlite3: SELECT run_uuid, key, value, step, is_nan FROM metrics; cat of the
// mlruns/ metric files), never computed by the code under test.
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openFileStore } from '../../../electron/core/tracking/fileStore.ts';
import { canSummarizeMetrics, type MetricSummary } from '../../../electron/core/tracking/runViews/metricSummaries.ts';
import { openSqliteStore } from '../../../electron/core/tracking/sqliteStore/sqliteStore.ts';
import type { TrackingStore } from '../../../electron/core/tracking/types.ts';
import { copyFixture, FIXTURE_DBS, FIXTURE_MLRUNS, sha256 } from '../stores/storeSupport.ts';

const opened: TrackingStore[] = [];
afterAll(async () => {
  for (const s of opened) await s.close();
});

function keep<T extends TrackingStore>(s: T): T {
  opened.push(s);
  return s;
}

async function summaries(store: TrackingStore, runIds: string[]): Promise<Map<string, Omit<MetricSummary, 'runId' | 'key'>>> {
  if (!canSummarizeMetrics(store)) throw new Error(`${store.kind} store cannot summarize`);
  const out = new Map<string, Omit<MetricSummary, 'runId' | 'key'>>();
  for (const s of await store.metricSummaries(runIds)) out.set(`${s.runId}/${s.key}`, { min: s.min, max: s.max, count: s.count });
  return out;
}

describe('metric summaries (min, max over the whole history)', () => {
  it('MLflow 2.12.2 SQLite: trial histories and the parent run, for the runs asked only', async () => {
    const before = sha256(FIXTURE_DBS['2.12.2']);
    const store = keep(openSqliteStore(FIXTURE_DBS['2.12.2'], { readOnly: true }));
    const got = await summaries(store, ['f94a925423d84657bb0ee829a7f0836d', '925b229887474eb4986cf99a4112f120', '41ab0f46227048419abffb13b23aa98c']);
    expect(got.get('f94a925423d84657bb0ee829a7f0836d/macro-f1')).toEqual({ min: 0.51, max: 0.71, count: 3 });
    expect(got.get('f94a925423d84657bb0ee829a7f0836d/loss')).toEqual({ min: 1 / 3, max: 1, count: 3 });
    expect(got.get('925b229887474eb4986cf99a4112f120/macro-f1')).toEqual({ min: 0.55, max: 0.75, count: 3 });
    expect(got.get('41ab0f46227048419abffb13b23aa98c/n_trials')).toEqual({ min: 3, max: 3, count: 1 });
    // trial_1 was not asked for.
    expect([...got.keys()].some((k) => k.startsWith('89b81f9d14a247c09bbb13397cd58ece'))).toBe(false);
    expect(got.size).toBe(7);
    expect(sha256(FIXTURE_DBS['2.12.2'])).toBe(before);
  });

  it('MLflow 2.22 SQLite', async () => {
    const store = keep(openSqliteStore(FIXTURE_DBS['2.22'], { readOnly: true }));
    const got = await summaries(store, ['4d97ce45b1d44bd3935f8f8b7fc1944d', '0d1f11bb4d0c4ceab4957517caf17715', '7979f1f644b54308bbdfabea1abe3e3f']);
    expect(got.get('4d97ce45b1d44bd3935f8f8b7fc1944d/macro-f1')).toEqual({ min: 0.51, max: 0.71, count: 3 });
    expect(got.get('0d1f11bb4d0c4ceab4957517caf17715/macro-f1')).toEqual({ min: 0.53, max: 0.73, count: 3 });
    expect(got.get('7979f1f644b54308bbdfabea1abe3e3f/loss')).toEqual({ min: 1 / 3, max: 1, count: 3 });
  });

  it('MLflow 3.12 SQLite: a NaN point (stored as 0 with is_nan) is left out of min and max, counted', async () => {
    // loss: 0.5 at step 0, NaN at step 1 (value 0.0, is_nan 1), 0.25 at step 2 (the latest).
    const store = keep(openSqliteStore(FIXTURE_DBS['3.12'], { readOnly: true }));
    const got = await summaries(store, ['48c4c762cf764d3d8be21b33b929140e', '8aad763d82554c93892d8cc58c16def0']);
    expect(got.get('48c4c762cf764d3d8be21b33b929140e/loss')).toEqual({ min: 0.25, max: 0.5, count: 3 });
    expect(got.size).toBe(1);
  });

  it('±Infinity (stored as ±DBL_MAX) comes back as infinity; a metric of only NaN has no min or max', async () => {
    const file = copyFixture(FIXTURE_DBS['2.22']);
    const raw = new Database(file);
    const ins = raw.prepare('INSERT INTO metrics ("key", value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)');
    ins.run('loss', 1.7976931348623157e308, 1, '4d97ce45b1d44bd3935f8f8b7fc1944d', 3, 0);
    ins.run('grad', 0, 1, '4d97ce45b1d44bd3935f8f8b7fc1944d', 0, 1);
    ins.run('grad', -1.7976931348623157e308, 2, '0d1f11bb4d0c4ceab4957517caf17715', 0, 0);
    raw.close();
    const store = keep(openSqliteStore(file, { readOnly: true }));
    const got = await summaries(store, ['4d97ce45b1d44bd3935f8f8b7fc1944d', '0d1f11bb4d0c4ceab4957517caf17715']);
    expect(got.get('4d97ce45b1d44bd3935f8f8b7fc1944d/loss')).toEqual({ min: 1 / 3, max: Infinity, count: 4 });
    expect(got.get('4d97ce45b1d44bd3935f8f8b7fc1944d/grad')).toEqual({ min: null, max: null, count: 1 });
    expect(got.get('0d1f11bb4d0c4ceab4957517caf17715/grad')).toEqual({ min: -Infinity, max: -Infinity, count: 1 });
  });

  it('asks in chunks: 2,000 run ids (most unknown) in one call', async () => {
    const store = keep(openSqliteStore(FIXTURE_DBS['2.22'], { readOnly: true }));
    const ids = Array.from({ length: 2000 }, (_, i) => `unknown${i}`);
    ids[1500] = '7979f1f644b54308bbdfabea1abe3e3f';
    const got = await summaries(store, ids);
    expect(got.get('7979f1f644b54308bbdfabea1abe3e3f/macro-f1')).toEqual({ min: 0.55, max: 0.75, count: 3 });
    expect(got.size).toBe(2);
  });

  it('MLflow 2.12.2 mlruns/ folder (file store)', async () => {
    const store = keep(openFileStore(FIXTURE_MLRUNS));
    const got = await summaries(store, ['03abf26e679f462f9633da370fea7e8d', 'e11b7f261ee64fc694004b70ac4771fd']);
    expect(got.get('03abf26e679f462f9633da370fea7e8d/macro-f1')).toEqual({ min: 0.55, max: 0.75, count: 3 });
    expect(got.get('e11b7f261ee64fc694004b70ac4771fd/macro-f1')).toEqual({ min: 0.51, max: 0.71, count: 3 });
    expect(got.get('e11b7f261ee64fc694004b70ac4771fd/loss')).toEqual({ min: 0.3333333333333333, max: 1, count: 3 });
    expect(got.size).toBe(4);
  });
});
