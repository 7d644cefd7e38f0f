// Ingest rate of the embedded MLflow endpoint: metric points per second through runs/log-batch
// into the SQLite store behind it. Clients run in worker threads (as trials are separate
// processes), each on its own run, sending batches of 1,000 metrics back to back for a fixed time;
// only acknowledged (HTTP 200) points count, and the rows are counted in the store afterwards.
//   npx tsx bench/ingest.ts [--clients N] [--seconds S] [--batch B]
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
    batch: { type: 'string', default: '1000' },
    'no-write': { type: 'boolean', default: false },
    // Diagnosis only: a store that accepts and drops batches, to see the HTTP layer's own ceiling.
    'null-store': { type: 'boolean', default: false },
  },
});
const CLIENTS = Number(values.clients);
const SECONDS = Number(values.seconds);
const BATCH = Number(values.batch);
const KEYS = 10; // each batch: BATCH/KEYS consecutive steps of 10 metric keys

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

const loadAtStart = os.loadavg()[0]!;
const dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-bench-ingest-'));
try {
  const store = await openTrackingStore(`sqlite:///${path.join(dir, 'mlflow.db')}`, { create: true });
  let dropped = 0;
  const served: TrackingStore = values['null-store']
    ? { ...store, kind: store.kind, uri: store.uri, readOnly: false, logBatch: async (_r, b) => void (dropped += b.metrics?.length ?? 0) } as TrackingStore
    : store;
  const endpoint = await startTrackingEndpoint({ store: served });
  const expId = await store.createExperiment('bench-ingest');
  const runIds: string[] = [];
  for (let c = 0; c < CLIENTS; c++) runIds.push((await store.createRun({ experimentId: expId, runName: `client_${c}`, startTime: Date.now() })).info.run_id);

  const warmupMs = 1000;
  const results = await Promise.all(runIds.map((runId) => new Promise<WorkerResult>((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: { url: endpoint.url, token: endpoint.token, runId, batch: BATCH, keys: KEYS, seconds: SECONDS, warmupMs } });
    w.once('message', (m: WorkerResult) => (m.error ? reject(new Error(m.error)) : resolve(m)));
    w.once('error', reject);
  })));

  const acked = results.reduce((a, r) => a + r.acked, 0);
  const batches = results.reduce((a, r) => a + r.batches, 0);
  const lat = results.flatMap((r) => r.lat).sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  const rate = acked / SECONDS;

  // Every acknowledged point is in the store: count rows through the store's own history read.
  let stored = 0;
  let sent = 0;
  for (const [i, runId] of runIds.entries()) {
    sent += results[i]!.sent;
    for (let k = 0; k < KEYS; k++) stored += (await store.getMetricHistory(runId, `m${k}`, { maxResults: 10_000_000 })).items.length;
  }
  await endpoint.close();
  await store.close();
  if (values['null-store']) {
    console.log(`null store: ${Math.round(rate).toLocaleString('en-US')} points/s through the HTTP layer alone (${dropped} dropped); nothing written.`);
    process.exit(0);
  }
  if (stored !== sent) throw new Error(`store holds ${stored} points but ${sent} were acknowledged`);

  const verdict = rate >= 50_000 ? 'meets' : 'misses';
  const md = [
    '## Ingest: metric points per second through `runs/log-batch` (`bench/ingest.ts`)',
    '',
    machineLine(),
    `Load average (1 min) when the run started: ${loadAtStart.toFixed(1)} on ${os.cpus().length} cores${loadAtStart > os.cpus().length ? ' — other work shared the CPUs, so this is a lower bound' : ''}.`,
    '',
    `${CLIENTS} clients (worker threads, one run each) post batches of ${BATCH} metrics (${KEYS} keys × ${BATCH / KEYS} steps) back to back to the embedded endpoint on 127.0.0.1, with a fresh SQLite store (MLflow schema) behind it; measured for ${SECONDS} s after a 1 s warm-up. Only HTTP 200 answers count; afterwards the store's metric history held every acknowledged point (${stored.toLocaleString('en-US')} rows).`,
    '',
    mdTable(['points/s', 'batches/s', 'batch latency p50', 'p95', 'p99', 'target'], [[
      Math.round(rate).toLocaleString('en-US'),
      (batches / SECONDS).toFixed(1),
      `${q(0.5).toFixed(1)} ms`,
      `${q(0.95).toFixed(1)} ms`,
      `${q(0.99).toFixed(1)} ms`,
      `≥ 50,000 points/s: ${verdict}`,
    ]]),
  ].join('\n');
  console.log(md);
  if (!values['no-write']) writeBenchSection('ingest', md);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
