// The Azure double's MLflow REST endpoint made whole: every MLflow route of our embedded endpoint
// (ROUTES) over a real SQLite MLflow store, behind the restrictions Azure ML's endpoint documents:
//   - search filters: OR, LIKE/ILIKE, `!=` on tags and any filter on attributes.status answer
//     400 INVALID_PARAMETER_VALUE; so does order_by on a metric;
//   - metric history: max_results of 1,000 or more answers 400 ("MaxResults must be less than
//     1000", as in the issue's transcript);
// and with faults on demand: latency per request, 429 with or without Retry-After, dropped
// connections. The restriction checks read the raw request text on purpose (not our parser), so
// they catch what a client sends, whatever the client thinks it sent.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import { ROUTES } from '../../electron/core/tracking/endpoint/routes.ts';
import { describeZodError } from '../../electron/core/tracking/endpoint/schemas.ts';
import { queryObject } from '../../electron/core/tracking/endpoint/server.ts';
import { openSqliteStore } from '../../electron/core/tracking/sqliteStore/sqliteStore.ts';
import { MlflowError, type TrackingStore } from '../../electron/core/tracking/types.ts';
import { makeSelfSignedCert, startAzureDouble, type AzureDouble, type AzureDoubleOptions, type MlflowCall } from './azureDouble.ts';

export interface MlflowTraffic {
  endpoint: string;
  method: string;
  /** The query string or JSON body as received. */
  params: Record<string, unknown>;
  /** What the double answered (0 for a dropped connection). */
  status: number;
}

export interface AzureMlflowDouble {
  double: AzureDouble;
  /** The double's key and certificate, for a restart that clients must not notice. */
  tls: { keyPem: string; certPem: string };
  /** The workspace's runs, for seeding and checking (writes go straight to SQLite). */
  store: TrackingStore;
  dbFile: string;
  /** Every MLflow call received, in arrival order. */
  traffic: MlflowTraffic[];
  /** Most requests seen in flight at once. */
  readonly maxInFlight: number;
  /** Delay before answering each MLflow request, ms. */
  latencyMs: number;
  /** The next calls answer 429, one per entry: `retryAfter` set sends that Retry-After header. */
  throttle(...answers: { retryAfter?: string }[]): void;
  /** The next n calls get their connection dropped without an answer. */
  dropNext(n: number): void;
  /** Stops the server; the SQLite file stays for a restart with restartAzureMlflowDouble. */
  stop(): Promise<void>;
  /** Stops the server and removes the files. */
  close(): Promise<void>;
}

function stripLiterals(s: string): string {
  // Quoted strings and backtick names become placeholders so keywords inside them do not count.
  return s.replace(/'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"/g, "'v'").replace(/`[^`]*`/g, 'k');
}

/** Why Azure would refuse this filter / order_by, or undefined (the double's own rules). */
export function azureDoubleRefusal(filter: unknown, orderBy: unknown): string | undefined {
  const f = typeof filter === 'string' ? stripLiterals(filter) : '';
  if (/\bOR\b/i.test(f)) return "Unsupported filter: OR is not supported; combine conditions with AND";
  if (/\bI?LIKE\b/i.test(f)) return 'Unsupported filter: LIKE and ILIKE are not supported';
  if (/\btags?\.\w+\s*!=/i.test(f)) return "Unsupported filter: '!=' is not supported on tags";
  if (/(^|[\s(])((attributes?|attr|run)\.)?status\s*(=|!=|<|>|\bIN\b|\bNOT\b)/i.test(f)) return 'Unsupported filter: attributes.status cannot be filtered on';
  const list = Array.isArray(orderBy) ? orderBy.map(String) : typeof orderBy === 'string' ? [orderBy] : [];
  if (list.some((o) => /^\s*metrics?\./i.test(o))) return 'Unsupported order_by: ordering by metrics is not supported';
  return undefined;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export interface AzureMlflowDoubleOptions extends AzureDoubleOptions {
  /** Reuse this MLflow SQLite file (a restart after stop()); default a new one. */
  dbFile?: string;
  latencyMs?: number;
}

export async function startAzureMlflowDouble(opts: AzureMlflowDoubleOptions = {}): Promise<AzureMlflowDouble> {
  const dbFile = opts.dbFile ?? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'azure-mlflow-double-')), 'workspace.db');
  const store = openSqliteStore(dbFile, { create: true });
  const traffic: MlflowTraffic[] = [];
  const throttles: { retryAfter?: string }[] = [];
  let drops = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const state = { latencyMs: opts.latencyMs ?? 0 };

  const handler = async (c: MlflowCall): Promise<boolean> => {
    let params: Record<string, unknown> = {};
    if (c.method === 'GET') params = queryObject(c.query);
    else if (c.body.trim()) {
      try {
        params = JSON.parse(c.body) as Record<string, unknown>;
      } catch {
        params = {};
      }
    }
    const rec: MlflowTraffic = { endpoint: c.endpoint, method: c.method, params, status: 0 };
    traffic.push(rec);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs));
      if (drops > 0) {
        drops--;
        c.req.socket.destroy();
        return true;
      }
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}): true => {
        rec.status = status;
        send(c.res, status, body, headers);
        return true;
      };
      const t = throttles.shift();
      if (t) {
        return reply(429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many requests for this workspace; slow down.' }, t.retryAfter !== undefined ? { 'retry-after': t.retryAfter } : {});
      }
      if (c.endpoint === 'runs/search' || c.endpoint === 'experiments/search') {
        const why = azureDoubleRefusal(params.filter, params.order_by);
        if (why) return reply(400, { error_code: 'INVALID_PARAMETER_VALUE', message: why });
      }
      if (c.endpoint === 'metrics/get-history') {
        const max = Number(params.max_results ?? 0);
        if (!(max > 0) || max >= 1000) return reply(400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'MaxResults must be less than 1000' });
      }
      const route = ROUTES[c.endpoint];
      if (!route) return reply(404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No API endpoint '${c.endpoint}' in the test double` });
      if ((params.run_id === undefined || params.run_id === '') && typeof params.run_uuid === 'string') params.run_id = params.run_uuid;
      const input = route.schema.safeParse(params);
      if (!input.success) return reply(400, { error_code: 'INVALID_PARAMETER_VALUE', message: describeZodError(input.error, params) });
      try {
        return reply(200, await route.handle(store, input.data));
      } catch (err) {
        if (err instanceof MlflowError) return reply(err.httpStatus, { error_code: err.errorCode, message: err.message });
        return reply(500, { error_code: 'INTERNAL_ERROR', message: String(err) });
      }
    } finally {
      inFlight--;
    }
  };

  const tls = opts.tls ?? makeSelfSignedCert();
  const double = await startAzureDouble({ ...opts, tls, mlflowHandler: handler });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await double.close();
    await store.close();
  };
  return {
    double,
    tls,
    store,
    dbFile,
    traffic,
    get maxInFlight() {
      return maxInFlight;
    },
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(v: number) {
      state.latencyMs = v;
    },
    throttle: (...answers) => throttles.push(...answers),
    dropNext: (n) => {
      drops += n;
    },
    stop,
    close: async () => {
      await stop();
      fs.rmSync(path.dirname(dbFile), { recursive: true, force: true });
    },
  };
}

/** The same workspace again after stop(): same ids, secret, runs, address and certificate, and
 * the tokens handed out before still valid (an outage, not a new tenant). */
export async function restartAzureMlflowDouble(prev: AzureMlflowDouble, opts: Pick<AzureMlflowDoubleOptions, 'latencyMs'> = {}): Promise<AzureMlflowDouble> {
  const d = prev.double;
  const next = await startAzureMlflowDouble({
    port: d.port,
    tls: prev.tls,
    dbFile: prev.dbFile,
    tenantId: d.tenantId,
    clientId: d.clientId,
    clientSecret: d.clientSecret,
    subscriptionId: d.subscriptionId,
    resourceGroup: d.resourceGroup,
    workspaceName: d.workspaceName,
    location: d.location,
    latencyMs: opts.latencyMs ?? prev.latencyMs,
  });
  next.double.issuedTokens.push(...d.issuedTokens);
  return next;
}

export interface SeedOptions {
  experiment: string;
  /** Parent runs, each with `childrenPerParent` child runs (mlflow.parentRunId). */
  parents: number;
  childrenPerParent: number;
  metricsPerRun?: number;
  /** Start time of the first run; later runs one `spacingMs` apart. */
  startTime?: number;
  spacingMs?: number;
  status?: 'FINISHED' | 'RUNNING';
}

/** Writes a sweep-shaped experiment straight into the double's store; returns the run ids. */
export async function seedSweep(store: TrackingStore, o: SeedOptions): Promise<{ experimentId: string; runIds: string[] }> {
  const existing = await store.getExperimentByName(o.experiment);
  const experimentId = existing?.experiment_id ?? (await store.createExperiment(o.experiment));
  const spacing = o.spacingMs ?? 1000;
  let t = o.startTime ?? Date.UTC(2026, 10, 1);
  const runIds: string[] = [];
  const nMetrics = o.metricsPerRun ?? 3;
  const make = async (name: string, tags: { key: string; value: string }[], i: number): Promise<string> => {
    const run = await store.createRun({ experimentId, startTime: t, runName: name, tags });
    t += spacing;
    const id = run.info.run_id;
    runIds.push(id);
    await store.logBatch(id, {
      params: [{ key: 'lr', value: String(0.001 * (i + 1)) }, { key: 'trial', value: String(i) }],
      metrics: Array.from({ length: nMetrics }, (_, k) => ({ key: `m${k}`, value: i + k / 10, timestamp: t, step: 1 })),
    });
    if ((o.status ?? 'FINISHED') === 'FINISHED') await store.updateRun(id, { status: 'FINISHED', endTime: t });
    return id;
  };
  for (let p = 0; p < o.parents; p++) {
    const parentId = await make(`sweep-${p}`, [], p);
    for (let c = 0; c < o.childrenPerParent; c++) await make(`trial-${p}-${c}`, [{ key: 'mlflow.parentRunId', value: parentId }], c);
  }
  return { experimentId, runIds };
}
