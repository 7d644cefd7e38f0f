// The sweeps a page is looking at, watched for trials other processes write (Python Optuna, another
// runner) so the page updates by itself. A page asks with sweeps.watch and asks again while it
// looks (a lease): a closed tab, or a host restarted under it, leaves nothing watched for long.
// Sweeps this app runs are left out: their runner's events already say every change.
import { isStudyUrl } from '../core/studies/studyUrl.ts';
import type { SweepSummary } from '../../shared/contract.ts';
import { AppFault } from './appError.ts';
import { UNREADABLE_STUDY } from './sweepsService.ts';
import type { EventBus } from './eventBus.ts';
import { StudyFileWatch } from './studyFileWatch.ts';

export interface WatchedSweepsOptions {
  sweeps: { summary(id: string): SweepSummary };
  bus: EventBus;
  /** How long one sweeps.watch call keeps a sweep watched (ms). */
  leaseMs?: number;
  /** Told the leased sweeps whose study is a URL whenever the leases change (they are polled). */
  onUrlLeases?: (ids: string[]) => void;
  pollMs?: number;
  settleMs?: number;
}

/** At most this many sweeps per page call (a list screen asks for what it shows). */
export const MAX_WATCHED = 500;

/** A study that cannot be read right after it changed is most often still locked by its writer
 * (the app waits only briefly for a lock): it is read again at the next poll, and said to be
 * unreadable only when it stays so this many times. */
const UNREADABLE_RETRIES = 3;

export class WatchedSweeps {
  private readonly leases = new Map<string, { until: number; file: string }>();
  private readonly files: StudyFileWatch;
  private readonly warnedDirs = new Set<string>();
  private readonly unreadable = new Map<string, number>();
  private expiry: NodeJS.Timeout | null = null;
  readonly leaseMs: number;

  constructor(private readonly o: WatchedSweepsOptions) {
    this.leaseMs = o.leaseMs ?? 60_000;
    this.files = new StudyFileWatch({
      onChange: (f) => this.changed(f),
      ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
      ...(o.settleMs !== undefined ? { settleMs: o.settleMs } : {}),
      onWatchError: (dir, e) => {
        if (this.warnedDirs.has(dir)) return;
        this.warnedDirs.add(dir);
        // Not an error for the user: changes there are still seen, by the poll.
        console.error(`sweepdeck: no change events for ${dir} (${e.message}); its studies are polled instead.`);
      },
    });
  }

  /** Watches these sweeps (or keeps watching them) for the lease's length. Sweeps that are not known
   * are left out of the answer. */
  watch(ids: readonly string[]): { watching: string[]; leaseMs: number } {
    const until = Date.now() + this.leaseMs;
    const watching: string[] = [];
    for (const id of ids.slice(0, MAX_WATCHED)) {
      let file: string;
      try {
        file = this.o.sweeps.summary(id).studyPath;
      } catch (e) {
        if (e instanceof AppFault && e.code === 'NOT_FOUND') continue;
        throw e;
      }
      this.leases.set(id, { until, file });
      watching.push(id);
    }
    this.refresh();
    return { watching, leaseMs: this.leaseMs };
  }

  /** The study files watched now (for tests and diagnostics). */
  watchedFiles(): string[] {
    return this.files.watching();
  }

  private refresh(): void {
    const now = Date.now();
    for (const [id, l] of this.leases) if (l.until <= now) this.leases.delete(id);
    // A study behind a URL has no file: the app's URL-study poll (urlStudyWatch.ts) tells its changes.
    this.files.set([...this.leases.values()].map((l) => l.file).filter((f) => !isStudyUrl(f)));
    // A study behind a URL is polled by the app only while a lease holds it (urlStudies.ts).
    this.o.onUrlLeases?.([...this.leases].filter(([, l]) => isStudyUrl(l.file)).map(([id]) => id));
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = null;
    if (this.leases.size === 0) return;
    const next = Math.min(...[...this.leases.values()].map((l) => l.until));
    this.expiry = setTimeout(() => this.refresh(), Math.max(0, next - now) + 10);
    this.expiry.unref?.();
  }

  private changed(file: string): void {
    for (const [id, l] of this.leases) {
      if (l.file !== file) continue;
      let s: SweepSummary;
      try {
        s = this.o.sweeps.summary(id);
      } catch (e) {
        // Removed meanwhile: nothing to tell. Anything else (a lock held past the busy timeout) is
        // logged; the next change or the page's next read tries again.
        if (!(e instanceof AppFault && e.code === 'NOT_FOUND')) console.error(`sweepdeck: reading sweep ${id} after ${file} changed failed: ${(e as Error).message}`);
        continue;
      }
      if (s.runsHere) continue;
      if (s.message?.startsWith(UNREADABLE_STUDY)) {
        const n = (this.unreadable.get(id) ?? 0) + 1;
        this.unreadable.set(id, n);
        if (n < UNREADABLE_RETRIES) {
          this.files.recheck(file);
          continue;
        }
      }
      this.unreadable.delete(id);
      this.o.bus.emit('sweep.progress', {
        id,
        state: s.state,
        runsHere: s.runsHere,
        finishedTrials: s.finishedTrials,
        maxTrials: s.maxTrials,
        counts: s.counts,
        best: s.best,
        trial: null,
        message: s.message,
      });
    }
  }

  close(): void {
    if (this.expiry) clearTimeout(this.expiry);
    this.expiry = null;
    this.leases.clear();
    this.o.onUrlLeases?.([]);
    this.files.close();
  }
}
