// Ingest rate of the embedded MLflow endpoint: metric points per second through runs/log-batch
// into the SQLite store behind it, over HTTP from separate client processes (as trials are), side
// by side with an anchor measured in the same run: the endpoint of an earlier commit (default: the
// code before the ingest work of issue 12), started from a `git archive` of that commit.
// Each window starts a fresh server process (endpoint + store) and N client processes, each
// posting batches of 1,000 metrics to its own run back to back; only HTTP 200 answers count, and
// afterwards the database file is opened directly (not through the code under test) to check that
// every answered point is stored and latest_metrics holds each key's last step.
//   npx tsx bench/ingest.ts [--clients 1,4] [--seconds S] [--batch B] [--repeat R]
//                           [--anchor REV|none] [--cpu-prof DIR] [--no-write]
import Database from 'better-sqlite3';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { REPO_ROOT, machineLine, mdTable, writeBenchSection } from './benchSupport.ts';

/** The tree before the ingest work of issue 12 (its section 5 asks for ≥ 100,000 points/s). */
const DEFAULT_ANCHOR = '5cae2c6c789b25533d80bd075c519b92ef0d53ef';
const KEYS = 10; // each batch: BATCH/KEYS consecutive steps of 10 metric keys
const WARMUP_MS = 1000;
const TARGET = 100_000;
/** Quoted from issue 12 (not measured here: MLflow is not installable on this machine). */
const MLFLOW_QUOTED = { 1: 8_800, 4: 7_800 } as Record<number, number>;
const ISSUE_QUOTED = { 1: 65_200, 4: 59_600 } as Record<number, number>;

// ---------------------------------------------------------------------------------------------
// Server role: `--role server --src DIR --db FILE --runs N` (forked with tsx by the orchestrator).

interface ServerReady { type: 'ready'; url: string; token: string; runIds: string[] }
interface ServerCpu { type: 'cpu'; cpuMs: number }

async function serve(src: string, dbFile: string, runs: number): Promise<void> {
  const mod = (p: string) => import(pathToFileURL(path.join(src, p)).href);
  const { openTrackingStore } = (await mod('electron/core/tracking/openStore.ts')) as typeof import('../electron/core/tracking/openStore.ts');
  const { startTrackingEndpoint } = (await mod('electron/core/tracking/endpoint/server.ts')) as typeof import('../electron/core/tracking/endpoint/server.ts');
  const store = await openTrackingStore(`sqlite:///${dbFile}`, { create: true });
  const endpoint = await startTrackingEndpoint({ store, onInternalError: (err) => console.error('endpoint internal error:', err) });
  const expId = await store.createExperiment('bench-ingest');
  const runIds: string[] = [];
  for (let c = 0; c < runs; c++) runIds.push((await store.createRun({ experimentId: expId, runName: `client_${c}`, startTime: Date.now() })).info.run_id);
  let cpu0 = process.cpuUsage();
  process.on('message', (m: { type: string }) => {
    if (m.type === 'start') cpu0 = process.cpuUsage();
    else if (m.type === 'stop') {
      const cpu = process.cpuUsage(cpu0);
      process.send!({ type: 'cpu', cpuMs: (cpu.user + cpu.system) / 1000 } satisfies ServerCpu);
      void endpoint.close().then(() => store.close()).then(() => process.exit(0));
    }
  });
  process.send!({ type: 'ready', url: endpoint.url, token: endpoint.token, runIds } satisfies ServerReady);
}

// ---------------------------------------------------------------------------------------------
// Client role: plain JavaScript in its own process (no TypeScript loader), keep-alive HTTP/1.1 as
// MLflow's Python client (a requests Session) does. Builds and serialises each batch itself.

const CLIENT_JS = `
const http = require('node:http');
let cfg;
process.on('message', (m) => {
  if (m.type === 'config') { cfg = m; process.send({ type: 'ready' }); }
  else if (m.type === 'go') run(m.measureFrom, m.end).catch((e) => { process.send({ type: 'error', error: String(e && e.stack || e) }); process.exit(1); });
});
function post(agent, url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url + '/api/2.0/mlflow/runs/log-batch', { method: 'POST', agent, headers: {
      Authorization: 'Bearer ' + cfg.token, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
async function run(measureFrom, end) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const { batch, keys } = cfg;
  let step = 0, acked = 0, batches = 0, sent = 0;
  const lat = [];
  const cpu0 = process.cpuUsage();
  while (Date.now() < end) {
    const metrics = [];
    const ts = Date.now();
    for (let i = 0; i < batch / keys; i++, step++) for (let k = 0; k < keys; k++) metrics.push({ key: 'm' + k, value: Math.sin(step + k), timestamp: ts, step });
    const t0 = performance.now();
    const res = await post(agent, cfg.url, JSON.stringify({ run_id: cfg.runId, metrics }));
    if (res.status !== 200) throw new Error('log-batch answered ' + res.status + ': ' + res.text);
    sent += metrics.length;
    if (Date.now() > measureFrom) { acked += metrics.length; batches++; lat.push(performance.now() - t0); }
  }
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  process.send({ type: 'done', acked, batches, lat, sent, lastStep: step - 1, cpuMs: (cpu.user + cpu.system) / 1000 }, () => process.exit(0));
}
`;

interface ClientDone { type: 'done'; acked: number; batches: number; lat: number[]; sent: number; lastStep: number; cpuMs: number }

// ---------------------------------------------------------------------------------------------
// Orchestrator.

interface Variant { name: string; label: string; src: string }
interface Window {
  variant: string; clients: number; load: number; rate: number; batchesPerS: number;
  p50: number; p95: number; stored: number; serverCpuPer1000: number; clientCpuPer1000: number;
}

function nextMessage<T>(child: ChildProcess, type: string, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; error?: string }) => {
      if (m.type === 'error') return done(() => reject(new Error(`${what}: ${m.error}`)));
      if (m.type === type) done(() => resolve(m as T));
    };
    const onExit = (code: number | null) => done(() => reject(new Error(`${what} exited (code ${code}) before sending '${type}'`)));
    const done = (f: () => void) => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      f();
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** The tree of `rev` extracted to a temporary folder, sharing this checkout's node_modules. */
function extractTree(rev: string, into: string): string {
  const dir = path.join(into, `src-${rev.slice(0, 12)}`);
  mkdirSync(dir, { recursive: true });
  const tar = execFileSync('git', ['-C', REPO_ROOT, 'archive', '--format=tar', rev, 'electron', 'shared', 'tsconfig.json', 'package.json'], { maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  symlinkSync(realpathSync(path.join(REPO_ROOT, 'node_modules')), path.join(dir, 'node_modules'));
  return dir;
}

async function measure(variant: Variant, clients: number, opts: { seconds: number; batch: number; tmp: string; cpuProf: string | undefined; clientFile: string }): Promise<Window> {
  const dir = mkdtempSync(path.join(opts.tmp, 'store-'));
  const dbFile = path.join(dir, 'mlflow.db');
  const execArgv = ['--import', 'tsx'];
  if (opts.cpuProf) execArgv.push('--cpu-prof', `--cpu-prof-dir=${path.join(opts.cpuProf, `${variant.name}-${clients}c-${Date.now()}`)}`);
  const server = fork(process.argv[1]!, ['--role', 'server', '--src', variant.src, '--db', dbFile, '--runs', String(clients)], { execArgv, cwd: variant.src, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await nextMessage<ServerReady>(server, 'ready', `${variant.name} server`);
  const procs = ready.runIds.map(() => fork(opts.clientFile, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  await Promise.all(procs.map((p, i) => {
    const r = nextMessage(p, 'ready', `client ${i}`);
    p.send({ type: 'config', url: ready.url, token: ready.token, runId: ready.runIds[i], batch: opts.batch, keys: KEYS });
    return r;
  }));
  const load = os.loadavg()[0]!;
  const measureFrom = Date.now() + WARMUP_MS;
  const end = measureFrom + opts.seconds * 1000;
  const results = procs.map((p, i) => nextMessage<ClientDone>(p, 'done', `client ${i}`));
  server.send({ type: 'start' });
  for (const p of procs) p.send({ type: 'go', measureFrom, end });
  const done = await Promise.all(results);
  await Promise.all(procs.map(exited));
  const cpu = nextMessage<ServerCpu>(server, 'cpu', `${variant.name} server`);
  server.send({ type: 'stop' });
  const serverCpuMs = (await cpu).cpuMs;
  await exited(server);

  // Checked on the file itself, after the server is gone: every answered point is there.
  const db = new Database(dbFile, { readonly: true });
  let stored = 0;
  try {
    for (const [i, runId] of ready.runIds.entries()) {
      const n = (db.prepare('SELECT count(*) AS n FROM metrics WHERE run_uuid = ?').get(runId) as { n: number }).n;
      if (n !== done[i]!.sent) throw new Error(`${variant.name}: run ${runId} holds ${n} points but ${done[i]!.sent} were answered`);
      const latest = db.prepare('SELECT "key" AS key, step FROM latest_metrics WHERE run_uuid = ?').all(runId) as { key: string; step: number }[];
      if (latest.length !== KEYS || latest.some((l) => l.step !== done[i]!.lastStep)) {
        throw new Error(`${variant.name}: latest_metrics of run ${runId} is ${JSON.stringify(latest)}, expected step ${done[i]!.lastStep} for each of ${KEYS} keys`);
      }
      stored += n;
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const sent = done.reduce((a, r) => a + r.sent, 0);
  const lat = done.flatMap((r) => r.lat).sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return {
    variant: variant.name,
    clients,
    load,
    rate: done.reduce((a, r) => a + r.acked, 0) / opts.seconds,
    batchesPerS: done.reduce((a, r) => a + r.batches, 0) / opts.seconds,
    p50: q(0.5),
    p95: q(0.95),
    stored,
    serverCpuPer1000: serverCpuMs / (sent / 1000),
    clientCpuPer1000: done.reduce((a, r) => a + r.cpuMs, 0) / (sent / 1000),
  };
}

// ---------------------------------------------------------------------------------------------
// --cpu-prof: where the server's sampled time went, by the job of the frames on each sample's stack.

interface CallFrame { functionName: string; url: string }
interface CpuProfile { nodes: { id: number; callFrame: CallFrame; children?: number[] }[]; samples: number[]; timeDeltas: number[] }

const PROFILE_JOBS: [string, (stack: CallFrame[]) => boolean][] = [
  ['idle', (s) => s[0]!.functionName === '(idle)'],
  ['GC', (s) => s[0]!.functionName === '(garbage collector)'],
  ['start-up (module loading)', (s) => s.some((f) => /^node:internal\/modules\/|\/tsx\/dist\//.test(f.url))],
  ['SQLite BEGIN/COMMIT (WAL writes, checkpoints)', (s) => /better-sqlite3\/lib\/methods\/transaction\.js$/.test(s[0]!.url)],
  ['SQLite metric INSERTs', (s) => /sqliteStore\/(metricWriter|sqliteStore)\.ts$/.test(s[0]!.url) && s.some((f) => /metricWriter\.ts$/.test(f.url) || f.functionName === 'writeBatch')],
  ['other store work', (s) => /tracking\/(sqliteStore\/|mlflowLimits)|better-sqlite3/.test(s[0]!.url)],
  ['JSON parse + int64 scan', (s) => s.some((f) => f.functionName === 'parseJsonLenient' || f.functionName === 'quoteUnsafeIntegers') || s[0]!.functionName.startsWith('RegExp')],
  ['request validation (zod, parseMetrics)', (s) => s.some((f) => /zod|endpoint\/schemas\.ts$/.test(f.url))],
  ['HTTP (parser, sockets, response)', (s) => s.some((f) => f.url.startsWith('node:') || /endpoint\/server\.ts$/.test(f.url))],
];

/** Milliseconds of samples per job in a V8 .cpuprofile (wall-clock samples of the main thread). */
function profileJobs(file: string): Map<string, number> {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const out = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const stack: CallFrame[] = [];
    for (let c: number | undefined = id; c !== undefined; c = parent.get(c)) stack.push(byId.get(c)!.callFrame);
    const job = PROFILE_JOBS.find(([, test]) => test(stack))?.[0] ?? 'other';
    out.set(job, (out.get(job) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  return out;
}

function printProfiles(dir: string): void {
  for (const run of readdirSync(dir)) {
    // The main thread's profile is thread 0 (tsx's loader thread writes another one).
    const main = readdirSync(path.join(dir, run)).find((f) => /\.0\.\d+\.cpuprofile$/.test(f));
    if (!main) continue;
    const jobs = profileJobs(path.join(dir, run, main));
    const busy = [...jobs].filter(([k]) => k !== 'idle' && !k.startsWith('start-up')).reduce((a, [, v]) => a + v, 0);
    console.log(`\nserver profile ${run}/${main} (share of busy samples, idle and start-up excluded):`);
    for (const [job, ms] of [...jobs].sort((a, b) => b[1] - a[1])) {
      const share = job === 'idle' || job.startsWith('start-up') ? '' : `${((100 * ms) / busy).toFixed(1)}%`;
      console.log(`  ${Math.round(ms).toString().padStart(6)} ms ${share.padStart(6)}  ${job}`);
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function orchestrate(values: Record<string, string | boolean | undefined>): Promise<void> {
  const clientCounts = String(values.clients).split(',').map(Number);
  const seconds = Number(values.seconds);
  const batch = Number(values.batch);
  const repeat = Number(values.repeat);
  for (const [name, v] of [['seconds', seconds], ['batch', batch], ['repeat', repeat], ...clientCounts.map((c) => ['clients', c] as const)] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer (got '${String(values[name])}')`);
  }
  if (batch > 1000 || batch % KEYS !== 0) throw new Error(`--batch must be a multiple of ${KEYS} up to 1000 (MLflow's log-batch limit), got ${batch}`);
  const anchorRev = String(values.anchor);
  const cpuProf = typeof values['cpu-prof'] === 'string' ? path.resolve(values['cpu-prof']) : undefined;

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-bench-ingest-'));
  try {
    const clientFile = path.join(tmp, 'client.cjs');
    writeFileSync(clientFile, CLIENT_JS);
    const head = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--', 'electron'], { encoding: 'utf8' }).trim() !== '';
    const variants: Variant[] = [];
    if (anchorRev !== 'none') {
      const full = execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', '--verify', `${anchorRev}^{commit}`], { encoding: 'utf8' }).trim();
      variants.push({ name: 'anchor', label: `anchor: endpoint at ${full.slice(0, 12)}`, src: extractTree(full, tmp) });
    }
    variants.push({ name: 'current', label: `this tree (${head}${dirty ? ' + uncommitted changes' : ''})`, src: REPO_ROOT });

    // Interleaved (anchor, current, anchor, current, ...) so both see the same machine load.
    const windows: Window[] = [];
    for (let r = 0; r < repeat; r++) {
      for (const clients of clientCounts) {
        for (const v of variants) {
          const w = await measure(v, clients, { seconds, batch, tmp, cpuProf, clientFile });
          windows.push(w);
          console.log(`round ${r + 1} ${v.name} ${clients} client(s): ${fmt(w.rate)} points/s, server CPU ${w.serverCpuPer1000.toFixed(2)} ms per 1,000 points (load ${w.load.toFixed(2)})`);
        }
      }
    }

    const cores = os.cpus().length;
    const loads = windows.map((w) => w.load);
    const summary = clientCounts.flatMap((clients) => variants.map((v) => {
      const ws = windows.filter((w) => w.variant === v.name && w.clients === clients);
      return { v, clients, rate: median(ws.map((w) => w.rate)), serverCpu: median(ws.map((w) => w.serverCpuPer1000)), clientCpu: median(ws.map((w) => w.clientCpuPer1000)), p50: median(ws.map((w) => w.p50)), p95: median(ws.map((w) => w.p95)) };
    }));
    const current4 = summary.find((s) => s.v.name === 'current' && s.clients === 4);
    const anchor4 = summary.find((s) => s.v.name === 'anchor' && s.clients === 4);
    const md = [
      '## Ingest: metric points per second through `runs/log-batch` (`bench/ingest.ts`)',
      '',
      machineLine(),
      '',
      `Commit: ${head}${dirty ? ' (with uncommitted changes under electron/)' : ''}. Load average (1 min) at the start of the windows: ${Math.min(...loads).toFixed(2)} to ${Math.max(...loads).toFixed(2)} (median ${median(loads).toFixed(2)}) on ${cores} cores.`,
      '',
      `Each window starts a fresh server process (the embedded endpoint on 127.0.0.1 with a new SQLite store behind it: MLflow schema, WAL, synchronous=NORMAL; every batch committed before it is answered, batches that arrive together sharing one transaction since group commit) and N client processes (plain Node, keep-alive HTTP/1.1), each posting batches of ${batch} metrics (${KEYS} keys × ${batch / KEYS} steps, built and serialised per batch) to its own run back to back; measured for ${seconds} s after a ${WARMUP_MS / 1000} s warm-up. Only HTTP 200 answers count. After the server exits, the database file is opened directly: every answered point is stored and latest_metrics holds each key's last step. The anchor is the endpoint of an earlier commit, run from a \`git archive\` of it in the same run, windows interleaved with ours. "Server CPU" is user+system time of the server process per 1,000 points: a load-independent measure of its work. ${repeat} windows per row; medians.`,
      '',
      mdTable(['endpoint', 'clients', 'points/s (median)', 'server CPU per 1,000 points', 'client CPU per 1,000 points', 'batch latency p50', 'p95'], summary.map((s) => [
        s.v.label, s.clients, fmt(s.rate), `${s.serverCpu.toFixed(2)} ms`, `${s.clientCpu.toFixed(2)} ms`, `${s.p50.toFixed(1)} ms`, `${s.p95.toFixed(1)} ms`,
      ])),
      '',
      `Quoted from issue 12, not measured in this run (MLflow cannot be installed on this machine: no PyPI): a real MLflow 2.22 server ${clientCounts.map((c) => MLFLOW_QUOTED[c] ? `${fmt(MLFLOW_QUOTED[c])} points/s with ${c} client${c > 1 ? 's' : ''}` : '').filter(Boolean).join(', ')}; the embedded endpoint as measured for the issue ${clientCounts.map((c) => ISSUE_QUOTED[c] ? `${fmt(ISSUE_QUOTED[c])} with ${c}` : '').filter(Boolean).join(', ')} (by whoever filed it, with clients this repository does not hold).`,
      '',
      median(loads) > cores ? `The machine was shared with other work (load average above its ${cores} cores): points/s are what the endpoints got of a contended machine and move with the load from window to window; server CPU per 1,000 points is the figure that compares across runs.` : '',
      '',
      current4 ? `Target ≥ ${fmt(TARGET)} points/s from 4 client processes: ${current4.rate >= TARGET ? 'met' : 'not met'} (median ${fmt(current4.rate)}). For scale, not a measurement: at ${current4.serverCpu.toFixed(2)} ms of server CPU per 1,000 points, a server process with a core of its own would be CPU-bound at about ${fmt(1_000_000 / current4.serverCpu)} points/s${anchor4 ? ` (the anchor's ${fmt(1_000_000 / anchor4.serverCpu)})` : ''}; the clients need ${current4.clientCpu.toFixed(2)} ms per 1,000 points besides.` : '',
      '',
      '<details><summary>Every window</summary>',
      '',
      mdTable(['endpoint', 'clients', 'load avg (1 min)', 'points/s', 'batches/s', 'p50', 'p95', 'rows stored', 'server CPU per 1,000 points', 'client CPU per 1,000 points'], windows.map((w) => [
        w.variant, w.clients, w.load.toFixed(2), fmt(w.rate), w.batchesPerS.toFixed(1), `${w.p50.toFixed(1)} ms`, `${w.p95.toFixed(1)} ms`, fmt(w.stored), `${w.serverCpuPer1000.toFixed(2)} ms`, `${w.clientCpuPer1000.toFixed(2)} ms`,
      ])),
      '',
      '</details>',
    ].filter((l, i, all) => l !== '' || all[i - 1] !== '').join('\n');
    console.log(md);
    if (cpuProf) printProfiles(cpuProf);
    if (!values['no-write'] && !cpuProf) writeBenchSection('ingest', md);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'orchestrator' },
    src: { type: 'string' },
    db: { type: 'string' },
    runs: { type: 'string' },
    clients: { type: 'string', default: '1,4' },
    seconds: { type: 'string', default: '6' },
    repeat: { type: 'string', default: '3' },
    batch: { type: 'string', default: '1000' },
    anchor: { type: 'string', default: DEFAULT_ANCHOR },
    // Diagnosis: write a V8 CPU profile of every server process into this folder and print where its
    // time went (BENCHMARKS.md untouched).
    'cpu-prof': { type: 'string' },
    'no-write': { type: 'boolean', default: false },
  },
});
if (values.role === 'server') await serve(values.src!, values.db!, Number(values.runs));
else await orchestrate(values);
