// React Query hooks over the typed client: one query key per channel + input, so events can
// update exactly the caches they affect (see useLiveEvents).
import { useMutation, useQuery, useQueryClient, type QueryClient, type UseQueryOptions } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { Client } from '../../../shared/client.ts';
import type { Channel, ChannelInput, ChannelOutput } from '../../../shared/contract.ts';
import { useFirstViewDrawn } from '../lib/firstView.ts';
import { afterPaint } from '../lib/perf.ts';
import { useClient } from './clientContext.tsx';
import { refreshIntermediate } from './intermediateData.ts';
import { refreshTrials, type TrialsData } from './trialsData.ts';

export const keys = {
  info: ['app.info'] as const,
  sweeps: ['sweeps.list'] as const,
  sweep: (id: string) => ['sweeps.get', id] as const,
  trials: (id: string) => ['sweeps.trials', id] as const,
  intermediate: (id: string) => ['sweeps.intermediateColumns', id] as const,
  trialLog: (id: string, n: number, stream: 'stdout' | 'stderr') => ['sweeps.trialLog', id, n, stream] as const,
  tracking: ['tracking.status'] as const,
  stores: ['stores.list'] as const,
  experiments: (storeId: string) => ['experiments.list', storeId] as const,
  runs: (storeId: string, experimentIds: readonly string[], filter: string) => ['runs.search', storeId, experimentIds.join(','), filter] as const,
  run: (storeId: string, runId: string) => ['runs.get', storeId, runId] as const,
  children: (storeId: string, experimentId: string, parentRunId: string) => ['runs.children', storeId, experimentId, parentRunId] as const,
  metricHistory: (storeId: string, runId: string, key: string) => ['runs.metricHistory', storeId, runId, key] as const,
};

type Opts<C extends Channel> = Omit<UseQueryOptions<ChannelOutput<C>, Error>, 'queryKey' | 'queryFn'>;

/** A query on one channel. */
export function useChannel<C extends Channel>(key: readonly unknown[], channel: C, input: ChannelInput<C>, opts: Opts<C> = {}) {
  const client = useClient();
  return useQuery<ChannelOutput<C>, Error>({ queryKey: key, queryFn: () => client.get(channel, input), ...opts });
}

// The shell's queries wait for the first view when the page opens on a sweep (lib/firstView.ts).
export const useAppInfo = () => useChannel(keys.info, 'app.info', {}, { staleTime: Infinity, enabled: useFirstViewDrawn() });
export const useSweeps = () => useChannel(keys.sweeps, 'sweeps.list', {}, { enabled: useFirstViewDrawn() });
export const useSweep = (id: string) => useChannel(keys.sweep(id), 'sweeps.get', { id });
export function useTrials(id: string) {
  const client = useClient();
  const qc = useQueryClient();
  return useQuery<TrialsData, Error>({
    queryKey: keys.trials(id),
    // A refetch (a live update) asks only for the trials that changed since the data held.
    queryFn: () => refreshTrials(client, id, qc.getQueryData<TrialsData>(keys.trials(id))),
    // refreshTrials shares what did not change itself (the same rows, or the same data); React
    // Query's copy would also lose the mark of what a delta may build on.
    structuralSharing: false,
    placeholderData: (prev) => prev,
  });
}
/** The trials' intermediate values (one chart draws them, after the first view): one query, read by
 * the chart and asked for ahead of it by usePrefetchIntermediate. */
const intermediateQuery = (client: Client, qc: QueryClient, id: string) => ({
  queryKey: keys.intermediate(id),
  // A refetch (a live update) asks only for the trials that may have changed (intermediateData.ts).
  queryFn: () => refreshIntermediate(client, id, qc.getQueryData<ChannelOutput<'sweeps.intermediateColumns'>>(keys.intermediate(id)), qc.getQueryData<TrialsData>(keys.trials(id))),
  structuralSharing: false,
});
export function useIntermediate(id: string) {
  const client = useClient();
  const qc = useQueryClient();
  return useQuery({ ...intermediateQuery(client, qc, id), placeholderData: (prev: ChannelOutput<'sweeps.intermediateColumns'> | undefined) => prev });
}
/** Asks for the intermediate values once the frame after `when` (the trials are in) has been painted,
 * so they are in by the time their chart is shown, rather than arriving (and being drawn) while the
 * table scrolls, and without adding to the work before the first draw. */
export function usePrefetchIntermediate(id: string, when: boolean): void {
  const client = useClient();
  const qc = useQueryClient();
  useEffect(() => {
    if (!when) return;
    return afterPaint(() => void qc.prefetchQuery(intermediateQuery(client, qc, id)));
  }, [client, qc, id, when]);
}
export const useTracking = () => useChannel(keys.tracking, 'tracking.status', {}, { enabled: useFirstViewDrawn() });
export const useStores = () => useChannel(keys.stores, 'stores.list', {}, { enabled: useFirstViewDrawn() });

/** A mutation on one channel that refreshes the sweep caches when it settles. */
/** Fails a trial running elsewhere; the sweep, its detail and its trials are read again. */
export function useFailTrial(id: string) {
  const client = useClient();
  const qc = useQueryClient();
  return useMutation<ChannelOutput<'sweeps.failTrial'>, Error, ChannelInput<'sweeps.failTrial'>>({
    mutationFn: (input) => client.get('sweeps.failTrial', input),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: keys.sweeps });
      void qc.invalidateQueries({ queryKey: keys.sweep(id) });
      void qc.invalidateQueries({ queryKey: keys.trials(id) });
    },
  });
}

export function useSweepAction<C extends 'sweeps.start' | 'sweeps.stop' | 'sweeps.resume' | 'sweeps.remove' | 'sweeps.locate' | 'sweeps.openStudyFile' | 'sweeps.openStudyUrl' | 'sweeps.register'>(channel: C) {
  const client = useClient();
  const qc = useQueryClient();
  return useMutation<ChannelOutput<C>, Error, ChannelInput<C>>({
    mutationFn: (input) => client.get(channel, input),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: keys.sweeps });
      void qc.invalidateQueries({ queryKey: ['sweeps.get'] });
    },
  });
}
