// The runs table's SQLite read: runs and their parent tag at once, every other column on its own when
// first needed (each chunk of rows as one text), a page's runs whole from the store. Checked against
// the same runs read through the store's search (columnsOfRuns), on stores written by real MLflow and
// on generated ones with the values that text could get wrong.
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appRun } from '../../../electron/app/trackingService.ts';
import { columnsOfRuns } from '../../../electron/core/tracking/runViews/runColumns.ts';
import { RunTable } from '../../../electron/core/tracking/runViews/runTable.ts';
import { openSqliteStore, type SqliteTrackingStore } from '../../../electron/core/tracking/sqliteStore/sqliteStore.ts';
import type { Run } from '../../../shared/contract.ts';
import type { Column } from '../../../shared/runCells.ts';

const FIXTURES = path.resolve(__dirname, '../../../../shared/fixtures');

/** A run with its data lists in key order, for comparing reads that order them differently. */
function normal(r: Run): Run {
  const by = <T extends { key: string }>(xs: T[] | undefined) => (xs ? xs.slice().sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) : undefined);
  const data: Run['data'] = {};
  if (r.data.metrics) data.metrics = by(r.data.metrics);
  if (r.data.params) data.params = by(r.data.params);
  if (r.data.tags) data.tags = by(r.data.tags);
  return { info: r.info, data };
}

/** The experiment's runs through the store's search, as columns read whole. */
async function searched(store: SqliteTrackingStore, exp: string): Promise<RunTable> {
  const runs = (await store.searchRuns({ experimentIds: [exp], maxResults: 50_000 })).items.map(appRun);
  return new RunTable(columnsOfRuns(exp, runs));
}

/** The lazy table answers as the one read whole: keys, runs, every column's order, filters, layout. */
async function expectSameAsSearched(store: SqliteTrackingStore, exp: string): Promise<void> {
  const lazy = new RunTable((await store.experimentRunColumns(exp))!);
  const whole = await searched(store, exp);
  expect(lazy.size).toBe(whole.size);
  expect(lazy.keys()).toEqual(whole.keys());
  // Runs come in a different order from the two reads: compare by id.
  const byId = (t: RunTable, runs: Run[]) => new Map(runs.map((r) => [r.info.run_id, normal(r)]));
  const all = Array.from({ length: lazy.size }, (_, i) => i);
  const expected = byId(whole, all.map((i) => whole.run(i)));
  expect(byId(lazy, await lazy.rows(all))).toEqual(expected);
  const ids = (t: RunTable, index: Int32Array) => Array.from(index, (i) => t.run(i).info.run_id);
  const k = whole.keys();
  const columns: Column[] = [
    { kind: 'attr', key: 'name' },
    { kind: 'attr', key: 'status' },
    { kind: 'attr', key: 'start' },
    { kind: 'attr', key: 'duration' },
    ...k.metrics.map((key) => ({ kind: 'metrics' as const, key })),
    ...k.params.map((key) => ({ kind: 'params' as const, key })),
    ...k.tags.map((key) => ({ kind: 'tags' as const, key })),
  ];
  // Ties keep the run order of each read; the order of values must be the same.
  const cells = (t: RunTable, c: Column, index: Int32Array) =>
    Array.from(index, (i) => {
      const r = t.run(i);
      if (c.kind === 'metrics') return r.data.metrics?.find((m) => m.key === c.key)?.value;
      if (c.kind === 'params' || c.kind === 'tags') return r.data[c.kind]?.find((m) => m.key === c.key)?.value;
      return c.key === 'name' ? r.info.run_name : c.key === 'status' ? r.info.status : c.key === 'start' ? r.info.start_time : r.info.end_time ? r.info.end_time - r.info.start_time : undefined;
    });
  for (const c of columns) expect(cells(lazy, c, await lazy.order(c))).toEqual(cells(whole, c, await whole.order(c)));
  // Once every column was read, the runs built from the columns are the runs themselves.
  expect(byId(lazy, all.map((i) => lazy.run(i)))).toEqual(expected);
  const filters = [...k.metrics.map((m) => `metrics.\`${m}\` > 0`), ...k.params.map((p) => `params.\`${p}\` != 'x'`), ...k.tags.map((t) => `tags.\`${t}\` LIKE '%'`), "attributes.status = 'FINISHED'"];
  for (const f of filters) expect(new Set(ids(lazy, (await lazy.layout(f, columns[2]!, false, new Set())).index))).toEqual(new Set(ids(whole, (await whole.layout(f, columns[2]!, false, new Set())).index)));
  // Filters on the attributes not read with the runs (user, artifact location), on a table that has
  // read nothing else yet.
  const fresh = new RunTable((await store.experimentRunColumns(exp))!);
  const everyone = new Set(all.map((i) => whole.run(i).info.run_id));
  for (const r of all.map((i) => whole.run(i)).slice(0, 3)) {
    for (const f of [`attributes.user_id = '${r.info.user_id}'`, `attributes.artifact_uri = '${r.info.artifact_uri}'`]) {
      const got = new Set(ids(fresh, (await fresh.layout(f, columns[2]!, false, everyone)).index));
      expect(got).toEqual(new Set(ids(whole, (await whole.layout(f, columns[2]!, false, everyone)).index)));
      expect(got.has(r.info.run_id)).toBe(true);
    }
  }
  const parents = new Set(all.map((i) => lazy.run(i).info.run_id));
  const open = (t: RunTable) => t.layout('', { kind: 'attr', key: 'start' }, false, parents);
  expect(Array.from((await open(lazy)).depth)).toEqual(Array.from((await open(whole)).depth));
}

describe('runs table read from SQLite', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-runcolumns-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['mlflow-2.12.2', 'mlflow-2.22', 'mlflow-3.12'])('reads a store written by %s as its search does', async (fixture) => {
    const file = path.join(dir, 'mlflow.db');
    copyFileSync(path.join(FIXTURES, fixture, 'mlflow.db'), file);
    const store = openSqliteStore(file, { readOnly: true });
    try {
      const exps = (await store.searchExperiments({ maxResults: 100 })).items;
      expect(exps.length).toBeGreaterThan(1);
      for (const e of exps) await expectSameAsSearched(store, e.experiment_id);
    } finally {
      await store.close();
    }
  });

  it('reads the values text could get wrong: the separator in a value, infinities, NaN, steps beyond 2^53, long values, and a store mostly of other experiments', async () => {
    const file = path.join(dir, 'mlflow.db');
    const store = openSqliteStore(file, { create: true });
    try {
      const exp = await store.createExperiment('e');
      const other = await store.createExperiment('other');
      const parent = await store.createRun({ experimentId: exp, runName: 'parent\u001fone', startTime: 1 });
      const values = [0.1, -0, 5e-324, 1.7976931348623157e308, -1e-300, 123456789.12345679, NaN, Infinity, -Infinity, 2 ** 60];
      for (const [k, v] of values.entries()) {
        const r = await store.createRun({ experimentId: exp, runName: `run ${k}`, startTime: 100 + k, tags: [{ key: 'mlflow.parentRunId', value: parent.info.run_id }] });
        await store.logBatch(r.info.run_id, {
          metrics: [{ key: 'm', value: v, timestamp: 1_700_000_000_000 + k, step: k === 3 ? 2 ** 60 + 1 : k }],
          params: [{ key: 'p', value: k === 2 ? 'a\u001fb\u001fc' : k === 4 ? 'x'.repeat(6000) : String(v) }],
          tags: [{ key: 'note', value: k % 2 ? 'é中😀' : '' }],
        });
      }
      await expectSameAsSearched(store, exp);
      // With other experiments holding most of the runs, only this experiment's rows are asked for.
      for (let k = 0; k < 30; k++) await store.createRun({ experimentId: other, runName: `o${k}`, tags: [{ key: 'only-other', value: 'x' }] });
      await expectSameAsSearched(store, exp);
    } finally {
      await store.close();
    }
  });

  it('leaves out a tag without a value (NULL, which MLflow never writes) instead of failing to open the table', async () => {
    const file = path.join(dir, 'mlflow.db');
    const store = openSqliteStore(file, { create: true });
    const exp = await store.createExperiment('e');
    const run = await store.createRun({ experimentId: exp, runName: 'r', tags: [{ key: 'kept', value: 'v' }] });
    await store.close();
    const db = new Database(file);
    db.prepare('INSERT INTO tags ("key", value, run_uuid) VALUES (?, NULL, ?)').run('empty', run.info.run_id);
    db.close();
    const again = openSqliteStore(file);
    try {
      const t = new RunTable((await again.experimentRunColumns(exp))!);
      const l = await t.layout('', { kind: 'tags', key: 'kept' }, false, new Set());
      expect(Array.from(l.index, (i) => t.run(i).info.run_name)).toEqual(['r']);
      expect(t.keys().tags).toEqual(['kept', 'mlflow.runName']);
    } finally {
      await again.close();
    }
  });
});
