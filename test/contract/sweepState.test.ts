// How a sweep's state is derived from the study and the registry: each rule, including the ones the
// Sweeps screen depends on (an interrupted sweep must be obvious at a glance).
import { describe, expect, it } from 'vitest';
import { deriveState, parseOptunaTime, STALE_HEARTBEAT_SECONDS, type StateInputs } from '../../electron/app/sweepCatalog.ts';
import { buildSummary } from '../../electron/app/sweepCatalog.ts';

const counts = (c: Partial<StateInputs['counts']> = {}): StateInputs['counts'] => ({ RUNNING: 0, COMPLETE: 0, PRUNED: 0, FAIL: 0, WAITING: 0, ...c });
const base: StateInputs = { live: null, record: null, counts: counts(), maxTrials: 10, freshHeartbeat: false };
const state = (i: Partial<StateInputs>) => deriveState({ ...base, ...i }).state;

describe('deriveState', () => {
  it('a sweep this process runs is running or stopping, whatever the study says', () => {
    expect(state({ live: 'running', record: { status: 'failed', message: 'x' } })).toBe('running');
    expect(state({ live: 'stopping', counts: counts({ COMPLETE: 10 }) })).toBe('stopping');
  });

  it('fresh heartbeats mean another process runs it', () => {
    expect(state({ freshHeartbeat: true, counts: counts({ RUNNING: 1 }) })).toBe('running');
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
    const stale = buildSummary({ id: 'x', source: 'file', studyPath: '/s.db', studyName: 's', study, record: null, facts: { backbone: null, experimentName: null, maxTrials: null, metric: null, direction: null }, live: null, heartbeatAt: now - (STALE_HEARTBEAT_SECONDS + 1) * 1000, now });
    expect(stale.state).toBe('interrupted');
  });

  it('parses Optuna timestamps as UTC', () => {
    expect(parseOptunaTime('2024-12-26 14:30:22.123456')).toBe(Date.UTC(2024, 11, 26, 14, 30, 22, 123));
    expect(parseOptunaTime('garbage')).toBeNull();
  });
});
