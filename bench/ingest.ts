// Ingest rate of the embedded MLflow endpoint: metric points per second through runs/log-batch
// into the SQLite store behind it. Clients run in worker threads (as trials are separate
// processes), each on its own run, sending batches of 1,000 metrics back to back for a fixed time;
// only acknowledged (HTTP 200) points count, and the rows are counted in the store afterwards.
//   npx tsx bench/ingest.ts [--clients N] [--seconds S] [--batch B] [--repeat R]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { startTrackingEndpoint } from '../electron/core/tracking/endpoint/server.ts';
import { openTrackingStore } from '../electron/core/tracking/openStore.ts';
import type { TrackingStore } from '../electron/core/tracking/types.ts';
import { machineLine, mdTable, writeBenchSection } from './benchSupport.ts';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '6' },
    repeat: { type: 'string', default: '3' },
    batch: { type: 'string', default: '1000' },
    'no-write': { type: 'boolean', default: false },
    // Diagnosis only: a store that accepts and drops batches, to see the HTTP layer's own ceiling.
    'null-store': { type: 'boolean', default: false },
  },
});
const KEYS = 10; // each batch: BATCH/KEYS consecutive steps of 10 metric keys
const CLIENTS = Number(values.clients);
const SECONDS = Number(values.seconds);
const BATCH = Number(values.batch);
const REPEAT = Number(values.repeat);
for (const [name, v] of [['clients', CLIENTS], ['seconds', SECONDS], ['batch', BATCH], ['repeat', REPEAT]] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer (got '${String(values[name])}')`);
}
if (BATCH > 1000 || BATCH % KEYS !== 0) throw new Error(`--batch must be a multiple of ${KEYS} up to 1000 (MLflow's log-batch limit), got ${BATCH}`);

// Plain JS so the worker needs no TypeScript loader.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, token, runId, batch, keys, seconds, warmupMs } = workerData;
(async () => {
  const headers = { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' };
  let step = 0, acked = 0, batches = 0;
  const lat = [];
  const start = Date.now();
  const measureFrom = start + warmupMs, end = measureFrom + seconds * 1000;
  while (Date.now() < end) {
    const metrics = [];
    const ts = Date.now();
    for (let i = 0; i < batch / keys; i++, step++) for (let k = 0; k < keys; k++) metrics.push({ key: 'm' + k, value: Math.sin(step + k), timestamp: ts, step });
    const t0 = performance.now();
    const res = await fetch(url + '/api/2.0/mlflow/runs/log-batch', { method: 'POST', headers, body: JSON.stringify({ run_id: runId, metrics }) });
    const text = await res.text();
    if (res.status !== 200) throw new Error('log-batch answered ' + res.status + ': ' + text);
    const t1 = performance.now();
    if (Date.now() > measureFrom) { acked += metrics.length; batches++; lat.push(t1 - t0); }
  }
  parentPort.postMessage({ acked, batches, lat, sent: step * keys });
})().catch((e) => { parentPort.postMessage({ error: String(e && e.stack || e) }); });
`;

interface WorkerResult { acked: number; batches: number; lat: number[]; sent: number; error?: string }

interface Window { load: number; rate: number; batchesPerS: number; p50: number; p95: number; p99: number; stored: number; cpuPer1000: number }

/** One measurement on a fresh store: clients post for SECONDS after a warm-up. */
async function measure(): Promise<Window> {
  const load = os.loadavg()[0]!;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-bench-ingest-'));
  try {
    const store = await openTrackingStore(`sqlite:///${path.join(dir, 'mlflow.db')}`, { create: true });
    let dropped = 0;
    const served: TrackingStore = values['null-store']
      ? new Proxy(store, {
        get: (target, prop, receiver) => (prop === 'logBatch'
          ? async (_runId: string, b: { metrics?: unknown[] }) => void (dropped += b.metrics?.length ?? 0)
          : Reflect.get(target, prop, receiver)),
      })
      : store;
    const endpoint = await startTrackingEndpoint({ store: served });
    const expId = await store.createExperiment('bench-ingest');
    const runIds: string[] = [];
    for (let c = 0; c < CLIENTS; c++) runIds.push((await store.createRun({ experimentId: expId, runName: `client_${c}`, startTime: Date.now() })).info.run_id);

    const warmupMs = 1000;
    // CPU of the whole process (endpoint + store + client threads) per point sent, warm-up included:
    // unlike points/s it hardly depends on how many other processes share the machine.
    const cpu0 = process.cpuUsage();
    const results = await Promise.all(runIds.map((runId) => new Promise<WorkerResult>((resolve, reject) => {
      const w = new Worker(WORKER, { eval: true, workerData: { url: endpoint.url, token: endpoint.token, runId, batch: BATCH, keys: KEYS, seconds: SECONDS, warmupMs } });
      w.once('message', (m: WorkerResult) => (m.error ? reject(new Error(m.error)) : resolve(m)));
      w.once('error', reject);
    })));

    const cpu = process.cpuUsage(cpu0);
    const acked = results.reduce((a, r) => a + r.acked, 0);
    const batches = results.reduce((a, r) => a + r.batches, 0);
    const lat = results.flatMap((r) => r.lat).sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;

    // Every acknowledged point is in the store: count rows through the store's own history read.
    let stored = 0;
    let sent = 0;
    for (const [i, runId] of runIds.entries()) {
      sent += results[i]!.sent;
      if (!values['null-store']) for (let k = 0; k < KEYS; k++) stored += (await store.getMetricHistory(runId, `m${k}`, { maxResults: 10_000_000 })).items.length;
    }
    await endpoint.close();
    await store.close();
    if (values['null-store']) stored = dropped;
    if (stored !== sent) throw new Error(`store holds ${stored} points but ${sent} were acknowledged`);
    return { load, cpuPer1000: (cpu.user + cpu.system) / 1000 / (sent / 1000), rate: acked / SECONDS, batchesPerS: batches / SECONDS, p50: q(0.5), p95: q(0.95), p99: q(0.99), stored };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const windows: Window[] = [];
for (let i = 0; i < REPEAT; i++) {
  windows.push(await measure());
  console.log(`window ${i + 1}: ${Math.round(windows.at(-1)!.rate)} points/s (load ${windows.at(-1)!.load.toFixed(1)})`);
}
const best = Math.max(...windows.map((w) => w.rate));
const median = [...windows].sort((a, b) => a.rate - b.rate)[Math.floor(windows.length / 2)]!.rate;
const cores = os.cpus().length;
const loaded = windows.some((w) => w.load > cores);
const md = [
  '## Ingest: metric points per second through `runs/log-batch` (`bench/ingest.ts`)',
  '',
  machineLine(),
  '',
  `${values['null-store'] ? 'DIAGNOSTIC (null store: batches dropped, nothing written). ' : ''}${CLIENTS} clients (worker threads, one run each) post batches of ${BATCH} metrics (${KEYS} keys × ${BATCH / KEYS} steps) back to back to the embedded endpoint on 127.0.0.1, with a fresh SQLite store (MLflow schema, WAL) behind it; each window is measured for ${SECONDS} s after a 1 s warm-up, on its own fresh store. Only HTTP 200 answers count; afterwards the store's metric history held every acknowledged point. "Process CPU" is user+system time of the whole benchmark process (endpoint, store and the client threads) per 1,000 points sent: a load-independent measure of the work per point.`,
  loaded ? `The machine was shared: the 1-minute load average was above the core count (${cores}) during the run, so these are lower bounds.` : '',
  '',
  mdTable(['window', 'load avg (1 min)', 'points/s', 'batches/s', 'batch latency p50', 'p95', 'p99', 'rows stored', 'process CPU per 1,000 points'], windows.map((w, i) => [
    i + 1,
    w.load.toFixed(1),
    Math.round(w.rate).toLocaleString('en-US'),
    w.batchesPerS.toFixed(1),
    `${w.p50.toFixed(1)} ms`,
    `${w.p95.toFixed(1)} ms`,
    `${w.p99.toFixed(1)} ms`,
    w.stored.toLocaleString('en-US'),
    `${w.cpuPer1000.toFixed(1)} ms`,
  ])),
  '',
  `Best window ${Math.round(best).toLocaleString('en-US')} points/s, median ${Math.round(median).toLocaleString('en-US')} points/s; target ≥ 50,000 points/s: ${median >= 50_000 ? 'met' : best >= 50_000 ? 'met by the best window only' : 'not met on this run'}.`,
].filter((l, i, all) => l !== '' || all[i - 1] !== '').join('\n');
console.log(md);
if (!values['no-write'] && !values['null-store']) writeBenchSection('ingest', md);
