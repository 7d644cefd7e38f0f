// The Experiments screen's runs table held by the host: an experiment's runs read from a SQLite store
// as columns (the same runs the store's own reads give), laid out as the screen's tree, filtered with
// MLflow's grammar, sorted by any column, and read again when the store changes.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunTableService } from '../../../electron/app/runTableService.ts';
import { appRun } from '../../../electron/app/trackingService.ts';
import { columnsOfRuns } from '../../../electron/core/tracking/runViews/runColumns.ts';
import { RunTable } from '../../../electron/core/tracking/runViews/runTable.ts';
import { openSqliteStore, type SqliteTrackingStore } from '../../../electron/core/tracking/sqliteStore/sqliteStore.ts';
import type { Run } from '../../../shared/contract.ts';
import { until } from '../../support/until.ts';

const PARENT = 'mlflow.parentRunId';

/** A run with its data lists in key order, for comparing reads that order them differently. */
function normal(r: Run): Run {
  const by = <T extends { key: string }>(xs: T[] | undefined) => (xs ? xs.slice().sort((a, b) => a.key.localeCompare(b.key)) : undefined);
  const data: Run['data'] = {};
  if (r.data.metrics) data.metrics = by(r.data.metrics);
  if (r.data.params) data.params = by(r.data.params);
  if (r.data.tags) data.tags = by(r.data.tags);
  return { info: r.info, data };
}

describe('runs table', () => {
  let dir: string;
  let store: SqliteTrackingStore;
  let exp: string;
  /** parent, its children c0..c2 (loss 0.3, 0.1, none; c1 failed), and a run of its own. */
  const ids: Record<string, string> = {};

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-runtable-'));
    store = openSqliteStore(path.join(dir, 'mlflow.db'), { create: true }) as SqliteTrackingStore;
    exp = await store.createExperiment('e');
    const other = await store.createExperiment('other');
    const parent = await store.createRun({ experimentId: exp, runName: 'parent', startTime: 1000 });
    ids.parent = parent.info.run_id;
    const losses = [0.3, 0.1, null];
    for (const [k, loss] of losses.entries()) {
      const r = await store.createRun({ experimentId: exp, runName: `c${k}`, startTime: 2000 + k, tags: [{ key: PARENT, value: ids.parent }] });
      ids[`c${k}`] = r.info.run_id;
      await store.logBatch(r.info.run_id, { params: [{ key: 'batch_size', value: String(8 << k) }], ...(loss === null ? {} : { metrics: [{ key: 'loss', value: loss, timestamp: 5, step: 2 }] }) });
    }
    await store.updateRun(ids.c1!, { status: 'FAILED', endTime: 2500 });
    const solo = await store.createRun({ experimentId: exp, runName: 'solo', startTime: 3000 });
    ids.solo = solo.info.run_id;
    await store.logMetric(ids.solo, { key: 'loss', value: NaN, timestamp: 1, step: 0 });
    // Runs of another experiment are not read; one of them outnumbers this experiment's runs, so
    // both ways of reading (straight through, joined) are used below.
    for (let k = 0; k < 6; k++) await store.createRun({ experimentId: other, runName: `o${k}`, tags: [{ key: PARENT, value: ids.parent }] });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const table = async (): Promise<RunTable> => new RunTable((await store.experimentRunColumns(exp))!);
  const names = (t: RunTable, index: Int32Array) => Array.from(index, (i) => t.run(i).info.run_name);

  it('reads the same runs, with the same data, as the store does one by one', async () => {
    for (const bigger of [false, true]) {
      // With more runs here than elsewhere the tables are read straight through; with fewer, joined.
      if (bigger) for (let k = 0; k < 10; k++) await store.createRun({ experimentId: exp, runName: `x${k}`, startTime: 4000 + k });
      const t = await table();
      const listed = (await store.searchRuns({ experimentIds: [exp], maxResults: 1000 })).items;
      expect(t.size).toBe(listed.length);
      const all = Array.from({ length: t.size }, (_, i) => i);
      // A page's runs, read whole.
      const byId = new Map((await t.rows(all)).map((r) => [r.info.run_id, r]));
      for (const r of listed) expect(normal(byId.get(r.info.run_id)!)).toEqual(normal(appRun(await store.getRun(r.info.run_id))));
      // Every column, read on its own as a sort first asks for it, holds the same values.
      const keys = t.keys();
      expect(keys).toEqual({ metrics: ['loss'], params: ['batch_size'], tags: [PARENT, 'mlflow.runName'].sort() });
      for (const key of keys.metrics) await t.order({ kind: 'metrics', key });
      for (const key of keys.params) await t.order({ kind: 'params', key });
      for (const key of keys.tags) await t.order({ kind: 'tags', key });
      const held = new Map(all.map((i) => [t.run(i).info.run_id, t.run(i)]));
      for (const r of listed) expect(normal(held.get(r.info.run_id)!)).toEqual(normal(appRun(await store.getRun(r.info.run_id))));
    }
  });

  it('shows runs whose parent is not shown at the top, and an expanded run its children under it', async () => {
    const t = await table();
    const start = { kind: 'attr', key: 'start' } as const;
    const closed = await t.layout('', start, false, new Set());
    expect(names(t, closed.index)).toEqual(['parent', 'solo']);
    expect(closed.kids.get(closed.index[0]!)).toBe(3);
    const open = await t.layout('', start, true, new Set([ids.parent!]));
    expect(names(t, open.index)).toEqual(['solo', 'parent', 'c2', 'c1', 'c0']);
    expect(Array.from(open.depth)).toEqual([0, 0, 1, 1, 1]);
  });

  it('sorts by a metric with missing values last (first when descending), and by a param as numbers', async () => {
    const t = await table();
    const loss = { kind: 'metrics', key: 'loss' } as const;
    const open = new Set([ids.parent!]);
    // parent has no loss; solo's is NaN (after numbers, before missing values, as MLflow orders); c2 has none.
    expect(names(t, (await t.layout('', loss, false, open)).index)).toEqual(['solo', 'parent', 'c1', 'c0', 'c2']);
    expect(names(t, (await t.layout('', loss, true, open)).index)).toEqual(['parent', 'c2', 'c0', 'c1', 'solo']);
    // 8, 16, 32 as numbers (as text, '16' < '32' < '8').
    expect(names(t, (await t.layout('', { kind: 'params', key: 'batch_size' }, false, open)).index)).toEqual(['parent', 'c0', 'c1', 'c2', 'solo']);
  });

  it('shows runs whose parent tags form a cycle nowhere, and the others once each', async () => {
    const run = (id: string, parent?: string): Run => ({
      info: { run_id: id, run_uuid: id, run_name: id, experiment_id: '1', user_id: '', status: 'FINISHED', start_time: id.charCodeAt(0), artifact_uri: '', lifecycle_stage: 'active' },
      data: parent ? { tags: [{ key: PARENT, value: parent }] } : {},
    });
    const t = new RunTable(columnsOfRuns('1', [run('a'), run('b', 'c'), run('c', 'b'), run('d', 'a'), run('e', 'e')]));
    const l = await t.layout('', { kind: 'attr', key: 'start' }, false, new Set(['a', 'b', 'c', 'd', 'e']));
    expect(names(t, l.index)).toEqual(['a', 'd', 'e']);
    expect(Array.from(l.depth)).toEqual([0, 1, 0]);
    expect(l.matching).toBe(5);
  });

  it('filters with MLflow grammar; a child whose parent does not match is shown at the top', async () => {
    const t = await table();
    const start = { kind: 'attr', key: 'start' } as const;
    const l = await t.layout('metrics.loss < 0.2', start, false, new Set([ids.parent!]));
    expect(names(t, l.index)).toEqual(['c1']);
    expect(l.matching).toBe(1);
    expect(names(t, (await t.layout("attributes.status = 'FAILED'", start, false, new Set())).index)).toEqual(['c1']);
    expect(names(t, (await t.layout("params.batch_size = '8'", start, false, new Set([ids.parent!]))).index)).toEqual(['c0']);
    await expect(t.layout("params.batch_size = '8' or x", start, false, new Set())).rejects.toThrow(/Invalid clause\(s\) in filter string: 'OR'/);
  });

  it('charts one metric of the matching runs by start time, leaving out runs without a finite value', async () => {
    const t = await table();
    // c0 (start 2000, loss 0.3) and c1 (2001, 0.1); solo's loss is NaN, parent and c2 have none.
    expect(await t.points('', 'loss')).toEqual({ x: [2000, 2001], y: [0.3, 0.1], matching: 5 });
    expect(await t.points("params.batch_size = '16'", 'loss')).toEqual({ x: [2001], y: [0.1], matching: 1 });
  });

  it('reads the columns not read yet ahead, between requests, and stops once dropped', async () => {
    const afterTick = () => new Promise((r) => setImmediate(r));
    const held = (t: RunTable) => [...t.columns.metrics.keys(), ...t.columns.params.keys(), ...t.columns.tags.keys()].sort();
    const opened = await table();
    expect(held(opened)).toEqual([PARENT]);
    // While a request is being answered, nothing is read.
    opened.warm(() => true);
    await afterTick();
    expect(held(opened)).toEqual([PARENT]);
    const stopped = await table();
    stopped.warm();
    stopped.stop();
    await afterTick();
    expect(held(stopped)).toEqual([PARENT]);
    const t = await table();
    t.warm();
    await until('every column read ahead', async () => held(t).length === 4);
    expect(held(t)).toEqual(['batch_size', 'loss', PARENT, 'mlflow.runName'].sort());
  });

  it('reads ahead one step a turn: a request that came during the last chunk of a column waits for no other column', async () => {
    // A lazy store whose every column is read in one step; the step is where a request comes in.
    const c = columnsOfRuns('1', []);
    const stepped: string[] = [];
    /** How many steps had run each time reading ahead asked whether a request is being answered. */
    const askedAfter: number[] = [];
    c.lazy = {
      keys: () => ({ metrics: ['a', 'b'], params: ['p'], tags: [] }),
      load: () => undefined,
      step: (_, key) => (stepped.push(key), true),
      details: () => undefined,
      runs: async () => [],
    };
    new RunTable(c).warm(() => (askedAfter.push(stepped.length), false));
    await until('every column read ahead', async () => stepped.includes('p'));
    expect(stepped).toEqual(['a', 'b', 'mlflow.runName', 'p']);
    // Asked before each step: never two steps in one turn.
    expect(askedAfter.slice(0, 3)).toEqual([0, 1, 2]);
  });

  it('answers pages from its copy, and reads again once the store has changed', async () => {
    const svc = new RunTableService({ store: async () => store });
    const ask = (offset = 0) => svc.page({ storeId: 'local', experimentId: exp, sort: { column: 'metrics.loss', descending: false }, expanded: [ids.parent!], offset, limit: 2 });
    const a = await ask();
    expect(a.total).toBe(5);
    expect(a.runs).toBe(5);
    expect(a.rows.map((r) => [r.run.info.run_name, r.depth, r.children])).toEqual([
      ['solo', 0, 0],
      ['parent', 0, 3],
    ]);
    expect((await ask(4)).rows.map((r) => r.run.info.run_name)).toEqual(['c2']);
    await store.logMetric(ids.c2!, { key: 'loss', value: 0.05, timestamp: 9, step: 3 });
    const b = await ask(2);
    expect(b.revision).not.toBe(a.revision);
    expect(b.rows.map((r) => r.run.info.run_name)).toEqual(['c2', 'c1']);
    await expect(svc.page({ storeId: 'local', experimentId: exp, sort: { column: 'nope', descending: false }, expanded: [], offset: 0, limit: 1 })).rejects.toThrow(/sort column 'nope' is not one of attr.name/);
  });

  it('reads a store that cannot say when it changed again for each new table, and reuses it for that table\'s pages', async () => {
    let searches = 0;
    // A store with only MLflow's search (as a REST server or a mirror): no columns, no revision.
    const plain = { kind: 'rest', searchRuns: (q: Parameters<SqliteTrackingStore['searchRuns']>[0]) => (searches++, store.searchRuns(q)) };
    const svc = new RunTableService({ store: async () => plain as unknown as SqliteTrackingStore });
    const ask = (revision?: string) => svc.page({ storeId: 'remote', experimentId: exp, sort: { column: 'attr.name', descending: false }, expanded: [], offset: 0, limit: 10, ...(revision ? { revision } : {}) });
    const a = await ask();
    expect(a.rows.map((r) => r.run.info.run_name)).toEqual(['parent', 'solo']);
    expect(searches).toBe(1);
    expect((await ask(a.revision)).revision).toBe(a.revision);
    expect(searches).toBe(1);
    await store.createRun({ experimentId: exp, runName: 'late', startTime: 9000 });
    const b = await ask();
    expect(searches).toBe(2);
    expect(b.rows.map((r) => r.run.info.run_name)).toEqual(['late', 'parent', 'solo']);
  });
});
