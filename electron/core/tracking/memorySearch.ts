// MLflow's searches evaluated in memory: view type, filter, order_by and page over experiments or runs
// read as objects (the mlruns/ file store, the Azure offline mirror, and the SQLite store's
// experiments, which are few). Inputs are checked before any item is read.
import { validateMaxResults } from './mlflowLimits.ts';
import {
  compareExperimentsBy,
  compareRunsBy,
  decodePageToken,
  experimentMatches,
  pageOf,
  parseExperimentFilter,
  parseRunFilter,
  parseRunOrderBy,
  runMatches,
} from './searchFilter.ts';
import type { Experiment, Page, Run, SearchExperimentsQuery, SearchRunsQuery, ViewType } from './types.ts';

/** Whether a lifecycle stage is shown by a view type (ACTIVE_ONLY when none is given). */
export function viewIncludes(view: ViewType | undefined, stage: string): boolean {
  if (view === 'ALL') return true;
  if (view === 'DELETED_ONLY') return stage === 'deleted';
  return stage === 'active';
}

/** `items` are read once the query is known to be valid; `experimentOf` gives an item's experiment. */
export function searchExperimentsInMemory<T>(q: SearchExperimentsQuery, items: () => readonly T[], experimentOf: (item: T) => Experiment): Page<T> {
  const comparisons = parseExperimentFilter(q.filter);
  const order = compareExperimentsBy(q.orderBy);
  const maxResults = validateMaxResults(q.maxResults);
  const offset = decodePageToken(q.pageToken);
  const all = items()
    .filter((item) => viewIncludes(q.viewType, experimentOf(item).lifecycle_stage) && experimentMatches(experimentOf(item), comparisons))
    .sort((a, b) => order(experimentOf(a), experimentOf(b)));
  return pageOf(all, offset, maxResults);
}

/** `items` are the runs of q.experimentIds, read once the query is known to be valid; `runOf` gives
 * an item's run. */
export function searchRunsInMemory<T>(q: Omit<SearchRunsQuery, 'experimentIds'>, items: () => readonly T[], runOf: (item: T) => Run): Page<T> {
  const comparisons = parseRunFilter(q.filter);
  const order = compareRunsBy(parseRunOrderBy(q.orderBy));
  const maxResults = validateMaxResults(q.maxResults);
  const offset = decodePageToken(q.pageToken);
  const all = items()
    .filter((item) => viewIncludes(q.runViewType, runOf(item).info.lifecycle_stage) && runMatches(runOf(item), comparisons))
    .sort((a, b) => order(runOf(a), runOf(b)));
  return pageOf(all, offset, maxResults);
}
