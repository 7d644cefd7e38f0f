// The app proper: React, React Query and the screens. Evaluated after earlyRequests.ts has sent the
// first view's requests; those promises seed the query cache here, so nothing is asked twice.
import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { Client } from '../../shared/client.ts';
import { ClientProvider } from './api/clientContext.tsx';
import { keys } from './api/queries.ts';
import { newQueryClient } from './api/queryClient.ts';
import { fetchTrials } from './api/trialsData.ts';
import { App } from './App.tsx';
import { markOnce } from './lib/perf.ts';
import type { EarlyRequests } from './earlyRequests.ts';

/** The early request the first time, a new one after that (a retry, a refetch). */
function firstThen<T>(early: Promise<T>, again: () => Promise<T>): () => Promise<T> {
  let used = false;
  return () => {
    if (used) return again();
    used = true;
    return early;
  };
}

export function boot(client: Client, early: EarlyRequests | null): void {
  // For the render bench: the app's script has loaded and run its top level.
  markOnce('app-start');
  const queryClient = newQueryClient();
  if (early) {
    const { id } = early;
    void queryClient.prefetchQuery({ queryKey: keys.sweep(id), queryFn: firstThen(early.sweep, () => client.get('sweeps.get', { id })) });
    void queryClient.prefetchQuery({ queryKey: keys.trials(id), queryFn: firstThen(early.trials, () => fetchTrials(client, id)) });
  }
  const root = document.getElementById('root');
  if (!root) throw new Error('index.html has no #root');
  createRoot(root).render(
    <StrictMode>
      <ClientProvider client={client}>
        <QueryClientProvider client={queryClient}>
          <App />
        </QueryClientProvider>
      </ClientProvider>
    </StrictMode>,
  );
}
