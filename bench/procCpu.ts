// CPU time of processes from /proc (Linux): where a multi-process bench spends the machine's CPU.
// Times are utime+stime (own) and cutime+cstime (waited-for children, counted once they are reaped),
// in ms. Elsewhere (no /proc) every reading is null and the bench says so.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on every Linux the benches run on (getconf CLK_TCK)

export interface ProcTimes {
  pid: number;
  ppid: number;
  comm: string;
  ownMs: number;
  /** The kernel's part of ownMs. */
  sysMs: number;
  childrenMs: number;
}

/** One process's times, or null when it is gone (or there is no /proc). */
export function procTimes(pid: number): ProcTimes | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid ...": comm may hold spaces, so fields are read after its ')'.
  const close = stat.lastIndexOf(')');
  const f = stat.slice(close + 2).split(' ');
  // After comm: [0] state, [1] ppid, ..., [11] utime, [12] stime, [13] cutime, [14] cstime.
  return {
    pid,
    ppid: Number(f[1]),
    comm: stat.slice(stat.indexOf('(') + 1, close),
    ownMs: (Number(f[11]) + Number(f[12])) * TICK_MS,
    sysMs: Number(f[12]) * TICK_MS,
    childrenMs: (Number(f[13]) + Number(f[14])) * TICK_MS,
  };
}

/** The direct children of a process (from /proc/PID/task/*\/children). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/)) if (c) out.push(Number(c));
    } catch {
      // the task ended while we looked
    }
  }
  return out;
}

/** All CPU a process tree has used so far: every live member's own time plus the root's and the
 * members' reaped children. The difference of two readings is the tree's CPU in between, children
 * that came and went included. */
export function treeMs(root: number): number {
  let total = 0;
  const todo = [root];
  for (let pid = todo.pop(); pid !== undefined; pid = todo.pop()) {
    const t = procTimes(pid);
    if (!t) continue;
    total += t.ownMs + t.childrenMs;
    todo.push(...childPids(pid));
  }
  return total;
}

/**
 * Follows some long-lived processes (e.g. workers) and their children by sampling, keeping each
 * one's last reading, so their split survives their exit (a parent's children time lumps all its
 * descendants together once they are reaped). A sample every intervalMs; what a process does after
 * its last sample (its shutdown) is not seen.
 */
export class TreeSampler {
  private readonly last = new Map<number, { kind: string; t: ProcTimes }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly roots: () => readonly number[],
    /** The kind of a root's direct child (null: not followed). */
    private readonly childKind: (t: ProcTimes) => string | null,
    private readonly intervalMs = 100,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  sample(): void {
    for (const root of this.roots()) {
      const t = procTimes(root);
      if (!t) continue;
      this.last.set(root, { kind: 'root', t });
      for (const c of childPids(root)) {
        const ct = procTimes(c);
        const kind = ct && this.childKind(ct);
        if (ct && kind) this.last.set(c, { kind, t: ct });
      }
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Per kind ('root' and the children's kinds): own ms (and its kernel part) and reaped-children
   * ms, summed. */
  totals(): Map<string, { ownMs: number; sysMs: number; childrenMs: number; processes: number }> {
    const out = new Map<string, { ownMs: number; sysMs: number; childrenMs: number; processes: number }>();
    for (const { kind, t } of this.last.values()) {
      const s = out.get(kind) ?? { ownMs: 0, sysMs: 0, childrenMs: 0, processes: 0 };
      s.ownMs += t.ownMs;
      s.sysMs += t.sysMs;
      s.childrenMs += t.childrenMs;
      s.processes++;
      out.set(kind, s);
    }
    return out;
  }
}
