// Trials are started by a small, long-lived helper process, not by the runner itself. Starting a
// process on Linux forks the caller first, and forking the runner (a big Node process: the engine,
// SQLite, in the app the whole main process) costs several ms of copied page tables per trial on
// the runner's main thread, which the user waits for between trials. The helper is a bare Node
// process with a small heap, so its fork is as cheap as a minimal script's; it also opens and writes
// the trial's folder and log files, so those syscalls stay off the runner's thread too.
//
// Protocol: JSON lines. The runner writes {id, cmd, args, cwd, env, trialDir, graceMs, closeWaitMs}
// to the helper's stdin; the helper answers on its stdout with {id, ev, ...}: 'spawned' (pid),
// 'error' (the spawn failed: code, message), 'dir-error' (the trial dir could not be made), 'out'/'err' (a chunk of the trial's stdout/stderr, as
// also appended to stdout.log/stderr.log), 'exit' (code, signal: the process ended), 'done' (its
// pipes closed, or closeWaitMs after the exit when a leftover group member holds them, and the log
// files are closed). Order on the one pipe is the order of events.
//
// The helper also does the trial watchdog's job (trialWatchdog.ts) for the trials it starts, the
// same way: it runs in its own process group, ignores a terminal's SIGINT/SIGHUP and has a minimal
// environment (each trial gets exactly the environment the runner sends); when the runner dies,
// however it dies, its stdin ends, and it ends the groups of the trials it started (SIGTERM, SIGKILL
// after their grace) before exiting. So a trial needs no registration round trip with the watchdog,
// and there is no moment between its start and its registration. Not used on Windows, where
// starting a process does not copy the caller (trialProcess.ts starts trials itself there, under
// the watchdog).
//
// Replies are batched: a trial's end goes out at once, its start, output and exit at most
// BATCH_MS later (or with its end), so a short trial wakes the runner once. Output that reaches the
// runner a few ms late changes nothing: pruning decisions take far longer than that.
import { spawn, type ChildProcess } from 'node:child_process';

/** The most a trial's start, output or exit waits in the helper to share a write with others. */
const BATCH_MS = 15;

const SPAWNER_SOURCE = `
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.stdout.on('error', () => process.exit(0));
const live = new Map();
let queued = [];
let soon = null;
let later = null;
const flush = () => {
  clearImmediate(soon);
  clearTimeout(later);
  soon = later = null;
  const text = queued.join('');
  queued = [];
  process.stdout.write(text);
};
// A trial's end goes out at once (the runner waits for it); its start and output may wait a few ms
// to go out with it, so a short trial wakes the runner once, not three or four times.
const send = (m, urgent) => {
  queued.push(JSON.stringify(m) + '\\n');
  if (urgent) soon = soon || setImmediate(flush);
  else later = later || setTimeout(flush, ${BATCH_MS});
};
// Signals that could not be sent (ESRCH, a group already gone, is not one): said on stderr and in
// the exit code when the helper ends, as the runner that would read a message is gone by then.
const unsent = [];
const signal = (pid, sig) => {
  try { process.kill(-pid, sig); } catch (e) { if (e.code !== 'ESRCH') unsent.push(sig + ' to trial group ' + pid + ': ' + e.message); }
};
const end = () => {
  if (unsent.length) {
    process.exitCode = 3;
    fs.writeSync(2, 'sweepdeck trial helper: could not send ' + unsent.join('; ') + '\\n');
  }
  process.exit();
};
// The logs are appended synchronously: small writes to the page cache, with no thread-pool round
// trips between a trial's exit and its 'done'.
function openLog(id, file) {
  let fd = null;
  const fail = (e) => {
    send({ id, ev: 'log-error', message: String(e.message) });
    if (fd !== null) try { fs.closeSync(fd); } catch (c) { send({ id, ev: 'log-error', message: 'closing the log after that failed too: ' + String(c.message) }); }
    fd = null;
  };
  try { fd = fs.openSync(file, 'a'); } catch (e) { fail(e); }
  return {
    write: (d) => { if (fd !== null) try { fs.writeSync(fd, d); } catch (e) { fail(e); } },
    close: () => { if (fd !== null) try { fs.closeSync(fd); } catch (e) { fail(e); } fd = null; },
  };
}
function start(r) {
  const { id } = r;
  try {
    fs.mkdirSync(r.trialDir, { recursive: true });
  } catch (e) {
    send({ id, ev: 'dir-error', message: String(e.message) }, true);
    return;
  }
  // The logs are made right after the spawn, while the trial starts up on another core: a new
  // file costs a journal update, which the trial need not wait for. No output can arrive before.
  let out;
  let err;
  const openLogs = () => {
    out = openLog(id, path.join(r.trialDir, 'stdout.log'));
    err = openLog(id, path.join(r.trialDir, 'stderr.log'));
  };
  const closeLogs = () => { out.close(); err.close(); };
  const failed = (e) => { openLogs(); closeLogs(); send({ id, ev: 'error', code: e.code || null, message: String(e.message) }, true); };
  let child;
  try {
    child = spawn(r.cmd, r.args, { cwd: r.cwd, env: r.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, shell: false });
  } catch (e) {
    failed(e);
    return;
  }
  child.on('error', (e) => { if (child.pid === undefined) failed(e); });
  if (child.pid === undefined) return;
  const pid = child.pid;
  live.set(id, { pid, grace: r.graceMs });
  send({ id, ev: 'spawned', pid });
  openLogs();
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => { out.write(d); send({ id, ev: 'out', d }); });
  child.stderr.on('data', (d) => { err.write(d); send({ id, ev: 'err', d }); });
  let exitInfo = null;
  let closeWait;
  let finished = false;
  const finish = (code, signal) => {
    if (finished) return;
    finished = true;
    clearTimeout(closeWait);
    live.delete(id);
    child.stdout.destroy();
    child.stderr.destroy();
    closeLogs();
    send({ id, ev: 'done', code, signal }, true);
  };
  child.on('exit', (code, sig) => {
    exitInfo = { code, signal: sig };
    send({ id, ev: 'exit', code, signal: sig });
    closeWait = setTimeout(() => finish(code, sig), r.closeWaitMs);
  });
  child.on('close', (code, sig) => finish(exitInfo ? exitInfo.code : code, exitInfo ? exitInfo.signal : sig));
}
let rest = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  const lines = (rest + d).split('\\n');
  rest = lines.pop();
  for (const l of lines) if (l) start(JSON.parse(l));
});
process.stdin.on('end', () => {
  if (!live.size) end();
  for (const t of live.values()) signal(t.pid, 'SIGTERM');
  setTimeout(() => {
    for (const t of live.values()) signal(t.pid, 'SIGKILL');
    end();
  }, Math.max(0, ...[...live.values()].map((t) => t.grace)));
});
process.stdin.resume();
`;

export interface SpawnRequest {
  cmd: string;
  args: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
  /** Made if missing; the helper appends to stdout.log and stderr.log in it. */
  trialDir: string;
  /** SIGTERM -> SIGKILL grace if the runner dies while the trial runs. */
  graceMs: number;
  /** How long after the exit to wait for the pipes to close (a leftover group member may hold them). */
  closeWaitMs: number;
}

export interface SpawnEvents {
  spawned(pid: number): void;
  /** The program could not be started; code is the errno code (ENOENT, EACCES, ...). */
  spawnError(code: string | null, message: string): void;
  /** The trial dir could not be made: the program was not started. */
  dirError(message: string): void;
  stdout(chunk: string): void;
  stderr(chunk: string): void;
  exit(code: number | null, signal: NodeJS.Signals | null): void;
  /** The last event: output complete, log files closed. */
  done(code: number | null, signal: NodeJS.Signals | null): void;
  /** The helper could not append to a log file (the trial runs on; its output still streams). */
  logError(message: string): void;
  /** The helper died: no more events will come for this trial. */
  lost(why: string): void;
}

type Reply =
  | { id: number; ev: 'spawned'; pid: number }
  | { id: number; ev: 'error'; code: string | null; message: string }
  | { id: number; ev: 'dir-error'; message: string }
  | { id: number; ev: 'out' | 'err'; d: string }
  | { id: number; ev: 'exit' | 'done'; code: number | null; signal: NodeJS.Signals | null }
  | { id: number; ev: 'log-error'; message: string };

class Spawner {
  private readonly pending = new Map<number, SpawnEvents>();
  private nextId = 1;
  private rest = '';
  private stderrTail = '';
  private gone: string | null = null;

  constructor(private readonly proc: ChildProcess) {
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (d: string) => this.onData(d));
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (d: string) => (this.stderrTail = (this.stderrTail + d).slice(-400)));
    proc.on('error', (err) => this.die(`it failed: ${err.message}`));
    proc.on('exit', (code, signal) => this.die(signal ? `it was killed by ${signal}` : `it exited with code ${code}`));
    // A broken pipe (the helper was killed) must not crash the runner; 'exit' reports it.
    proc.stdin!.on('error', () => undefined);
    proc.unref();
    for (const pipe of [proc.stdin, proc.stderr]) (pipe as { unref?: () => void } | null)?.unref?.();
    this.holdLoop();
  }

  get usable(): boolean {
    return this.gone === null && this.proc.stdin?.writable === true;
  }

  start(req: SpawnRequest, events: SpawnEvents): void {
    const id = this.nextId++;
    this.pending.set(id, events);
    this.holdLoop();
    this.proc.stdin!.write(`${JSON.stringify({ id, ...req })}\n`);
  }

  /** Trials in flight keep the runner's event loop alive, as their own child processes would. */
  private holdLoop(): void {
    const out = this.proc.stdout as { ref?: () => void; unref?: () => void } | null;
    if (this.pending.size > 0) out?.ref?.();
    else out?.unref?.();
  }

  private onData(d: string): void {
    const lines = (this.rest + d).split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) {
      if (!line) continue;
      const m = JSON.parse(line) as Reply;
      const ev = this.pending.get(m.id);
      if (!ev) continue;
      switch (m.ev) {
        case 'spawned':
          ev.spawned(m.pid);
          break;
        case 'error':
          this.pending.delete(m.id);
          ev.spawnError(m.code, m.message);
          break;
        case 'dir-error':
          this.pending.delete(m.id);
          ev.dirError(m.message);
          break;
        case 'out':
          ev.stdout(m.d);
          break;
        case 'err':
          ev.stderr(m.d);
          break;
        case 'exit':
          ev.exit(m.code, m.signal);
          break;
        case 'done':
          this.pending.delete(m.id);
          ev.done(m.code, m.signal);
          break;
        case 'log-error':
          ev.logError(m.message);
          break;
      }
    }
    this.holdLoop();
  }

  private die(why: string): void {
    if (this.gone !== null) return;
    const tail = this.stderrTail.trim().split('\n').pop();
    this.gone = `the trial spawner process ended unexpectedly (${why}${tail ? `: ${tail}` : ''})`;
    if (spawner === this) spawner = undefined;
    const lost = [...this.pending.values()];
    this.pending.clear();
    this.holdLoop();
    for (const ev of lost) ev.lost(this.gone);
  }
}

let spawner: Spawner | undefined;

function running(): Spawner | undefined {
  if (spawner?.usable) return spawner;
  try {
    const proc = spawn(process.execPath, ['-e', SPAWNER_SOURCE], {
      // ELECTRON_RUN_AS_NODE: inside the Electron app, execPath is Electron itself.
      env: { ELECTRON_RUN_AS_NODE: '1', PATH: process.env.PATH ?? '' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    if (proc.pid === undefined) {
      proc.on('error', () => undefined);
      return undefined;
    }
    spawner = new Spawner(proc);
    return spawner;
  } catch (err) {
    process.emitWarning(`sweepdeck: the trial spawner could not start (${(err as Error).message}); trials are started by the runner itself`);
    return undefined;
  }
}

/** Starts the trial through the helper process. False when there is no helper (Windows, or it could
 * not start): the caller then starts the trial itself. */
export function spawnThroughSpawner(req: SpawnRequest, events: SpawnEvents): boolean {
  if (process.platform === 'win32') return false;
  const s = running();
  if (!s) return false;
  s.start(req, events);
  return true;
}

