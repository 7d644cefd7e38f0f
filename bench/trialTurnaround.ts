// Per-trial turnaround: what the runner adds between trials when the trial itself costs nothing.
// (wall of a 300-trial sweep − wall of a 20-trial sweep) / 280, so start-up and shut-down cancel
// out; tracking off; the trial program is /bin/echo printing the objective (it exits at once).
// Side by side in the same run, interleaved round by round:
// - the floor: a small Node script spawning the same program the same way (argv, pipes, own process
//   group), one after another, with the same formula;
// - ours: `sweepdeck sweep run` (node bin/sweepdeck.js, as a user runs it), random sampler and TPE;
// - Python Optuna 3.1: study.optimize with its TPE (or random) sampler on sqlite:/// storage, the
//   objective running the same program through subprocess and parsing its line.
//
// Each round measures every subject once, one after another, so "over the floor" is taken round by
// round against the floor measured a few seconds before (a shared machine's load drifts between
// rounds); the table gives the median of those per-round differences and the worst round.
//
// usage: npx tsx bench/trialTurnaround.ts [--rounds 7] [--trials 300] [--base 20] [--no-optuna] [--no-write]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { machineLine, mdTable, REPO_ROOT, schedulingNote, writeBenchSection } from './benchSupport.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    trials: { type: 'string', default: '300' },
    base: { type: 'string', default: '20' },
    'no-optuna': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const ROUNDS = Number(values.rounds);
const N = Number(values.trials);
const BASE = Number(values.base);
for (const [name, v] of [['rounds', ROUNDS], ['trials', N], ['base', BASE]] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer (got '${String(values[name])}')`);
}
if (BASE >= N) throw new Error(`--base (${BASE}) must be below --trials (${N})`);

const PROGRAM = '/bin/echo';
const PYTHON = '/usr/bin/python3';
const load0 = os.loadavg()[0]!;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-bench-turnaround-'));

const FLOOR = `
const { spawn } = require('node:child_process');
const n = Number(process.argv[1]);
let i = 0;
const one = () => {
  const child = spawn(${JSON.stringify(PROGRAM)}, ['score=' + Math.random()], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { PATH: process.env.PATH } });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => (out += d));
  child.stderr.resume();
  child.on('close', () => {
    if (!out.startsWith('score=')) throw new Error('unexpected output ' + out);
    if (++i < n) one();
  });
};
one();
`;

const OPTUNA = `
import subprocess, sys, time
import optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
n, sampler_name, db = int(sys.argv[1]), sys.argv[2], sys.argv[3]
sampler = optuna.samplers.TPESampler(seed=1) if sampler_name == 'tpe' else optuna.samplers.RandomSampler(seed=1)
study = optuna.create_study(storage='sqlite:///' + db, study_name='bench', direction='maximize', sampler=sampler)
def objective(trial):
    x = trial.suggest_float('x', 0.0, 1.0)
    out = subprocess.run([${JSON.stringify(PROGRAM)}, 'score=%r' % x], capture_output=True, text=True, check=True).stdout
    return float(out.strip().split('=')[1])
study.optimize(objective, n_trials=n)
`;

function config(sampler: 'random' | 'tpe', trials: number): string {
  return `experiment_name: turnaround
backbone: b
study_name: turnaround
search_space:
  x: {type: uniform, min: 0.0, max: 1.0}
sampling: {algorithm: ${sampler}, max_trials: ${trials}, max_concurrent_trials: 1, seed: 1}
objective: {metric: score, goal: maximize}
trial:
  command: ["${PROGRAM}", "score={x}"]
checkpoint: {enabled: true, storage_path: "{backbone}/study.db", auto_resume: false}
`;
}

let runId = 0;
/** Wall ms of one complete run of a command. */
function wall(cmd: string, args: string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const t = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 600)}`);
  return t;
}

function ours(sampler: 'random' | 'tpe', trials: number): number {
  const dir = path.join(tmp, `ours-${runId++}`);
  const cfg = `${dir}.yaml`;
  writeFileSync(cfg, config(sampler, trials));
  try {
    return wall(process.execPath, [path.join(REPO_ROOT, 'bin', 'sweepdeck.js'), 'sweep', 'run', cfg, '--no-tracking', '--output-dir', dir], tmp);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function floor(trials: number): number {
  return wall(process.execPath, ['-e', FLOOR, String(trials)], tmp);
}

function optuna(sampler: 'random' | 'tpe', trials: number): number {
  const db = path.join(tmp, `optuna-${runId++}.db`);
  try {
    return wall(PYTHON, ['-c', OPTUNA, String(trials), sampler, db], tmp);
  } finally {
    rmSync(db, { force: true });
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface Subject {
  label: string;
  run: (trials: number) => number;
}
const hasOptuna = !values['no-optuna'] && spawnSync(PYTHON, ['-c', 'import optuna'], { stdio: 'ignore' }).status === 0;
const subjects: Subject[] = [
  { label: 'floor: a small Node script spawning the trial program', run: floor },
  { label: 'sweepdeck, random sampler', run: (n: number) => ours('random', n) },
  { label: 'sweepdeck, TPE', run: (n: number) => ours('tpe', n) },
  ...(hasOptuna
    ? [
        { label: 'Optuna 3.1, random sampler, in-process + SQLite', run: (n: number) => optuna('random', n) },
        { label: 'Optuna 3.1, TPE, in-process + SQLite', run: (n: number) => optuna('tpe', n) },
      ]
    : []),
].filter((s) => !values.only || s.label.includes(values.only));

// Per round: each subject's short and long sweep, one after the other, subjects in turn.
const perTrial: number[][] = subjects.map(() => []);
const walls: Array<{ short: number[]; long: number[] }> = subjects.map(() => ({ short: [], long: [] }));
for (let r = 0; r < ROUNDS; r++) {
  subjects.forEach((s, i) => {
    const short = s.run(BASE);
    const long = s.run(N);
    walls[i]!.short.push(short);
    walls[i]!.long.push(long);
    perTrial[i]!.push((long - short) / (N - BASE));
    console.error(`round ${r + 1}/${ROUNDS} ${s.label}: ${((long - short) / (N - BASE)).toFixed(2)} ms/trial (${BASE}: ${short.toFixed(0)} ms, ${N}: ${long.toFixed(0)} ms)`);
  });
}
const load1 = os.loadavg()[0]!;
rmSync(tmp, { recursive: true, force: true });

/** Per round: a subject's ms per trial minus the floor's in the same round. */
const overFloor = (i: number): number[] => perTrial[i]!.map((ms, r) => ms - perTrial[0]![r]!);
const rows = subjects.map((s, i) => {
  const m = median(perTrial[i]!);
  const over = overFloor(i);
  return [
    s.label,
    m.toFixed(2),
    `${Math.min(...perTrial[i]!).toFixed(2)}–${Math.max(...perTrial[i]!).toFixed(2)}`,
    i === 0 ? '–' : `+${median(over).toFixed(2)}`,
    i === 0 ? '–' : `+${Math.max(...over).toFixed(2)}`,
    median(walls[i]!.short).toFixed(0),
    median(walls[i]!.long).toFixed(0),
  ];
});
const verdicts = subjects
  .map((s, i) => ({ s, i }))
  .filter(({ s }) => s.label.startsWith('sweepdeck'))
  .map(({ s, i }) => {
    const over = overFloor(i);
    const met = over.filter((x) => x <= 4).length;
    return `${s.label}: ${median(perTrial[i]!).toFixed(2)} ms per trial, ${median(over).toFixed(2)} ms over the floor (median of rounds), worst round ${Math.max(...over).toFixed(2)} ms (target ≤ 4 ms over, every round) — ${met === over.length ? 'met in every round' : `NOT met: ${met} of ${over.length} rounds within it`}.`;
  });
const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim();
const dirty = spawnSync('git', ['status', '--porcelain', '--', 'electron', 'bin'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim();
const md = [
  '## Per-trial turnaround (bench/trialTurnaround.ts)',
  '',
  machineLine(undefined, false),
  schedulingNote().line,
  `Code: commit ${head || 'unknown'}${dirty ? ', with uncommitted changes under electron/ or bin/' : ', no uncommitted changes under electron/ or bin/'}.`,
  `Load average (1 min) at start ${load0.toFixed(2)}, at end ${load1.toFixed(2)}, on ${os.cpus().length} cores shared with other work.`,
  '',
  `\`npx tsx bench/trialTurnaround.ts\`: per trial = (wall of a ${N}-trial sweep − wall of a ${BASE}-trial sweep) / ${N - BASE}, median of ${ROUNDS} interleaved rounds; "over the floor" is taken round by round against the floor of the same round (median of rounds, and the worst round). The trial program is \`${PROGRAM} score={x}\` (prints the objective, exits at once); one trial at a time; tracking off (\`--no-tracking\`); checkpoint on (the study file's durability rules as always: every finished trial fsynced before the next starts). Ours: \`node bin/sweepdeck.js sweep run\` from the prebuilt CLI, a new study each run. The floor: a small Node script spawning the same program in its own process group with piped stdout/stderr, one after another. Optuna: \`study.optimize\` in one Python process on \`sqlite:///\` storage, the objective running the same program with \`subprocess.run\` and parsing its line.`,
  '',
  mdTable(['runner', 'ms per trial (median)', 'range over rounds', 'over the floor (median of rounds)', 'over the floor (worst round)', `wall of ${BASE} trials, ms`, `wall of ${N} trials, ms`], rows),
  '',
  ...verdicts,
].join('\n');
console.log(md);
if (!values['no-write'] && !values.only) writeBenchSection(`trial-turnaround${schedulingNote().suffix}`, md);
