// One trial's child process: spawned from an argv (never a shell) in its own process group, with
// stdout/stderr recorded to files in its trial dir and streamed line by line to the runner.
// Stopping sends SIGTERM to the whole group (so a wrapper script's children stop too), then SIGKILL
// after a grace period. The process is started by the trial spawner (trialSpawner.ts: a small helper
// process, so the runner's main thread never pays for forking itself), or by this process where
// there is no spawner (Windows, or it could not start).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { spawnThroughSpawner } from './trialSpawner.ts';
import { prepareTrialWatchdog, watchTrialGroup } from './trialWatchdog.ts';

export type StopReason = 'pruned' | 'stopped' | 'timeout' | 'sweep-timeout';

export interface TrialProcessOptions {
  argv: readonly string[];
  cwd: string;
  trialDir: string;
  /** The complete environment (nothing is inherited; see trialEnv.ts). */
  env: Readonly<Record<string, string>>;
  /** Stop the trial (reason 'timeout') after this many ms. */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
}

export interface TrialExit {
  /** 'spawn-error': the program could not be started (e.g. ENOENT). */
  kind: 'exited' | 'spawn-error';
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the runner asked the process to stop. */
  stopReason: StopReason | null;
  /** For spawn errors: a message naming the command and what to do. */
  error?: string;
  /** Last lines of stderr, for the FAIL reason. */
  stderrTail: string;
  durationMs: number;
}

const STDERR_TAIL_LINES = 20;
/** After the exit, how long the pipes may stay open (held by a leftover group member). */
const CLOSE_WAIT_MS = 2000;

/** Splits a byte stream into lines; keeps a partial last line until more data or the end. */
class LineSplitter {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: string): void {
    const text = this.rest + chunk;
    const parts = text.split('\n');
    this.rest = parts.pop() ?? '';
    for (const p of parts) this.onLine(p.endsWith('\r') ? p.slice(0, -1) : p);
  }
  end(): void {
    if (this.rest) this.onLine(this.rest);
    this.rest = '';
  }
}

function spawnErrorMessage(argv: readonly string[], cwd: string, err: NodeJS.ErrnoException): string {
  const prog = JSON.stringify(argv[0] ?? '');
  if (err.code === 'ENOENT') {
    return `trial.command[0] ${prog} was not found (ENOENT; cwd ${cwd}): install it, put it on PATH, or give its full path in trial.command`;
  }
  if (err.code === 'EACCES') return `trial.command[0] ${prog} is not executable (EACCES): check its permissions`;
  return `trial.command ${prog} could not be started: ${err.message}`;
}

/** What a start (through the spawner or in this process) reports back. */
interface Launch {
  /** watched: the starter (the spawner) ends the trial's group if this process dies; otherwise the
   * trial watchdog is told to. */
  spawned(pid: number, watched: boolean): void;
  output(stream: 'stdout' | 'stderr', chunk: string): void;
  exited(): void;
  finish(r: Omit<TrialExit, 'stderrTail' | 'durationMs' | 'stopReason'>): void;
}

function trialDirMessage(trialDir: string, why: string): string {
  return `the trial folder ${trialDir} could not be made (${why}): check that the sweep's output dir is a writable folder`;
}

export class TrialProcess {
  readonly done: Promise<TrialExit>;
  private childPid: number | undefined;
  private stopReason: StopReason | null = null;
  private killTimer: NodeJS.Timeout | undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private exited = false;
  private releaseWatch: () => void = () => undefined;

  constructor(private readonly opts: TrialProcessOptions) {
    this.done = this.start();
  }

  get pid(): number | undefined {
    return this.childPid;
  }

  /** Asks the process group to stop: SIGTERM now, SIGKILL after the grace period. Idempotent. A
   * stop asked before the process has started applies as soon as it has. */
  stop(reason: StopReason): void {
    if (this.stopReason === null) this.stopReason = reason;
    if (this.exited || this.killTimer || this.childPid === undefined) return;
    this.signal('SIGTERM');
    this.killTimer = setTimeout(() => this.signal('SIGKILL'), this.opts.killGraceMs ?? 5000);
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.childPid;
    if (pid === undefined) return;
    try {
      // Negative pid: the whole process group the child leads.
      process.kill(process.platform === 'win32' ? pid : -pid, sig);
    } catch {
      // Already gone.
    }
  }

  private start(): Promise<TrialExit> {
    const { argv } = this.opts;
    const t0 = Date.now();
    const tail: string[] = [];
    const outLines = new LineSplitter((l) => this.opts.onStdoutLine?.(l));
    const errLines = new LineSplitter((l) => {
      tail.push(l);
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
      this.opts.onStderrLine?.(l);
    });

    return new Promise<TrialExit>((resolve) => {
      let settled = false;
      const launch: Launch = {
        spawned: (pid, watched) => {
          this.childPid = pid;
          if (!watched) this.releaseWatch = watchTrialGroup(pid, this.opts.killGraceMs ?? 5000);
          if (this.stopReason !== null) this.stop(this.stopReason);
        },
        output: (stream, chunk) => (stream === 'stdout' ? outLines : errLines).push(chunk),
        // Leftover group members would keep the pipes open: kill them once a stop was requested.
        exited: () => {
          if (this.stopReason !== null) this.signal('SIGKILL');
        },
        finish: (r) => {
          if (settled) return;
          settled = true;
          this.exited = true;
          this.releaseWatch();
          clearTimeout(this.killTimer);
          clearTimeout(this.timeoutTimer);
          outLines.end();
          errLines.end();
          resolve({ ...r, stopReason: this.stopReason, stderrTail: tail.join('\n'), durationMs: Date.now() - t0 });
        },
      };
      const [cmd, ...args] = argv;
      if (cmd === undefined || cmd === '') {
        launch.finish({ kind: 'spawn-error', code: null, signal: null, error: 'trial.command is empty: give the program and its arguments as a list' });
        return;
      }
      if (!this.startThroughSpawner(cmd, args, launch)) this.startHere(cmd, args, launch);
      if (this.opts.timeoutMs !== undefined && this.opts.timeoutMs > 0) {
        this.timeoutTimer = setTimeout(() => this.stop('timeout'), this.opts.timeoutMs);
      }
    });
  }

  private startThroughSpawner(cmd: string, args: string[], launch: Launch): boolean {
    const { argv, cwd, trialDir, env } = this.opts;
    return spawnThroughSpawner(
      { cmd, args, cwd, env, trialDir, graceMs: this.opts.killGraceMs ?? 5000, closeWaitMs: CLOSE_WAIT_MS },
      {
        // The spawner ends its trials' groups when this process dies (its stdin closes).
        spawned: (pid) => launch.spawned(pid, true),
        spawnError: (code, message) =>
          launch.finish({ kind: 'spawn-error', code: null, signal: null, error: spawnErrorMessage(argv, cwd, Object.assign(new Error(message), code ? { code } : {})) }),
        dirError: (message) => launch.finish({ kind: 'spawn-error', code: null, signal: null, error: trialDirMessage(trialDir, message) }),
        stdout: (d) => launch.output('stdout', d),
        stderr: (d) => launch.output('stderr', d),
        exit: () => launch.exited(),
        done: (code, signal) => launch.finish({ kind: 'exited', code, signal }),
        logError: (message) => process.emitWarning(`sweepdeck: trial log in ${trialDir}: ${message}`),
        lost: (why) => {
          // Its output has nowhere to go any more: end the trial rather than leave it running unseen.
          this.signal('SIGKILL');
          launch.output('stderr', `\nsweepdeck: ${why}; the trial was killed\n`);
          if (this.childPid === undefined) launch.finish({ kind: 'spawn-error', code: null, signal: null, error: `trial.command could not be started: ${why}` });
          else launch.finish({ kind: 'exited', code: null, signal: 'SIGKILL' });
        },
      },
    );
  }

  /** Starts the trial from this process (Windows, or no spawner). */
  private startHere(cmd: string, args: string[], launch: Launch): void {
    const { argv, cwd, trialDir, env } = this.opts;
    try {
      mkdirSync(trialDir, { recursive: true });
    } catch (err) {
      launch.finish({ kind: 'spawn-error', code: null, signal: null, error: trialDirMessage(trialDir, (err as Error).message) });
      return;
    }
    // Trials die with the runner, even a SIGKILLed one (see trialWatchdog.ts).
    prepareTrialWatchdog();
    const outFile = createWriteStream(path.join(trialDir, 'stdout.log'), { flags: 'a' });
    const errFile = createWriteStream(path.join(trialDir, 'stderr.log'), { flags: 'a' });
    const closeFiles = (): Promise<void> =>
      Promise.all([outFile, errFile].map((s: WriteStream) => new Promise<void>((r) => s.end(r)))).then(() => undefined);
    let closing = false;
    const finish = (r: Parameters<Launch['finish']>[0]): void => {
      if (closing) return;
      closing = true;
      void closeFiles().then(() => launch.finish(r));
    };
    let child: ChildProcess;
    try {
      child = spawn(cmd, args, {
        cwd,
        env: { ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Own process group: signals reach grandchildren, and a Ctrl-C on the terminal reaches only
        // the runner, which then stops trials in order.
        detached: process.platform !== 'win32',
        shell: false,
        windowsHide: true,
      });
    } catch (err) {
      finish({ kind: 'spawn-error', code: null, signal: null, error: spawnErrorMessage(argv, cwd, err as NodeJS.ErrnoException) });
      return;
    }
    if (child.pid !== undefined) launch.spawned(child.pid, false);
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      outFile.write(d);
      launch.output('stdout', d);
    });
    child.stderr?.on('data', (d: string) => {
      errFile.write(d);
      launch.output('stderr', d);
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (child.pid === undefined) {
        finish({ kind: 'spawn-error', code: null, signal: null, error: spawnErrorMessage(argv, cwd, err) });
      }
    });
    let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let closeWait: NodeJS.Timeout | undefined;
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      launch.exited();
      // Never wait for the pipes longer than a moment.
      closeWait = setTimeout(() => finish({ kind: 'exited', ...exitInfo! }), CLOSE_WAIT_MS);
    });
    child.on('close', (code, signal) => {
      clearTimeout(closeWait);
      finish({ kind: 'exited', ...(exitInfo ?? { code, signal }) });
    });
  }
}

