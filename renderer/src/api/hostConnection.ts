// Whether the page reaches its host, for the pieces that must not claim what only a live host can
// say (a Running badge, the tracking dot), and what to do when it comes back: every query shown is
// asked again, since anything may have changed meanwhile (a restarted host knows nothing the page
// was told). The desktop app's IPC transport has no connection to lose: always connected.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useSyncExternalStore } from 'react';
import type { HostConnection, HostConnectionInfo } from '../../../shared/hostConnection.ts';
import { useMaybeClient } from './clientContext.tsx';
import { forgetTrialDeltas } from './trialsData.ts';

const ALWAYS: HostConnectionInfo = Object.freeze({ state: 'connected', reason: null, nextRetryAt: null });
const noSubscription = (): (() => void) => () => undefined;

function useConnectionOf(conn: HostConnection | undefined): HostConnectionInfo {
  return useSyncExternalStore(
    conn ? (l) => conn.subscribe(l) : noSubscription,
    () => (conn ? conn.info() : ALWAYS),
  );
}

/** The host connection's state; connected where there is none to lose. */
export function useHostConnection(): { info: HostConnectionInfo; retryNow: () => void } {
  const client = useMaybeClient();
  // The transport may be a test's stand-in without the member: read it defensively.
  const conn = (client?.transport as { connection?: HostConnection } | undefined)?.connection;
  const info = useConnectionOf(conn);
  return { info, retryNow: () => conn?.retryNow() };
}

/** False while the host cannot be reached: what it said last may no longer be true. */
export function useHostReachable(): boolean {
  return useHostConnection().info.state !== 'disconnected';
}

/** Asks every shown query again when the host is back after being lost. */
export function useRefetchOnReconnect(): void {
  const qc = useQueryClient();
  const { info } = useHostConnection();
  const wasLost = useRef(false);
  useEffect(() => {
    if (info.state === 'disconnected') wasLost.current = true;
    else if (info.state === 'connected' && wasLost.current) {
      wasLost.current = false;
      forgetTrialDeltas();
      void qc.invalidateQueries();
    }
  }, [info.state, qc]);
}
