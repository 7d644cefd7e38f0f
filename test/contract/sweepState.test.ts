// How a sweep's state is derived from the study and the registry: each rule, including the ones the
// Sweeps screen depends on (an interrupted sweep must be obvious at a glance).
import { describe, expect, it } from 'vitest';
import { deriveState, parseOptunaTime, type StateInputs } from '../../electron/app/sweepCatalog.ts';
import { buildSummary } from '../../electron/app/sweepCatalog.ts';
import { judgeHeartbeat } from '../../electron/core/sweeps/heartbeat.ts';

const counts = (c: Partial<StateInputs['counts']> = {}): StateInputs['counts'] => ({ RUNNING: 0, COMPLETE: 0, PRUNED: 0, FAIL: 0, WAITING: 0, ...c });
const base: StateInputs = { live: null, record: null, counts: counts(), maxTrials: 10, heartbeat: null };
const state = (i: Partial<StateInputs>) => deriveState({ ...base, ...i }).state;

describe('deriveState', () => {
  it('a sweep this process runs is running or stopping, whatever the study says', () => {
    expect(state({ live: 'running', record: { status: 'failed', message: 'x' } })).toBe('running');
    expect(state({ live: 'stopping', counts: counts({ COMPLETE: 10 }) })).toBe('stopping');
  });

  it('fresh heartbeats mean another process runs it; late ones that it may not, with the time left', () => {
    expect(state({ heartbeat: { kind: 'fresh', ageMs: 2000, staleInMs: 13_000 }, counts: counts({ RUNNING: 1 }) })).toBe('running');
    expect(deriveState({ ...base, heartbeat: { kind: 'late', ageMs: 12_000, staleInMs: 3000 }, counts: counts({ RUNNING: 1 }) })).toEqual({
      state: 'unresponsive',
      message: 'last heartbeat 12 s ago; treated as interrupted in 3 s unless its runner answers',
    });
    expect(state({ heartbeat: { kind: 'stale', ageMs: 16_000, staleInMs: 0 }, counts: counts({ RUNNING: 1 }) })).toBe('interrupted');
  });

  it('stale RUNNING trials, or a registry that says running with no runner, mean interrupted', () => {
    expect(state({ counts: counts({ RUNNING: 1, COMPLETE: 3 }) })).toBe('interrupted');
    expect(state({ record: { status: 'running', message: null }, counts: counts({ COMPLETE: 3 }) })).toBe('interrupted');
    expect(deriveState({ ...base, counts: counts({ RUNNING: 2 }) }).message).toMatch(/2 trial\(s\) were left RUNNING/);
  });

  it('RUNNING trials without heartbeats run elsewhere: not a dead runner of ours, and said so', () => {
    const elsewhere = deriveState({ ...base, counts: counts({ RUNNING: 1, COMPLETE: 10 }), runningElsewhere: 1 });
    expect(elsewhere.state).toBe('finished');
    expect(elsewhere.message).toMatch(/1 trial\(s\) RUNNING elsewhere.*sweep fail-trial/);
    expect(deriveState({ ...base, counts: counts({ RUNNING: 1, COMPLETE: 3 }), runningElsewhere: 1 }).message).toMatch(/RUNNING elsewhere.*leaves them alone/);
    // One of ours left behind among them still means interrupted, counted without the others.
    expect(deriveState({ ...base, counts: counts({ RUNNING: 3, COMPLETE: 10 }), runningElsewhere: 2 }).message).toMatch(/^1 trial\(s\) were left RUNNING/);
  });

  it('a stopped sweep with budget left is interrupted; a used budget is finished', () => {
    expect(state({ record: { status: 'stopped', message: null }, counts: counts({ COMPLETE: 2, PRUNED: 1 }) })).toBe('interrupted');
    expect(state({ record: { status: 'stopped', message: null }, counts: counts({ COMPLETE: 8, PRUNED: 2 }) })).toBe('finished');
    // FAIL does not count against max_trials.
    expect(state({ record: { status: 'stopped', message: null }, counts: counts({ COMPLETE: 9, FAIL: 5 }) })).toBe('interrupted');
  });

  it('failed stays failed with its reason; a never-started sweep is ready', () => {
    expect(deriveState({ ...base, record: { status: 'failed', message: 'broken command' } })).toEqual({ state: 'failed', message: 'broken command' });
    expect(state({ record: { status: 'ready', message: null } })).toBe('ready');
  });

  it('a study made elsewhere: budget known -> interrupted until used; unknown -> finished when idle', () => {
    expect(state({ counts: counts({ COMPLETE: 4 }) })).toBe('interrupted');
    expect(state({ counts: counts({ COMPLETE: 4 }), maxTrials: null })).toBe('finished');
    expect(state({ counts: counts(), maxTrials: null })).toBe('ready');
  });
});

describe('buildSummary', () => {
  const study = { studyId: 1, name: 's', directions: ['maximize' as const], userAttrs: { max_trials: 20, objective_metric: 'f1', mlflow_parent_run_id: 'abc' }, systemAttrs: {}, counts: counts({ COMPLETE: 5, RUNNING: 1 }), best: { number: 2, value: 0.9 } };

  it('reads the budget and tracking link from the study attrs when there is no config', () => {
    const now = Date.now();
    const s = buildSummary({ id: 'x', source: 'file', studyPath: '/s.db', studyName: 's', study, record: null, facts: { backbone: null, experimentName: null, maxTrials: null, metric: null, direction: null }, live: null, heartbeatAt: now - 1000, now });
    expect(s.maxTrials).toBe(20);
    expect(s.objectiveMetric).toBe('f1');
    expect(s.tracking.parentRunId).toBe('abc');
    expect(s.state).toBe('running');
    // Running, but by another process: Stop here cannot reach it.
    expect(s.runsHere).toBe(false);
    const stale = buildSummary({ id: 'x', source: 'file', studyPath: '/s.db', studyName: 's', study, record: null, facts: { backbone: null, experimentName: null, maxTrials: null, metric: null, direction: null }, live: null, heartbeatAt: now - 16_000, now });
    expect(stale.state).toBe('interrupted');
  });

  it('the state at the heartbeat boundaries (5 s interval: late after 10 s, stale after 15 s, as the runner judges)', () => {
    const hb = Date.UTC(2026, 0, 1, 12, 0, 0);
    const at = (ageMs: number) =>
      buildSummary({ id: 'x', source: 'file', studyPath: '/s.db', studyName: 's', study, record: null, facts: { backbone: null, experimentName: null, maxTrials: null, metric: null, direction: null }, live: null, heartbeatAt: hb, now: hb + ageMs });
    expect(at(0).state).toBe('running');
    expect(at(9_999).state).toBe('running');
    expect(at(10_000).state).toBe('unresponsive');
    expect(at(10_000).message).toBe('last heartbeat 10 s ago; treated as interrupted in 5 s unless its runner answers');
    expect(at(14_500).message).toBe('last heartbeat 14 s ago; treated as interrupted in 1 s unless its runner answers');
    expect(at(15_000).state).toBe('unresponsive');
    expect(at(15_001).state).toBe('interrupted');
    // This process's own runner is running whatever the heartbeat says.
    const here = buildSummary({ id: 'x', source: 'app', studyPath: '/s.db', studyName: 's', study, record: null, facts: { backbone: null, experimentName: null, maxTrials: null, metric: null, direction: null }, live: 'running', heartbeatAt: hb, now: hb + 60_000 });
    expect(here.state).toBe('running');
    expect(here.runsHere).toBe(true);
  });

  it('judgeHeartbeat says when the verdict changes next, so the app can re-read then', () => {
    const hb = 1_000_000;
    expect(judgeHeartbeat(hb, hb + 3000)).toEqual({ kind: 'fresh', ageMs: 3000, staleInMs: 12_000, changesAt: hb + 10_000 });
    expect(judgeHeartbeat(hb, hb + 12_000)).toEqual({ kind: 'late', ageMs: 12_000, staleInMs: 3000, changesAt: hb + 15_001 });
    expect(judgeHeartbeat(hb, hb + 15_001)).toEqual({ kind: 'stale', ageMs: 15_001, staleInMs: 0, changesAt: null });
    // Another interval scales both boundaries.
    expect(judgeHeartbeat(hb, hb + 1000, 500).kind).toBe('late');
    expect(judgeHeartbeat(hb, hb + 1501, 500).kind).toBe('stale');
  });

  it('parses Optuna timestamps as UTC', () => {
    expect(parseOptunaTime('2024-12-26 14:30:22.123456')).toBe(Date.UTC(2024, 11, 26, 14, 30, 22, 123));
    expect(parseOptunaTime('garbage')).toBeNull();
  });
});
