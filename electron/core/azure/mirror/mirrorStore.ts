// The offline mirror as a read-only TrackingStore, so the Experiments tree and `runs ls` browse
// it through the same interface as any MLflow store. Filters and order_by use the full MLflow
// grammar, evaluated in memory (memorySearch.ts, as for the mlruns/ file store); pages carry the
// "as of" time of what they show.
import { searchExperimentsInMemory, searchRunsInMemory } from '../../tracking/memorySearch.ts';
import { decodePageToken, pageOf } from '../../tracking/searchFilter.ts';
import { MlflowError, type Experiment, type Metric, type Page, type Run, type SearchExperimentsQuery, type SearchRunsQuery, type TrackingStore } from '../../tracking/types.ts';
import type { MirrorDb } from './mirrorDb.ts';

/** A page with where it came from: `offline` when Azure could not be reached and the mirror
 * answered, `asOf` the time (epoch ms) the oldest item shown was last brought up to date. */
export interface MirroredPage<T> extends Page<T> {
  offline: boolean;
  asOf: number | null;
  /** Why Azure was not used (offline pages only), fit to show the user; never a secret. */
  offlineReason?: string;
}

/** The oldest of the known times; 0 means "never brought up to date" (an experiment only listed,
 * whose runs were browsed one by one) and is left out in favour of the runs' own times. */
const minAsOf = (xs: number[]): number | null => {
  const known = xs.filter((x) => x > 0);
  return known.length ? Math.min(...known) : null;
};

export function mirrorSearchExperiments(db: MirrorDb, q: SearchExperimentsQuery = {}): MirroredPage<Experiment> {
  const page = searchExperimentsInMemory(q, () => db.experiments(), (e) => e.experiment);
  const listed = db.meta('experiments_as_of');
  return { items: page.items.map((e) => e.experiment), nextPageToken: page.nextPageToken, offline: false, asOf: listed ? Number(listed) : null };
}

export function mirrorSearchRuns(db: MirrorDb, q: SearchRunsQuery): MirroredPage<Run> {
  const page = searchRunsInMemory(q, () => db.runsOf(q.experimentIds.map(String)), (r) => r.run);
  const expAsOf = q.experimentIds.map((id) => db.experiment(String(id))?.asOf ?? 0);
  return { items: page.items.map((r) => r.run), nextPageToken: page.nextPageToken, offline: false, asOf: minAsOf([...expAsOf, ...page.items.map((r) => r.asOf)]) };
}

export function mirrorGetRun(db: MirrorDb, runId: string): { run: Run; asOf: number } {
  const r = db.run(runId);
  if (!r) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Run '${runId}' is not in the offline mirror ${db.file}; it was never synced or opened while online.`);
  return r;
}

export function mirrorMetricHistory(db: MirrorDb, runId: string, key: string, o: { maxResults?: number; pageToken?: string } = {}): MirroredPage<Metric> {
  const h = db.history(runId, key);
  if (!h) {
    const run = mirrorGetRun(db, runId);
    const latest = run.run.data.metrics?.find((m) => m.key === key);
    if (!latest) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Run '${runId}' has no metric '${key}' in the offline mirror.`);
    // The history was never fetched: the latest value is all the mirror knows. Say so by the
    // as-of time being the run's, and give the one point rather than nothing.
    return { items: [latest], offline: false, asOf: run.asOf };
  }
  const page = pageOf(h.points, decodePageToken(o.pageToken), o.maxResults ?? 25_000);
  return { items: page.items, nextPageToken: page.nextPageToken, offline: false, asOf: h.asOf };
}

function refuse(what: string): never {
  throw new MlflowError('PERMISSION_DENIED', `The offline mirror of an Azure ML workspace is read-only: cannot ${what}. Write to the workspace itself.`);
}

/** The mirror alone (no Azure), e.g. `sweepdeck runs ls --store azure --offline`. */
export function openMirrorStore(db: MirrorDb, uri: string): TrackingStore {
  return {
    kind: 'mirror',
    uri,
    readOnly: true,
    createExperiment: async () => refuse('create an experiment'),
    getExperiment: async (id) => {
      const e = db.experiment(id);
      if (!e) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No experiment with id '${id}' in the offline mirror ${db.file}.`);
      return e.experiment;
    },
    getExperimentByName: async (name) => db.experimentByName(name)?.experiment ?? null,
    searchExperiments: async (q) => mirrorSearchExperiments(db, q),
    deleteExperiment: async () => refuse('delete an experiment'),
    restoreExperiment: async () => refuse('restore an experiment'),
    renameExperiment: async () => refuse('rename an experiment'),
    setExperimentTag: async () => refuse('set an experiment tag'),
    createRun: async () => refuse('create a run'),
    getRun: async (id) => mirrorGetRun(db, id).run,
    updateRun: async () => refuse('update a run'),
    deleteRun: async () => refuse('delete a run'),
    restoreRun: async () => refuse('restore a run'),
    searchRuns: async (q) => mirrorSearchRuns(db, q),
    logBatch: async () => refuse('log a batch'),
    logMetric: async () => refuse('log a metric'),
    logParam: async () => refuse('log a param'),
    setTag: async () => refuse('set a tag'),
    deleteTag: async () => refuse('delete a tag'),
    getMetricHistory: async (runId, key, o) => mirrorMetricHistory(db, runId, key, o),
    close: async () => db.close(),
  };
}
