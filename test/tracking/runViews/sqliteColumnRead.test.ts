// One metric, param or tag column of the runs table as the SQLite read fills it (each row found by
// trying the row after the last one first), checked against a plain reference: the key's rows read
// one by one and placed by a lookup of each run id. On stores written by real MLflow, and on
// generated ones whose key tables are written in the runs' order, in a shuffled order, with runs
// lacking a key, other experiments' and deleted runs in between, and values holding the separator.
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildExperimentStore } from '../../../bench/experimentRunsStore.ts';
import type { KeyKind, RunColumns } from '../../../electron/core/tracking/runViews/runColumns.ts';
import { openSqliteStore } from '../../../electron/core/tracking/sqliteStore/sqliteStore.ts';

const FIXTURES = path.resolve(__dirname, '../../../../shared/fixtures');
const TABLE: Record<KeyKind, string> = { metrics: 'latest_metrics', params: 'params', tags: 'tags' };

type Cell = number | string | undefined;

/** The column by the plain read: every row of the key, placed by its run id's index. */
function reference(file: string, c: RunColumns, kind: KeyKind, key: string): Cell[] {
  const db = new Database(file, { readonly: true });
  try {
    const at = new Map(c.ids.map((id, i) => [id, i]));
    const out = new Array<Cell>(c.ids.length).fill(undefined);
    const rows = db.prepare(`SELECT run_uuid, value, ${kind === 'metrics' ? 'is_nan' : '0'} AS is_nan FROM ${TABLE[kind]} WHERE "key" = ?`).all(key) as Array<{ run_uuid: string; value: number | string | null; is_nan: number }>;
    for (const r of rows) {
      const i = at.get(r.run_uuid);
      if (i === undefined || r.value === null) continue;
      out[i] = kind === 'metrics' ? (r.is_nan ? NaN : Number(r.value)) : String(r.value);
    }
    return out;
  } finally {
    db.close();
  }
}

/** The column as the lazy read filled it. */
function read(c: RunColumns, kind: KeyKind, key: string): Cell[] {
  c.lazy!.load(kind, key);
  if (kind === 'metrics') {
    const m = c.metrics.get(key);
    return Array.from({ length: c.ids.length }, (_, i) => (m && m.has[i] ? m.value[i] : undefined));
  }
  const col = c[kind].get(key);
  return Array.from({ length: c.ids.length }, (_, i) => col?.[i]);
}

async function expectColumnsAsReference(file: string, experimentIds: string[]): Promise<number> {
  const store = openSqliteStore(file, { readOnly: true });
  let compared = 0;
  try {
    for (const exp of experimentIds) {
      const c = (await store.experimentRunColumns(exp))!;
      const keys = c.lazy!.keys();
      for (const kind of ['metrics', 'params', 'tags'] as const) {
        for (const key of keys[kind]) {
          expect({ kind, key, cells: read(c, kind, key) }).toEqual({ kind, key, cells: reference(file, c, kind, key) });
          compared++;
        }
      }
    }
  } finally {
    await store.close();
  }
  return compared;
}

/** Deterministic shuffle. */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = xs.slice();
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('a column of the runs table read from SQLite', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-columnread-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['mlflow-2.12.2', 'mlflow-2.22', 'mlflow-3.12'])('is the plain read of it on a store written by %s', async (fixture) => {
    const file = path.join(dir, 'mlflow.db');
    copyFileSync(path.join(FIXTURES, fixture, 'mlflow.db'), file);
    const store = openSqliteStore(file, { readOnly: true });
    const exps = (await store.searchExperiments({ maxResults: 100 })).items.map((e) => e.experiment_id);
    await store.close();
    expect(await expectColumnsAsReference(file, exps)).toBeGreaterThan(0);
  });

  it.each([
    ['in the runs order', false],
    ['in a shuffled order', true],
  ])('is the plain read of it on a generated store whose key rows are written %s', async (_, shuffle) => {
    const file = path.join(dir, 'mlflow.db');
    const store = openSqliteStore(file, { create: true });
    const exp = await store.createExperiment('e');
    const other = await store.createExperiment('other');
    const ids: string[] = [];
    for (let k = 0; k < 120; k++) {
      // Other experiments' runs and a deleted run between this experiment's runs.
      if (k % 7 === 3) await store.createRun({ experimentId: other, runName: `o${k}` });
      const r = await store.createRun({ experimentId: exp, runName: `r${k}`, startTime: k });
      ids.push(r.info.run_id);
    }
    const order = shuffle ? shuffled(ids, 7) : ids;
    for (const [j, id] of order.entries()) {
      const k = ids.indexOf(id);
      await store.logBatch(id, {
        // Runs lacking each key: every 5th lacks the metric, every 4th the param, every 3rd the tag.
        metrics: k % 5 === 0 ? [] : [{ key: 'loss', value: k === 8 ? NaN : k === 9 ? Infinity : k / 7, timestamp: 1, step: 0 }],
        params: k % 4 === 0 ? [] : [{ key: 'p', value: k % 6 === 1 ? `a\u001fb${k}\u001f` : `v${k}` }],
        tags: k % 3 === 0 ? [] : [{ key: 't', value: k % 10 === 2 ? '\u001f' : k % 10 === 4 ? '' : `tag ${j}` }],
      });
    }
    for (const [k, id] of ids.entries()) if (k % 11 === 5) await store.deleteRun(id);
    // A key only some runs of the other experiment carry.
    const o = await store.createRun({ experimentId: other, runName: 'other', tags: [{ key: 't', value: 'theirs' }] });
    await store.logBatch(o.info.run_id, { params: [{ key: 'p', value: 'theirs' }], metrics: [{ key: 'loss', value: 1, timestamp: 1, step: 0 }] });
    await store.close();
    // The experiment holds most of the store's runs (its key tables read whole), then most runs are
    // another experiment's (only its runs asked for).
    expect(await expectColumnsAsReference(file, [exp])).toBeGreaterThanOrEqual(3);
    const more = openSqliteStore(file);
    for (let k = 0; k < 150; k++) {
      const r = await more.createRun({ experimentId: other, runName: `m${k}` });
      await more.logBatch(r.info.run_id, { params: [{ key: 'p', value: `m${k}` }], tags: [{ key: 't', value: 'x' }] });
    }
    await more.close();
    expect(await expectColumnsAsReference(file, [exp, other])).toBeGreaterThanOrEqual(6);
  });

  it('is the plain read of it on a sweep of 3,000 runs, whose columns of new values (not stored once) and of repeated values are read differently', async () => {
    const file = path.join(dir, 'mlflow.db');
    const built = await buildExperimentStore(file, 'sweep', 3000);
    expect(await expectColumnsAsReference(file, [built.experimentId])).toBeGreaterThanOrEqual(7);
  });
});
