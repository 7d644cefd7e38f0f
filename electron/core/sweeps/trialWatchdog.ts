// Trials die with their runner. Each trial runs in its own process group (so a Ctrl-C on the terminal
// reaches only the runner, which stops trials in order), which also means nothing ends a trial when
// the runner is killed outright (SIGKILL, a crash, a closed laptop lid's OOM kill): the orphan would
// run on beside the trials of the next run, past max_concurrent_trials, its work wasted.
//
// So one tiny watchdog process per runner holds the read end of a pipe from it. The runner writes
// "+<pgid> <graceMs>" when a trial starts and "-<pgid>" when it ends. When the runner dies, however it
// dies, the OS closes the pipe: the watchdog sees end-of-file, sends SIGTERM to every registered
// group, SIGKILL after the grace, and exits. End-of-file on a pipe is the one parent-death signal
// that works the same on Linux, macOS and Windows (Linux's PR_SET_PDEATHSIG has no equivalent
// elsewhere and reaches only a direct child, not the trial's own children). On Windows, where there
// are no process groups, the watchdog ends each trial's process tree with `taskkill /T /F`.
//
// The watchdog runs in its own process group and ignores SIGINT/SIGHUP, so a terminal's signals do
// not end it before the runner's death does; it runs with a minimal environment (no credentials) and
// is unref'd, so it never keeps the runner alive. The only gap left is the moment between a trial's
// spawn and the synchronous write that registers it.
import { spawn, type ChildProcess } from 'node:child_process';

const WATCHDOG_SOURCE = `
const groups = new Map();
const win = process.platform === 'win32';
const { spawnSync } = require('node:child_process');
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
const signal = (pgid, sig) => {
  try {
    if (win) spawnSync('taskkill', ['/PID', String(pgid), '/T', '/F'], { stdio: 'ignore', windowsHide: true });
    else process.kill(-pgid, sig);
  } catch {
    // ESRCH: that trial already ended. The watchdog has no output to report anything else to.
  }
};
let rest = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  const lines = (rest + d).split('\\n');
  rest = lines.pop();
  for (const l of lines) {
    const [op, pgid, grace] = [l[0], Number(l.slice(1).split(' ')[0]), Number(l.split(' ')[1] || 0)];
    if (!Number.isInteger(pgid) || pgid <= 0) continue;
    if (op === '+') groups.set(pgid, grace);
    else if (op === '-') groups.delete(pgid);
  }
});
process.stdin.on('end', () => {
  if (!groups.size) process.exit(0);
  for (const pgid of groups.keys()) signal(pgid, 'SIGTERM');
  setTimeout(() => {
    for (const pgid of groups.keys()) signal(pgid, 'SIGKILL');
    process.exit(0);
  }, Math.max(0, ...groups.values()));
});
process.stdin.resume();
`;

let watchdog: ChildProcess | undefined;
/** Trials of this process still running: re-registered if the watchdog has to be started again. */
const live = new Map<number, number>();

function send(line: string): void {
  const dog = running();
  if (!dog?.stdin?.writable) return;
  dog.stdin.write(`${line}\n`);
}

function running(): ChildProcess | undefined {
  if (watchdog && watchdog.exitCode === null && watchdog.signalCode === null) return watchdog;
  let dog: ChildProcess;
  try {
    dog = spawn(process.execPath, ['-e', WATCHDOG_SOURCE], {
      // ELECTRON_RUN_AS_NODE: inside the Electron app, execPath is Electron itself.
      env: { ELECTRON_RUN_AS_NODE: '1', PATH: process.env.PATH ?? '', ...(process.env.SystemRoot ? { SystemRoot: process.env.SystemRoot } : {}) },
      // Nothing inherited: holding the runner's stdout/stderr would keep its readers waiting.
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
      windowsHide: true,
    });
  } catch (err) {
    process.emitWarning(`sweepdeck: the trial watchdog could not start (${(err as Error).message}); trials outlive a killed runner`);
    return undefined;
  }
  dog.on('error', (err) => process.emitWarning(`sweepdeck: trial watchdog: ${err.message}`));
  // A broken pipe (the watchdog was killed) must not crash the runner; the next write starts another.
  dog.stdin?.on('error', () => undefined);
  dog.unref();
  (dog.stdin as { unref?: () => void } | null)?.unref?.();
  watchdog = dog;
  for (const [pgid, grace] of live) dog.stdin?.write(`+${pgid} ${grace}\n`);
  return dog;
}

/** Starts the watchdog ahead of a trial's spawn, so registering the trial is one pipe write. */
export function prepareTrialWatchdog(): void {
  running();
}

/** Ends the trial's process group (its process tree on Windows) if this process dies first. Returns
 * the release to call once the trial has ended. */
export function watchTrialGroup(pgid: number, graceMs: number): () => void {
  const grace = Math.max(0, Math.round(graceMs));
  live.set(pgid, grace);
  send(`+${pgid} ${grace}`);
  return () => {
    if (!live.delete(pgid)) return;
    send(`-${pgid}`);
  };
}
