// One trial's child process: spawned from an argv (never a shell) in its own process group, with
// stdout/stderr recorded to files in its trial dir and streamed line by line to the runner.
// Stopping sends SIGTERM to the whole group (so a wrapper script's children stop too), then SIGKILL
// after a grace period.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
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

export class TrialProcess {
  readonly done: Promise<TrialExit>;
  private child: ChildProcess | undefined;
  private stopReason: StopReason | null = null;
  private killTimer: NodeJS.Timeout | undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private exited = false;
  private releaseWatch: () => void = () => undefined;

  constructor(private readonly opts: TrialProcessOptions) {
    this.done = this.start();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Asks the process group to stop: SIGTERM now, SIGKILL after the grace period. Idempotent. */
  stop(reason: StopReason): void {
    if (this.stopReason === null) this.stopReason = reason;
    if (this.exited || this.killTimer) return;
    this.signal('SIGTERM');
    this.killTimer = setTimeout(() => this.signal('SIGKILL'), this.opts.killGraceMs ?? 5000);
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      // Negative pid: the whole process group the child leads.
      process.kill(process.platform === 'win32' ? pid : -pid, sig);
    } catch {
      // Already gone.
    }
  }

  private start(): Promise<TrialExit> {
    const { argv, cwd, trialDir, env } = this.opts;
    const t0 = Date.now();
    mkdirSync(trialDir, { recursive: true });
    const outFile = createWriteStream(path.join(trialDir, 'stdout.log'), { flags: 'a' });
    const errFile = createWriteStream(path.join(trialDir, 'stderr.log'), { flags: 'a' });
    const tail: string[] = [];
    const outLines = new LineSplitter((l) => this.opts.onStdoutLine?.(l));
    const errLines = new LineSplitter((l) => {
      tail.push(l);
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
      this.opts.onStderrLine?.(l);
    });
    const closeFiles = (): Promise<void> =>
      Promise.all([outFile, errFile].map((s: WriteStream) => new Promise<void>((r) => s.end(r)))).then(() => undefined);

    return new Promise<TrialExit>((resolve) => {
      let settled = false;
      const finish = (r: Omit<TrialExit, 'stderrTail' | 'durationMs' | 'stopReason'>) => {
        if (settled) return;
        settled = true;
        this.exited = true;
        this.releaseWatch();
        clearTimeout(this.killTimer);
        clearTimeout(this.timeoutTimer);
        outLines.end();
        errLines.end();
        void closeFiles().then(() =>
          resolve({ ...r, stopReason: this.stopReason, stderrTail: tail.join('\n'), durationMs: Date.now() - t0 }),
        );
      };
      const [cmd, ...args] = argv;
      if (cmd === undefined || cmd === '') {
        finish({ kind: 'spawn-error', code: null, signal: null, error: 'trial.command is empty: give the program and its arguments as a list' });
        return;
      }
      let child: ChildProcess;
      // Trials die with the runner, even a SIGKILLed one (see trialWatchdog.ts).
      prepareTrialWatchdog();
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
      this.child = child;
      if (child.pid !== undefined) this.releaseWatch = watchTrialGroup(child.pid, this.opts.killGraceMs ?? 5000);
      child.stdout?.setEncoding('utf8');
      child.stderr?.setEncoding('utf8');
      child.stdout?.on('data', (d: string) => {
        outFile.write(d);
        outLines.push(d);
      });
      child.stderr?.on('data', (d: string) => {
        errFile.write(d);
        errLines.push(d);
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
        // Leftover group members would keep the pipes open: kill them once a stop was requested,
        // and never wait for the pipes longer than a moment.
        if (this.stopReason !== null) this.signal('SIGKILL');
        closeWait = setTimeout(() => finish({ kind: 'exited', ...exitInfo! }), 2000);
      });
      child.on('close', (code, signal) => {
        clearTimeout(closeWait);
        finish({ kind: 'exited', ...(exitInfo ?? { code, signal }) });
      });
      if (this.opts.timeoutMs !== undefined && this.opts.timeoutMs > 0) {
        this.timeoutTimer = setTimeout(() => this.stop('timeout'), this.opts.timeoutMs);
      }
    });
  }
}
