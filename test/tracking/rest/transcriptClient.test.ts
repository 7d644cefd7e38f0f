// Interop as a CLIENT: the real MLflow 2.12.2 client/server transcript (fixture rest-transcript.jsonl)
// replayed through our REST store. A loopback server answers each request with the real server's
// recorded response, in order, and records what our store sent; the test drives the store through
// the same scenario (one store call per recorded request) and checks that each request matches the
// real client's in method, path, query parameters and JSON body (parsed, so key order and spacing do
// not count), and that the store reads each real answer back (ids, runs, history, errors) correctly.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRestStore } from '../../../electron/core/tracking/restStore.ts';
import { MlflowError, type KeyValue, type Metric, type RunStatus, type TrackingStore, type ViewType } from '../../../electron/core/tracking/types.ts';
import { FIXTURES } from '../../support/peers.ts';

interface Exchange {
  method: 'GET' | 'POST';
  path: string;
  query: string;
  request: Record<string, unknown> | null;
  status: number;
  response: Record<string, unknown>;
}

interface Seen {
  method: string;
  path: string;
  query: string;
  body: string;
}

const exchanges: Exchange[] = readFileSync(path.join(FIXTURES, 'mlflow-2.12.2', 'rest-transcript.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Exchange);

const PREFIX = '/api/2.0/mlflow/';

/** Query parameters as sorted [key, value] pairs: their order carries no meaning. */
function queryPairs(q: string): string[][] {
  return [...new URLSearchParams(q)].map(([k, v]) => [k, v]).sort((a, b) => (a.join('=') < b.join('=') ? -1 : 1));
}

let server: http.Server;
let base = '';
const seen: Seen[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const i = seen.length;
      seen.push({ method: req.method ?? '', path: url.pathname, query: url.search.slice(1), body: Buffer.concat(chunks).toString('utf8') });
      const ex = exchanges[i];
      // Past the end of the transcript: our store sent a request the real client did not.
      const status = ex ? ex.status : 599;
      const text = JSON.stringify(ex ? ex.response : { error_code: 'INTERNAL_ERROR', message: `request ${i + 1} is beyond the transcript` });
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const str = (v: unknown): string => String(v ?? '');
const optStr = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));
const optNum = (v: unknown): number | undefined => (v === undefined ? undefined : Number(v));

/** The store call the real client made for this request, from the recorded request's values. */
function storeCall(store: TrackingStore, ex: Exchange): Promise<unknown> {
  const b = ex.request ?? {};
  const q = Object.fromEntries(new URLSearchParams(ex.query));
  const runId = str(b.run_id ?? b.run_uuid ?? q.run_id);
  switch (ex.path.slice(PREFIX.length)) {
    case 'experiments/create':
      return store.createExperiment(str(b.name), optStr(b.artifact_location), b.tags as KeyValue[] | undefined);
    case 'experiments/get-by-name':
      return store.getExperimentByName(str(q.experiment_name));
    case 'experiments/search':
      return store.searchExperiments({ maxResults: optNum(b.max_results), filter: optStr(b.filter), viewType: b.view_type as ViewType | undefined });
    case 'runs/create':
      return store.createRun({ experimentId: str(b.experiment_id), userId: optStr(b.user_id), runName: optStr(b.run_name), startTime: optNum(b.start_time), tags: b.tags as KeyValue[] | undefined });
    case 'runs/get':
      return store.getRun(runId);
    case 'runs/update':
      return store.updateRun(runId, { status: b.status as RunStatus | undefined, endTime: optNum(b.end_time), runName: optStr(b.run_name) });
    case 'runs/delete':
      return store.deleteRun(runId);
    case 'runs/search':
      return store.searchRuns({
        experimentIds: b.experiment_ids as string[],
        filter: optStr(b.filter),
        runViewType: b.run_view_type as ViewType | undefined,
        maxResults: optNum(b.max_results),
        orderBy: b.order_by as string[] | undefined,
        pageToken: optStr(b.page_token),
      });
    case 'runs/log-batch':
      return store.logBatch(runId, { metrics: b.metrics as Metric[] | undefined, params: b.params as KeyValue[] | undefined, tags: b.tags as KeyValue[] | undefined });
    case 'runs/log-metric':
      return store.logMetric(runId, { key: str(b.key), value: Number(b.value), timestamp: Number(b.timestamp), step: Number(b.step ?? 0) });
    case 'runs/log-parameter':
      return store.logParam(runId, { key: str(b.key), value: str(b.value) });
    case 'metrics/get-history':
      return store.getMetricHistory(runId, str(q.metric_key), { maxResults: optNum(q.max_results) });
    default:
      throw new Error(`the transcript has ${ex.method} ${ex.path}, which this replay does not drive yet`);
  }
}

/** What the store must make of the real server's answer. */
function checkResult(ex: Exchange, result: unknown, at: string): void {
  const r = ex.response;
  switch (ex.path.slice(PREFIX.length)) {
    case 'experiments/create':
      expect(result, at).toBe(r.experiment_id);
      break;
    case 'experiments/get-by-name':
      expect(result, at).toEqual(r.experiment);
      break;
    case 'runs/create':
    case 'runs/get':
      expect(result, at).toMatchObject(r.run as object);
      break;
    case 'runs/update':
      expect(result, at).toEqual(r.run_info);
      break;
    case 'runs/search':
      expect((result as { items: unknown[] }).items, at).toMatchObject((r.runs as object[] | undefined) ?? []);
      expect((result as { nextPageToken?: string }).nextPageToken, at).toBe(r.next_page_token);
      break;
    case 'experiments/search':
      expect((result as { items: unknown[] }).items, at).toEqual(r.experiments ?? []);
      break;
    case 'metrics/get-history':
      expect((result as { items: unknown[] }).items, at).toEqual(r.metrics ?? []);
      break;
    default:
      expect(result, at).toBeUndefined();
  }
}

describe('the real MLflow 2.12.2 transcript replayed through our REST store as the client', () => {
  it('sends what the real client sent and reads every real answer', async () => {
    const store = createRestStore(base, { retries: 0 });
    const mismatches: string[] = [];
    for (const [i, ex] of exchanges.entries()) {
      const at = `#${i + 1} ${ex.method} ${ex.path}${ex.query ? `?${ex.query}` : ''}`;
      let result: unknown;
      let failure: unknown;
      try {
        result = await storeCall(store, ex);
      } catch (err) {
        failure = err;
      }
      const sent = seen[i];
      if (!sent) {
        mismatches.push(`${at}: our store sent no request`);
        continue;
      }
      if (sent.method !== ex.method) mismatches.push(`${at}: method ${sent.method}`);
      if (sent.path !== ex.path) mismatches.push(`${at}: path ${sent.path}`);
      if (JSON.stringify(queryPairs(sent.query)) !== JSON.stringify(queryPairs(ex.query))) mismatches.push(`${at}: query ${sent.query}`);
      const body: unknown = sent.body === '' ? null : JSON.parse(sent.body);
      try {
        expect(body).toEqual(ex.request);
      } catch {
        mismatches.push(`${at}: body ${sent.body} (the real client sent ${JSON.stringify(ex.request)})`);
      }
      if (ex.status === 200) {
        if (failure) throw new Error(`${at}: the store failed on the real answer: ${String(failure)}`);
        checkResult(ex, result, at);
      } else if (ex.status === 404 && ex.path.endsWith('experiments/get-by-name')) {
        // The store reads "no such experiment" as null, as MLflow's client does.
        expect(failure, at).toBeUndefined();
        expect(result, at).toBeNull();
      } else {
        expect(failure, at).toBeInstanceOf(MlflowError);
        expect((failure as MlflowError).errorCode, at).toBe(ex.response.error_code);
      }
    }
    expect(seen).toHaveLength(exchanges.length);
    expect(mismatches).toEqual([]);
  });
});
