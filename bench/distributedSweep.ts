// Distributed sweep throughput on one PostgreSQL study: 8 `sweepdeck sweep worker` processes (TPE,
// a free objective: the trial command is `/bin/echo loss={x}`) against 8 Python Optuna workers (TPE,
// RDBStorage, an in-process objective) on the same server, one after the other in the same run.
// Reported: trials per second over the whole run, and the fleet's cost per trial (ms between trial
// completions, over a 100-trial window) around trial 100 and at the end.
//
// Also reported: the machine's CPU per trial by process kind (workers, their trial helpers, the
// trial processes, the PostgreSQL server), from /proc.
//
// usage: npx tsx bench/distributedSweep.ts [--trials 2000] [--workers 8] [--no-write]
//        [--ours-only] (for working on ours: no Optuna run, nothing written)
//        [--cpu-prof DIR] (worker 0 runs under node --cpu-prof, its profile in DIR)
//        [--perf-map] (the workers run under node --perf-basic-prof, for `perf record -g` on them)
//        (SWEEPDECK_TEST_PG_URL: an existing server instead of a throw-away cluster)
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { openPostgresStudyStorage } from '../electron/core/studies/optunaPostgresStorage.ts';
import { startPostgres } from '../test/support/postgresPeer.ts';
import { procTimes, TreeSampler, treeMs } from './procCpu.ts';
import { machineLine, mdTable, REPO_ROOT, writeBenchSection } from './benchSupport.ts';

const { values: args } = parseArgs({ options: { trials: { type: 'string', default: '2000' }, workers: { type: 'string', default: '8' }, 'no-write': { type: 'boolean', default: false }, 'ours-only': { type: 'boolean', default: false }, 'cpu-prof': { type: 'string' }, 'perf-map': { type: 'boolean', default: false } } });
const N = Number(args.trials);
const W = Number(args.workers);

const PY = `
import sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
url, n = sys.argv[1], int(sys.argv[2])
study = optuna.load_study(study_name="bench", storage=url, sampler=optuna.samplers.TPESampler())
def objective(t):
    x = t.suggest_float("x", -10, 10)
    y = t.suggest_float("y", -10, 10)
    return (x - 2) ** 2 + (y + 1) ** 2
study.optimize(objective, callbacks=[optuna.study.MaxTrialsCallback(n, states=None)])
`;

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env, started?: (pid: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, argv, { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    if (c.pid !== undefined) started?.(c.pid);
    let err = '';
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.slice(-2000)}`))));
  });
}

/** Completion times (ms since the first trial started) of the study's COMPLETE trials, in order. */
async function completions(url: string): Promise<number[]> {
  const s = await openPostgresStudyStorage(url, { readonly: true, poolSize: 1 });
  try {
    const study = await s.loadStudy('bench');
    const trials = (await s.getTrials(study.studyId)).filter((t) => t.state === 'COMPLETE' && t.datetimeComplete && t.datetimeStart);
    const t0 = Math.min(...trials.map((t) => t.datetimeStart!.getTime()));
    return trials.map((t) => t.datetimeComplete!.getTime() - t0).sort((a, b) => a - b);
  } finally {
    await s.close();
  }
}

interface Row {
  engine: string;
  trials: number;
  seconds: number;
  perSecond: number;
  at100: number;
  atEnd: number;
}

/** ms between completions over [k-50, k+50) (the fleet's cost per trial around trial k). */
function costAt(times: number[], k: number): number {
  const a = Math.max(0, Math.min(times.length - 101, k - 50));
  return (times[a + 100]! - times[a]!) / 100;
}

function row(engine: string, times: number[], wallMs: number): Row {
  return { engine, trials: times.length, seconds: wallMs / 1000, perSecond: times.length / (wallMs / 1000), at100: costAt(times, 100), atEnd: costAt(times, times.length - 50) };
}

/** The throw-away cluster's postmaster (the postgres process listening on the port), or null. */
function postmasterOf(port: number): number | null {
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const p = argv.indexOf('-p');
      if (procTimes(Number(pid))?.comm === 'postgres' && p >= 0 && argv[p + 1] === String(port)) return Number(pid);
    } catch {
      // gone while we looked
    }
  }
  return null;
}

/** Machine CPU of one phase, by process kind, in ms per trial. */
interface CpuSplit {
  kinds: Array<[string, number]>;
  total: number;
}

/** CPU of this process's children (reaped) and of the server, from now until the returned
 * function is called (after the phase's processes have exited). */
function cpuPhase(postmaster: number | null): () => { clients: number; server: number | null } {
  const self0 = procTimes(process.pid)?.childrenMs ?? 0;
  const pg0 = postmaster === null ? null : treeMs(postmaster);
  return () => ({ clients: (procTimes(process.pid)?.childrenMs ?? 0) - self0, server: pg0 === null ? null : treeMs(postmaster!) - pg0 });
}

function splitLine(name: string, s: CpuSplit): string {
  return `${name}: ${s.total.toFixed(1)} ms of machine CPU per trial (${s.kinds.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}).`;
}

const load0 = os.loadavg()[0]!;
const pg = await startPostgres();
const dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-bench-dist-'));
try {
  // Ours: the study is made by `sweep worker` itself (the first one creates it).
  const ours = pg.createDatabase('bench_sd');
  const config = path.join(dir, 'hpo.yaml');
  writeFileSync(
    config,
    stringify({
      experiment_name: 'bench',
      backbone: 'bench',
      study_name: 'bench',
      search_space: { x: { type: 'uniform', min: -10, max: 10 }, y: { type: 'uniform', min: -10, max: 10 } },
      sampling: { algorithm: 'tpe', max_trials: N, max_concurrent_trials: 1 },
      objective: { metric: 'loss', goal: 'minimize' },
      trial: { command: ['/bin/echo', 'loss={x}'] },
      storage: ours,
    }),
  );
  const cli = path.join(REPO_ROOT, 'bin/sweepdeck.js');
  const env = { ...process.env, SWEEPDECK_DATA_DIR: path.join(dir, 'data') };
  const postmaster = postmasterOf(pg.port);
  const workers: number[] = [];
  // The workers' own CPU and their trial helpers' are told apart by sampling (the trial helper is
  // the worker's node child; the trial processes are the helper's children).
  const sampler = new TreeSampler(() => workers, (c) => (c.comm === 'node' ? 'trial helpers' : 'other children'));
  let endPhase = cpuPhase(postmaster);
  sampler.start();
  let t = performance.now();
  await Promise.all(Array.from({ length: W }, (_, i) => run(process.execPath, [...(args['perf-map'] ? ['--perf-basic-prof'] : []), ...(i === 0 && args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(args['cpu-prof'])] : []), cli, 'sweep', 'worker', config, '--no-tracking', '--output-dir', path.join(dir, `w${i}`)], env, (pid) => workers.push(pid))));
  const oursWall = performance.now() - t;
  sampler.stop();
  const oursCpu = endPhase();
  const oursTimes = await completions(ours);
  const oursRow = row(`Sweepdeck (${W} sweep worker processes)`, oursTimes, oursWall);
  console.log(oursRow);
  const k = sampler.totals();
  const per = (ms: number): number => ms / oursTimes.length;
  const workerOwn = k.get('root')?.ownMs ?? 0;
  const helperOwn = k.get('trial helpers')?.ownMs ?? 0;
  const trialProcs = k.get('trial helpers')?.childrenMs ?? 0;
  const otherChildren = (k.get('other children')?.ownMs ?? 0) + (k.get('other children')?.childrenMs ?? 0);
  const oursSplit: CpuSplit = {
    kinds: [
      ['worker processes', per(workerOwn)],
      ['of which kernel', per(k.get('root')?.sysMs ?? 0)],
      ['trial helpers', per(helperOwn)],
      ['of which kernel', per(k.get('trial helpers')?.sysMs ?? 0)],
      ['trial processes', per(trialProcs)],
      ...(otherChildren > 0 ? [['other children', per(otherChildren)] as [string, number]] : []),
      // What the samples missed (the processes' last moments), when the reaped total tells (a helper
      // that outlives its worker is not reaped into this tree).
      ['not sampled (exits)', per(Math.max(0, oursCpu.clients - workerOwn - helperOwn - trialProcs - otherChildren))],
      ['PostgreSQL', oursCpu.server === null ? NaN : per(oursCpu.server)],
    ],
    total: per(Math.max(oursCpu.clients, workerOwn + helperOwn + trialProcs + otherChildren) + (oursCpu.server ?? NaN)),
  };
  console.log(splitLine('Sweepdeck', oursSplit));
  if (!args['ours-only']) {
    const theirs = pg.createDatabase('bench_py');
    await run('/usr/bin/python3', ['-c', 'import sys, optuna; optuna.create_study(study_name="bench", storage=sys.argv[1])', theirs]);
    endPhase = cpuPhase(postmaster);
    t = performance.now();
    await Promise.all(Array.from({ length: W }, () => run('/usr/bin/python3', ['-c', PY, theirs, String(N)])));
    const pyWall = performance.now() - t;
    const pyCpu = endPhase();
    const pyTimes = await completions(theirs);
    const pyRow = row(`Python Optuna 3.1 (${W} processes, RDBStorage)`, pyTimes, pyWall);
    console.log(pyRow);
    const pySplit: CpuSplit = {
      kinds: [
        ['Python processes', pyCpu.clients / pyTimes.length],
        ['PostgreSQL', pyCpu.server === null ? NaN : pyCpu.server / pyTimes.length],
      ],
      total: (pyCpu.clients + (pyCpu.server ?? NaN)) / pyTimes.length,
    };
    console.log(splitLine('Python Optuna', pySplit));
    const load1 = os.loadavg()[0]!;

    const md = [
      '## Distributed sweep on PostgreSQL',
      '',
      `\`npx tsx bench/distributedSweep.ts --trials ${N} --workers ${W}\`: one PostgreSQL 15 study (a throw-away cluster on loopback), TPE, a free objective. Ours: ${W} \`sweepdeck sweep worker\` processes, one slot each, each trial the command \`/bin/echo loss={x}\` (a process per trial). Optuna: ${W} Python processes running \`study.optimize\` with \`TPESampler()\` on RDBStorage and an in-process objective (no process per trial), the same number of trials, on the same server, after ours. Cost per trial: ms between trial completions over the 100 trials around trial 100 and over the last 100.`,
      '',
      mdTable(
        ['engine', 'trials', 'wall s', 'trials/s', 'ms/trial at 100', `ms/trial at ${N}`, 'at end / at 100'],
        [oursRow, pyRow].map((r) => [r.engine, String(r.trials), r.seconds.toFixed(1), r.perSecond.toFixed(1), r.at100.toFixed(1), r.atEnd.toFixed(1), (r.atEnd / r.at100).toFixed(2)]),
      ),
      '',
      `Machine CPU per trial, by process kind (/proc utime+stime; the server's: its whole process tree${postmaster === null ? ', not found here' : ''}): ${splitLine('Sweepdeck', oursSplit)} ${splitLine('Python Optuna', pySplit)}`,
      '',
      `Throughput ratio (ours / Optuna): ${(oursRow.perSecond / pyRow.perSecond).toFixed(2)}×. Load average (1 min) at start ${load0.toFixed(1)}, at end ${load1.toFixed(1)}.`,
      '',
      `Against the targets: throughput ${(oursRow.perSecond / pyRow.perSecond).toFixed(2)}× Optuna's (at least 10× asked: ${oursRow.perSecond >= 10 * pyRow.perSecond ? 'met' : 'NOT met'}); cost per trial at the end ${(oursRow.atEnd / oursRow.at100).toFixed(2)}× that at trial 100 (within 1.5× asked: ${oursRow.atEnd <= 1.5 * oursRow.at100 ? 'met' : 'NOT met'}).`,
      '',
      machineLine(),
    ].join('\n');
    console.log(md);
    if (!args['no-write']) writeBenchSection('distributed-sweep', md);
  }
} finally {
  pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
