// Queries of the run views (best-of summaries, artifacts). Their keys live here, beside the hooks,
// so the shared query-key list stays as it is.
import { keepPreviousData, useQueries, useQuery, type QueryClient } from '@tanstack/react-query';
import { useMemo, useRef } from 'react';
import type { ChannelOutput } from '../../../shared/contract.ts';
import { bestOf, type BestOf } from '../lib/runs.ts';
import { useClient } from './clientContext.tsx';
import { useChannel } from './queries.ts';

export const runViewKeys = {
  summaries: (storeId: string, runIds: readonly string[]) => ['runs.metricSummaries', storeId, runIds.join(',')] as const,
  artifacts: (storeId: string, runId: string, path: string) => ['runs.artifacts', storeId, runId, path] as const,
  artifact: (storeId: string, runId: string, path: string) => ['runs.artifact', storeId, runId, path] as const,
};

/** Min and max over each metric's history for these runs; asked only when `enabled`. */
export function useBestOf(storeId: string, runIds: readonly string[], enabled: boolean): { best: BestOf | undefined; reason: string | null; error: Error | null; pending: boolean } {
  const q = useChannel(runViewKeys.summaries(storeId, runIds), 'runs.metricSummaries', { storeId, runIds: [...runIds] }, { enabled: enabled && runIds.length > 0 });
  const best = useMemo(() => (q.data?.available ? bestOf(q.data.summaries) : undefined), [q.data]);
  return { best, reason: q.data && !q.data.available ? q.data.reason : null, error: q.error, pending: enabled && runIds.length > 0 && q.isPending };
}

/** What the runs table shows (runs.table), without the rows asked for. */
export interface RunTableView {
  storeId: string;
  experimentId: string;
  filter: string;
  sort: { column: string; descending: boolean };
  expanded: string[];
}

/** Rows per runs.table request: a screenful and then some. */
export const RUN_TABLE_PAGE = 200;

const tableKey = (v: RunTableView, page: number) => ['runs.table', v.storeId, v.experimentId, v.filter, v.sort.column, v.sort.descending, v.expanded.join(','), page] as const;

/** One page of the runs table: its rows, or while a new sort, filter or expansion is on its way,
 * the rows this page index last held (`stale`), so the table does not blank meanwhile. */
export interface RunTablePage {
  data: ChannelOutput<'runs.table'> | undefined;
  stale: boolean;
  pending: boolean;
  error: Error | null;
  refetch: () => void;
}

/** The revision of the rows a runs table shows (shared by its hooks): a store that cannot say when it
 * changed is read again on a table's first request, and its copy reused for the pages that follow. */
export interface ShownRevision {
  current: string | undefined;
  /** refreshRunTables' count for the store when `current` was set. */
  epoch: number;
}

const epochs = new Map<string, number>();

/** The runs tables of a store are read again from it (e.g. a mirror sync brought new runs). */
export function refreshRunTables(qc: QueryClient, storeId: string): void {
  epochs.set(storeId, (epochs.get(storeId) ?? 0) + 1);
  void qc.invalidateQueries({ queryKey: ['runs.table', storeId] });
}

/** Pages of the host-laid-out runs table, by page index. */
export function useRunTablePages(view: RunTableView, pages: readonly number[], revision: ShownRevision): RunTablePage[] {
  const client = useClient();
  // The last rows each page index showed (useQueries keeps no previous data across keys).
  const held = useRef(new Map<number, ChannelOutput<'runs.table'>>());
  const qs = useQueries({
    queries: pages.map((page) => ({
      queryKey: tableKey(view, page),
      queryFn: () =>
        client.get('runs.table', {
          storeId: view.storeId,
          experimentId: view.experimentId,
          ...(view.filter ? { filter: view.filter } : {}),
          sort: view.sort,
          expanded: view.expanded,
          offset: page * RUN_TABLE_PAGE,
          limit: RUN_TABLE_PAGE,
          ...(revision.current && revision.epoch === (epochs.get(view.storeId) ?? 0) ? { revision: revision.current } : {}),
        }).then((r) => {
          revision.current = r.revision;
          revision.epoch = epochs.get(view.storeId) ?? 0;
          return r;
        }),
      // A failed filter is the user's to fix: no retries.
      retry: false,
    })),
  });
  return qs.map((q, k) => {
    const page = pages[k]!;
    if (q.data) held.current.set(page, q.data);
    const data = q.data ?? (q.isError ? undefined : held.current.get(page));
    return { data, stale: q.data === undefined && data !== undefined, pending: q.isPending, error: q.error, refetch: () => void q.refetch() };
  });
}

/** One metric of the runs table's matching runs, for its chart (runs.tableChart); asked only when shown. */
export function useRunTableChart(view: RunTableView, metric: string | null, enabled: boolean, revision: ShownRevision) {
  const client = useClient();
  return useQuery({
    queryKey: ['runs.tableChart', view.storeId, view.experimentId, view.filter, metric],
    queryFn: () =>
      client.get('runs.tableChart', {
        storeId: view.storeId,
        experimentId: view.experimentId,
        ...(view.filter ? { filter: view.filter } : {}),
        metric: metric!,
        ...(revision.current && revision.epoch === (epochs.get(view.storeId) ?? 0) ? { revision: revision.current } : {}),
      }),
    enabled: enabled && metric !== null,
    placeholderData: keepPreviousData,
    retry: false,
  });
}
