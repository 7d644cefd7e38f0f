// Who runs a shared study's trials, from what the trials carry: Sweepdeck workers write their host
// and process id into each trial's system attrs (core/studies/sweepdeckAttrs.ts); trials without
// them are Python Optuna's (or another client's), which say nothing about their worker. Heartbeats
// are judged by the runner's own rule (core/sweeps/heartbeat.ts), so a worker the panel marks stale
// is one whose trials a Sweepdeck worker would fail. Pure, so each rule is unit-tested.
import type { FrozenTrial } from '../core/search/types.ts';
import { SYS_WORKER_HOST, SYS_WORKER_PID } from '../core/studies/sweepdeckAttrs.ts';
import { judgeHeartbeat } from '../core/sweeps/heartbeat.ts';
import type { StudyWorker } from '../../shared/contract.ts';

/** How many of the newest finished trials count as "recent" for the panel. */
export const RECENT_TRIALS = 200;

/** The worker a trial names, or null for a trial no Sweepdeck worker claimed. */
export function workerOf(t: FrozenTrial): { host: string; pid: number | null } | null {
  const host = t.systemAttrs[SYS_WORKER_HOST];
  if (typeof host !== 'string' || host === '') return null;
  const pid = t.systemAttrs[SYS_WORKER_PID];
  return { host, pid: typeof pid === 'number' && Number.isInteger(pid) ? pid : null };
}

/** True when some trial of the study was claimed by a Sweepdeck worker. */
export const hasSweepdeckWorkers = (trials: readonly FrozenTrial[]): boolean => trials.some((t) => workerOf(t) !== null);

/**
 * The workers of the study's RUNNING and recently finished trials, Sweepdeck workers first (by host,
 * then pid), the Python/unknown row last. heartbeats: epoch ms of the newest heartbeat per trial id.
 */
export function groupWorkers(trials: readonly FrozenTrial[], heartbeats: ReadonlyMap<number, number>, now: number): StudyWorker[] {
  const finished = trials.filter((t) => t.state !== 'RUNNING' && t.state !== 'WAITING');
  const recent = new Set(finished.slice(-RECENT_TRIALS));
  const rows = new Map<string, StudyWorker & { beats: number[] }>();
  for (const t of trials) {
    const running = t.state === 'RUNNING';
    if (!running && !recent.has(t)) continue;
    const w = workerOf(t);
    const key = w ? `${w.host}\0${w.pid ?? ''}` : '\u{10FFFF}python';
    let row = rows.get(key);
    if (!row) {
      row = { kind: w ? 'sweepdeck' : 'python', host: w?.host ?? null, pid: w?.pid ?? null, running: [], recentFinished: 0, lastHeartbeatAt: null, heartbeat: 'none', stale: [], beats: [] };
      rows.set(key, row);
    }
    if (!running) {
      row.recentFinished++;
      continue;
    }
    row.running.push(t.number);
    const beat = heartbeats.get(t.trialId);
    if (beat === undefined) continue;
    row.beats.push(beat);
    if (judgeHeartbeat(beat, now).kind === 'stale') row.stale.push(t.number);
  }
  const out: StudyWorker[] = [];
  for (const key of [...rows.keys()].sort()) {
    const { beats, ...row } = rows.get(key)!;
    if (beats.length > 0) {
      row.lastHeartbeatAt = Math.max(...beats);
      row.heartbeat = judgeHeartbeat(row.lastHeartbeatAt, now).kind;
    }
    out.push(row);
  }
  return out;
}
