// TrackingStore over MLflow REST API 2.0: any MLflow tracking server, the Azure ML workspace
// endpoint, or our own embedded endpoint. Retries throttling (429) and server errors (5xx) with
// exponential backoff and jitter, honouring Retry-After; a server that stays unreachable surfaces
// as StoreUnavailableError (which the outbox queues), a server that answers with an MLflow error
// as MlflowError with its code.
import { mlflowRestBaseFromTrackingUri } from '../azure/endpoints.ts';
import { decodeDouble, encodeDouble, parseJsonLenient, stringifyJson } from './endpoint/wire.ts';
import { proxyAwareFetch } from './proxyFetch.ts';
import {
  MlflowError,
  readStep,
  StoreUnavailableError,
  type Experiment,
  type KeyValue,
  type Metric,
  type MlflowErrorCode,
  type Page,
  type Run,
  type RunInfo,
  type TrackingStore,
} from './types.ts';

import type { ArtifactEntry } from './runViews/localArtifacts.ts';
import { bytesToShow, readCapped, remoteArtifactPath, remoteContent, type RemoteArtifactReader } from './runViews/remoteArtifacts.ts';

export interface RestStoreOptions {
  /** A fixed token, or a provider called before each request (Azure tokens expire and refresh). */
  token?: string | (() => Promise<string> | string);
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  /** Retries after the first attempt for 429, 5xx and network errors (default 5). */
  retries?: number;
  /** First backoff step (default 500 ms); doubles per retry, full jitter, capped by maxBackoffMs. */
  backoffMs?: number;
  /** Cap for one wait, including a server's Retry-After (default 30 s). */
  maxBackoffMs?: number;
  /** Metrics per log-batch request; Azure ML rejects large batches, so it defaults to 200 there. */
  maxBatchMetrics?: number;
  /** max_results sent on metric history when the caller gives none (25000 OSS, 999 Azure). */
  historyPageSize?: number;
  fetch?: typeof fetch;
  /** Waits between attempts (default: a timer); tests pass one that records the waits asked for. */
  sleep?: (ms: number) => Promise<void>;
  /** The clock Retry-After dates are read against (default Date.now). */
  now?: () => number;
}

const KNOWN_CODES = new Set<MlflowErrorCode>([
  'RESOURCE_DOES_NOT_EXIST', 'RESOURCE_ALREADY_EXISTS', 'INVALID_PARAMETER_VALUE', 'INVALID_STATE', 'BAD_REQUEST',
  'ENDPOINT_NOT_FOUND', 'PERMISSION_DENIED', 'UNAUTHENTICATED', 'INTERNAL_ERROR', 'TEMPORARILY_UNAVAILABLE', 'REQUEST_LIMIT_EXCEEDED',
]);

/** Error codes outside our union are mapped to the nearest one by meaning or HTTP status. */
function toErrorCode(code: unknown, status: number): MlflowErrorCode {
  if (typeof code === 'string' && KNOWN_CODES.has(code as MlflowErrorCode)) return code as MlflowErrorCode;
  if (code === 'CUSTOMER_UNAUTHORIZED') return 'UNAUTHENTICATED';
  if (code === 'MALFORMED_REQUEST' || code === 'INVALID_REQUEST') return 'BAD_REQUEST';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return code === undefined ? 'ENDPOINT_NOT_FOUND' : 'RESOURCE_DOES_NOT_EXIST';
  if (status === 409) return 'RESOURCE_ALREADY_EXISTS';
  if (status === 429) return 'REQUEST_LIMIT_EXCEEDED';
  if (status === 503) return 'TEMPORARILY_UNAVAILABLE';
  if (status >= 500) return 'INTERNAL_ERROR';
  return 'BAD_REQUEST';
}

/** REST base from a tracking URI: azureml:// as the azureml-mlflow plugin maps it, and a trailing /api/2.0/mlflow is dropped. */
export function restBase(uri: string): string {
  // azureml:// is mapped the way the azureml-mlflow plugin maps it (host + workspace scope).
  if (/^azureml:\/\//i.test(uri.trim())) return mlflowRestBaseFromTrackingUri(uri);
  let base = uri.trim().replace(/\/+$/, '');
  base = base.replace(/\/(ajax-)?api\/2\.0\/mlflow$/, '');
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch {
    throw new Error(`tracking URI '${uri}' is not a URL; expected http(s)://host[:port][/path] or azureml://...`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`tracking URI '${uri}' must use http, https or azureml for the REST store (got ${parsed.protocol})`);
  }
  return base;
}

function isAzure(base: string): boolean {
  return /\.api\.azureml\.ms(\/|$)|\/mlflow\/v[12]\.0\//i.test(base);
}

/** Delay asked for by Retry-After: delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const s = header.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface WireKeyValue { key?: string; value?: string }
interface WireMetric { key?: string; value?: unknown; timestamp?: number | string; step?: number | string }
interface WireRunInfo { run_id?: string; run_uuid?: string; run_name?: string; experiment_id?: string; user_id?: string; status?: string; start_time?: number | string; end_time?: number | string; artifact_uri?: string; lifecycle_stage?: string }
interface WireRun { info?: WireRunInfo; data?: { metrics?: WireMetric[]; params?: WireKeyValue[]; tags?: WireKeyValue[] }; inputs?: Record<string, unknown> }
interface WireExperiment { experiment_id?: string; name?: string; artifact_location?: string; lifecycle_stage?: string; last_update_time?: number | string; creation_time?: number | string; tags?: WireKeyValue[] }

const num = (v: number | string | undefined): number | undefined => (v === undefined || v === null || v === '' ? undefined : Number(v));
const kvList = (l: WireKeyValue[] | undefined): KeyValue[] => (l ?? []).map((t) => ({ key: t.key ?? '', value: t.value ?? '' }));

function toMetric(m: WireMetric): Metric {
  return { key: m.key ?? '', value: decodeDouble(m.value) ?? NaN, timestamp: num(m.timestamp) ?? 0, step: readStep(m.step) };
}

function toRunInfo(i: WireRunInfo = {}): RunInfo {
  const id = i.run_id ?? i.run_uuid ?? '';
  const info: RunInfo = {
    run_id: id,
    run_uuid: i.run_uuid ?? id,
    run_name: i.run_name ?? '',
    experiment_id: i.experiment_id ?? '',
    user_id: i.user_id ?? '',
    status: (i.status ?? 'RUNNING') as RunInfo['status'],
    start_time: num(i.start_time) ?? 0,
    artifact_uri: i.artifact_uri ?? '',
    lifecycle_stage: (i.lifecycle_stage ?? 'active') as RunInfo['lifecycle_stage'],
  };
  const end = num(i.end_time);
  if (end !== undefined) info.end_time = end;
  return info;
}

function toRun(r: WireRun = {}): Run {
  const run: Run = {
    info: toRunInfo(r.info),
    data: { metrics: (r.data?.metrics ?? []).map(toMetric), params: kvList(r.data?.params), tags: kvList(r.data?.tags) },
  };
  if (r.inputs) run.inputs = r.inputs;
  return run;
}

function toExperiment(e: WireExperiment = {}): Experiment {
  const out: Experiment = {
    experiment_id: e.experiment_id ?? '',
    name: e.name ?? '',
    artifact_location: e.artifact_location ?? '',
    lifecycle_stage: (e.lifecycle_stage ?? 'active') as Experiment['lifecycle_stage'],
    tags: kvList(e.tags),
  };
  const c = num(e.creation_time);
  const u = num(e.last_update_time);
  if (c !== undefined) out.creation_time = c;
  if (u !== undefined) out.last_update_time = u;
  return out;
}

const metricOut = (m: Metric) => ({ key: m.key, value: encodeDouble(m.value), timestamp: m.timestamp, step: m.step });

/** Splits a batch within MLflow's per-request limits, keeping the order of each list. */
function splitBatch(batch: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] }, maxMetrics: number) {
  const out: { metrics: Metric[]; params: KeyValue[]; tags: KeyValue[] }[] = [];
  const params = batch.params ?? [];
  const tags = batch.tags ?? [];
  const metrics = batch.metrics ?? [];
  let p = 0, t = 0, m = 0;
  while (p < params.length || t < tags.length || m < metrics.length || out.length === 0) {
    const ps = params.slice(p, p + 100);
    const ts = tags.slice(t, t + 100);
    const room = Math.max(0, Math.min(maxMetrics, 1000 - ps.length - ts.length));
    const ms = metrics.slice(m, m + room);
    p += ps.length; t += ts.length; m += ms.length;
    out.push({ metrics: ms, params: ps, tags: ts });
    if (ps.length + ts.length + ms.length === 0) break;
  }
  return out;
}

export function createRestStore(uri: string, opts: RestStoreOptions = {}): TrackingStore & RemoteArtifactReader {
  const base = restBase(uri);
  const azure = isAzure(base);
  const doFetch = opts.fetch ?? proxyAwareFetch();
  const wait = opts.sleep ?? sleep;
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const retries = Math.max(0, opts.retries ?? 5);
  const backoffMs = opts.backoffMs ?? 500;
  const maxBackoffMs = opts.maxBackoffMs ?? 30_000;
  const maxBatchMetrics = Math.min(1000, opts.maxBatchMetrics ?? (azure ? 200 : 1000));
  const historyPageSize = opts.historyPageSize ?? (azure ? 999 : 25_000);
  let closed = false;

  async function token(): Promise<string | undefined> {
    if (typeof opts.token === 'function') return opts.token();
    return opts.token;
  }

  async function call<T>(method: 'GET' | 'POST', path: string, payload: Record<string, unknown>): Promise<T> {
    if (closed) throw new Error(`REST store ${base} is closed`);
    let url = `${base}/api/2.0/mlflow/${path}`;
    let body: string | undefined;
    if (method === 'GET') {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(payload)) {
        if (v === undefined) continue;
        for (const item of Array.isArray(v) ? v : [v]) qs.append(k, String(item));
      }
      const s = qs.toString();
      if (s) url += `?${s}`;
    } else {
      body = stringifyJson(payload);
    }
    let refreshedAuth = false;
    let lastProblem: string;
    let lastCause: unknown;
    for (let attempt = 0; ; attempt++) {
      let waitHint: number | undefined;
      try {
        const headers: Record<string, string> = { Accept: 'application/json' };
        if (body !== undefined) headers['Content-Type'] = 'application/json';
        const tok = await token();
        if (tok) headers.Authorization = `Bearer ${tok}`;
        const res = await doFetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
        const text = await res.text();
        if (res.ok) return (text.trim() ? parseJsonLenient(text) : {}) as T;
        let parsed: Record<string, unknown> | undefined;
        try {
          const j: unknown = JSON.parse(text);
          if (j && typeof j === 'object') parsed = j as Record<string, unknown>;
        } catch {
          /* an HTML or empty error page: fall back to the status */
        }
        const azureError = parsed?.Error as { Message?: unknown } | undefined;
        const message = String(parsed?.message ?? azureError?.Message ?? (text.slice(0, 300) || res.statusText));
        const err = new MlflowError(toErrorCode(parsed?.error_code, res.status), `${method} ${path}: ${message}`, res.status);
        if (res.status === 401 && typeof opts.token === 'function' && !refreshedAuth) {
          refreshedAuth = true; // the token may have expired between fetch and use; the provider refreshes it
          continue;
        }
        if (res.status !== 429 && res.status < 500) throw err;
        lastProblem = `HTTP ${res.status} ${err.errorCode}: ${message}`;
        lastCause = err;
        waitHint = retryAfterMs(res.headers.get('retry-after'), now());
      } catch (err) {
        if (err instanceof MlflowError) throw err;
        if (err instanceof SyntaxError) throw new MlflowError('INTERNAL_ERROR', `${method} ${path}: the server answered with invalid JSON`, 502);
        const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
        lastProblem = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : `${e.cause?.code ?? e.cause?.message ?? e.message ?? String(err)}`;
        lastCause = err;
      }
      if (attempt >= retries) {
        throw new StoreUnavailableError(`MLflow tracking server ${base} is unavailable (${method} ${path}, ${attempt + 1} attempt${attempt ? 's' : ''}): ${lastProblem}`, lastCause);
      }
      const backoff = Math.random() * Math.min(maxBackoffMs, backoffMs * 2 ** attempt);
      await wait(Math.min(maxBackoffMs, Math.max(waitHint ?? 0, backoff)));
    }
  }

  const get = <T>(path: string, q: Record<string, unknown>) => call<T>('GET', path, q);
  const post = <T>(path: string, b: Record<string, unknown>) => call<T>('POST', path, b);

  return {
    kind: 'rest',
    uri,
    readOnly: false,

    async createExperiment(name, artifactLocation, tags) {
      const r = await post<{ experiment_id?: string }>('experiments/create', { name, artifact_location: artifactLocation, tags });
      return String(r.experiment_id ?? '');
    },
    async getExperiment(experimentId) {
      const r = await get<{ experiment?: WireExperiment }>('experiments/get', { experiment_id: experimentId });
      return toExperiment(r.experiment);
    },
    async getExperimentByName(name) {
      try {
        const r = await get<{ experiment?: WireExperiment }>('experiments/get-by-name', { experiment_name: name });
        return toExperiment(r.experiment);
      } catch (err) {
        if (err instanceof MlflowError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return null;
        throw err;
      }
    },
    async searchExperiments(q = {}) {
      const r = await post<{ experiments?: WireExperiment[]; next_page_token?: string }>('experiments/search', {
        max_results: q.maxResults ?? 1000,
        page_token: q.pageToken,
        filter: q.filter,
        order_by: q.orderBy,
        view_type: q.viewType,
      });
      return { items: (r.experiments ?? []).map(toExperiment), nextPageToken: r.next_page_token || undefined };
    },
    async deleteExperiment(experimentId) {
      await post('experiments/delete', { experiment_id: experimentId });
    },
    async restoreExperiment(experimentId) {
      await post('experiments/restore', { experiment_id: experimentId });
    },
    async renameExperiment(experimentId, newName) {
      await post('experiments/update', { experiment_id: experimentId, new_name: newName });
    },
    async setExperimentTag(experimentId, key, value) {
      await post('experiments/set-experiment-tag', { experiment_id: experimentId, key, value });
    },

    async createRun(req) {
      const r = await post<{ run?: WireRun }>('runs/create', {
        experiment_id: req.experimentId,
        user_id: req.userId,
        run_name: req.runName,
        start_time: req.startTime ?? Date.now(),
        tags: req.tags,
      });
      return toRun(r.run);
    },
    async getRun(runId) {
      const r = await get<{ run?: WireRun }>('runs/get', { run_id: runId, run_uuid: runId });
      return toRun(r.run);
    },
    async updateRun(runId, req) {
      const r = await post<{ run_info?: WireRunInfo }>('runs/update', {
        run_id: runId, run_uuid: runId, status: req.status, end_time: req.endTime, run_name: req.runName,
      });
      return toRunInfo(r.run_info);
    },
    async deleteRun(runId) {
      await post('runs/delete', { run_id: runId });
    },
    async restoreRun(runId) {
      await post('runs/restore', { run_id: runId });
    },
    async searchRuns(q) {
      const r = await post<{ runs?: WireRun[]; next_page_token?: string }>('runs/search', {
        experiment_ids: q.experimentIds,
        filter: q.filter,
        run_view_type: q.runViewType,
        max_results: q.maxResults,
        order_by: q.orderBy,
        page_token: q.pageToken,
      });
      return { items: (r.runs ?? []).map(toRun), nextPageToken: r.next_page_token || undefined };
    },

    async logBatch(runId, batch) {
      for (const part of splitBatch(batch, maxBatchMetrics)) {
        if (part.metrics.length + part.params.length + part.tags.length === 0) continue;
        // As MLflow's client writes protobuf JSON: an empty repeated field is left out.
        await post('runs/log-batch', {
          run_id: runId,
          metrics: part.metrics.length > 0 ? part.metrics.map(metricOut) : undefined,
          params: part.params.length > 0 ? part.params : undefined,
          tags: part.tags.length > 0 ? part.tags : undefined,
        });
      }
    },
    async logMetric(runId, m) {
      await post('runs/log-metric', { run_id: runId, run_uuid: runId, ...metricOut(m) });
    },
    async logParam(runId, p) {
      await post('runs/log-parameter', { run_id: runId, run_uuid: runId, key: p.key, value: p.value });
    },
    async setTag(runId, t) {
      await post('runs/set-tag', { run_id: runId, run_uuid: runId, key: t.key, value: t.value });
    },
    async deleteTag(runId, key) {
      await post('runs/delete-tag', { run_id: runId, key });
    },
    async getMetricHistory(runId, key, o = {}) {
      const r = await get<{ metrics?: WireMetric[]; next_page_token?: string }>('metrics/get-history', {
        run_id: runId,
        run_uuid: runId,
        metric_key: key,
        max_results: o.maxResults ?? historyPageSize,
        page_token: o.pageToken,
      });
      const items = (r.metrics ?? []).map(toMetric);
      // A 3.4+ server without pagination fix returns a token with an empty page forever: stop there.
      return { items, nextPageToken: items.length > 0 ? r.next_page_token || undefined : undefined } satisfies Page<Metric>;
    },

    // Artifacts (read only, for the run views; runViews/remoteArtifacts.ts).
    async listArtifacts(runId, rel) {
      const p = remoteArtifactPath(rel);
      const files: ArtifactEntry[] = [];
      let pageToken: string | undefined;
      do {
        const r = await get<{ files?: ArtifactEntry[]; next_page_token?: string }>('artifacts/list', { run_id: runId, run_uuid: runId, path: p || undefined, page_token: pageToken });
        files.push(...(r.files ?? []));
        pageToken = r.next_page_token || undefined;
      } while (pageToken);
      return files;
    },
    async readArtifact(runId, rel) {
      const p = remoteArtifactPath(rel);
      const qs = new URLSearchParams({ path: p, run_uuid: runId, run_id: runId });
      const headers: Record<string, string> = {};
      const tok = await token();
      if (tok) headers.Authorization = `Bearer ${tok}`;
      let res: Response;
      try {
        res = await doFetch(`${base}/get-artifact?${qs}`, { headers, signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        throw new StoreUnavailableError(`MLflow tracking server ${base} is unavailable (get-artifact ${p}): ${(err as Error).message}`, err);
      }
      if (!res.ok) {
        const text = (await res.text()).slice(0, 300);
        throw new MlflowError(toErrorCode(undefined, res.status), `get-artifact ${p} of run ${runId}: HTTP ${res.status}${text ? `: ${text}` : ''}`, res.status);
      }
      return remoteContent(p, res.headers.get('content-length'), await readCapped(res, bytesToShow(p)));
    },

    async close() {
      closed = true;
    },
  };
}
