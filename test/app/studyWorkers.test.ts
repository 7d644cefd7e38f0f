// The Workers panel's rules: trials grouped by the worker their system attrs name, the Python /
// unknown row for trials that name none, only RUNNING and the newest finished trials counted, and
// heartbeats judged by the runner's own rule (fresh, late, stale past the grace period).
import { describe, expect, it } from 'vitest';
import { groupWorkers, hasSweepdeckWorkers, RECENT_TRIALS } from '../../electron/app/studyWorkers.ts';
import type { FrozenTrial, TrialState } from '../../electron/core/search/types.ts';
import { DEFAULT_HEARTBEAT_MS, LATE_HEARTBEATS, staleAfterMs } from '../../electron/core/sweeps/heartbeat.ts';

let nextId = 1;
function trial(number: number, state: TrialState, worker?: { host: string; pid: number }): FrozenTrial {
  return {
    trialId: nextId++,
    number,
    state,
    params: {},
    distributions: {},
    value: state === 'COMPLETE' ? 1 : null,
    intermediateValues: [],
    datetimeStart: null,
    datetimeComplete: null,
    userAttrs: {},
    systemAttrs: worker ? { 'sweepdeck:host': worker.host, 'sweepdeck:pid': worker.pid, 'sweepdeck:slot': 0 } : {},
  };
}

const NOW = 1_000_000_000;

describe('groupWorkers', () => {
  it('groups by host and pid, marks late and stale heartbeats, and keeps the Python row last', () => {
    const a = { host: 'node-a', pid: 1 };
    const b = { host: 'node-b', pid: 2 };
    const trials = [trial(0, 'COMPLETE', b), trial(1, 'COMPLETE'), trial(2, 'RUNNING', b), trial(3, 'RUNNING', a), trial(4, 'RUNNING'), trial(5, 'RUNNING', a), trial(6, 'WAITING')];
    const beats = new Map<number, number>([
      [trials[2]!.trialId, NOW - staleAfterMs() - 1],
      [trials[3]!.trialId, NOW - LATE_HEARTBEATS * DEFAULT_HEARTBEAT_MS],
      [trials[5]!.trialId, NOW - 1000],
    ]);
    expect(groupWorkers(trials, beats, NOW)).toEqual([
      { kind: 'sweepdeck', host: 'node-a', pid: 1, running: [3, 5], recentFinished: 0, lastHeartbeatAt: NOW - 1000, heartbeat: 'fresh', stale: [] },
      { kind: 'sweepdeck', host: 'node-b', pid: 2, running: [2], recentFinished: 1, lastHeartbeatAt: NOW - staleAfterMs() - 1, heartbeat: 'stale', stale: [2] },
      { kind: 'python', host: null, pid: null, running: [4], recentFinished: 1, lastHeartbeatAt: null, heartbeat: 'none', stale: [] },
    ]);
    // node-a's newest heartbeat is fresh, but one of its trials alone would be late.
    expect(groupWorkers([trials[3]!], beats, NOW)[0]!.heartbeat).toBe('late');
  });

  it('counts only the newest finished trials, so a worker long gone drops off the panel', () => {
    const old = { host: 'gone', pid: 9 };
    const now = { host: 'here', pid: 3 };
    const trials = [trial(0, 'COMPLETE', old), ...Array.from({ length: RECENT_TRIALS }, (_, i) => trial(i + 1, i % 2 ? 'FAIL' : 'PRUNED', now))];
    expect(groupWorkers(trials, new Map(), NOW)).toEqual([{ kind: 'sweepdeck', host: 'here', pid: 3, running: [], recentFinished: RECENT_TRIALS, lastHeartbeatAt: null, heartbeat: 'none', stale: [] }]);
  });

  it('a study is Sweepdeck-driven when any trial names a Sweepdeck worker', () => {
    expect(hasSweepdeckWorkers([trial(0, 'COMPLETE'), trial(1, 'RUNNING')])).toBe(false);
    expect(hasSweepdeckWorkers([trial(0, 'COMPLETE'), trial(1, 'FAIL', { host: 'h', pid: 1 })])).toBe(true);
  });
});
