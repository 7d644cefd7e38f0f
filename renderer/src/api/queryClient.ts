// The app's React Query client: events keep its caches fresh, and a query is asked again when its
// failure passes by itself: the host unreachable for a moment (a restart), or a study file locked by
// the process writing it (a reader in the host waits only a quarter second for the lock, so that one
// slow writer cannot hold up the app). Without a retry, a live update refused by the lock left the page behind until the study
// changed again, and for good when the sweep had just ended.
import { QueryClient } from '@tanstack/react-query';
import { AppCallError } from '../../../shared/resultCore.ts';

function codeOf(e: unknown): string | undefined {
  if (e instanceof AppCallError) return e.code;
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

export function retryQuery(failures: number, e: unknown): boolean {
  const code = codeOf(e);
  if (code === 'TRANSPORT') return failures < 2;
  if (code === 'STUDY_LOCKED') return failures < 6;
  return false;
}

/** ms before the next try: a lock is usually gone within a writer's commit, so soon (0.2, 0.4, 0.8 s
 * and up to 3 s); the host's way back takes longer (React Query's own 1, 2, 4 s...). */
export function retryDelay(failures: number, e: unknown): number {
  if (codeOf(e) === 'STUDY_LOCKED') return Math.min(200 * 2 ** failures, 3000);
  return Math.min(1000 * 2 ** failures, 30_000);
}

export function newQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // Events keep caches fresh; refetch on focus catches anything missed while hidden.
        staleTime: 5_000,
        retry: retryQuery,
        retryDelay,
        refetchOnWindowFocus: true,
      },
    },
  });
}
