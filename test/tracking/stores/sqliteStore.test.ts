// The SQLite store's own behaviour: a fresh file matches MLflow 2.22's schema exactly, writes into
// copies of every fixture leave alembic_version and the schema alone, and MLflow's rules hold:
// latest_metrics, NaN/inf storage, limits, immutable params, atomic batches, page tokens, refusal of
// non-MLflow files, read-only mode and two writers on one file.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore, type SqliteTrackingStore } from '../../../electron/core/tracking/sqliteStore/sqliteStore.ts';
import type { Metric } from '../../../electron/core/tracking/types.ts';
import { FIXTURES, REPO_ROOT } from '../../support/peers.ts';
import { FIXTURE_DBS, alembicVersion, copyFixture, rawQuery, schemaOf, sha256, tempDir } from './storeSupport.ts';

const opened: SqliteTrackingStore[] = [];
afterAll(async () => {
  for (const s of opened) await s.close();
});
function open(file: string, opts: Parameters<typeof openSqliteStore>[1] = {}): SqliteTrackingStore {
  const s = openSqliteStore(file, opts);
  opened.push(s);
  return s;
}
function fresh(): { store: SqliteTrackingStore; file: string } {
  const file = path.join(tempDir(), 'mlflow.db');
  return { store: open(file, { create: true }), file };
}
async function newRun(store: SqliteTrackingStore, name = 'r'): Promise<string> {
  let exp = await store.getExperimentByName('tests');
  if (!exp) exp = await store.getExperiment(await store.createExperiment('tests'));
  return (await store.createRun({ experimentId: exp.experiment_id, runName: name, startTime: 1000 })).info.run_id;
}

describe('a new database', () => {
  it("has exactly MLflow 2.22's sqlite_master (tables, indexes, SQL modulo whitespace)", async () => {
    const { store, file } = fresh();
    await store.close();
    const expected = schemaOf(FIXTURE_DBS['2.22']);
    expect(expected.length).toBeGreaterThan(40);
    expect(schemaOf(file)).toEqual(expected);
    expect(alembicVersion(file)).toEqual(['0584bdc529eb']);
  });

  it('holds the Default experiment 0 with an absolute artifact location beside the file', async () => {
    const { store, file } = fresh();
    const rows = rawQuery<{ experiment_id: number; name: string; artifact_location: string; lifecycle_stage: string }>(file, 'SELECT * FROM experiments');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ experiment_id: 0, name: 'Default', lifecycle_stage: 'active', artifact_location: path.join(path.dirname(file), 'mlartifacts', '0') });
    const id = await store.createExperiment('e1');
    expect(id).toBe('1');
    expect((await store.getExperiment(id)).artifact_location).toBe(path.join(path.dirname(file), 'mlartifacts', '1'));
    const run = await store.createRun({ experimentId: id });
    expect(run.info.run_id).toMatch(/^[0-9a-f]{32}$/);
    expect(run.info.artifact_uri).toBe(`${path.join(path.dirname(file), 'mlartifacts', '1')}/${run.info.run_id}/artifacts`);
    expect(path.isAbsolute(run.info.artifact_uri)).toBe(true);
    // A generated name, kept in the column and in the mlflow.runName tag.
    expect(run.info.run_name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    expect(run.data.tags).toEqual([{ key: 'mlflow.runName', value: run.info.run_name }]);
    expect(rawQuery(file, 'SELECT name FROM runs')).toEqual([{ name: run.info.run_name }]);
  });

  it('is not created unless asked, and a missing file is named in the error', () => {
    const file = path.join(tempDir(), 'missing.db');
    expect(() => openSqliteStore(file)).toThrow(/No MLflow tracking database at .*missing\.db/);
    expect(existsSync(file)).toBe(false);
  });
});

describe.each(['2.12.2', '2.22', '3.12'] as const)('writing into a copy of the MLflow %s fixture', (version) => {
  it('creates experiments and runs and logs metrics without touching alembic_version or the schema', async () => {
    const file = copyFixture(FIXTURE_DBS[version]);
    const revision = alembicVersion(file);
    const schema = schemaOf(file);
    const store = open(file);
    const expId = await store.createExperiment(`written-by-sweepdeck-${version}`, undefined, [{ key: 'k', value: 'v' }]);
    const parent = await store.createRun({ experimentId: expId, runName: 'hpo_x_20250101_000000', userId: 'me', startTime: 5 });
    const child = await store.createRun({ experimentId: expId, runName: 'trial_0', startTime: 6, tags: [{ key: 'mlflow.parentRunId', value: parent.info.run_id }] });
    await store.logBatch(child.info.run_id, {
      params: [{ key: 'lr', value: '0.01' }],
      metrics: [0, 1, 2].map((step) => ({ key: 'loss', value: 1 / (step + 1), timestamp: 100 + step, step })),
      tags: [{ key: 'trial_number', value: '0' }],
    });
    await store.updateRun(child.info.run_id, { status: 'FINISHED', endTime: 200 });
    await store.close();

    expect(alembicVersion(file)).toEqual(revision);
    expect(schemaOf(file)).toEqual(schema);
    const runRows = rawQuery<{ run_uuid: string; status: string; end_time: number; experiment_id: number; name: string }>(file, 'SELECT * FROM runs WHERE experiment_id = ?', Number(expId));
    expect(runRows.map((r) => r.name).sort()).toEqual(['hpo_x_20250101_000000', 'trial_0']);
    expect(rawQuery(file, 'SELECT "key" AS key, value, step FROM latest_metrics WHERE run_uuid = ?', child.info.run_id)).toEqual([{ key: 'loss', value: 1 / 3, step: 2 }]);
    expect(rawQuery(file, 'SELECT count(*) AS n FROM metrics WHERE run_uuid = ?', child.info.run_id)).toEqual([{ n: 3 }]);
    expect(rawQuery(file, `SELECT value FROM tags WHERE run_uuid = ? AND "key" = 'mlflow.parentRunId'`, child.info.run_id)).toEqual([{ value: parent.info.run_id }]);
    if (version === '3.12') {
      expect(rawQuery(file, 'SELECT workspace FROM experiments WHERE experiment_id = ?', Number(expId))).toEqual([{ workspace: 'default' }]);
    }
    // The data the fixture already held is still there and unchanged.
    const reopened = open(file, { readOnly: true });
    const before = rawQuery<{ run_uuid: string }>(FIXTURE_DBS[version], 'SELECT run_uuid FROM runs');
    for (const { run_uuid } of before) expect(await reopened.getRun(run_uuid)).toEqual(await open(FIXTURE_DBS[version], { readOnly: true }).getRun(run_uuid));
    const readBack = await reopened.getRun(child.info.run_id);
    expect(readBack.info).toMatchObject({ status: 'FINISHED', end_time: 200, run_name: 'trial_0' });
    expect(readBack.data.params).toEqual([{ key: 'lr', value: '0.01' }]);
  });
});

describe('metric storage as MLflow does it', () => {
  it('keeps latest_metrics by max step, then timestamp, then value, in the same transaction', async () => {
    const { store, file } = fresh();
    const runId = await newRun(store);
    const latest = () => rawQuery<{ value: number; timestamp: number; step: number }>(file, `SELECT value, timestamp, step FROM latest_metrics WHERE run_uuid = ? AND "key" = 'm'`, runId)[0];
    await store.logMetric(runId, { key: 'm', value: 1, timestamp: 50, step: 2 });
    expect(latest()).toEqual({ value: 1, timestamp: 50, step: 2 });
    await store.logMetric(runId, { key: 'm', value: 9, timestamp: 99, step: 1 }); // lower step: not latest
    expect(latest()).toEqual({ value: 1, timestamp: 50, step: 2 });
    await store.logMetric(runId, { key: 'm', value: 0.5, timestamp: 60, step: 2 }); // same step, later
    expect(latest()).toEqual({ value: 0.5, timestamp: 60, step: 2 });
    await store.logMetric(runId, { key: 'm', value: 7, timestamp: 60, step: 2 }); // same step+time, larger value
    expect(latest()).toEqual({ value: 7, timestamp: 60, step: 2 });
    await store.logMetric(runId, { key: 'm', value: 3, timestamp: 60, step: 2 }); // smaller value: kept 7
    expect(latest()).toEqual({ value: 7, timestamp: 60, step: 2 });
    await store.logBatch(runId, { metrics: [{ key: 'm', value: 4, timestamp: 1, step: 5 }, { key: 'm', value: 2, timestamp: 2, step: 4 }] });
    expect(latest()).toEqual({ value: 4, timestamp: 1, step: 5 });
    expect((await store.getRun(runId)).data.metrics).toEqual([{ key: 'm', value: 4, timestamp: 1, step: 5 }]);
    // An exact duplicate point is stored once.
    await store.logMetric(runId, { key: 'm', value: 4, timestamp: 1, step: 5 });
    expect((await store.getMetricHistory(runId, 'm')).items).toHaveLength(7);
  });

  it('stores NaN as value 0 with is_nan = 1 and infinities as ±DBL_MAX, and reads them back as MLflow does', async () => {
    const { store, file } = fresh();
    const runId = await newRun(store);
    await store.logBatch(runId, {
      metrics: [
        { key: 'nan', value: NaN, timestamp: 1, step: 0 },
        { key: 'pinf', value: Infinity, timestamp: 1, step: 0 },
        { key: 'ninf', value: -Infinity, timestamp: 1, step: 0 },
      ],
    });
    const rows = rawQuery<{ key: string; value: number; is_nan: number }>(file, 'SELECT "key" AS key, value, is_nan FROM metrics ORDER BY "key"');
    expect(rows).toEqual([
      { key: 'nan', value: 0, is_nan: 1 },
      { key: 'ninf', value: -1.7976931348623157e308, is_nan: 0 },
      { key: 'pinf', value: 1.7976931348623157e308, is_nan: 0 },
    ]);
    expect(rawQuery(file, `SELECT value, is_nan FROM latest_metrics WHERE "key" = 'nan'`)).toEqual([{ value: 0, is_nan: 1 }]);
    const byKey = Object.fromEntries(((await store.getRun(runId)).data.metrics ?? []).map((m) => [m.key, m.value]));
    expect(Number.isNaN(byKey.nan)).toBe(true);
    expect(byKey.pinf).toBe(Number.MAX_VALUE);
    expect(byKey.ninf).toBe(-Number.MAX_VALUE);
    expect(Number.isNaN((await store.getMetricHistory(runId, 'nan')).items[0]!.value)).toBe(true);
  });
});

describe("MLflow's rules on writes", () => {
  it('params are immutable: the same value again is fine, a new value is INVALID_PARAMETER_VALUE', async () => {
    const { store } = fresh();
    const runId = await newRun(store);
    await store.logParam(runId, { key: 'backbone', value: 'distilbert' });
    await store.logParam(runId, { key: 'backbone', value: 'distilbert' });
    await expect(store.logParam(runId, { key: 'backbone', value: 'bert' })).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE',
      httpStatus: 400,
      message: `Changing param values is not allowed. Param with key='backbone' was already logged with value='distilbert' for run ID='${runId}'. Attempted logging new value 'bert'.`,
    });
  });

  it('a log-batch is one transaction: a bad part leaves nothing of the batch behind', async () => {
    const { store, file } = fresh();
    const runId = await newRun(store);
    await store.logParam(runId, { key: 'p', value: '1' });
    await expect(
      store.logBatch(runId, { metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }], params: [{ key: 'q', value: 'x' }, { key: 'p', value: '2' }], tags: [{ key: 't', value: 'v' }] }),
    ).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    expect(rawQuery(file, 'SELECT count(*) AS n FROM metrics')).toEqual([{ n: 0 }]);
    expect(rawQuery(file, 'SELECT count(*) AS n FROM latest_metrics')).toEqual([{ n: 0 }]);
    expect(rawQuery(file, `SELECT "key" AS key FROM params`)).toEqual([{ key: 'p' }]);
    expect(rawQuery(file, `SELECT count(*) AS n FROM tags WHERE "key" = 't'`)).toEqual([{ n: 0 }]);
  });

  it('enforces the batch and length limits with messages naming the limit', async () => {
    const { store, file } = fresh();
    const runId = await newRun(store);
    const metric = (i: number): Metric => ({ key: `m${i}`, value: i, timestamp: 1, step: 0 });
    const kv = (i: number) => ({ key: `k${i}`, value: 'v' });
    const cases: [Promise<unknown>, RegExp][] = [
      [store.logBatch(runId, { metrics: Array.from({ length: 1001 }, (_, i) => metric(i)) }), /at most 1000 metrics\. Got 1001/],
      [store.logBatch(runId, { params: Array.from({ length: 101 }, (_, i) => kv(i)) }), /at most 100 params\. Got 101 params/],
      [store.logBatch(runId, { tags: Array.from({ length: 101 }, (_, i) => kv(i)) }), /at most 100 tags\. Got 101/],
      [store.logBatch(runId, { metrics: Array.from({ length: 950 }, (_, i) => metric(i)), params: Array.from({ length: 51 }, (_, i) => kv(i)) }), /at most 1000 .* in total/],
      [store.logBatch(runId, { params: [{ key: 'a', value: '1' }, { key: 'a', value: '1' }] }), /Duplicate parameter keys/],
      [store.logParam(runId, { key: 'x'.repeat(251), value: '1' }), /length 251, which exceeded length limit of 250/],
      [store.logParam(runId, { key: 'long', value: 'v'.repeat(6001) }), /Param value .* length 6001, which exceeded length limit of 6000/],
      [store.setTag(runId, { key: 'long', value: 'v'.repeat(8001) }), /Tag value .* length 8001, which exceeded length limit of 8000/],
      [store.setExperimentTag('0', 'long', 'v'.repeat(5001)), /length 5001, which exceeded length limit of 5000/],
      [store.logMetric(runId, { key: '../escape', value: 1, timestamp: 1, step: 0 }), /Invalid metric name: '\.\.\/escape'/],
      [store.logMetric(runId, { key: 'ok', value: 1, timestamp: -1, step: 0 }), /invalid timestamp -1/],
      [store.logMetric(runId, { key: 'ok', value: 1, timestamp: 1, step: 1.5 }), /invalid step 1\.5/],
    ];
    for (const [p, re] of cases) await expect(p).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(re) });
    // At the limits exactly, it works.
    await store.logBatch(runId, { metrics: Array.from({ length: 1000 }, (_, i) => metric(i)) });
    await store.logParam(runId, { key: 'k'.repeat(250), value: 'v'.repeat(6000) });
    await store.setTag(runId, { key: 'long', value: 'v'.repeat(8000) });
    expect(rawQuery(file, 'SELECT count(*) AS n FROM latest_metrics')).toEqual([{ n: 1000 }]);
  });

  it('names duplicates, unknown runs and experiments, and deleted runs like MLflow', async () => {
    const { store } = fresh();
    await store.createExperiment('dup');
    await expect(store.createExperiment('dup')).rejects.toMatchObject({ errorCode: 'RESOURCE_ALREADY_EXISTS', message: expect.stringMatching(/^Experiment\(name=dup\) already exists/) });
    await expect(store.getRun('0'.repeat(32))).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', httpStatus: 404, message: `Run with id=${'0'.repeat(32)} not found` });
    await expect(store.getExperiment('999')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', message: 'No Experiment with id=999 exists' });
    await expect(store.createRun({ experimentId: '999' })).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    expect(await store.getExperimentByName('nope')).toBeNull();
    const runId = await newRun(store);
    await store.deleteRun(runId);
    await expect(store.logMetric(runId, { key: 'm', value: 1, timestamp: 1, step: 0 })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("must be in the 'active' state") });
    const expId = (await store.getExperimentByName('tests'))!.experiment_id;
    expect((await store.searchRuns({ experimentIds: [expId], runViewType: 'DELETED_ONLY' })).items.map((r) => r.info.run_id)).toEqual([runId]);
    expect((await store.searchRuns({ experimentIds: [expId] })).items).toEqual([]);
    await store.restoreRun(runId);
    expect((await store.getRun(runId)).info.lifecycle_stage).toBe('active');
    await expect(store.createRun({ experimentId: expId, runName: 'a', tags: [{ key: 'mlflow.runName', value: 'b' }] })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('keeps the name column and the mlflow.runName tag in step, and deletes/restores experiments with their runs', async () => {
    const { store, file } = fresh();
    const runId = await newRun(store, 'first');
    await store.setTag(runId, { key: 'mlflow.runName', value: 'second' });
    expect((await store.getRun(runId)).info.run_name).toBe('second');
    await store.updateRun(runId, { runName: 'third' });
    expect(rawQuery(file, `SELECT value FROM tags WHERE "key" = 'mlflow.runName'`)).toEqual([{ value: 'third' }]);
    const expId = (await store.getRun(runId)).info.experiment_id;
    await store.deleteExperiment(expId);
    expect((await store.getRun(runId)).info.lifecycle_stage).toBe('deleted');
    expect((await store.getExperimentByName('tests'))!.lifecycle_stage).toBe('deleted');
    await store.restoreExperiment(expId);
    expect((await store.getRun(runId)).info.lifecycle_stage).toBe('active');
    await store.renameExperiment(expId, 'renamed');
    expect((await store.getExperiment(expId)).name).toBe('renamed');
    await store.deleteTag(runId, 'mlflow.runName');
    await expect(store.deleteTag(runId, 'absent')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });
});

describe('pages', () => {
  it('pages search results with MLflow tokens ({"offset": N} in base64) and no run twice', async () => {
    const { store } = fresh();
    const expId = await store.createExperiment('paged');
    for (let i = 0; i < 25; i++) await store.createRun({ experimentId: expId, runName: `r${i}`, startTime: 1000 + i });
    const seen: string[] = [];
    const tokens: (string | undefined)[] = [];
    let token: string | undefined;
    do {
      const page = await store.searchRuns({ experimentIds: [expId], maxResults: 10, pageToken: token });
      seen.push(...page.items.map((r) => r.info.run_name));
      tokens.push(page.nextPageToken);
      token = page.nextPageToken;
    } while (token);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `r${24 - i}`));
    expect(tokens).toEqual([Buffer.from('{"offset": 10}').toString('base64'), Buffer.from('{"offset": 20}').toString('base64'), undefined]);
    await expect(store.searchRuns({ experimentIds: [expId], pageToken: 'not-a-token' })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    await expect(store.searchRuns({ experimentIds: [expId], maxResults: 50001 })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('50000') });
  });

  it('pages metric history in step order', async () => {
    const { store } = fresh();
    const runId = await newRun(store);
    const points = Array.from({ length: 25 }, (_, i) => ({ key: 'loss', value: 25 - i, timestamp: 100 + ((i * 7) % 25), step: 24 - i }));
    await store.logBatch(runId, { metrics: points });
    const steps: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await store.getMetricHistory(runId, 'loss', { maxResults: 10, pageToken: token });
      steps.push(...page.items.map((m) => Number(m.step)));
      token = page.nextPageToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(steps).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect((await store.getMetricHistory(runId, 'loss')).items).toHaveLength(25);
  });
});

describe('files that are not MLflow stores', () => {
  it('refuses an Optuna study database, naming the file and what was expected, without changing it', () => {
    const file = copyFixture(path.join(FIXTURES, 'optuna-3.1.0', 'study.db'));
    const before = sha256(file);
    expect(() => openSqliteStore(file)).toThrow(/study\.db is not an MLflow tracking database: .*Optuna.*Expected a SQLite file written by MLflow/s);
    expect(() => openSqliteStore(file, { create: true })).toThrow(/not an MLflow tracking database/);
    expect(sha256(file)).toBe(before);
  });

  it('refuses a file that is not SQLite at all, without changing it', () => {
    const file = path.join(tempDir(), 'notes.db');
    writeFileSync(file, 'these are my notes, not a database\n'.repeat(200));
    const before = sha256(file);
    expect(() => openSqliteStore(file, { create: true })).toThrow(/notes\.db is not an MLflow tracking database: it is not a SQLite database/);
    expect(sha256(file)).toBe(before);
  });

  it('read-only mode refuses writes with PERMISSION_DENIED and leaves the file as it was', async () => {
    const file = copyFixture(FIXTURE_DBS['2.22']);
    const before = sha256(file);
    const store = open(file, { readOnly: true });
    expect((await store.searchExperiments()).items.length).toBeGreaterThan(0);
    await expect(store.createExperiment('x')).rejects.toMatchObject({ errorCode: 'PERMISSION_DENIED' });
    await store.close();
    expect(sha256(file)).toBe(before);
  });
});

it('two processes write to one file at once (WAL + busy timeout) and nothing is lost', async () => {
  const { store, file } = fresh();
  const a = await newRun(store, 'a');
  const b = await newRun(store, 'b');
  const N = 300;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'test', 'tracking', 'stores', 'writerProcess.ts'), file, b, String(N)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  for (let i = 0; i < N; i++) await store.logMetric(a, { key: 'm', value: i, timestamp: i, step: i });
  expect(await done, stderr).toBe(0);
  expect(rawQuery(file, 'SELECT run_uuid, count(*) AS n, max(step) AS s FROM metrics GROUP BY run_uuid ORDER BY run_uuid')).toEqual(
    [
      { run_uuid: a, n: N, s: N - 1 },
      { run_uuid: b, n: N, s: N - 1 },
    ].sort((x, y) => x.run_uuid.localeCompare(y.run_uuid)),
  );
  expect(rawQuery(file, 'SELECT step FROM latest_metrics WHERE run_uuid IN (?, ?)', a, b)).toEqual([{ step: N - 1 }, { step: N - 1 }]);
});

it("the per-key lookup for common tags (parent -> children) never serves stale runs after this or another connection writes", async () => {
  const { store, file } = fresh();
  const expId = await store.createExperiment('many');
  const parents = Array.from({ length: 21 }, (_, i) => `parent${String(i).padStart(26, '0')}`);
  const other = new Database(file);
  other.pragma('busy_timeout = 20000');
  const insRun = other.prepare("INSERT INTO runs (run_uuid, name, status, start_time, lifecycle_stage, artifact_uri, experiment_id) VALUES (?, ?, 'FINISHED', ?, 'active', '', ?)");
  const insTag = other.prepare('INSERT INTO tags ("key", value, run_uuid) VALUES (?, ?, ?)');
  const addChild = (parent: string, n: number) => {
    const id = `c${parent.slice(-4)}${String(n).padStart(27, '0')}`;
    insRun.run(id, `child${n}`, n, Number(expId));
    insTag.run('mlflow.parentRunId', parent, id);
    return id;
  };
  other.transaction(() => parents.forEach((p) => Array.from({ length: 100 }, (_, n) => addChild(p, n))))();
  const children = async (parent: string) =>
    (await store.searchRuns({ experimentIds: [expId], filter: `tags.mlflow.parentRunId = '${parent}'`, maxResults: 1000 })).items.map((r) => r.info.run_id).sort();
  const P = parents[3]!;
  for (let i = 0; i < 4; i++) expect(await children(P)).toHaveLength(100); // the lookup is built on a repeat
  const mine = await store.createRun({ experimentId: expId, tags: [{ key: 'mlflow.parentRunId', value: P }] });
  for (let i = 0; i < 4; i++) expect(await children(P)).toContain(mine.info.run_id);
  const theirs = addChild(P, 500);
  const after = await children(P);
  expect(after).toHaveLength(102);
  expect(after).toContain(theirs);
  // Own writes patch the lookup: move a run to another parent, a batch that fails changes nothing.
  for (let i = 0; i < 4; i++) expect(await children(parents[5]!)).toHaveLength(100);
  await store.setTag(mine.info.run_id, { key: 'mlflow.parentRunId', value: parents[5]! });
  expect(await children(P)).toHaveLength(101);
  expect(await children(parents[5]!)).toContain(mine.info.run_id);
  await store.logParam(mine.info.run_id, { key: 'lr', value: '1' });
  await expect(store.logBatch(mine.info.run_id, { tags: [{ key: 'mlflow.parentRunId', value: parents[6]! }], params: [{ key: 'lr', value: '2' }] })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  expect(await children(parents[6]!)).toHaveLength(100);
  expect(await children(parents[5]!)).toContain(mine.info.run_id);
  await store.setTag(mine.info.run_id, { key: 'mlflow.parentRunId', value: P });
  expect(await children(P)).toHaveLength(102);
  await store.deleteTag(mine.info.run_id, 'mlflow.parentRunId');
  for (let i = 0; i < 4; i++) expect(await children(P)).toHaveLength(101);
  expect(await children(parents[5]!)).toHaveLength(100);
  other.prepare(`UPDATE tags SET value = ? WHERE run_uuid = ? AND "key" = 'mlflow.parentRunId'`).run(parents[4], theirs);
  expect(await children(P)).toHaveLength(100);
  expect(await children(parents[4]!)).toHaveLength(101);
  expect(await children('no-such-parent')).toEqual([]);
  other.close();
});
