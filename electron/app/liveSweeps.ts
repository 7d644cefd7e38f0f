// The sweeps this process runs: starting a core runner for a sweep the service has checked, turning
// the runner's events into the app's progress events, recording how each run ended, and stopping
// them. The service (sweepsService.ts) decides whether a sweep may run; this only runs it.
import type { HpoConfig } from '../../shared/config.ts';
import type { SweepSummary } from '../../shared/contract.ts';
import type { EventPayload } from '../../shared/events.ts';
import type { SweepCounts, SweepEvent, SweepResult } from '../core/sweeps/types.ts';
import type { AppState, SweepRecord } from './appState.ts';
import type { CoreModules, RunningSweep, SweepTrackingHandle } from './core.ts';
import type { EventBus } from './eventBus.ts';

type Counts = SweepSummary['counts'];

export interface LiveSweep {
  /** null only while the runner is being created. */
  handle: RunningSweep | null;
  stopping: boolean;
  counts: Counts;
  maxTrials: number | null;
  best: { number: number; value: number } | null;
  tracking: SweepTrackingHandle | null;
}

export const toCounts = (c: SweepCounts): Counts => ({ RUNNING: c.running, COMPLETE: c.complete, PRUNED: c.pruned, FAIL: c.failed, WAITING: c.waiting });

/** The runner's own counts are newer than what a reader sees mid-transaction. */
export function applyLive(summary: SweepSummary, live: LiveSweep): void {
  summary.counts = live.counts;
  summary.finishedTrials = live.counts.COMPLETE + live.counts.PRUNED;
  summary.best = live.best ?? summary.best;
  summary.maxTrials = live.maxTrials ?? summary.maxTrials;
}

/** A sweep's summary as a progress event (no trial in it). */
export function progressOf(s: SweepSummary): EventPayload<'sweep.progress'> {
  return { id: s.id, state: s.state, runsHere: s.runsHere, finishedTrials: s.finishedTrials, maxTrials: s.maxTrials, counts: s.counts, best: s.best, trial: null, message: s.message };
}

export interface LiveSweepsOptions {
  state: AppState;
  core: CoreModules;
  bus: EventBus;
  /** The sweep's summary as the service reads it now (after a run ended). */
  summaryOf: (id: string) => SweepSummary;
  onOutboxPending?: ((pending: number) => void) | undefined;
  /** How long launch() waits for the runner to report that it started (or why it could not). */
  startWaitMs?: number | undefined;
}

/** A sweep the service has checked and may run now. */
export interface Launch {
  record: SweepRecord;
  config: HpoConfig;
  configDir: string;
  outputDir: string;
  /** The trial budget asked for now (undefined: the record's). */
  maxTrials: number | undefined;
  /** The summary read before starting: the counts shown until the runner reports its own. */
  before: SweepSummary;
  tracking: SweepTrackingHandle | null;
  /** A PostgreSQL study's connection string with its password (never stored or shown). */
  studyConnection?: string | undefined;
}

export class LiveSweeps {
  private readonly live = new Map<string, LiveSweep>();

  constructor(private readonly o: LiveSweepsOptions) {}

  get(id: string): LiveSweep | undefined {
    return this.live.get(id);
  }

  has(id: string): boolean {
    return this.live.has(id);
  }

  ids(): string[] {
    return [...this.live.keys()];
  }

  get size(): number {
    return this.live.size;
  }

  /** Starts the runner and waits until it has started (or failed to), so a setup error reaches
   * the caller; the record is put back as it was when the runner never starts. */
  async launch(l: Launch): Promise<void> {
    const { record: rec, before, tracking } = l;
    const id = rec.id;
    const previous = { status: rec.status, message: rec.message, maxTrials: rec.maxTrials };
    this.o.state.updateSweep(id, { status: 'running', message: null, ownerPid: process.pid, ...(l.maxTrials !== undefined ? { maxTrials: l.maxTrials } : {}) });

    let started = false;
    let markStarted: () => void = () => {};
    const startedP = new Promise<void>((r) => (markStarted = r));
    const live: LiveSweep = { handle: null, stopping: false, counts: before.counts, maxTrials: l.maxTrials ?? before.maxTrials, best: before.best, tracking };
    const onEvent = (e: SweepEvent): void => {
      this.onRunnerEvent(id, live, e);
      if (e.type === 'sweep-start') {
        started = true;
        markStarted();
      }
    };
    let handle: RunningSweep;
    try {
      handle = this.o.core.startSweep({
        config: l.config,
        configDir: l.configDir,
        outputDir: l.outputDir,
        maxTrials: l.maxTrials ?? rec.maxTrials ?? undefined,
        onEvent,
        ...(tracking ? { hooks: tracking.hooks } : {}),
        ...(l.studyConnection ? { studyConnection: l.studyConnection } : {}),
      });
    } catch (e) {
      this.o.state.updateSweep(id, previous);
      await tracking?.close().catch((c: unknown) => console.error(`sweepdeck: closing tracking of ${rec.id}: ${(c as Error).message}`));
      throw e;
    }
    live.handle = handle;
    this.live.set(id, live);
    let setupError: unknown;
    const ended = handle.done
      .then(
        (result) => this.onEnded(id, result),
        (e: unknown) => {
          if (!started) setupError = e ?? new Error('the runner ended without a reason');
          this.onFailed(id, e, started ? null : previous);
        },
      )
      .finally(() => tracking?.close().catch((e: unknown) => console.error(`sweepdeck: closing tracking of ${id}: ${(e as Error).message}`)));
    await Promise.race([startedP, ended, new Promise((r) => setTimeout(r, this.o.startWaitMs ?? 15_000).unref?.())]);
    if (setupError !== undefined) throw setupError;
  }

  /** Asks the runner to stop; false when this process does not run the sweep. */
  stop(id: string): boolean {
    const live = this.live.get(id);
    if (!live) return false;
    live.stopping = true;
    live.handle?.stop();
    return true;
  }

  /** Stops every sweep this process runs and waits for them, at most timeoutMs. */
  async close(timeoutMs: number): Promise<void> {
    const waits = [...this.live.values()].map((l) => {
      l.stopping = true;
      l.handle?.stop();
      return l.handle?.done.catch(() => undefined);
    });
    await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, timeoutMs).unref?.())]);
  }

  private onRunnerEvent(id: string, live: LiveSweep, e: SweepEvent): void {
    const bus = this.o.bus;
    const progress = (trial: EventPayload<'sweep.progress'>['trial'], message: string | null = null): void => {
      bus.emit('sweep.progress', {
        id,
        state: live.stopping ? 'stopping' : 'running',
        runsHere: true,
        finishedTrials: live.counts.COMPLETE + live.counts.PRUNED,
        maxTrials: live.maxTrials,
        counts: live.counts,
        best: live.best,
        trial,
        message,
      });
    };
    switch (e.type) {
      case 'sweep-start':
        live.counts = toCounts(e.counts);
        live.maxTrials = e.maxTrials;
        progress(null, e.staleFailed.length ? `marked ${e.staleFailed.length} stale trial(s) failed and offered their params again` : null);
        bus.emit('sweeps.changed', { reason: 'started' });
        break;
      case 'progress':
        live.counts = toCounts(e.counts);
        live.maxTrials = e.maxTrials;
        live.best = e.best;
        progress(null);
        if (live.tracking && this.o.onOutboxPending) this.o.onOutboxPending(live.tracking.pending());
        break;
      case 'trial-start':
        // The next progress event brings the runner's counts; until then count this one as running.
        live.counts = { ...live.counts, RUNNING: live.counts.RUNNING + 1, WAITING: Math.max(0, live.counts.WAITING - (e.fromWaiting ? 1 : 0)) };
        progress({ number: e.number, state: 'RUNNING', value: null });
        break;
      case 'trial-end':
        progress({ number: e.number, state: e.state, value: e.value }, e.reason ?? null);
        break;
      case 'trial-log':
        bus.emit('sweep.trialLog', { id, trialNumber: e.number, stream: e.stream, line: e.line });
        break;
      case 'warning':
        progress(null, e.message);
        break;
      default:
        break;
    }
  }

  private onEnded(id: string, result: SweepResult): void {
    const live = this.live.get(id);
    this.live.delete(id);
    const status: SweepRecord['status'] = result.status === 'completed' ? 'finished' : result.status === 'failed' ? 'failed' : 'stopped';
    const message =
      result.status === 'timed-out'
        ? `the sweep timeout was reached after ${result.counts.finished} trials; Resume continues`
        : result.status === 'slots-held-elsewhere'
          ? 'the remaining trial slots are held by another live runner'
          : (result.message ?? null);
    this.o.state.updateSweep(id, { status, message, ownerPid: null });
    const counts = toCounts(result.counts);
    const summary = this.o.summaryOf(id);
    // The run's own final counts: a reader may not see its last commit yet.
    this.o.bus.emit('sweep.progress', { ...progressOf(summary), finishedTrials: counts.COMPLETE + counts.PRUNED, maxTrials: result.maxTrials ?? live?.maxTrials ?? null, counts, best: result.best });
    this.o.bus.emit('sweeps.changed', { reason: 'ended' });
  }

  /** previous: the record before launch when the runner never started (it is put back as it was,
   * with the reason); null when it failed after starting. */
  private onFailed(id: string, e: unknown, previous: Pick<SweepRecord, 'status' | 'message' | 'maxTrials'> | null): void {
    this.live.delete(id);
    const why = (e as Error)?.message ?? String(e);
    if (previous) this.o.state.updateSweep(id, { status: previous.status, message: `could not start: ${why}`, ownerPid: null, maxTrials: previous.maxTrials });
    else this.o.state.updateSweep(id, { status: 'failed', message: why, ownerPid: null });
    this.o.bus.emit('sweeps.changed', { reason: previous ? 'start failed' : 'failed' });
  }
}
