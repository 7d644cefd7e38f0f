// Azure ML's MLflow limits, against the double that enforces them as Azure does: the double
// refuses OR, LIKE, history pages of 1,000+ (so a client breaking them fails loudly), and the
// client never sends them, pages histories under 1,000, retries 429 after Retry-After (seconds or
// HTTP date) or with jittered backoff (an injected clock: nothing waits), retries dropped
// connections, and keeps at most a few requests in flight.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendRequest } from '../../../electron/core/azure/httpTransport.ts';
import { MirrorDb } from '../../../electron/core/azure/mirror/mirrorDb.ts';
import { openBrowseStore } from '../../../electron/core/azure/mirror/browseStore.ts';
import { fetchMetricHistory, makeAvailableOffline, syncWorkspace } from '../../../electron/core/azure/mirror/sync.ts';
import { MlflowError, StoreUnavailableError } from '../../../electron/core/tracking/types.ts';
import { seedSweep, startAzureMlflowDouble, type AzureMlflowDouble } from '../../support/azureMlflowDouble.ts';
import { azureStoreOn, tempDir } from './support.ts';

let d: AzureMlflowDouble;
let dir: string;
let experimentId: string;
let runIds: string[];

beforeAll(async () => {
  d = await startAzureMlflowDouble();
  dir = tempDir('azure-limits-');
  ({ experimentId, runIds } = await seedSweep(d.store, { experiment: 'limits', parents: 2, childrenPerParent: 3, metricsPerRun: 2 }));
});
afterAll(async () => {
  await d.close();
  fs.rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  d.traffic.length = 0;
  d.latencyMs = 0;
});

/** A raw MLflow call, as any client could send it. */
async function raw(endpoint: string, body: Record<string, unknown>): Promise<{ status: number; body: string }> {
  const tok = await (await import('./support.ts')).credentialOf(d).getToken('https://management.azure.com/.default');
  const base = d.double.mlflowTrackingUri.replace('azureml://', 'https://');
  return sendRequest(
    { method: 'POST', url: `${base}/api/2.0/mlflow/${endpoint}`, headers: { authorization: `Bearer ${tok.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) },
    { timeoutMs: 10_000, ca: d.double.caPem },
  );
}

describe('the double refuses what Azure refuses', () => {
  it.each([
    ["params.lr = '0.001' OR params.lr = '0.002'", 'OR'],
    ["tags.`mlflow.runName` LIKE 'trial%'", 'LIKE'],
    ["params.lr ILIKE '0.00%'", 'ILIKE'],
    ["tags.x != 'a'", '!= on tags'],
    ["attributes.status = 'FINISHED'", 'status'],
  ])('search-runs filter %s → 400 INVALID_PARAMETER_VALUE (%s)', async (filter) => {
    const r = await raw('runs/search', { experiment_ids: [experimentId], filter });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it('accepts the same words inside quoted values, and plain AND filters', async () => {
    const r = await raw('runs/search', { experiment_ids: [experimentId], filter: "tags.note = 'OR LIKE status' AND attributes.start_time >= 0" });
    expect(r.status).toBe(200);
  });

  it('refuses order_by on a metric and metric history pages of 1,000 or more', async () => {
    expect((await raw('runs/search', { experiment_ids: [experimentId], order_by: ['metrics.m0 DESC'] })).status).toBe(400);
    const tok = await (await import('./support.ts')).credentialOf(d).getToken('https://management.azure.com/.default');
    const base = d.double.mlflowTrackingUri.replace('azureml://', 'https://');
    const r = await sendRequest(
      { method: 'GET', url: `${base}/api/2.0/mlflow/metrics/get-history?run_id=${runIds[0]}&metric_key=m0&max_results=1000`, headers: { authorization: `Bearer ${tok.token}` } },
      { timeoutMs: 10_000, ca: d.double.caPem },
    );
    expect(r.status).toBe(400);
    expect(r.body).toContain('MaxResults must be less than 1000');
  });
});

describe('the client keeps within the limits', () => {
  it('refuses to send LIKE or a metric order itself (the guard), before any request', async () => {
    const store = await azureStoreOn(d);
    await expect(store.searchRuns({ experimentIds: [experimentId], filter: "params.lr LIKE '0.00%'" })).rejects.toThrow(/not sent to Azure ML.*LIKE/);
    await expect(store.searchRuns({ experimentIds: [experimentId], orderBy: ['metrics.m0 DESC'] })).rejects.toBeInstanceOf(MlflowError);
    expect(d.traffic.filter((t) => t.endpoint === 'runs/search')).toEqual([]);
  });

  it('browsing with LIKE, != on tags, status and a metric order: Azure gets only what it accepts, the rest is applied locally', async () => {
    const mirror = MirrorDb.open(path.join(dir, 'browse.db'), { create: true });
    const browse = openBrowseStore({ azure: await azureStoreOn(d), mirror, uri: 'azureml://test' });
    const page = await browse.searchRuns({
      experimentIds: [experimentId],
      filter: "tags.`mlflow.runName` LIKE 'trial-1-%' AND attributes.status = 'FINISHED' AND tags.`mlflow.runName` != 'trial-1-1'",
      orderBy: ['metrics.m0 DESC'],
    });
    // trial-1-0..2 have m0 = 0, 1, 2 (seedSweep: child c logs m0 = c); trial-1-1 is excluded by !=.
    expect(page.items.map((r) => r.info.run_name)).toEqual(['trial-1-2', 'trial-1-0']);
    expect(page.offline).toBe(false);
    const sent = d.traffic.filter((t) => t.endpoint === 'runs/search');
    expect(sent.length).toBeGreaterThan(0);
    for (const t of sent) {
      const text = `${String(t.params.filter ?? '')} ${JSON.stringify(t.params.order_by ?? [])}`;
      expect(text).not.toMatch(/\bOR\b|LIKE|status|!=|metrics\./i);
      expect(t.status).toBe(200);
    }
    await browse.close();
  });

  it('fetches a 2,500-point history in pages under 1,000 points', async () => {
    const run = runIds[1] as string;
    const points = Array.from({ length: 2500 }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), timestamp: 1_000 + i, step: i }));
    for (let i = 0; i < points.length; i += 1000) await d.store.logBatch(run, { metrics: points.slice(i, i + 1000) });
    const mirror = MirrorDb.open(path.join(dir, 'history.db'), { create: true });
    const h = await fetchMetricHistory(await azureStoreOn(d), mirror, run, 'loss');
    expect(h.map((p) => p.step)).toEqual(points.map((p) => p.step));
    const pages = d.traffic.filter((t) => t.endpoint === 'metrics/get-history');
    expect(pages.length).toBe(3);
    for (const p of pages) expect(Number(p.params.max_results)).toBeLessThan(1000);
    expect(mirror.history(run, 'loss')?.points.length).toBe(2500);
    mirror.close();
  });
});

describe('429, Retry-After, backoff and dropped connections', () => {
  function recorder(): { waits: number[]; sleep: (ms: number) => Promise<void> } {
    const waits: number[] = [];
    return { waits, sleep: async (ms) => void waits.push(ms) };
  }

  it('waits exactly the Retry-After seconds, then succeeds', async () => {
    const r = recorder();
    const store = await azureStoreOn(d, { sleep: r.sleep, random: () => 0.5 });
    d.throttle({ retryAfter: '7' }, { retryAfter: '2' });
    const page = await store.searchRuns({ experimentIds: [experimentId], maxResults: 100 });
    expect(page.items.length).toBe(runIds.length);
    expect(r.waits).toEqual([7000, 2000]);
    expect(d.traffic.filter((t) => t.endpoint === 'runs/search').map((t) => t.status)).toEqual([429, 429, 200]);
  });

  it('reads an HTTP-date Retry-After against the injected clock', async () => {
    const r = recorder();
    const now = Date.UTC(2026, 11, 7, 12, 0, 0);
    const store = await azureStoreOn(d, { sleep: r.sleep, now: () => now });
    d.throttle({ retryAfter: new Date(now + 12_000).toUTCString() });
    await store.searchRuns({ experimentIds: [experimentId] });
    expect(r.waits).toEqual([12_000]);
  });

  it('without Retry-After backs off exponentially with jitter (random injected), capped, with bounded attempts', async () => {
    const r = recorder();
    const store = await azureStoreOn(d, { sleep: r.sleep, random: () => 0.5, baseDelayMs: 100, maxDelayMs: 500, maxAttempts: 5 });
    d.throttle({}, {}, {}, {});
    await store.searchRuns({ experimentIds: [experimentId] });
    // 0.5 * min(500, 100 * 2^attempt): 50, 100, 200, 250
    expect(r.waits).toEqual([50, 100, 200, 250]);
    d.traffic.length = 0;
    d.throttle({}, {}, {}, {}, {});
    await expect(store.searchRuns({ experimentIds: [experimentId] })).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(d.traffic.filter((t) => t.endpoint === 'runs/search').length).toBe(5);
  });

  it('a Retry-After longer than the caller may wait ends the retries instead of retrying early', async () => {
    const r = recorder();
    const store = await azureStoreOn(d, { sleep: r.sleep, maxDelayMs: 5_000 });
    d.throttle({ retryAfter: '60' });
    await expect(store.searchRuns({ experimentIds: [experimentId] })).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(r.waits).toEqual([]);
    expect(d.traffic.filter((t) => t.endpoint === 'runs/search').map((t) => t.status)).toEqual([429]);
  });

  it('retries a dropped connection', async () => {
    const r = recorder();
    const store = await azureStoreOn(d, { sleep: r.sleep, random: () => 0 });
    d.dropNext(2);
    const page = await store.searchRuns({ experimentIds: [experimentId] });
    expect(page.items.length).toBe(runIds.length);
    expect(r.waits.length).toBe(2);
  });

  it('keeps at most 4 requests in flight per workspace host, across stores, while making histories available offline', async () => {
    const mirror = MirrorDb.open(path.join(dir, 'inflight.db'), { create: true });
    // Two stores (as browsing and a sync would be), both on the shared per-host limit.
    const a = await azureStoreOn(d);
    const b = await azureStoreOn(d);
    await syncWorkspace({ store: a, mirror, experimentNames: ['limits'] });
    d.latencyMs = 40;
    const exp = { experiment_id: experimentId, name: 'limits' };
    const second = MirrorDb.open(path.join(dir, 'inflight2.db'), { create: true });
    await syncWorkspace({ store: b, mirror: second, experimentNames: ['limits'] });
    const [x, y] = await Promise.all([makeAvailableOffline(a, mirror, exp, { concurrency: 8 }), makeAvailableOffline(b, second, exp, { concurrency: 8 })]);
    expect(x.fetched + y.fetched).toBeGreaterThanOrEqual(runIds.length * 4);
    expect(d.maxInFlight).toBeGreaterThan(1);
    expect(d.maxInFlight).toBeLessThanOrEqual(4);
    mirror.close();
    second.close();
  });
});
