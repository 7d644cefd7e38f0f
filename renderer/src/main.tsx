// Renderer entry: the typed client (Electron bridge or browser host), React Query, the app.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createDefaultClient } from '../../shared/client.ts';
import { ClientProvider } from './api/clientContext.tsx';
import { App } from './App.tsx';
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
