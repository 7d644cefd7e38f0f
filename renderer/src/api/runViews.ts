// Queries of the run views (best-of summaries, artifacts). Their keys live here, beside the hooks,
// so the shared query-key list stays as it is.
import { useMemo } from 'react';
import { bestOf, type BestOf } from '../lib/runs.ts';
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
