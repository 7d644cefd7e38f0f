// Renderer entry: the typed client (Electron bridge or browser host), React Query, the app.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createDefaultClient } from '../../shared/client.ts';
import { ClientProvider } from './api/clientContext.tsx';
import { App } from './App.tsx';
import { keys } from './api/queries.ts';
import { markOnce } from './lib/perf.ts';
import { parseRoute } from './lib/router.ts';
import './styles.css';

const client = createDefaultClient();
const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Events keep caches fresh; refetch on focus catches anything missed while hidden.
      staleTime: 5_000,
      retry: (n, e) => n < 2 && (e as { code?: string }).code === 'TRANSPORT',
      refetchOnWindowFocus: true,
    },
  },
});

// Opening a sweep directly (a link, a reload): ask for its trials before React mounts, so the
// largest reply is on its way while the app boots.
const initial = parseRoute(window.location.hash);
if (initial.name === 'sweep') {
  // The screen also waits for the sweep itself; ask for it now rather than after React mounts.
  void queryClient.prefetchQuery({ queryKey: keys.sweep(initial.id), queryFn: () => client.get('sweeps.get', { id: initial.id }) });
  void queryClient.prefetchQuery({
    queryKey: keys.trials(initial.id),
    queryFn: async () => {
      const r = await client.get('sweeps.trials', { id: initial.id });
      markOnce('trials-data');
      return r;
    },
  });
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
