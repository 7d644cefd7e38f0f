// One PostgreSQL study the app watches: read every interval through the async storage, whose trial
// cache makes each read incremental (only new trials, and trials last seen unfinished, are read
// again), so a poll costs the same at trial 10 as at trial 10,000. The latest reading is kept as a
// snapshot the (synchronous) sweeps service answers from; a failed read keeps the last snapshot and
// the error, in words naming the URL without its password, and the next poll tries again.
import type { FrozenTrial, TrialState } from '../core/search/types.ts';
import { bestOfTrials, countStates } from '../core/studies/trialRules.ts';
import { openPostgresStudyStorage, type OpenPostgresStorageOptions, type OptunaPostgresStorage } from '../core/studies/optunaPostgresStorage.ts';
import type { StudyInfo } from '../core/studies/types.ts';

/**
 * How the app opens a study it shows: a few connections, and no waiting out an outage (a storage
 * that reconnects would otherwise hold each read for minutes): the page says the server is away at
 * once and the next poll reads again. Kept in a variable, so a storage without the reconnect
 * option takes the rest.
 */
export function appStorageOptions(readonly: boolean): OpenPostgresStorageOptions {
  const opts = { readonly, poolSize: 2, reconnect: { patienceMs: 0 } };
  return opts;
}

export interface UrlStudySnapshot {
  info: StudyInfo;
  trials: readonly FrozenTrial[];
  counts: Record<TrialState, number>;
  best: { number: number; value: number } | null;
  /** Newest heartbeat per RUNNING trial id, as epoch ms of this machine's clock (read as an age by
   * the server's clock, so clock differences between machines do not matter). */
  heartbeats: Map<number, number>;
  readAt: number;
}

export interface UrlStudyWatchOptions {
  /** The study URL without its password. */
  redacted: string;
  studyName: string;
  /** The URL to connect with (its kept password put back, if any). */
  connectionString: () => Promise<string>;
  /** Removes any kept password from a message (a last guard). */
  scrub: (text: string) => string;
  intervalMs: number;
  /** Called after each read that changed what the snapshot or the error says. */
  onChange: () => void;
}

/** What a change to show is about: the counts, the best, the heartbeats' trials, attrs, the error. */
function fingerprint(s: UrlStudySnapshot | null, error: string | null): string {
  if (!s) return `none\0${error ?? ''}`;
  return JSON.stringify([s.counts, s.best, [...s.heartbeats.keys()], s.info.systemAttrs, s.info.userAttrs, error]);
}

export class UrlStudyWatch {
  snapshot: UrlStudySnapshot | null = null;
  error: string | null = null;
  private storage: OptunaPostgresStorage | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<void> | null = null;
  private closed = false;
  /** When the last read began (ms): reads on demand skip a study read this recently. */
  private lastReadAt = 0;
  private generation = 0;

  constructor(private readonly o: UrlStudyWatchOptions) {}

  /** Reads the study now (or joins the read under way). Never throws: a failure is kept in error. */
  refresh(): Promise<void> {
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Reads the study in the background unless a read is under way or began within maxAgeMs: what
   * a summary asks for when no page follows the study (no poll runs then). */
  refreshIfOlderThan(maxAgeMs: number): void {
    if (this.inFlight || this.closed || Date.now() - this.lastReadAt < maxAgeMs) return;
    void this.refresh();
  }

  /** True while the study is polled (between start() and stop()). */
  get polling(): boolean {
    return this.timer !== null;
  }

  private async read(): Promise<void> {
    this.lastReadAt = Date.now();
    const before = fingerprint(this.snapshot, this.error);
    try {
      this.storage ??= await openPostgresStudyStorage(await this.o.connectionString(), appStorageOptions(true));
      const info = await this.storage.loadStudy(this.o.studyName);
      const trials = await this.storage.getTrials(info.studyId);
      const beats = await this.storage.runningHeartbeats(info.studyId);
      const readAt = Date.now();
      this.snapshot = {
        info,
        trials,
        counts: countStates(trials),
        best: info.directions.length === 1 ? bestOfTrials(trials, info.directions[0]!) : null,
        heartbeats: new Map(beats.map((b) => [b.trialId, readAt - b.ageMs])),
        readAt,
      };
      this.error = null;
    } catch (e) {
      this.error = this.o.scrub((e as Error).message);
      // A connection that failed (auth, unreachable) is opened afresh next time, with whatever
      // password or server is there by then.
      const s = this.storage;
      this.storage = null;
      await s?.close().catch((e2: unknown) => console.error(`sweepdeck: closing ${this.o.redacted}: ${this.o.scrub((e2 as Error).message)}`));
    }
    if (this.closed) return;
    if (fingerprint(this.snapshot, this.error) !== before) this.o.onChange();
  }

  /** After this app changed a finished trial (a note): its cached copy is read again, then the
   * study. */
  async reloadTrial(trialId: number): Promise<void> {
    await this.inFlight?.catch(() => undefined);
    await this.storage?.reloadTrial(trialId);
    await this.refresh();
  }

  /** Polls until stop() or close(). */
  start(): void {
    if (this.timer || this.closed) return;
    // A stop() and start() while a poll's read is under way must not leave two polls running.
    const generation = ++this.generation;
    const tick = (): void => {
      void this.refresh().then(() => {
        if (this.closed || this.timer === null || generation !== this.generation) return;
        // A failing server is asked less often.
        this.timer = setTimeout(tick, this.error ? Math.max(this.o.intervalMs * 3, 3000) : this.o.intervalMs);
        this.timer.unref?.();
      });
    };
    this.timer = setTimeout(tick, this.o.intervalMs);
    this.timer.unref?.();
  }

  /** Stops polling (the connection and the incremental caches stay for the next reads). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight?.catch(() => undefined);
    const s = this.storage;
    this.storage = null;
    await s?.close();
  }
}
