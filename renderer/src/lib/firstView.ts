// When the page opens on a sweep's detail, the requests that only fill in the shell (app info, the
// sweep list's count, tracking status, stores, the log tail) wait until the trials table has been
// drawn: each fetch() and each reply's re-render is main-thread work on the way to the first draw.
// They go out at the latest after HOLD_MS (once the table is not being scrolled), and at once on
// any other first screen.
import { useSyncExternalStore } from 'react';
import { parseRoute } from './routes.ts';
import { afterQuiet } from './scrollQuiet.ts';

const HOLD_MS = 2000;
let drawn = typeof window === 'undefined' || parseRoute(window.location.hash).name !== 'sweep';
const listeners = new Set<() => void>();

/** The first view is on screen (or will not be): let the held requests go. */
export function firstViewDrawn(): void {
  if (drawn) return;
  drawn = true;
  for (const l of listeners) l();
}

if (!drawn) setTimeout(() => afterQuiet(firstViewDrawn), HOLD_MS);

const subscribe = (l: () => void): (() => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

export function useFirstViewDrawn(): boolean {
  return useSyncExternalStore(subscribe, () => drawn);
}
