// Every fixture store reads back exactly what it holds. The 2.12.2 SQLite file is compared with the
// real server's responses in the REST transcript (same database, same scenario), the 2.12.2
// mlruns/ folder with that SQLite view (same scenario, other ids and times), and the 2.22 / 3.12
// files with direct SQL reads of their tables.
import { afterAll, describe, expect, it } from 'vitest';
import { openFileStore } from '../../../electron/core/tracking/fileStore.ts';
import { openSqliteStore, type SqliteTrackingStore } from '../../../electron/core/tracking/sqliteStore/sqliteStore.ts';
import type { Metric, Run, TrackingStore, ViewType } from '../../../electron/core/tracking/types.ts';
import { MlflowError } from '../../../electron/core/tracking/types.ts';
import { FIXTURE_DBS, FIXTURE_MLRUNS, copyFixture, rawQuery, transcript, wire } from './storeSupport.ts';

const opened: TrackingStore[] = [];
afterAll(async () => {
  for (const s of opened) await s.close();
});
function sqlite(file: string, readOnly = true): SqliteTrackingStore {
  const s = openSqliteStore(file, { readOnly });
  opened.push(s);
  return s;
}

describe('MLflow 2.12.2 SQLite fixture against the real server transcript', () => {
  const ex = transcript();
  const store = sqlite(FIXTURE_DBS['2.12.2']);

  it('keeps its alembic revision and is recognised', () => {
    expect(store.schemaRevision).toBe('acf3f17fdcc7');
    expect(store.schemaRevisionLabel).toMatch(/2\.12/);
  });

  it('answers every runs/search of the transcript with the same runs and page token', async () => {
    const searches = ex.filter((e) => e.path.endsWith('/runs/search') && e.status === 200);
    expect(searches.length).toBeGreaterThanOrEqual(4);
    for (const e of searches) {
      const r = e.request as { experiment_ids: string[]; filter?: string; run_view_type?: ViewType; max_results?: number; order_by?: string[] };
      const page = await store.searchRuns({ experimentIds: r.experiment_ids, filter: r.filter, runViewType: r.run_view_type, maxResults: r.max_results, orderBy: r.order_by });
      expect(wire(page.items), `runs/search ${JSON.stringify(r)}`).toEqual(e.response.runs);
      expect(page.nextPageToken).toBe(e.response.next_page_token);
    }
  });

  it('answers experiments/search and get-by-name like the server', async () => {
    for (const e of ex.filter((x) => x.path.endsWith('/experiments/search'))) {
      const r = e.request as { filter?: string; max_results?: number; view_type?: ViewType };
      const page = await store.searchExperiments({ filter: r.filter, maxResults: r.max_results, viewType: r.view_type });
      expect(wire(page.items)).toEqual(e.response.experiments);
    }
    for (const e of ex.filter((x) => x.path.endsWith('/experiments/get-by-name'))) {
      const name = new URLSearchParams(e.query).get('experiment_name') as string;
      const got = await store.getExperimentByName(name);
      if (e.status === 200) expect(wire(got)).toEqual(e.response.experiment);
      else expect(got).toBeNull();
    }
  });

  it('returns the final run info each runs/update reported, and the metric histories', async () => {
    const lastUpdate = new Map<string, unknown>();
    for (const e of ex.filter((x) => x.path.endsWith('/runs/update'))) lastUpdate.set((e.request as { run_id: string }).run_id, e.response.run_info);
    expect(lastUpdate.size).toBe(4);
    for (const [runId, info] of lastUpdate) expect(wire((await store.getRun(runId)).info)).toEqual(info);
    // runs/get answers came mid-scenario (runs still RUNNING): everything but status and end time
    // is final, and so are the tags.
    const gets = ex.filter((x) => x.path.endsWith('/runs/get') && x.status === 200);
    expect(gets.length).toBeGreaterThanOrEqual(3);
    for (const e of gets) {
      const then = e.response.run as { info: Record<string, unknown>; data: { tags: unknown } };
      const now = await store.getRun(then.info.run_id as string);
      const { status: _s, end_time: _e, ...rest } = wire(now.info) as Record<string, unknown>;
      const { status: _s2, end_time: _e2, ...restThen } = then.info;
      expect(rest).toEqual(restThen);
      expect(wire(now.data.tags)).toEqual(then.data.tags);
    }
    const histories = ex.filter((x) => x.path.endsWith('/metrics/get-history'));
    expect(histories.length).toBeGreaterThanOrEqual(2);
    for (const e of histories) {
      const q = new URLSearchParams(e.query);
      const page = await store.getMetricHistory(q.get('run_id') as string, q.get('metric_key') as string, { maxResults: Number(q.get('max_results')) });
      expect(wire(page.items)).toEqual(e.response.metrics);
      expect(page.nextPageToken).toBeUndefined();
    }
  });

  it("gives the transcript's error codes and messages", async () => {
    const copy = sqlite(copyFixture(FIXTURE_DBS['2.12.2']), false);
    const errorOf = async (p: Promise<unknown>): Promise<MlflowError> => {
      try {
        await p;
      } catch (err) {
        if (err instanceof MlflowError) return err;
        throw err;
      }
      throw new Error('expected an MlflowError');
    };
    const failures = ex.filter((e) => e.status >= 400);
    expect(failures.length).toBe(5);
    for (const e of failures) {
      const resp = e.response as { error_code: string; message: string };
      let err: MlflowError;
      if (e.path.endsWith('/experiments/get-by-name')) {
        // The 404 is the endpoint's answer to the store's null.
        expect(await copy.getExperimentByName(new URLSearchParams(e.query).get('experiment_name') as string)).toBeNull();
        expect(resp.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
        continue;
      } else if (e.path.endsWith('/runs/get')) {
        err = await errorOf(copy.getRun(new URLSearchParams(e.query).get('run_id') as string));
        expect(err.message).toBe(resp.message);
      } else if (e.path.endsWith('/experiments/create')) {
        err = await errorOf(copy.createExperiment((e.request as { name: string }).name));
        // The server appends SQLAlchemy's exception text; the sentence before it is MLflow's.
        expect(resp.message.startsWith(err.message.replace(/\.$/, ''))).toBe(true);
      } else if (e.path.endsWith('/runs/log-parameter')) {
        const r = e.request as { run_id: string; key: string; value: string };
        err = await errorOf(copy.logParam(r.run_id, { key: r.key, value: r.value }));
        expect(err.message).toBe(resp.message);
      } else if (e.path.endsWith('/runs/search')) {
        const r = e.request as { experiment_ids: string[]; filter: string };
        err = await errorOf(copy.searchRuns({ experimentIds: r.experiment_ids, filter: r.filter }));
        expect(err.message).toBe(resp.message);
      } else {
        throw new Error(`unexpected failing exchange ${e.path}`);
      }
      expect(err.errorCode, e.path).toBe(resp.error_code);
      expect(err.httpStatus, e.path).toBe(e.status);
    }
  });
});

/** The scenario as names and values only, so the SQLite file and the mlruns/ folder (written by
 * the same script with other ids and times) can be compared. */
async function scenarioView(store: TrackingStore, experimentName: string) {
  const exp = await store.getExperimentByName(experimentName);
  if (!exp) throw new Error(`no experiment ${experimentName}`);
  const page = await store.searchRuns({ experimentIds: [exp.experiment_id], runViewType: 'ALL', maxResults: 1000 });
  const nameOf = new Map(page.items.map((r) => [r.info.run_id, r.info.run_name]));
  const runs: Record<string, unknown> = {};
  for (const r of page.items) {
    const histories: Record<string, { value: number; step: number }[]> = {};
    for (const m of r.data.metrics ?? []) {
      histories[m.key] = (await store.getMetricHistory(r.info.run_id, m.key)).items.map((p: Metric) => ({ value: p.value, step: Number(p.step) }));
    }
    const sortKv = (l: { key: string; value: string }[] | undefined) => [...(l ?? [])].sort((a, b) => a.key.localeCompare(b.key));
    runs[r.info.run_name] = {
      status: r.info.status,
      lifecycle: r.info.lifecycle_stage,
      user: r.info.user_id,
      hasEnd: r.info.end_time !== undefined,
      params: sortKv(r.data.params),
      tags: sortKv(r.data.tags).map((t) => (t.key === 'mlflow.parentRunId' ? { key: t.key, value: nameOf.get(t.value) } : t)),
      latest: [...(r.data.metrics ?? [])].map((m) => ({ key: m.key, value: m.value, step: m.step })).sort((a, b) => a.key.localeCompare(b.key)),
      histories,
    };
  }
  return { name: exp.name, lifecycle: exp.lifecycle_stage, tags: exp.tags, runs };
}

describe('MLflow 2.12.2 mlruns/ file store', () => {
  const files = openFileStore(FIXTURE_MLRUNS);
  opened.push(files);
  const db = sqlite(FIXTURE_DBS['2.12.2']);
  const NAME = 'resume_ner_baseline-hpo-distilbert';

  it('holds the same scenario as the SQLite file: runs, parent/child links, params, tags, metric histories', async () => {
    const a = await scenarioView(files, NAME);
    const b = await scenarioView(db, NAME);
    expect(Object.keys(a.runs).sort()).toEqual(['hpo_distilbert_20241226_143022', 'scratch', 'trial_0', 'trial_1', 'trial_2']);
    expect(a).toEqual(b);
  });

  it('reads meta.yaml fields as written', async () => {
    const exp = await files.getExperimentByName(NAME);
    expect(exp).toMatchObject({ experiment_id: '387630054881684955', artifact_location: 'file:///home/user/resume-ner/filestore/mlruns/387630054881684955', creation_time: 1795681715576, lifecycle_stage: 'active' });
    const parent = await files.getRun('76fd0bbfdd80457c932cf273d32e9ed6');
    expect(parent.info).toEqual({
      run_uuid: '76fd0bbfdd80457c932cf273d32e9ed6',
      experiment_id: '387630054881684955',
      run_name: 'hpo_distilbert_20241226_143022',
      user_id: 'unknown',
      status: 'FINISHED',
      start_time: 1795681715579,
      end_time: 1795681721700,
      artifact_uri: 'file:///home/user/resume-ner/filestore/mlruns/387630054881684955/76fd0bbfdd80457c932cf273d32e9ed6/artifacts',
      lifecycle_stage: 'active',
      run_id: '76fd0bbfdd80457c932cf273d32e9ed6',
    });
    const deleted = await files.searchRuns({ experimentIds: ['387630054881684955'], runViewType: 'DELETED_ONLY' });
    expect(deleted.items.map((r) => r.info.run_name)).toEqual(['scratch']);
  });

  it('searches with the same grammar and order as the SQLite store', async () => {
    const exp = (await files.getExperimentByName(NAME))!;
    const parent = (await files.searchRuns({ experimentIds: [exp.experiment_id], filter: "params.backbone = 'distilbert' and attributes.status = 'FINISHED'" })).items;
    expect(parent.map((r) => r.info.run_name)).toEqual(['hpo_distilbert_20241226_143022']);
    const children = await files.searchRuns({
      experimentIds: [exp.experiment_id],
      filter: `tags.mlflow.parentRunId = '${parent[0]!.info.run_id}'`,
      orderBy: ['metrics.`macro-f1` DESC'],
      maxResults: 2,
    });
    expect(children.items.map((r) => r.info.run_name)).toEqual(['trial_2', 'trial_1']);
    const next = await files.searchRuns({ experimentIds: [exp.experiment_id], filter: `tags.mlflow.parentRunId = '${parent[0]!.info.run_id}'`, orderBy: ['metrics.`macro-f1` DESC'], maxResults: 2, pageToken: children.nextPageToken });
    expect(next.items.map((r) => r.info.run_name)).toEqual(['trial_0']);
    await expect(files.searchRuns({ experimentIds: [exp.experiment_id], filter: 'metrics.x >>> 1' })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('refuses every write with PERMISSION_DENIED', async () => {
    await expect(files.createExperiment('x')).rejects.toMatchObject({ errorCode: 'PERMISSION_DENIED' });
    await expect(files.logMetric('76fd0bbfdd80457c932cf273d32e9ed6', { key: 'm', value: 1, timestamp: 1, step: 0 })).rejects.toMatchObject({ errorCode: 'PERMISSION_DENIED', httpStatus: 403 });
    await expect(files.getRun('0123456789abcdef0123456789abcdef')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  });
});

interface ExpRow { experiment_id: number; name: string; artifact_location: string; lifecycle_stage: string; creation_time: number; last_update_time: number }
interface RunRow { run_uuid: string; name: string; user_id: string; status: string; start_time: number; end_time: number | null; artifact_uri: string; lifecycle_stage: string; experiment_id: number }

for (const version of ['2.22', '3.12'] as const) {
  describe(`MLflow ${version} SQLite fixture read back against direct SQL`, () => {
    const file = FIXTURE_DBS[version];
    const store = sqlite(file);

    it('experiments with their tags', async () => {
      const rows = rawQuery<ExpRow>(file, 'SELECT * FROM experiments ORDER BY experiment_id');
      expect(rows.length).toBeGreaterThanOrEqual(2);
      for (const row of rows) {
        const tags = rawQuery<{ key: string; value: string }>(file, 'SELECT "key" AS key, value FROM experiment_tags WHERE experiment_id = ?', row.experiment_id);
        const e = await store.getExperiment(String(row.experiment_id));
        expect(e).toMatchObject({ experiment_id: String(row.experiment_id), name: row.name, artifact_location: row.artifact_location, lifecycle_stage: row.lifecycle_stage, creation_time: row.creation_time, last_update_time: row.last_update_time });
        expect(e.tags ?? []).toEqual(expect.arrayContaining(tags));
        expect((e.tags ?? []).length).toBe(tags.length);
      }
      const all = await store.searchExperiments({ viewType: 'ALL' });
      expect(all.items.map((e) => e.experiment_id).sort()).toEqual(rows.map((r) => String(r.experiment_id)).sort());
    });

    it('runs, params, tags, latest metrics and every metric history (NaN included)', async () => {
      const rows = rawQuery<RunRow>(file, 'SELECT * FROM runs');
      expect(rows.length).toBeGreaterThanOrEqual(2);
      const expIds = [...new Set(rows.map((r) => String(r.experiment_id)))];
      const searched = await store.searchRuns({ experimentIds: expIds, runViewType: 'ALL' });
      expect(searched.items.map((r) => r.info.run_id).sort()).toEqual(rows.map((r) => r.run_uuid).sort());
      for (const row of rows) {
        const run: Run = await store.getRun(row.run_uuid);
        expect(run.info).toMatchObject({ run_id: row.run_uuid, run_name: row.name, user_id: row.user_id, status: row.status, start_time: row.start_time, artifact_uri: row.artifact_uri, lifecycle_stage: row.lifecycle_stage, experiment_id: String(row.experiment_id) });
        expect(run.info.end_time).toBe(row.end_time ?? undefined);
        const sortKv = (l: { key: string; value: string }[]) => [...l].sort((a, b) => a.key.localeCompare(b.key));
        expect(sortKv(run.data.params ?? [])).toEqual(sortKv(rawQuery(file, 'SELECT "key" AS key, value FROM params WHERE run_uuid = ?', row.run_uuid)));
        expect(sortKv(run.data.tags ?? [])).toEqual(sortKv(rawQuery(file, 'SELECT "key" AS key, value FROM tags WHERE run_uuid = ?', row.run_uuid)));
        const latest = rawQuery<{ key: string; value: number; timestamp: number; step: number; is_nan: number }>(file, 'SELECT "key" AS key, value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid = ?', row.run_uuid);
        expect([...(run.data.metrics ?? [])].sort((a, b) => a.key.localeCompare(b.key))).toEqual(
          latest.map((m) => ({ key: m.key, value: m.is_nan ? NaN : m.value, timestamp: m.timestamp, step: m.step })).sort((a, b) => a.key.localeCompare(b.key)),
        );
        const keys = rawQuery<{ key: string }>(file, 'SELECT DISTINCT "key" AS key FROM metrics WHERE run_uuid = ?', row.run_uuid);
        for (const { key } of keys) {
          const points = rawQuery<{ value: number; timestamp: number; step: number; is_nan: number }>(file, 'SELECT value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? AND "key" = ? ORDER BY step, timestamp', row.run_uuid, key);
          const hist = await store.getMetricHistory(row.run_uuid, key);
          expect(hist.items).toEqual(points.map((p) => ({ key, value: p.is_nan ? NaN : p.value, timestamp: p.timestamp, step: p.step })));
        }
      }
    });

    it('nests children under their parent by mlflow.parentRunId', async () => {
      const links = rawQuery<{ run_uuid: string; value: string }>(file, `SELECT run_uuid, value FROM tags WHERE "key" = 'mlflow.parentRunId'`);
      expect(links.length).toBeGreaterThan(0);
      for (const parent of new Set(links.map((l) => l.value))) {
        const page = await store.searchRuns({ experimentIds: ['0', '1'], filter: `tags.mlflow.parentRunId = '${parent}'`, runViewType: 'ALL' });
        expect(page.items.map((r) => r.info.run_id).sort()).toEqual(links.filter((l) => l.value === parent).map((l) => l.run_uuid).sort());
      }
    });
  });
}

it('3.12 fixture: the NaN point of the history is NaN, the latest value is the last step', async () => {
  const store = sqlite(FIXTURE_DBS['3.12']);
  const nanRows = rawQuery<{ run_uuid: string; key: string; step: number }>(FIXTURE_DBS['3.12'], 'SELECT run_uuid, "key" AS key, step FROM metrics WHERE is_nan = 1');
  expect(nanRows.length).toBe(1);
  const { run_uuid, key, step } = nanRows[0]!;
  const hist = (await store.getMetricHistory(run_uuid, key)).items;
  expect(Number.isNaN(hist.find((p) => p.step === step)!.value)).toBe(true);
  expect(hist.filter((p) => !Number.isNaN(p.value)).length).toBe(hist.length - 1);
});
