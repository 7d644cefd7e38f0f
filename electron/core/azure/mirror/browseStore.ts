// Browsing an Azure ML workspace online or offline through one read-only TrackingStore: each read
// tries Azure under a short deadline and keeps what it got in the mirror; when Azure cannot be
// used (no network, refused or expired sign-in, 5xx, throttled past the deadline, no answer) the
// same read is answered from the mirror at once, marked `offline: true` with its "as of" time.
// After a failure, reads go straight to the mirror (no waiting on a dead network) and Azure is
// tried again after `retryOnlineMs`, or at once when the app calls reconnect().
import { AzureSetupError, redact } from '../azureErrors.ts';
import { TransportError } from '../httpTransport.ts';
import { splitRunQueryForAzure } from '../mlflowRestrictions.ts';
import {
  MlflowError,
  StoreUnavailableError,
  type Experiment,
  type Metric,
  type Run,
  type SearchExperimentsQuery,
  type SearchRunsQuery,
  type TrackingStore,
} from '../../tracking/types.ts';
import type { MirrorDb } from './mirrorDb.ts';
import { mirrorGetRun, mirrorMetricHistory, mirrorSearchExperiments, mirrorSearchRuns, type MirroredPage } from './mirrorStore.ts';
import { fetchMetricHistory, syncExperimentList, syncExperimentRuns } from './sync.ts';

export interface BrowseStoreOptions {
  /** The workspace's MLflow store, or null when it could not even be set up (then: mirror only,
   * with `unavailableReason`). */
  azure: TrackingStore | null;
  unavailableReason?: string;
  mirror: MirrorDb;
  uri: string;
  /** How long one online read may take before the mirror answers instead (default 3 s). */
  deadlineMs?: number;
  /** After a failure, how long reads go straight to the mirror before Azure is tried again
   * (default 15 s). */
  retryOnlineMs?: number;
  now?: () => number;
  /** Told whenever the state flips, for a status badge. */
  onStateChange?: (s: BrowseState) => void;
}

export interface BrowseState {
  offline: boolean;
  /** Why Azure is not used right now (offline only). */
  reason?: string;
  /** When the last online read failed (offline only). */
  since?: number;
  /** Newest completed sync of any experiment in the mirror. */
  lastSyncAt: number | null;
}

export interface BrowseStore extends TrackingStore {
  readonly mirror: MirrorDb;
  /** False when opened without a connection to Azure (mirror only until reopened). */
  readonly connected: boolean;
  state(): BrowseState;
  /** Tries Azure now (one cheap request under the deadline); true when it answered. */
  reconnect(): Promise<boolean>;
  searchExperiments(query?: SearchExperimentsQuery): Promise<MirroredPage<Experiment>>;
  searchRuns(query: SearchRunsQuery): Promise<MirroredPage<Run>>;
  getMetricHistory(runId: string, key: string, opts?: { maxResults?: number; pageToken?: string }): Promise<MirroredPage<Metric>>;
  /** The run with its "as of" time and whether it came from the mirror. */
  getRunWithAsOf(runId: string): Promise<{ run: Run; asOf: number; offline: boolean }>;
}

class DeadlineExceeded extends Error {
  constructor(ms: number) {
    super(`Azure ML did not answer within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/** True for failures that mean "Azure cannot be used now", as opposed to a wrong request. */
export function isOfflineError(err: unknown): boolean {
  if (err instanceof DeadlineExceeded || err instanceof StoreUnavailableError || err instanceof TransportError || err instanceof AzureSetupError) return true;
  if (err instanceof MlflowError) {
    return err.errorCode === 'UNAUTHENTICATED' || err.errorCode === 'PERMISSION_DENIED' || err.errorCode === 'REQUEST_LIMIT_EXCEEDED' || err.httpStatus >= 500;
  }
  return false;
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(ms)), ms);
  });
  // The losing request settles later on its own deadline; nothing waits for it.
  p.catch(() => undefined);
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

function refuse(what: string): never {
  throw new MlflowError('PERMISSION_DENIED', `Browsing an Azure ML workspace is read-only here: cannot ${what}. Sweeps write to the workspace through the tracking outbox.`);
}

export function openBrowseStore(o: BrowseStoreOptions): BrowseStore {
  const now = o.now ?? Date.now;
  const deadlineMs = o.deadlineMs ?? 3_000;
  const retryOnlineMs = o.retryOnlineMs ?? 15_000;
  const mirror = o.mirror;
  let failure: { reason: string; since: number } | undefined = o.azure ? undefined : { reason: o.unavailableReason ?? 'Azure ML is not set up', since: now() };

  const state = (): BrowseState => ({ offline: !!failure, ...(failure ? { reason: failure.reason, since: failure.since } : {}), lastSyncAt: mirror.lastSyncAt() });

  const setFailure = (f: typeof failure): void => {
    const flipped = !!f !== !!failure;
    failure = f;
    if (flipped) o.onStateChange?.(state());
  };

  /** Runs `online` under the deadline unless Azure failed recently; null means "use the mirror". */
  async function tryOnline<T>(online: (azure: TrackingStore) => Promise<T>, budgetMs = deadlineMs): Promise<T | null> {
    const azure = o.azure;
    if (!azure) return null;
    if (failure && now() - failure.since < retryOnlineMs) return null;
    try {
      const out = await withDeadline(online(azure), budgetMs);
      setFailure(undefined);
      return out;
    } catch (err) {
      if (!isOfflineError(err)) throw err;
      setFailure({ reason: redact(err instanceof Error ? err.message : String(err)), since: now() });
      return null;
    }
  }

  const offlineMark = <T>(page: MirroredPage<T>): MirroredPage<T> => ({ ...page, offline: true, ...(failure ? { offlineReason: failure.reason } : {}) });

  return {
    kind: 'rest',
    uri: o.uri,
    readOnly: true,
    mirror,
    connected: !!o.azure,
    state,

    async reconnect() {
      if (!o.azure) return false;
      failure = failure ? { ...failure, since: -Infinity } : undefined;
      const ok = await tryOnline((azure) => azure.searchExperiments({ maxResults: 1 }));
      return ok !== null;
    },

    async searchExperiments(q = {}) {
      const listed = await tryOnline((azure) => syncExperimentList(azure, mirror, now));
      const page = mirrorSearchExperiments(mirror, q);
      return listed === null ? offlineMark(page) : page;
    },

    async getExperiment(id) {
      const e = await tryOnline(async (azure) => {
        const exp = await azure.getExperiment(id);
        mirror.upsertExperiments([exp], now());
        return exp;
      });
      if (e) return e;
      const m = mirror.experiment(id);
      if (!m) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Azure ML cannot be reached (${failure?.reason ?? 'offline'}) and experiment '${id}' is not in the offline mirror.`);
      return m.experiment;
    },

    async getExperimentByName(name) {
      const e = await tryOnline(async (azure) => {
        const exp = await azure.getExperimentByName(name);
        if (exp) mirror.upsertExperiments([exp], now());
        return { exp };
      });
      return e ? e.exp : (mirror.experimentByName(name)?.experiment ?? null);
    },

    async searchRuns(q) {
      const split = splitRunQueryForAzure(q.filter, q.orderBy);
      const azureCan = split.localComparisons.length === 0 && !split.localOrder;
      if (azureCan) {
        // Azure answers this query itself: forward it and keep the runs.
        const page = await tryOnline(async (azure) => {
          // 500 runs with their metrics stay well under the transport's 4 MB answer limit; the
          // caller pages on with the token as with any MLflow server.
          const p = await azure.searchRuns({ ...q, maxResults: Math.min(q.maxResults ?? 1000, 500), filter: split.remoteFilter, orderBy: split.remoteOrderBy });
          mirror.commitRunPage(p.items, now());
          return p;
        });
        if (page) return { items: page.items, nextPageToken: page.nextPageToken, offline: false, asOf: now() };
      } else {
        // Part of the query is refused by Azure: bring the experiments' runs up to date, then let
        // the mirror evaluate the whole query.
        const synced = await tryOnline(async (azure) => {
          for (const id of q.experimentIds) await syncExperimentRuns(azure, mirror, { experiment_id: String(id), name: String(id) }, { now });
          return true;
        }, deadlineMs * 10);
        if (synced) return mirrorSearchRuns(mirror, q);
      }
      try {
        return offlineMark(mirrorSearchRuns(mirror, q));
      } catch (err) {
        if (q.pageToken && err instanceof MlflowError && err.errorCode === 'INVALID_PARAMETER_VALUE') {
          throw new MlflowError('INVALID_PARAMETER_VALUE', `Azure ML went offline while paging (${failure?.reason ?? ''}); its page token means nothing to the offline mirror. Reload the list to browse the mirror from the first page.`);
        }
        throw err;
      }
    },

    async getRunWithAsOf(runId) {
      const run = await tryOnline(async (azure) => {
        const r = await azure.getRun(runId);
        mirror.commitRunPage([r], now());
        return r;
      });
      if (run) return { run, asOf: now(), offline: false };
      return { ...mirrorGetRun(mirror, runId), offline: true };
    },

    async getRun(runId) {
      return (await this.getRunWithAsOf(runId)).run;
    },

    async getMetricHistory(runId, key, opts = {}) {
      const have = mirror.history(runId, key);
      // A history fetched after its run finished cannot change: no request.
      if (have?.runFinished) return mirrorMetricHistory(mirror, runId, key, opts);
      const fetched = await tryOnline((azure) => fetchMetricHistory(azure, mirror, runId, key, { now }), deadlineMs * 5);
      const page = mirrorMetricHistory(mirror, runId, key, opts);
      return fetched === null ? offlineMark(page) : page;
    },

    createExperiment: async () => refuse('create an experiment'),
    deleteExperiment: async () => refuse('delete an experiment'),
    restoreExperiment: async () => refuse('restore an experiment'),
    renameExperiment: async () => refuse('rename an experiment'),
    setExperimentTag: async () => refuse('set an experiment tag'),
    createRun: async () => refuse('create a run'),
    updateRun: async () => refuse('update a run'),
    deleteRun: async () => refuse('delete a run'),
    restoreRun: async () => refuse('restore a run'),
    logBatch: async () => refuse('log a batch'),
    logMetric: async () => refuse('log a metric'),
    logParam: async () => refuse('log a param'),
    setTag: async () => refuse('set a tag'),
    deleteTag: async () => refuse('delete a tag'),

    async close() {
      await o.azure?.close();
      mirror.close();
    },
  };
}
