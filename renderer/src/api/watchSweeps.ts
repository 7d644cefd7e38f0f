// Tells the host which sweeps this page looks at (sweeps.watch), so trials other processes write
// into them (Python Optuna, another runner) come back as events: the sweep open in the detail (or
// the sweeps compared), the
// sweeps of the list while it is shown, and any running elsewhere (the status bar counts them). The
// host watches for a lease, so the page asks again well within it, and again once it reconnects (a
// restarted host watches nothing).
import { useEffect, useMemo } from 'react';
import type { Route } from '../lib/routes.ts';
import { useClient } from './clientContext.tsx';
import { useHostConnection } from './hostConnection.ts';
import { useSweeps } from './queries.ts';

const LIVE_ELSEWHERE = new Set(['running', 'stopping', 'unresponsive']);
/** sweeps.watch takes at most this many ids (the contract's cap); the open sweep comes first. */
const MAX_IDS = 500;

export function useWatchedSweeps(route: Route): void {
  const client = useClient();
  const sweeps = useSweeps().data?.sweeps;
  const { info } = useHostConnection();
  const ids = useMemo(() => {
    const out = new Set<string>();
    for (const s of sweeps ?? []) {
      if (route.name === 'sweeps' || (!s.runsHere && LIVE_ELSEWHERE.has(s.state))) out.add(s.id);
    }
    const open = route.name === 'sweep' ? [route.id] : route.name === 'compare' ? [...new Set(route.ids)] : [];
    return [...open, ...[...out].filter((id) => !open.includes(id)).sort()].slice(0, MAX_IDS);
  }, [route, sweeps]);
  const key = ids.join('\n');
  const connected = info.state === 'connected';
  useEffect(() => {
    if (!connected || key === '') return;
    const list = key.split('\n');
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const ask = (): void => {
      void client.call('sweeps.watch', { ids: list }).then((r) => {
        if (stopped) return;
        // A failed ask (the host went away) is retried by the reconnect, which runs this again.
        if (r.ok) timer = setTimeout(ask, Math.max(1000, r.value.leaseMs / 3));
        else console.warn(`sweepdeck: watching ${list.length} sweep(s) for changes failed: ${r.error.message}`);
      });
    };
    ask();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client, key, connected]);
}
