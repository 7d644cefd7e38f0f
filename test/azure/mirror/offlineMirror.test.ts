// The offline promise, in-process against the double: sync a workspace, stop the double, browse
// the same runs (nesting, params, metrics, histories) from the mirror with their "as of" time;
// restore it, add runs, sync again: the new runs appear and nothing is duplicated; with nothing
// new, a sync costs one request per experiment plus one listing; an interrupted sync resumes.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MirrorDb, mirrorPathFor } from '../../../electron/core/azure/mirror/mirrorDb.ts';
import { fetchMetricHistory, syncWorkspace, type SyncEvent } from '../../../electron/core/azure/mirror/sync.ts';
import { openMirrorFor, openWorkspaceBrowser } from '../../../electron/core/azure/mirror/workspaceMirror.ts';
import { StoreUnavailableError, type Run } from '../../../electron/core/tracking/types.ts';
import { restartAzureMlflowDouble, seedSweep, startAzureMlflowDouble, type AzureMlflowDouble } from '../../support/azureMlflowDouble.ts';
import { azureStoreOn, credentialOf, envOf, refOf, tempDir } from './support.ts';

let d: AzureMlflowDouble;
let dataDir: string;
const seeded: Record<string, string[]> = {};

const ids = (runs: Run[]): string[] => runs.map((r) => r.info.run_id).sort();
const parentOf = (r: Run): string | undefined => r.data.tags?.find((t) => t.key === 'mlflow.parentRunId')?.value;

beforeAll(async () => {
  d = await startAzureMlflowDouble();
  dataDir = tempDir('azure-mirror-');
  seeded.a = (await seedSweep(d.store, { experiment: 'sweep-a', parents: 3, childrenPerParent: 4 })).runIds;
  seeded.b = (await seedSweep(d.store, { experiment: 'sweep-b', parents: 1, childrenPerParent: 2, startTime: Date.UTC(2026, 10, 2) })).runIds;
});
afterAll(async () => {
  await d.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function browserOn(double: AzureMlflowDouble, deadlineMs = 3_000) {
  return openWorkspaceBrowser({ ref: refOf(double), credential: credentialOf(double), env: envOf(double), ca: double.double.caPem, dataDir, deadlineMs, fetch: { ca: double.double.caPem } });
}

describe('sync, then browse offline', () => {
  let onlineRuns: Run[];
  let expA: string;

  it('syncs every experiment and run into the mirror file for the workspace', async () => {
    const mirror = openMirrorFor(dataDir, refOf(d));
    expect(mirror.file).toBe(mirrorPathFor(dataDir, refOf(d)));
    const s = await syncWorkspace({ store: await azureStoreOn(d), mirror });
    expect(s.newRuns).toBe(seeded.a!.length + seeded.b!.length);
    expect(mirror.counts()).toMatchObject({ experiments: 3, runs: 18 }); // "Default" + the two sweeps
    mirror.close();
  });

  it('with nothing new, costs one search-runs request per experiment and one listing', async () => {
    d.traffic.length = 0;
    const mirror = openMirrorFor(dataDir, refOf(d));
    const s = await syncWorkspace({ store: await azureStoreOn(d), mirror });
    expect(s.newRuns).toBe(0);
    const searches = d.traffic.filter((t) => t.endpoint === 'runs/search');
    expect(searches.length).toBe(3);
    expect(d.traffic.filter((t) => t.endpoint === 'experiments/search').length).toBe(1);
    expect(d.traffic.length).toBe(4);
    mirror.close();
  });

  it('browses online, opening a run fetches its history into the mirror', async () => {
    const b = await browserOn(d);
    const exps = await b.searchExperiments({});
    expect(exps.offline).toBe(false);
    expA = exps.items.find((e) => e.name === 'sweep-a')!.experiment_id;
    const page = await b.searchRuns({ experimentIds: [expA], maxResults: 100 });
    expect(page.offline).toBe(false);
    onlineRuns = page.items;
    expect(ids(onlineRuns)).toEqual([...seeded.a!].sort());
    const h = await b.getMetricHistory(seeded.a![1]!, 'm0');
    expect(h.items.length).toBe(1);
    await b.close();
  });

  it('with the double stopped, a new browser serves the same runs from the mirror, marked offline with as-of', async () => {
    const mirror = MirrorDb.open(mirrorPathFor(dataDir, refOf(d)), { readOnly: true });
    const lastSync = mirror.lastSyncAt();
    const expAsOf = mirror.experiment(expA)!.asOf;
    mirror.close();
    await d.stop();

    const b = await browserOn(d, 500);
    expect(b.state().offline).toBe(true);
    expect(b.state().reason).toMatch(/Azure Resource Manager|refused|reach/i);
    const exps = await b.searchExperiments({});
    expect(exps.offline).toBe(true);
    expect(exps.items.map((e) => e.name).sort()).toEqual(['Default', 'sweep-a', 'sweep-b']);
    const page = await b.searchRuns({ experimentIds: [expA], maxResults: 100 });
    expect(page.offline).toBe(true);
    expect(page.asOf).toBe(expAsOf);
    expect(b.state().lastSyncAt).toBe(lastSync);
    expect(ids(page.items)).toEqual(ids(onlineRuns));
    // Same nesting, params and latest metrics as online.
    const byId = new Map(onlineRuns.map((r) => [r.info.run_id, r]));
    for (const r of page.items) {
      const o = byId.get(r.info.run_id)!;
      expect(parentOf(r)).toBe(parentOf(o));
      expect(r.data.params).toEqual(o.data.params);
      expect(r.data.metrics).toEqual(o.data.metrics);
      expect(r.info.status).toBe(o.info.status);
    }
    const opened = await b.getRunWithAsOf(seeded.a![1]!);
    expect(opened.offline).toBe(true);
    expect((await b.getMetricHistory(seeded.a![1]!, 'm0')).items.length).toBe(1);
    await b.close();
  });

  it('restored, with runs added there: a sync brings exactly the new runs, nothing duplicated', async () => {
    d = await restartAzureMlflowDouble(d);
    const added = await seedSweep(d.store, { experiment: 'sweep-a', parents: 1, childrenPerParent: 5, startTime: Date.UTC(2026, 10, 3) });
    const mirror = openMirrorFor(dataDir, refOf(d));
    const s = await syncWorkspace({ store: await azureStoreOn(d), mirror });
    expect(s.newRuns).toBe(6);
    expect(mirror.counts().runs).toBe(18 + 6);
    const inA = mirror.runsOf([expA]).map((r) => r.run.info.run_id).sort();
    expect(inA).toEqual([...seeded.a!, ...added.runIds].sort());
    mirror.close();
  });

  it('a workspace answering 5xx: the browser tries twice, then the mirror answers', async () => {
    const b = await browserOn(d, 3_000);
    expect((await b.searchRuns({ experimentIds: [expA], maxResults: 5 })).offline).toBe(false);
    d.double.inject('mlflow-5xx');
    const before = d.double.requests.filter((r) => r.part === 'mlflow').length;
    const page = await b.searchRuns({ experimentIds: [expA], maxResults: 100 });
    expect(page.offline).toBe(true);
    expect(page.offlineReason).toMatch(/HTTP 500/);
    expect(d.double.requests.filter((r) => r.part === 'mlflow').length - before).toBe(2);
    // Within the retry-online interval, reads go straight to the mirror: no request at all.
    await b.searchRuns({ experimentIds: [expA], maxResults: 100 });
    expect(d.double.requests.filter((r) => r.part === 'mlflow').length - before).toBe(2);
    d.double.clearFaults();
    await b.close();
  });

  it('an online browser that loses the workspace mid-session answers from the mirror', async () => {
    const b = await browserOn(d, 500);
    expect((await b.searchRuns({ experimentIds: [expA], maxResults: 5 })).offline).toBe(false);
    d.double.inject('mlflow-hang');
    const page = await b.searchRuns({ experimentIds: [expA], maxResults: 100 });
    expect(page.offline).toBe(true);
    expect(page.offlineReason).toMatch(/did not answer within 500 ms/);
    expect(page.items.length).toBe(24 - 3);
    d.double.clearFaults();
    expect(await b.reconnect()).toBe(true);
    expect(b.state().offline).toBe(false);
    await b.close();
  });
});

describe('incremental details', () => {
  it('re-reads runs still RUNNING, so their end shows up', async () => {
    const { runIds, experimentId } = await seedSweep(d.store, { experiment: 'sweep-c', parents: 1, childrenPerParent: 1, status: 'RUNNING', startTime: Date.now() - 60_000 });
    const mirror = openMirrorFor(dataDir, refOf(d));
    await syncWorkspace({ store: await azureStoreOn(d), mirror, experimentNames: ['sweep-c'] });
    expect(mirror.run(runIds[0]!)!.run.info.status).toBe('RUNNING');
    // A newer run moves the high-water mark past the running ones.
    await seedSweep(d.store, { experiment: 'sweep-c', parents: 1, childrenPerParent: 0, startTime: Date.now() + 3_600_000 });
    await syncWorkspace({ store: await azureStoreOn(d), mirror, experimentNames: ['sweep-c'] });
    for (const id of runIds) await d.store.updateRun(id, { status: 'FINISHED', endTime: Date.now() });
    await syncWorkspace({ store: await azureStoreOn(d), mirror, experimentNames: ['sweep-c'] });
    for (const id of runIds) expect(mirror.run(id)!.run.info.status).toBe('FINISHED');
    expect(mirror.runsOf([experimentId]).length).toBe(3);
    mirror.close();
  });

  it('an interrupted sync resumes at the next page: exact counts, the first pages not read again', async () => {
    const { runIds, experimentId } = await seedSweep(d.store, { experiment: 'sweep-d', parents: 5, childrenPerParent: 4 });
    const mirror = openMirrorFor(dataDir, refOf(d));
    const stop = new AbortController();
    const events: SyncEvent[] = [];
    const first = syncWorkspace({
      store: await azureStoreOn(d),
      mirror,
      experimentNames: ['sweep-d'],
      pageSize: 5,
      signal: stop.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.kind === 'page' && e.page === 2) stop.abort(new Error('killed'));
      },
    });
    await expect(first).rejects.toThrow('killed');
    expect(mirror.runsOf([experimentId]).length).toBe(10);
    expect(mirror.cursor(experimentId).pageToken).not.toBeNull();
    d.traffic.length = 0;
    const resumed: SyncEvent[] = [];
    const s = await syncWorkspace({ store: await azureStoreOn(d), mirror, experimentNames: ['sweep-d'], pageSize: 5, onEvent: (e) => resumed.push(e) });
    expect(resumed.find((e) => e.kind === 'page')).toMatchObject({ resumed: true });
    expect(s.newRuns).toBe(15);
    // 25 runs in pages of 5: pages 3, 4, 5, then the empty page MLflow answers after a full one.
    expect(d.traffic.filter((t) => t.endpoint === 'runs/search').length).toBe(4);
    expect(mirror.runsOf([experimentId]).map((r) => r.run.info.run_id).sort()).toEqual([...runIds].sort());
    expect(mirror.cursor(experimentId).pageToken).toBeNull();
    mirror.close();
  });

  it('a history is stored only once complete', async () => {
    const mirror = openMirrorFor(dataDir, refOf(d));
    const { runIds } = await seedSweep(d.store, { experiment: 'sweep-e', parents: 1, childrenPerParent: 0 });
    const run = runIds[0]!;
    for (let i = 0; i < 1500; i += 500) await d.store.logBatch(run, { metrics: Array.from({ length: 500 }, (_, k) => ({ key: 'loss', value: i + k, timestamp: i + k, step: i + k })) });
    const azure = await azureStoreOn(d);
    let calls = 0;
    // The workspace goes away after the first page.
    const failing = { ...azure, getMetricHistory: async (...a: Parameters<typeof azure.getMetricHistory>) => {
      if (++calls === 2) throw new StoreUnavailableError('connection refused');
      return azure.getMetricHistory(...a);
    } };
    await expect(fetchMetricHistory(failing, mirror, run, 'loss')).rejects.toThrow('connection refused');
    expect(calls).toBe(2);
    expect(mirror.history(run, 'loss')).toBeUndefined();
    expect((await fetchMetricHistory(azure, mirror, run, 'loss')).length).toBe(1500);
    expect(mirror.history(run, 'loss')?.points.length).toBe(1500);
    mirror.close();
  });
});
