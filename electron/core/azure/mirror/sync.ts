// Brings the offline mirror up to date from the workspace's MLflow endpoint.
//
// Incremental, within Azure's limits: MLflow runs have no "last modified" attribute, and Azure
// refuses filters on status, so "changed since the last sync" is approximated by start time.
// Per experiment, one search-runs window `attributes.start_time >= W`, ordered by
// `attributes.start_time DESC` (start_time is filterable and orderable on Azure; nothing else in
// the query), with W = the high-water mark (largest start_time a finished window saw) minus a
// clock-skew margin, lowered to the start of the oldest run the mirror still has as RUNNING or
// SCHEDULED (started within `openRunHorizonMs`), because those are the runs whose status, end
// time and metrics still change. With nothing new, the window holds only the last run(s): one
// request per experiment, plus one experiments listing for the workspace. `--full` reads every
// run again (catches deletions and runs back-dated beyond the margin).
//
// Resumable: each page is upserted by run id in one transaction together with the cursor (the
// window and the next page token), so a kill loses at most the page in flight and a re-run
// resumes at the next page. Offset page tokens over a start_time-DESC order are safe against new
// runs arriving meanwhile: they push rows down, so a page is re-read, never skipped. The
// high-water mark only moves when a window is complete.
import { MlflowError, StoreUnavailableError, type Experiment, type Metric, type TrackingStore } from '../../tracking/types.ts';
import { AZURE_HISTORY_PAGE_MAX } from '../mlflowRestrictions.ts';
import { isFinishedStatus, type MirrorDb, type SyncCursor } from './mirrorDb.ts';

export type SyncEvent =
  | { kind: 'experiments'; count: number }
  | { kind: 'page'; experiment: string; page: number; runs: number; newRuns: number; resumed: boolean }
  | { kind: 'experiment-done'; experiment: string; runsFetched: number; newRuns: number; requests: number }
  | { kind: 'experiment-error'; experiment: string; message: string }
  | { kind: 'history'; experiment: string; done: number; total: number; points: number };

export interface SyncOptions {
  /** The workspace's MLflow store (openAzureMlflowStore). */
  store: TrackingStore;
  mirror: MirrorDb;
  /** Only these experiments (by name); all when absent. */
  experimentNames?: readonly string[];
  /** Also fetch every metric history of the synced experiments ("make available offline"). */
  histories?: boolean;
  /** Re-read every run, not just the incremental window. */
  full?: boolean;
  /** Runs per search page (default 500: a page of runs with 20 metrics stays well under 4 MB). */
  pageSize?: number;
  /** Margin below the high-water mark for clocks that lag (default 60 s). */
  skewMarginMs?: number;
  /** Open runs older than this are not re-read every sync (default 7 days). */
  openRunHorizonMs?: number;
  signal?: AbortSignal;
  onEvent?: (e: SyncEvent) => void;
  now?: () => number;
}

export interface SyncSummary {
  experiments: number;
  runsFetched: number;
  newRuns: number;
  pages: number;
  historiesFetched: number;
  historyPoints: number;
  errors: { experiment: string; message: string }[];
  startedAt: number;
  finishedAt: number;
}

const DAY = 86_400_000;

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('sync cancelled');
}

/** Every experiment of the workspace (deleted ones too, so the mirror can show them as such). */
export async function syncExperimentList(store: TrackingStore, mirror: MirrorDb, now: () => number = Date.now): Promise<Experiment[]> {
  const all: Experiment[] = [];
  let pageToken: string | undefined;
  do {
    const page = await store.searchExperiments({ viewType: 'ALL', maxResults: 1000, pageToken });
    all.push(...page.items);
    pageToken = page.items.length > 0 ? page.nextPageToken : undefined;
  } while (pageToken);
  mirror.upsertExperiments(all, now());
  return all;
}

export interface ExperimentSyncResult {
  runsFetched: number;
  newRuns: number;
  pages: number;
}

/** One experiment's run window (see the file comment), resuming an unfinished one. */
export async function syncExperimentRuns(
  store: TrackingStore,
  mirror: MirrorDb,
  experiment: Pick<Experiment, 'experiment_id' | 'name'>,
  opts: Pick<SyncOptions, 'full' | 'pageSize' | 'skewMarginMs' | 'openRunHorizonMs' | 'signal' | 'onEvent' | 'now'> = {},
): Promise<ExperimentSyncResult> {
  const now = opts.now ?? Date.now;
  const id = experiment.experiment_id;
  const pageSize = opts.pageSize ?? 500;
  let c: SyncCursor = mirror.cursor(id);
  const resumed = c.pageToken !== null;
  if (!resumed) {
    let windowFrom: number | null = null;
    if (!opts.full && c.hwmStartTime !== null) {
      windowFrom = c.hwmStartTime - (opts.skewMarginMs ?? 60_000);
      const open = mirror.oldestOpenRunStart(id, now() - (opts.openRunHorizonMs ?? 7 * DAY));
      if (open !== null) windowFrom = Math.min(windowFrom, open);
    }
    c = { ...c, windowFrom, windowMaxStart: null, pagesDone: 0 };
  }
  const windowStartedAt = now();
  const filter = c.windowFrom === null ? undefined : `attributes.start_time >= ${Math.max(0, Math.floor(c.windowFrom))}`;
  let token = c.pageToken ?? undefined;
  const out: ExperimentSyncResult = { runsFetched: 0, newRuns: 0, pages: 0 };
  for (;;) {
    checkAbort(opts.signal);
    let page;
    try {
      page = await store.searchRuns({ experimentIds: [id], filter, orderBy: ['attributes.start_time DESC'], runViewType: 'ALL', maxResults: pageSize, pageToken: token });
    } catch (err) {
      // A page token kept across a kill may have expired on the server: read the window again
      // from its start (upserts make the re-read harmless).
      if (token !== undefined && err instanceof MlflowError && err.errorCode === 'INVALID_PARAMETER_VALUE') {
        token = undefined;
        c = { ...c, pageToken: null, pagesDone: 0 };
        continue;
      }
      throw err;
    }
    const asOf = now();
    let windowMax = c.windowMaxStart;
    for (const r of page.items) windowMax = windowMax === null ? r.info.start_time : Math.max(windowMax, r.info.start_time);
    const next = page.items.length > 0 ? page.nextPageToken : undefined;
    c = next
      ? { ...c, windowMaxStart: windowMax, pageToken: next, pagesDone: c.pagesDone + 1, lastError: null }
      : {
          ...c,
          hwmStartTime: windowMax === null ? c.hwmStartTime : Math.max(c.hwmStartTime ?? windowMax, windowMax),
          windowFrom: null,
          windowMaxStart: null,
          pageToken: null,
          pagesDone: 0,
          lastSyncAt: asOf,
          lastError: null,
        };
    const { inserted } = mirror.commitRunPage(page.items, asOf, c);
    out.runsFetched += page.items.length;
    out.newRuns += inserted;
    out.pages++;
    opts.onEvent?.({ kind: 'page', experiment: experiment.name, page: out.pages, runs: page.items.length, newRuns: inserted, resumed });
    if (!next) break;
    token = next;
  }
  mirror.setExperimentAsOf(id, windowStartedAt);
  return out;
}

/** A metric's whole history, in pages Azure accepts (< 1,000 points), stored in the mirror once
 * complete. */
export async function fetchMetricHistory(store: TrackingStore, mirror: MirrorDb, runId: string, key: string, opts: { signal?: AbortSignal; now?: () => number; runFinished?: boolean } = {}): Promise<Metric[]> {
  const points: Metric[] = [];
  let pageToken: string | undefined;
  do {
    checkAbort(opts.signal);
    const page = await store.getMetricHistory(runId, key, { maxResults: AZURE_HISTORY_PAGE_MAX, pageToken });
    points.push(...page.items);
    pageToken = page.items.length > 0 ? page.nextPageToken : undefined;
  } while (pageToken);
  const finished = opts.runFinished ?? (() => {
    const r = mirror.run(runId);
    return r ? isFinishedStatus(r.run.info.status) : false;
  })();
  mirror.putHistory(runId, key, points, (opts.now ?? Date.now)(), finished);
  return points;
}

/** "Make available offline": every metric history of an experiment's runs, a few at a time,
 * skipping histories already complete (fetched after their run finished). */
export async function makeAvailableOffline(
  store: TrackingStore,
  mirror: MirrorDb,
  experiment: Pick<Experiment, 'experiment_id' | 'name'>,
  opts: { signal?: AbortSignal; onEvent?: (e: SyncEvent) => void; concurrency?: number; now?: () => number } = {},
): Promise<{ fetched: number; points: number; skipped: number }> {
  const jobs: { runId: string; key: string; finished: boolean }[] = [];
  let skipped = 0;
  for (const { run } of mirror.runsOf([experiment.experiment_id])) {
    const finished = isFinishedStatus(run.info.status);
    for (const m of run.data.metrics ?? []) {
      const have = mirror.history(run.info.run_id, m.key);
      if (have?.runFinished) skipped++;
      else jobs.push({ runId: run.info.run_id, key: m.key, finished });
    }
  }
  let done = 0;
  let points = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      checkAbort(opts.signal);
      const job = jobs[next++] as (typeof jobs)[number];
      const h = await fetchMetricHistory(store, mirror, job.runId, job.key, { signal: opts.signal, now: opts.now, runFinished: job.finished });
      points += h.length;
      done++;
      opts.onEvent?.({ kind: 'history', experiment: experiment.name, done, total: jobs.length, points });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, jobs.length)) }, worker));
  return { fetched: done, points, skipped };
}

/** The whole workspace (or the named experiments): experiment list, run windows, and with
 * `histories` every metric history. An experiment that fails is recorded and the others go on;
 * an unreachable workspace or a cancel stops the sync (what was committed stays). */
export async function syncWorkspace(opts: SyncOptions): Promise<SyncSummary> {
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const summary: SyncSummary = { experiments: 0, runsFetched: 0, newRuns: 0, pages: 0, historiesFetched: 0, historyPoints: 0, errors: [], startedAt, finishedAt: startedAt };
  const all = await syncExperimentList(opts.store, opts.mirror, now);
  let chosen = all.filter((e) => e.lifecycle_stage === 'active');
  if (opts.experimentNames?.length) {
    const missing = opts.experimentNames.filter((n) => !all.some((e) => e.name === n));
    if (missing.length) {
      throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `no experiment named ${missing.map((m) => `'${m}'`).join(', ')} in the workspace; it has ${all.length} experiment(s)${all.length ? `, e.g. ${all.slice(0, 5).map((e) => `'${e.name}'`).join(', ')}` : ''}`);
    }
    chosen = all.filter((e) => opts.experimentNames?.includes(e.name));
  }
  opts.onEvent?.({ kind: 'experiments', count: chosen.length });
  for (const e of chosen) {
    checkAbort(opts.signal);
    try {
      const r = await syncExperimentRuns(opts.store, opts.mirror, e, opts);
      summary.experiments++;
      summary.runsFetched += r.runsFetched;
      summary.newRuns += r.newRuns;
      summary.pages += r.pages;
      opts.onEvent?.({ kind: 'experiment-done', experiment: e.name, runsFetched: r.runsFetched, newRuns: r.newRuns, requests: r.pages });
      if (opts.histories) {
        const h = await makeAvailableOffline(opts.store, opts.mirror, e, opts);
        summary.historiesFetched += h.fetched;
        summary.historyPoints += h.points;
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      opts.mirror.putCursor({ ...opts.mirror.cursor(e.experiment_id), lastError: message });
      opts.onEvent?.({ kind: 'experiment-error', experiment: e.name, message });
      if (err instanceof StoreUnavailableError || opts.signal?.aborted || !(err instanceof MlflowError)) throw err;
      summary.errors.push({ experiment: e.name, message });
    }
  }
  summary.finishedAt = now();
  opts.mirror.setMeta('last_sync_at', String(summary.finishedAt));
  return summary;
}
