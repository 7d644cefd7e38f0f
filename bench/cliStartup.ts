// CLI start-up: wall time of `sweepdeck --help` and `sweepdeck sweep status STUDY` as a user runs
// them (node bin/sweepdeck.js, a new process each time), side by side with `node -e 0` in the same
// run, and `npm start` to the first page served by the browser host. Repetitions are interleaved
// (one of each command per round) so load changes hit them alike.
//
// States: "cold" is the first run of each command right after the CLI was rebuilt (new files, no
// run of them yet; the OS page cache is not dropped, so the files are likely in it);
// "warm" the median of the rounds after that. "From source" runs the TypeScript through tsx, as
// bin/sweepdeck.js does when a source changed since the build (and as every run did before the
// prebuilt CLI). `npm start` runs with a fresh data folder first (a new user's first start), then
// with that folder again.
//
// usage: npx tsx bench/cliStartup.ts [--rounds 15] [--start-rounds 5] [--no-write]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openStudyStorage } from '../electron/core/studies/optunaSqliteStorage.ts';
import { buildCli, machineLine, mdTable, REPO_ROOT, schedulingNote, writeBenchSection } from './benchSupport.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    'start-rounds': { type: 'string', default: '5' },
    'no-write': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(values.rounds);
const START_ROUNDS = Number(values['start-rounds']);
for (const [name, v] of [['rounds', ROUNDS], ['start-rounds', START_ROUNDS]] as const) {
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer (got '${String(values[name])}')`);
}

const load0 = os.loadavg()[0]!;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-bench-cli-'));
// The TypeScript path, as bin/sweepdeck.js takes it when dist/cli is stale. Inside the repository
// so that tsx and the packages resolve from it.
const scratchInRepo = path.join(REPO_ROOT, '.tmp');
mkdirSync(scratchInRepo, { recursive: true });
const fromSource = path.join(scratchInRepo, `bench-cli-from-source-${process.pid}.mjs`);
writeFileSync(
  fromSource,
  `import { register } from 'tsx/esm/api';\nregister();\nconst { main } = await import(${JSON.stringify(path.join(REPO_ROOT, 'electron/cli/main.ts'))});\nprocess.exitCode = await main(process.argv.slice(2));\n`,
);

// A study of 1,000 finished trials, written by our storage (Optuna's format).
const study = path.join(tmp, 'study.db');
{
  const s = openStudyStorage(study, { create: true });
  const id = s.createStudy('bench', ['minimize']).studyId;
  for (let i = 0; i < 1000; i++) {
    const t = s.createTrial(id).trialId;
    s.finishTrial(t, 'COMPLETE', (i * 7919) % 1000);
  }
  s.close();
}

function ms(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: tmp, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const t = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(0, 400)}`);
  return t;
}

/** Max resident set of one run, from GNU time (kB). */
function rssKb(args: string[]): number | null {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { cwd: tmp, encoding: 'utf8' });
  const kb = Number(r.stderr.trim().split('\n').pop());
  return r.status === 0 && Number.isFinite(kb) ? kb : null;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const bin = path.join(REPO_ROOT, 'bin', 'sweepdeck.js');
const commands: Array<{ label: string; args: string[] }> = [
  { label: '`node -e 0` (anchor)', args: ['-e', '0'] },
  { label: '`sweepdeck --help`', args: [bin, '--help'] },
  { label: '`sweepdeck sweep status STUDY` (1,000 trials)', args: [bin, 'sweep', 'status', study] },
  { label: '`sweepdeck --help`, from source (tsx)', args: [fromSource, '--help'] },
  { label: '`sweepdeck sweep status STUDY`, from source (tsx)', args: [fromSource, 'sweep', 'status', study] },
];

// Rebuild the CLI, then its first runs are the cold figures.
buildCli();
const cold = commands.map((c) => ms(process.execPath, c.args));
const warm: number[][] = commands.map(() => []);
for (let r = 0; r < ROUNDS; r++) commands.forEach((c, i) => warm[i]!.push(ms(process.execPath, c.args)));
const rss = commands.map((c) => rssKb(c.args));

/** `npm start` until the URL it prints answers with the page: ms to the URL line, ms to the page. */
function npmStart(dataDir: string): Promise<{ url: number; page: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('npm', ['start', '--', '--port', '0'], { cwd: REPO_ROOT, env: { ...process.env, SWEEPDECK_DATA_DIR: dataDir, SWEEPDECK_BROWSER: '1' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    let found = false;
    const end = () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
    };
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      if (!found) reject(new Error(`npm start exited ${code} before printing its URL: ${err.slice(0, 400)}`));
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(out);
      if (!m || found) return;
      found = true;
      const url = performance.now() - t0;
      fetch(m[0])
        .then(async (res) => {
          const body = await res.text();
          const page = performance.now() - t0;
          end();
          if (res.status !== 200 || !body.includes('<html')) reject(new Error(`npm start's page answered ${res.status}: ${body.slice(0, 200)}`));
          else resolve({ url, page });
        })
        .catch((e: unknown) => {
          end();
          reject(e instanceof Error ? e : new Error(String(e)));
        });
    });
  });
}

async function main(): Promise<void> {
  const dataDir = path.join(tmp, 'data');
  const firstStart = await npmStart(dataDir);
  const starts: Array<{ url: number; page: number }> = [];
  for (let r = 0; r < START_ROUNDS; r++) starts.push(await npmStart(dataDir));
  const load1 = os.loadavg()[0]!;
  rmSync(tmp, { recursive: true, force: true });
  rmSync(fromSource, { force: true });

  const nodeWarm = median(warm[0]!);
  const rows = commands.map((c, i) => {
    const w = median(warm[i]!);
    return [c.label, cold[i]!.toFixed(0), w.toFixed(0), Math.min(...warm[i]!).toFixed(0), i === 0 ? '–' : `+${(w - nodeWarm).toFixed(0)}`, rss[i] ? (rss[i]! / 1024).toFixed(0) : '?'];
  });
  const help = median(warm[1]!);
  const status = median(warm[2]!);
  const pageMedian = median(starts.map((s) => s.page));
  const verdict = (label: string, t: number, cap: number, vsNode: number) =>
    `${label}: ${t.toFixed(0)} ms warm (target ≤ 200 ms) and ${vsNode.toFixed(0)} ms over \`node -e 0\` (target ≤ 150 ms) — ${t <= cap && vsNode <= 150 ? 'met' : 'NOT met'}.`;
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'bin', 'scripts', 'electron'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim();
  const md = [
    '## CLI start-up and `npm start` (bench/cliStartup.ts)',
    '',
    machineLine(undefined, false),
    schedulingNote().line,
    `Code: commit ${head || 'unknown'}${dirty ? ', with uncommitted changes under bin/, scripts/ or electron/' : ', no uncommitted changes under bin/, scripts/ or electron/'}.`,
    `Load average (1 min) at start ${load0.toFixed(2)}, at end ${load1.toFixed(2)}, on ${os.cpus().length} cores shared with other work.`,
    '',
    `\`npx tsx bench/cliStartup.ts\`: each command a new process (\`node bin/sweepdeck.js ...\`, as \`npx sweepdeck\` runs it minus npx), wall time from spawn to exit, ${ROUNDS} interleaved rounds. Cold: the first run right after \`node scripts/build.mjs --cli\` (what \`npm ci\`'s prepare script runs); the OS page cache was not dropped (it is shared with the other work on this machine), so the files are likely in it. Warm: median of the rounds after it. "From source": the TypeScript through tsx, which bin/sweepdeck.js runs when a source changed since the build (and every run did before the prebuilt CLI).`,
    '',
    mdTable(['command', 'cold ms', 'warm ms (median)', 'warm min', 'warm over node -e 0', 'max RSS MB'], rows),
    '',
    `\`npm start\` (SWEEPDECK_BROWSER=1: the browser host, as on this machine without an Electron binary or display), from the command to the first page (index.html with the token) served: first start with an empty data folder ${firstStart.page.toFixed(0)} ms (URL printed at ${firstStart.url.toFixed(0)} ms); then ${START_ROUNDS} starts with that folder: median ${pageMedian.toFixed(0)} ms (URL at ${median(starts.map((s) => s.url)).toFixed(0)} ms), range ${Math.min(...starts.map((s) => s.page)).toFixed(0)}–${Math.max(...starts.map((s) => s.page)).toFixed(0)} ms. Renderer and CLI already built (as after \`npm ci\`).`,
    '',
    verdict('`sweepdeck --help`', help, 200, help - nodeWarm),
    verdict('`sweepdeck sweep status`', status, 200, status - nodeWarm),
    `\`npm start\` to the first page: ${pageMedian.toFixed(0)} ms median, first start ${firstStart.page.toFixed(0)} ms (target ≤ 1500 ms) — ${Math.max(pageMedian, firstStart.page) <= 1500 ? 'met' : 'NOT met'}.`,
  ].join('\n');
  console.log(md);
  if (!values['no-write']) writeBenchSection(`cli-startup${schedulingNote().suffix}`, md);
}

main().catch((e: unknown) => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(fromSource, { force: true });
  console.error(e);
  process.exit(1);
});
