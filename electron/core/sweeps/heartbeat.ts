// When a RUNNING trial's runner counts as dead: one rule for the runner (which fails such trials and
// offers their params again) and the app (which shows the sweep as interrupted and lets it be
// resumed then), so neither calls a sweep alive while the other calls it dead.

/** How often a runner writes its trials' heartbeats. */
export const DEFAULT_HEARTBEAT_MS = 5000;
/** A RUNNING trial whose heartbeat is older than this many intervals belongs to a dead runner. */
export const STALE_HEARTBEATS = 3;
/** Heartbeats missed before a runner is shown as not responding (it may still catch up). */
export const LATE_HEARTBEATS = 2;

/** The age at which a heartbeat is stale. */
export const staleAfterMs = (heartbeatMs: number = DEFAULT_HEARTBEAT_MS): number => STALE_HEARTBEATS * heartbeatMs;

export interface HeartbeatVerdict {
  /** fresh: the runner is alive. late: it missed heartbeats but is not yet given up. stale: dead. */
  kind: 'fresh' | 'late' | 'stale';
  ageMs: number;
  /** Time left until the heartbeat is stale (0 once it is). */
  staleInMs: number;
  /** When the verdict changes if no new heartbeat comes (epoch ms); null once stale. */
  changesAt: number | null;
}

/** Judges the newest heartbeat of a study's RUNNING trials at `now` (both epoch ms). */
export function judgeHeartbeat(heartbeatAt: number, now: number, heartbeatMs: number = DEFAULT_HEARTBEAT_MS): HeartbeatVerdict {
  const ageMs = Math.max(0, now - heartbeatAt);
  const lateAt = heartbeatAt + LATE_HEARTBEATS * heartbeatMs;
  const staleAt = heartbeatAt + staleAfterMs(heartbeatMs);
  const staleInMs = Math.max(0, staleAt - now);
  // Stale strictly after the threshold, as StudyStorage.failStaleTrials has it.
  if (now > staleAt) return { kind: 'stale', ageMs, staleInMs: 0, changesAt: null };
  if (now >= lateAt) return { kind: 'late', ageMs, staleInMs, changesAt: staleAt + 1 };
  return { kind: 'fresh', ageMs, staleInMs, changesAt: lateAt };
}
