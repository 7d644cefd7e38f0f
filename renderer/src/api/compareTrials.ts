// The trials of several sweeps at once, for the Compare view: one query per sweep under the same key
// and fetch as the detail screen's useTrials, so a sweep already opened is not read again and live
// updates (useLiveEvents) refresh the compared sweeps the same way, with deltas.
import { useQueries, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useClient } from './clientContext.tsx';
import { keys } from './queries.ts';
import { refreshTrials, type TrialsData } from './trialsData.ts';

export function useTrialsOf(ids: readonly string[]): Array<UseQueryResult<TrialsData, Error>> {
  const client = useClient();
  const qc = useQueryClient();
  return useQueries({
    queries: ids.map((id) => ({
      queryKey: keys.trials(id),
      queryFn: () => refreshTrials(client, id, qc.getQueryData<TrialsData>(keys.trials(id))),
      // As in useTrials: refreshTrials shares unchanged data itself and marks what a delta builds on.
      structuralSharing: false,
      placeholderData: (prev: TrialsData | undefined) => prev,
    })),
  });
}
