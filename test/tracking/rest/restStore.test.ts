// The REST store: a round trip through our own endpoint in front of a SQLite store (what it
// reads back equals what the store itself returns), and against a scripted HTTP double for
// retries (429 with Retry-After, 5xx), timeouts, refused connections, token refresh, error_code
// mapping and the Azure ML base path. These check the store against our own code and doubles;
// interop with the real MLflow client and server is transcriptClient.test.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRestStore, restBase, retryAfterMs } from '../../../electron/core/tracking/restStore.ts';
import { MlflowError, StoreUnavailableError, type Metric } from '../../../electron/core/tracking/types.ts';
import { startLocalServer, type LocalServer } from '../endpoint/support.ts';

describe('REST store against the embedded endpoint (SQLite behind it)', () => {
  let s: LocalServer;
  beforeAll(async () => {
    s = await startLocalServer('rest');
  });
  afterAll(async () => {
    await s?.close();
  });

  it('round-trips experiments, runs, batches, history and search, equal to the store read directly', async () => {
    const rest = createRestStore(s.endpoint.url, { token: s.endpoint.token });
    const expId = await rest.createExperiment('rest-roundtrip', undefined, [{ key: 'team', value: 'ner' }]);
    expect(await rest.getExperiment(expId)).toEqual(await s.store.getExperiment(expId));
    expect(await rest.getExperimentByName('rest-roundtrip')).toEqual(await s.store.getExperimentByName('rest-roundtrip'));
    expect(await rest.getExperimentByName('no such experiment')).toBeNull();

    const parent = await rest.createRun({ experimentId: expId, runName: 'parent', startTime: 1000, userId: 'me', tags: [{ key: 'kind', value: 'sweep' }] });
    const child = await rest.createRun({ experimentId: expId, runName: 'child', startTime: 2000, tags: [{ key: 'mlflow.parentRunId', value: parent.info.run_id }] });
    // 1,500 points in one call: more than one request may carry (1,000), so the store splits it.
    const metrics: Metric[] = [];
    for (let step = 0; step < 1500; step++) metrics.push({ key: 'loss', value: 1 / (step + 1), timestamp: 10_000 + step, step });
    metrics.push({ key: 'odd', value: NaN, timestamp: 1, step: 0 }, { key: 'odd', value: Infinity, timestamp: 2, step: 1 }, { key: 'odd', value: -Infinity, timestamp: 3, step: 2 });
    await rest.logBatch(child.info.run_id, { metrics, params: [{ key: 'lr', value: '0.01' }], tags: [{ key: 'note', value: 'x' }] });
    await rest.logMetric(child.info.run_id, { key: 'f1', value: 0.5, timestamp: 5, step: 3 });
    await rest.logParam(child.info.run_id, { key: 'bs', value: '16' });
    await rest.setTag(child.info.run_id, { key: 'gone', value: 'soon' });
    await rest.deleteTag(child.info.run_id, 'gone');
    const info = await rest.updateRun(child.info.run_id, { status: 'FINISHED', endTime: 3000 });
    expect(info).toEqual((await s.store.getRun(child.info.run_id)).info);

    const viaRest = await rest.getRun(child.info.run_id);
    const direct = await s.store.getRun(child.info.run_id);
    const sortKv = <T extends { key: string }>(l: T[] | undefined) => [...(l ?? [])].sort((a, b) => a.key.localeCompare(b.key));
    expect(viaRest.info).toEqual(direct.info);
    expect(sortKv(viaRest.data.params)).toEqual(sortKv(direct.data.params));
    expect(sortKv(viaRest.data.tags)).toEqual(sortKv(direct.data.tags));
    expect(sortKv(viaRest.data.metrics)).toEqual(sortKv(direct.data.metrics));
    expect(viaRest.data.tags?.some((t) => t.key === 'gone')).toBe(false);

    const hist = await rest.getMetricHistory(child.info.run_id, 'loss');
    expect(hist.items).toHaveLength(1500);
    expect(hist.items.map((m) => m.step)).toEqual(metrics.slice(0, 1500).map((m) => m.step));
    expect(hist.items).toEqual((await s.store.getMetricHistory(child.info.run_id, 'loss', { maxResults: 25000 })).items);
    const odd = await rest.getMetricHistory(child.info.run_id, 'odd');
    expect(Number.isNaN(odd.items[0]!.value)).toBe(true);
    expect(odd.items.map((m) => m.value).slice(1)).toEqual((await s.store.getMetricHistory(child.info.run_id, 'odd')).items.map((m) => m.value).slice(1));

    const page1 = await rest.searchRuns({ experimentIds: [expId], filter: `tags.mlflow.parentRunId = '${parent.info.run_id}'`, maxResults: 10 });
    expect(page1.items.map((r) => r.info.run_id)).toEqual([child.info.run_id]);
    const paged = await rest.searchRuns({ experimentIds: [expId], maxResults: 1, orderBy: ['attributes.start_time ASC'] });
    expect(paged.items.map((r) => r.info.run_name)).toEqual(['parent']);
    expect(paged.nextPageToken).toBeTruthy();
    const next = await rest.searchRuns({ experimentIds: [expId], maxResults: 1, orderBy: ['attributes.start_time ASC'], pageToken: paged.nextPageToken });
    expect(next.items.map((r) => r.info.run_name)).toEqual(['child']);
    const exps = await rest.searchExperiments({ filter: "name LIKE 'rest-%'" });
    expect(exps.items.map((e) => e.name)).toEqual(['rest-roundtrip']);

    await rest.deleteRun(parent.info.run_id);
    expect((await rest.getRun(parent.info.run_id)).info.lifecycle_stage).toBe('deleted');
    await rest.restoreRun(parent.info.run_id);
    expect((await rest.getRun(parent.info.run_id)).info.lifecycle_stage).toBe('active');
    await rest.setExperimentTag(expId, 'stage', 'test');
    await rest.renameExperiment(expId, 'rest-roundtrip-2');
    const renamed = await rest.getExperiment(expId);
    expect(renamed.name).toBe('rest-roundtrip-2');
    expect(renamed.tags).toContainEqual({ key: 'stage', value: 'test' });
  });

  it('maps MLflow error codes to MlflowError with the HTTP status, without retrying them', async () => {
    const rest = createRestStore(s.endpoint.url, { token: s.endpoint.token, retries: 3, backoffMs: 1 });
    const err = await rest.getRun('0'.repeat(32)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlflowError);
    expect((err as MlflowError).errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((err as MlflowError).httpStatus).toBe(404);
    await expect(rest.createExperiment('Default')).rejects.toMatchObject({ errorCode: 'RESOURCE_ALREADY_EXISTS', httpStatus: 400 });
    const run = await rest.createRun({ experimentId: '0', runName: 'p' });
    await rest.logParam(run.info.run_id, { key: 'a', value: '1' });
    await expect(rest.logParam(run.info.run_id, { key: 'a', value: '2' })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
    const wrong = createRestStore(s.endpoint.url, { token: 'not-the-token', retries: 3, backoffMs: 1 });
    await expect(wrong.getExperiment('0')).rejects.toMatchObject({ errorCode: 'UNAUTHENTICATED', httpStatus: 401 });
  });
});

interface Scripted {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Never answer (for timeouts). */
  hang?: boolean;
}

/** An HTTP server answering from a script and recording what it was asked. */
async function startDouble(script: Scripted[] | ((req: http.IncomingMessage, n: number) => Scripted)) {
  const seen: { method: string; url: string; auth?: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body: Buffer.concat(chunks).toString() });
      const step = typeof script === 'function' ? script(req, seen.length - 1) : (script[seen.length - 1] ?? script[script.length - 1]!);
      if (step.hang) return;
      res.writeHead(step.status, { 'Content-Type': 'application/json', ...step.headers });
      res.end(step.body ?? '{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

describe('REST store retries and error mapping (HTTP double)', () => {
  const expOk: Scripted = { status: 200, body: JSON.stringify({ experiment: { experiment_id: '7', name: 'e', artifact_location: '/a', lifecycle_stage: 'active' } }) };

  it('retries 429 honouring Retry-After (seconds), then 503, then succeeds', async () => {
    const d = await startDouble([
      { status: 429, headers: { 'Retry-After': '1' }, body: '{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}' },
      { status: 503, body: '<html>busy</html>' },
      expOk,
    ]);
    try {
      const waits: number[] = [];
      const rest = createRestStore(d.url, { token: 't', retries: 3, backoffMs: 10, sleep: async (ms) => void waits.push(ms) });
      const e = await rest.getExperiment('7');
      expect(e.experiment_id).toBe('7');
      expect(d.seen).toHaveLength(3);
      // The wait after the 429 is the server's Retry-After; the one after the 503 a short backoff.
      expect(waits).toHaveLength(2);
      expect(waits[0]).toBe(1000);
      expect(waits[1]).toBeLessThanOrEqual(20);
      expect(d.seen.every((r) => r.auth === 'Bearer t')).toBe(true);
    } finally {
      await d.close();
    }
  });

  it('honours Retry-After given as an HTTP date', async () => {
    expect(retryAfterMs('2', 0)).toBe(2000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 8_000)).toBe(2000);
    expect(retryAfterMs('soon')).toBeUndefined();
    const d = await startDouble([{ status: 503, headers: { 'Retry-After': new Date(1_800_000_002_000).toUTCString() } }, expOk]);
    try {
      const waits: number[] = [];
      const rest = createRestStore(d.url, { retries: 2, backoffMs: 1, now: () => 1_800_000_000_500, sleep: async (ms) => void waits.push(ms) });
      await rest.getExperiment('7');
      expect(d.seen).toHaveLength(2);
      expect(waits).toEqual([1500]);
    } finally {
      await d.close();
    }
  });

  it('gives up after the bounded attempts with StoreUnavailableError', async () => {
    const d = await startDouble([{ status: 502, body: '{"error_code":"TEMPORARILY_UNAVAILABLE","message":"down"}' }]);
    try {
      const rest = createRestStore(d.url, { retries: 2, backoffMs: 5 });
      const err = await rest.logMetric('r', { key: 'k', value: 1, timestamp: 1, step: 0 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect((err as Error).message).toContain('3 attempts');
      expect(d.seen).toHaveLength(3);
    } finally {
      await d.close();
    }
  });

  it('does not retry 4xx answers and maps their error_code', async () => {
    const d = await startDouble([{ status: 400, body: '{"error_code":"INVALID_PARAMETER_VALUE","message":"bad key"}' }]);
    try {
      const rest = createRestStore(d.url, { retries: 4, backoffMs: 1 });
      await expect(rest.logParam('r', { key: 'k', value: 'v' })).rejects.toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', httpStatus: 400 });
      expect(d.seen).toHaveLength(1);
    } finally {
      await d.close();
    }
  });

  it('maps an Azure ML error envelope, an unknown code and an HTML 404', async () => {
    const d = await startDouble([
      { status: 400, body: JSON.stringify({ Error: { Code: 'ValidationError', Message: 'MaxResults must be less than 1000' }, statusCode: 400, error_code: 'INVALID_PARAMETER_VALUE' }) },
      { status: 409, body: '{"error_code":"RESOURCE_CONFLICT","message":"busy run"}' },
      { status: 404, body: '<!doctype html><title>404 Not Found</title>' },
    ]);
    try {
      const rest = createRestStore(d.url, { retries: 0 });
      const a = await rest.getMetricHistory('r', 'k').catch((e: unknown) => e);
      expect(a).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE' });
      expect((a as Error).message).toContain('MaxResults must be less than 1000');
      await expect(rest.setTag('r', { key: 'k', value: 'v' })).rejects.toMatchObject({ errorCode: 'RESOURCE_ALREADY_EXISTS', httpStatus: 409 });
      await expect(rest.getRun('r')).rejects.toMatchObject({ errorCode: 'ENDPOINT_NOT_FOUND', httpStatus: 404 });
    } finally {
      await d.close();
    }
  });

  it('turns refused connections and timeouts into StoreUnavailableError', async () => {
    const d = await startDouble([{ status: 200, hang: true }]);
    const deadUrl = d.url.replace(/:\d+$/, ':1');
    try {
      const refused = createRestStore(deadUrl, { retries: 1, backoffMs: 1 });
      await expect(refused.getExperiment('0')).rejects.toBeInstanceOf(StoreUnavailableError);
      const slow = createRestStore(d.url, { retries: 1, backoffMs: 1, timeoutMs: 200 });
      const err = await slow.getExperiment('0').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreUnavailableError);
      expect((err as Error).message).toContain('no answer within 200 ms');
      expect(d.seen).toHaveLength(2);
    } finally {
      await d.close();
    }
  });

  it('asks the token provider per request and once more after a 401', async () => {
    let n = 0;
    const d = await startDouble((req) => (req.headers.authorization === 'Bearer fresh' ? expOk : { status: 401, body: '{"error_code":"UNAUTHENTICATED","message":"expired"}' }));
    try {
      const rest = createRestStore(d.url, { token: async () => (n++ === 0 ? 'stale' : 'fresh'), retries: 0 });
      expect((await rest.getExperiment('7')).experiment_id).toBe('7');
      expect(d.seen.map((r) => r.auth)).toEqual(['Bearer stale', 'Bearer fresh']);
    } finally {
      await d.close();
    }
  });

  it('uses the Azure ML base path, sends max_results on history (999 there), and splits large batches to 200 metrics', async () => {
    const d = await startDouble(() => ({ status: 200, body: '{"metrics":[{"key":"k","value":"NaN","timestamp":1,"step":0}]}' }));
    try {
      const ws = '/mlflow/v2.0/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w1';
      const azure = createRestStore(`${d.url}${ws}`, { retries: 0 });
      const h = await azure.getMetricHistory('run1', 'k');
      expect(Number.isNaN(h.items[0]!.value)).toBe(true);
      const u = new URL(d.seen[0]!.url, d.url);
      expect(u.pathname).toBe(`${ws}/api/2.0/mlflow/metrics/get-history`);
      expect(u.searchParams.get('max_results')).toBe('999');
      expect(u.searchParams.get('run_id')).toBe('run1');
      expect(u.searchParams.get('metric_key')).toBe('k');

      const metrics = Array.from({ length: 450 }, (_, i) => ({ key: 'k', value: i, timestamp: i, step: i }));
      await azure.logBatch('run1', { metrics });
      const batches = d.seen.slice(1).map((r) => JSON.parse(r.body) as { metrics: { step: number }[] });
      expect(batches.map((b) => b.metrics.length)).toEqual([200, 200, 50]);
      expect(batches.flatMap((b) => b.metrics.map((m) => m.step))).toEqual(metrics.map((m) => m.step));

      const oss = createRestStore(d.url, { retries: 0 });
      await oss.getMetricHistory('run1', 'k');
      expect(new URL(d.seen.at(-1)!.url, d.url).searchParams.get('max_results')).toBe('25000');
    } finally {
      await d.close();
    }
  });

  it('derives the REST base from tracking URIs', () => {
    expect(restBase('azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w'))
      .toBe('https://westeurope.api.azureml.ms/mlflow/v2.0/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w');
    expect(restBase('http://127.0.0.1:5000/')).toBe('http://127.0.0.1:5000');
    expect(restBase('http://h:1/api/2.0/mlflow')).toBe('http://h:1');
    expect(() => restBase('sqlite:///x.db')).toThrow(/http, https or azureml/);
  });
});
