// Azure offline mirror sync against the local Azure double with injected latency per MLflow
// request: the initial run-list sync of 5,000 runs with 20 metrics each, then an incremental sync
// with nothing new (requests per experiment counted by the double, not by the client).
//   npx tsx bench/azureSync.ts [--runs 5000] [--experiments 5] [--metrics 20] [--latency 50] [--no-write]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ServicePrincipalCredential } from '../electron/core/azure/credentials.ts';
import { MirrorDb, mirrorPathFor } from '../electron/core/azure/mirror/mirrorDb.ts';
import { syncWorkspace } from '../electron/core/azure/mirror/sync.ts';
import { connectWorkspace, openWorkspaceBrowser } from '../electron/core/azure/mirror/workspaceMirror.ts';
import type { AzureFault } from '../test/support/azureDouble.ts';
import { seedSweep, startAzureMlflowDouble } from '../test/support/azureMlflowDouble.ts';
import { REPO_ROOT, machineLine, mdTable, writeBenchSection } from './benchSupport.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5000' },
    experiments: { type: 'string', default: '5' },
    metrics: { type: 'string', default: '20' },
    latency: { type: 'string', default: '50' },
    'no-write': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const EXPERIMENTS = Number(values.experiments);
const METRICS = Number(values.metrics);
const LATENCY = Number(values.latency);
for (const [name, v] of [['runs', RUNS], ['experiments', EXPERIMENTS], ['metrics', METRICS]] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer (got '${String(values[name])}')`);
}
if (!Number.isInteger(LATENCY) || LATENCY < 0) throw new Error(`--latency must be a whole number of ms (got '${values.latency}')`);
const perExperiment = Math.floor(RUNS / EXPERIMENTS);
if (perExperiment % 100 !== 0) throw new Error(`--runs / --experiments must be a multiple of 100 (sweeps of 1 parent + 99 trials), got ${perExperiment}`);

function commit(): string {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'electron/core/azure'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim();
  return `Code: commit ${r.stdout.trim() || 'unknown'}${dirty ? ', with uncommitted changes under electron/core/azure' : ', no uncommitted changes under electron/core/azure'}.`;
}

const load0 = os.loadavg()[0]!;
let mirrorFileForList = '';
async function syncExperimentsOf(): Promise<{ name: string; experiment_id: string }[]> {
  const m = MirrorDb.open(mirrorFileForList, { readOnly: true });
  try {
    return m.experiments().map((e) => e.experiment);
  } finally {
    m.close();
  }
}
const d = await startAzureMlflowDouble();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-bench-azure-sync-'));
try {
  const tSeed = performance.now();
  const base = Date.UTC(2026, 9, 1);
  for (let e = 0; e < EXPERIMENTS; e++) {
    // Sweeps as they are logged: a parent and 99 trials, a trial started every ~2 s.
    for (let p = 0; p < perExperiment / 100; p++) {
      await seedSweep(d.store, { experiment: `sweep-${e}`, parents: 1, childrenPerParent: 99, metricsPerRun: METRICS, startTime: base + (e * 1000 + p * 100) * 2_000, spacingMs: 2_000 });
    }
  }
  console.log(`seeded ${RUNS} runs in ${EXPERIMENTS} experiments (${METRICS} metrics each) in ${((performance.now() - tSeed) / 1000).toFixed(1)} s`);

  const x = d.double;
  const credential = new ServicePrincipalCredential({ tenantId: x.tenantId, clientId: x.clientId, clientSecret: x.clientSecret, authorityHost: x.url, ca: x.caPem });
  const { NODE_EXTRA_CA_CERTS: _ca, ...env } = x.env();
  const ref = { subscriptionId: x.subscriptionId, resourceGroup: x.resourceGroup, workspaceName: x.workspaceName };
  const { store } = await connectWorkspace({ ref, credential, env, ca: x.caPem, fetch: { ca: x.caPem } });
  // Token and ARM lookup done: from here on only MLflow calls, each delayed by the double.
  await store.searchExperiments({ maxResults: 1 });
  d.latencyMs = LATENCY;
  const mirror = MirrorDb.open(path.join(dataDir, 'mirror.db'), { create: true });
  mirrorFileForList = mirror.file;

  d.traffic.length = 0;
  const t0 = performance.now();
  const initial = await syncWorkspace({ store, mirror });
  const initialMs = performance.now() - t0;
  const initialRequests = d.traffic.length;
  const initialSearches = d.traffic.filter((t) => t.endpoint === 'runs/search').length;
  const counts = mirror.counts();
  if (counts.runs !== RUNS) throw new Error(`the mirror holds ${counts.runs} runs after the initial sync, expected ${RUNS}`);

  d.traffic.length = 0;
  const t1 = performance.now();
  const incremental = await syncWorkspace({ store, mirror });
  const incrementalMs = performance.now() - t1;
  const incRequests = d.traffic.length;
  const incSearches = d.traffic.filter((t) => t.endpoint === 'runs/search').length;
  const experimentsSynced = incremental.experiments;
  mirror.close();
  await store.close();

  // Offline fallback: how long a browsing read takes to answer from the mirror after Azure fails,
  // per kind of failure (the browser's deadline is 1 s here; 3 s by default).
  const fallback: [string, number, boolean, number][] = [];
  const firstExperiment = (await syncExperimentsOf()).find((e) => e.name === 'sweep-0')!.experiment_id;
  for (const [label, fault] of [['HTTP 500', 'mlflow-5xx'], ['HTTP 401 (sign-in refused)', 'mlflow-401'], ['no answer (hang)', 'mlflow-hang']] as [string, AzureFault][]) {
    // Each browser starts from a copy of the synced mirror, as the app would after a sync.
    const browseData = path.join(dataDir, `b-${fault}`);
    fs.mkdirSync(path.dirname(mirrorPathFor(browseData, ref)), { recursive: true });
    fs.copyFileSync(mirrorFileForList, mirrorPathFor(browseData, ref));
    const b = await openWorkspaceBrowser({ ref, credential, env, ca: x.caPem, dataDir: browseData, deadlineMs: 1_000, fetch: { ca: x.caPem } });
    await b.searchExperiments({});
    d.double.inject(fault);
    const t = performance.now();
    const page = await b.searchRuns({ experimentIds: [firstExperiment], maxResults: 100 });
    fallback.push([label, performance.now() - t, page.offline, page.items.length]);
    d.double.clearFaults();
    await b.close();
  }
  const size = fs.statSync(path.join(dataDir, 'mirror.db')).size + (fs.existsSync(path.join(dataDir, 'mirror.db-wal')) ? fs.statSync(path.join(dataDir, 'mirror.db-wal')).size : 0);
  const load1 = os.loadavg()[0]!;

  const perExpInc = incRequests / experimentsSynced;
  const md = [
    '## Azure offline mirror: sync against the Azure double (`bench/azureSync.ts`)',
    '',
    machineLine(undefined, false),
    commit(),
    `Load average (1 min) ${load0.toFixed(1)} at start, ${load1.toFixed(1)} at end, on ${os.cpus().length} cores (shared machine).`,
    '',
    `Workspace in the local Azure double (HTTPS on 127.0.0.1, MLflow routes over a SQLite MLflow store, Azure's restrictions on): ${RUNS.toLocaleString('en-US')} runs in ${EXPERIMENTS} experiments (sweeps of a parent and 99 trials), each run with ${METRICS} metrics, 2 params and a \`mlflow.parentRunId\` tag on trials, plus the "Default" experiment (empty). ${LATENCY} ms added to every MLflow request by the double. The client: \`syncWorkspace\` through the Azure-limited REST store (at most 4 requests in flight; runs are read one experiment after another, so page requests are sequential), pages of 500 runs, each page committed to the mirror in one transaction. Token and ARM lookup happen before the clock starts. Requests are counted by the double.`,
    '',
    mdTable(
      ['sync', 'wall time', 'MLflow requests', 'of which search-runs', 'requests per experiment', 'runs read', 'new runs'],
      [
        ['initial (empty mirror)', `${(initialMs / 1000).toFixed(2)} s`, initialRequests, initialSearches, (initialRequests / initial.experiments).toFixed(1), initial.runsFetched, initial.newRuns],
        ['incremental, nothing new', `${(incrementalMs / 1000).toFixed(2)} s`, incRequests, incSearches, perExpInc.toFixed(1), incremental.runsFetched, incremental.newRuns],
      ],
    ),
    '',
    `Mirror after the initial sync: ${counts.runs.toLocaleString('en-US')} runs, ${counts.experiments} experiments, ${(size / 1e6).toFixed(1)} MB on disk (with WAL).`,
    `"Requests per experiment" divides every MLflow request of the sync (including the one experiments listing) by the ${experimentsSynced} experiments synced.`,
    '',
    'Offline fallback: a browsing store (deadline 1 s; 3 s by default) with a copy of the synced mirror reads a page of 100 runs right after the workspace starts failing in the way named (the double\'s fault answers come without the added latency): the time until the page is answered from the mirror.',
    '',
    mdTable(['failure', 'time to the offline answer', 'marked offline', 'runs shown'], fallback.map(([label, ms, off, n]) => [label, `${Math.round(ms)} ms`, off ? 'yes' : 'NO', n])),
    '',
    `Targets: initial run-list sync within 10 s: ${(initialMs / 1000).toFixed(2)} s, ${initialMs <= 10_000 ? 'met' : 'not met'}. Incremental sync with nothing new within 2 requests per experiment: ${perExpInc.toFixed(1)}, ${perExpInc <= 2 ? 'met' : 'not met'}.`,
  ].join('\n');
  console.log(md);
  if (!values['no-write']) writeBenchSection('azure-sync', md);
} finally {
  await d.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
