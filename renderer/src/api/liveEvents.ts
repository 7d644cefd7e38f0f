// Main -> renderer events update the React Query caches: progress patches the sweep list in place
// (no refetch per trial) and refreshes a sweep's detail and trials at most once a second.
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ChannelOutput, SweepDetail } from '../../../shared/contract.ts';
import type { EventPayload } from '../../../shared/events.ts';
import { onAzureAccountEvent } from './azureAccount.ts';
import { useClient } from './clientContext.tsx';
import { keys } from './queries.ts';
import type { TrialsData } from './trialsData.ts';

type SweepList = ChannelOutput<'sweeps.list'>;
type TrialLog = ChannelOutput<'sweeps.trialLog'>;

const REFRESH_MS = 1000;
const REFRESH_BIG_MS = 5000;
const BIG_STUDY = 2000;
/** The log tail keeps this much text per trial stream. */
export const LOG_TAIL_CHARS = 200_000;

function patchProgress(qc: QueryClient, p: EventPayload<'sweep.progress'>): void {
  const patch = { state: p.state, runsHere: p.runsHere, finishedTrials: p.finishedTrials, maxTrials: p.maxTrials, counts: p.counts, best: p.best, message: p.message };
  qc.setQueryData<SweepList>(keys.sweeps, (old) =>
    old ? { ...old, sweeps: old.sweeps.map((s) => (s.id === p.id ? { ...s, ...patch } : s)) } : old,
  );
  qc.setQueryData<SweepDetail>(keys.sweep(p.id), (old) => (old ? { ...old, ...patch } : old));
}

export function appendLogLine(qc: QueryClient, p: EventPayload<'sweep.trialLog'>): void {
  qc.setQueryData<TrialLog>(keys.trialLog(p.id, p.trialNumber, p.stream), (old) => {
    if (!old) return old; // not shown: nothing to keep
    let text = old.text + p.line + '\n';
    let truncated = old.truncated;
    if (text.length > LOG_TAIL_CHARS) {
      text = text.slice(text.length - LOG_TAIL_CHARS);
      truncated = true;
    }
    return { ...old, text, truncated, size: old.size + p.line.length + 1 };
  });
}

export function useLiveEvents(): void {
  const client = useClient();
  const qc = useQueryClient();
  useEffect(() => {
    const timers = new Map<string, ReturnType<typeof setTimeout>>();
    const refreshSoon = (id: string): void => {
      if (timers.has(id)) return;
      // A big study's trials are megabytes: refetch them less often while it runs.
      const total = qc.getQueryData<TrialsData>(keys.trials(id))?.total ?? 0;
      const delay = total > BIG_STUDY ? REFRESH_BIG_MS : REFRESH_MS;
      timers.set(
        id,
        setTimeout(() => {
          timers.delete(id);
          void qc.invalidateQueries({ queryKey: keys.sweep(id) });
          void qc.invalidateQueries({ queryKey: keys.trials(id) });
          void qc.invalidateQueries({ queryKey: keys.intermediate(id) });
        }, delay),
      );
    };
    const offs = [
      client.on('sweep.progress', (p) => {
        const shown = qc.getQueryData<SweepList>(keys.sweeps)?.sweeps.find((s) => s.id === p.id)?.state;
        patchProgress(qc, p);
        refreshSoon(p.id);
        // A study another process writes (watched: watchSweeps.ts) changes with every trial it
        // adds; the patch above already shows its counts, so the list is read again only when its
        // state changed.
        const listChanged = p.runsHere ? p.trial === null || p.state !== 'running' : shown !== p.state;
        if (listChanged) void qc.invalidateQueries({ queryKey: keys.sweeps });
      }),
      client.on('sweep.trialLog', (p) => appendLogLine(qc, p)),
      client.on('sweeps.changed', () => {
        void qc.invalidateQueries({ queryKey: keys.sweeps });
      }),
      client.on('tracking.status', (s) => {
        qc.setQueryData(keys.tracking, s);
        // The tracking target is one of the stores (an Azure workspace, a server): list them again.
        void qc.invalidateQueries({ queryKey: keys.stores });
      }),
      client.on('azure.account', (s) => onAzureAccountEvent(qc, s)),
      client.on('outbox.pending', () => void qc.invalidateQueries({ queryKey: ['outbox.list'] })),
      client.on('outbox.pending', ({ pending }) =>
        qc.setQueryData<ChannelOutput<'tracking.status'>>(keys.tracking, (old) => (old ? { ...old, pendingOutbox: pending } : old)),
      ),
    ];
    return () => {
      for (const off of offs) off();
      for (const t of timers.values()) clearTimeout(t);
    };
  }, [client, qc]);
}
