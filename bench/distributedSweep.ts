// Distributed sweep throughput on one PostgreSQL study: 8 `sweepdeck sweep worker` processes (TPE,
// a free objective: the trial command is `/bin/echo loss={x}`) against 8 Python Optuna workers (TPE,
// RDBStorage, an in-process objective) on the same server, one after the other in the same run.
// Reported: trials per second over the whole run, and the fleet's cost per trial (ms between trial
// completions, over a 100-trial window) around trial 100 and at the end.
//
// usage: npx tsx bench/distributedSweep.ts [--trials 2000] [--workers 8] [--no-write]
//        (SWEEPDECK_TEST_PG_URL: an existing server instead of a throw-away cluster)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { openPostgresStudyStorage } from '../electron/core/studies/optunaPostgresStorage.ts';
import { startPostgres } from '../test/support/postgresPeer.ts';
import { machineLine, mdTable, REPO_ROOT, writeBenchSection } from './benchSupport.ts';

const { values: args } = parseArgs({ options: { trials: { type: 'string', default: '2000' }, workers: { type: 'string', default: '8' }, 'no-write': { type: 'boolean', default: false } } });
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

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, argv, { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
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
  let t = performance.now();
  await Promise.all(Array.from({ length: W }, (_, i) => run(process.execPath, [cli, 'sweep', 'worker', config, '--no-tracking', '--output-dir', path.join(dir, `w${i}`)], env)));
  const oursRow = row(`Sweepdeck (${W} sweep worker processes)`, await completions(ours), performance.now() - t);
  console.log(oursRow);

  const theirs = pg.createDatabase('bench_py');
  await run('/usr/bin/python3', ['-c', 'import sys, optuna; optuna.create_study(study_name="bench", storage=sys.argv[1])', theirs]);
  t = performance.now();
  await Promise.all(Array.from({ length: W }, () => run('/usr/bin/python3', ['-c', PY, theirs, String(N)])));
  const pyRow = row(`Python Optuna 3.1 (${W} processes, RDBStorage)`, await completions(theirs), performance.now() - t);
  console.log(pyRow);
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
    `Throughput ratio (ours / Optuna): ${(oursRow.perSecond / pyRow.perSecond).toFixed(2)}×. Load average (1 min) at start ${load0.toFixed(1)}, at end ${load1.toFixed(1)}.`,
    '',
    `Against the targets: throughput ${(oursRow.perSecond / pyRow.perSecond).toFixed(2)}× Optuna's (at least 10× asked: ${oursRow.perSecond >= 10 * pyRow.perSecond ? 'met' : 'NOT met'}); cost per trial at the end ${(oursRow.atEnd / oursRow.at100).toFixed(2)}× that at trial 100 (within 1.5× asked: ${oursRow.atEnd <= 1.5 * oursRow.at100 ? 'met' : 'NOT met'}).`,
    '',
    machineLine(),
  ].join('\n');
  console.log(md);
  if (!args['no-write']) writeBenchSection('distributed-sweep', md);
} finally {
  pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
