// Graceful stop, resume with re-offered params, stale RUNNING trials, sweep timeout and pruning.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runSweep } from '../../electron/core/sweeps/sweepRunner.ts';
import type { SweepEvent } from '../../electron/core/sweeps/types.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import type { HpoConfigInput } from '../../shared/config.ts';
import { until } from '../support/until.ts';
import { configInput, finished, parseConfig, readTrials, tmpDir } from './support.ts';
import path from 'node:path';

function start(input: HpoConfigInput, outputDir: string, hbMs = 200) {
  const events: SweepEvent[] = [];
  const handle = runSweep({ config: parseConfig(input), outputDir, heartbeatIntervalMs: hbMs, killGraceMs: 500, onEvent: (e) => events.push(e) });
  return { handle, events };
}

const withEnv = (env: Record<string, string>, over: Partial<HpoConfigInput> = {}): HpoConfigInput => {
  const base = configInput(over);
  return { ...base, trial: { ...base.trial, env } };
};

describe('stop and resume', () => {
  it('stop terminates running trials, marks them FAIL, re-offers their params, and resume runs those first', async () => {
    const out = tmpDir('stop');
    const sampling = { algorithm: 'random' as const, max_trials: 4, max_concurrent_trials: 2, seed: 5 };
    const slow = start(withEnv({ OBJ_STEPS: '1', OBJ_SLEEP_MS: '30000' }, { sampling }), out);
    // Stop once both trials are running.
    await until('both trials to start', async () => slow.events.filter((e) => e.type === 'trial-start').length === 2, 30_000, 20);
    slow.handle.stop();
    const stopped = await slow.handle.done;
    expect(stopped.status).toBe('stopped');
    // Stopping ended the two 30-second trials (FAIL below), rather than waiting for them to finish.
    const studyPath = path.join(out, 'tiny/study.db');
    let trials = readTrials(studyPath, 'hpo_tiny');
    const failed = trials.filter((t) => t.state === 'FAIL');
    const waiting = trials.filter((t) => t.state === 'WAITING');
    expect(failed).toHaveLength(2);
    expect(waiting).toHaveLength(2);
    for (const f of failed) {
      expect(f.systemAttrs.fail_reason).toBe('stopped by user');
      const w = waiting.find((x) => x.systemAttrs.failed_trial === f.number);
      expect(w?.systemAttrs.fixed_params).toEqual(f.params);
    }
    // The file is back in rollback-journal mode for optuna-dashboard's viewers.
    const db = new Database(studyPath, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    db.close();

    const resumed = start(withEnv({ OBJ_STEPS: '1', OBJ_SLEEP_MS: '5' }, { sampling }), out);
    const done = await resumed.handle.done;
    expect(done.status).toBe('completed');
    const starts = resumed.events.filter((e): e is Extract<SweepEvent, { type: 'trial-start' }> => e.type === 'trial-start');
    expect(starts.slice(0, 2).map((s) => s.fromWaiting)).toEqual([true, true]);
    // Both re-offered trials start first; with two slots their start events may arrive in either order.
    const byJson = (ps: unknown[]) => ps.map((p) => JSON.stringify(p)).sort();
    expect(byJson(starts.slice(0, 2).map((s) => s.params))).toEqual(byJson(failed.map((f) => f.params)));
    trials = readTrials(studyPath, 'hpo_tiny');
    expect(finished(trials)).toHaveLength(4);
    expect(trials.filter((t) => t.state === 'WAITING' || t.state === 'RUNNING')).toEqual([]);
    const start0 = resumed.events.find((e) => e.type === 'sweep-start');
    expect(start0 && start0.type === 'sweep-start' && start0.resumed).toBe(true);
  }, 60_000);

  it('on resume, a RUNNING trial with a stale heartbeat becomes FAIL and its params run first; a fresh one is left alone, and one without heartbeats runs elsewhere', async () => {
    const out = tmpDir('stale');
    const input = withEnv({ OBJ_STEPS: '1', OBJ_SLEEP_MS: '5' }, { sampling: { algorithm: 'random', max_trials: 2, seed: 2 } });
    const first = await start(input, out).handle.done;
    expect(first.status).toBe('completed');
    const studyPath = path.join(out, 'tiny/study.db');
    // Simulate runners: one dead long ago (old heartbeat), one with no heartbeat, one alive (fresh).
    const s = openStudyStorage(studyPath, {});
    const study = s.getStudy('hpo_tiny')!;
    const [t0] = readTrials(studyPath, 'hpo_tiny');
    const dist = t0!.distributions;
    const mk = (x: number) => s.createTrial(study.studyId, { params: { x: { value: x, distribution: dist.x! }, y: { value: 1, distribution: dist.y! }, c: { value: 'b', distribution: dist.c! } } });
    const dead = mk(0.11);
    const noHb = mk(0.22);
    const alive = mk(0.33);
    s.close();
    const raw = new Database(studyPath);
    raw.prepare("UPDATE trial_heartbeats SET heartbeat = '2020-01-01 00:00:00.000000' WHERE trial_id = ?").run(dead.trialId);
    raw.prepare('DELETE FROM trial_heartbeats WHERE trial_id = ?').run(noHb.trialId);
    raw.close();
    // Keep the "alive" trial's heartbeat fresh, as its runner would, until it finishes below.
    const keepAlive = setInterval(() => {
      const st = openStudyStorage(studyPath, {});
      st.heartbeat(alive.trialId);
      st.close();
    }, 100);
    try {
      const r = start({ ...input, sampling: { algorithm: 'random', max_trials: 5, seed: 2 } }, out, 1000);
      // The alive trial holds one of the 5 slots: 2 done + alive + the 2 re-offered. Finish it "from
      // the other runner" once this runner waits for it.
      await until('the runner to wait for the other runner\'s trial', async () => r.events.some((e) => e.type === 'waiting'), 30_000, 20);
      clearInterval(keepAlive);
      const st = openStudyStorage(studyPath, {});
      st.finishTrial(alive.trialId, 'COMPLETE', 0.5);
      st.close();
      const res = await r.handle.done;
      expect(res.status).toBe('completed');
      const sweepStart = r.events.find((e) => e.type === 'sweep-start');
      expect(sweepStart && sweepStart.type === 'sweep-start' && [sweepStart.staleFailed, sweepStart.runningElsewhere]).toEqual([[dead.number], [noHb.number]]);
      const trials = readTrials(studyPath, 'hpo_tiny');
      const byNum = new Map(trials.map((t) => [t.number, t]));
      expect(byNum.get(dead.number)!.state).toBe('FAIL');
      expect(byNum.get(noHb.number)!.state).toBe('RUNNING'); // left to whoever runs it; it holds no slot
      expect(byNum.get(alive.number)!.state).toBe('COMPLETE');
      const retried = trials.filter((t) => t.systemAttrs.failed_trial !== undefined);
      expect(retried.map((t) => [t.systemAttrs.failed_trial, t.params.x, t.state])).toEqual([[dead.number, 0.11, 'COMPLETE']]);
      expect(finished(trials)).toHaveLength(5);
      expect(trials.filter((t) => t.state === 'WAITING' || t.state === 'RUNNING').map((t) => t.number)).toEqual([noHb.number]);
    } finally {
      clearInterval(keepAlive);
    }
  }, 60_000);

  it('the sweep timeout starts no new trial but lets running ones finish', async () => {
    const out = tmpDir('timeout');
    const r = start(withEnv({ OBJ_STEPS: '2', OBJ_SLEEP_MS: '400' }, { sampling: { algorithm: 'random', max_trials: 50, seed: 1, timeout_minutes: 0.005 } }), out);
    const res = await r.handle.done;
    expect(res.status).toBe('timed-out');
    const trials = readTrials(path.join(out, 'tiny/study.db'), 'hpo_tiny');
    expect(trials).toHaveLength(1);
    expect(trials[0]!.state).toBe('COMPLETE');
  }, 30_000);

  it('prunes with the median policy: stopped trials are PRUNED with their last intermediate value', async () => {
    const out = tmpDir('prune');
    const input = withEnv(
      { OBJ_STEPS: '4', OBJ_SLEEP_MS: '150' },
      { sampling: { algorithm: 'random', max_trials: 12, seed: 11 }, early_termination: { policy: 'median', evaluation_interval: 1, delay_evaluation: 1 } },
    );
    const r = start(input, out);
    const res = await r.handle.done;
    expect(res.status).toBe('completed');
    const trials = readTrials(path.join(out, 'tiny/study.db'), 'hpo_tiny');
    const pruned = trials.filter((t) => t.state === 'PRUNED');
    expect(pruned.length).toBeGreaterThan(0);
    for (const p of pruned) {
      expect(p.intermediateValues.length).toBeLessThan(4);
      expect(p.value).toBe(p.intermediateValues[p.intermediateValues.length - 1]![1]);
      // Median rule, restated: at the step it stopped, its best so far was below the median of the
      // COMPLETE trials (that had finished before it) at that step.
      const [step] = p.intermediateValues[p.intermediateValues.length - 1]!;
      const best = Math.max(...p.intermediateValues.map(([, v]) => v));
      const done = trials.filter((t) => t.state === 'COMPLETE' && t.datetimeComplete! <= p.datetimeComplete!);
      expect(done.length).toBeGreaterThanOrEqual(5);
      const atStep = done.map((t) => t.intermediateValues.find(([s]) => s === step)?.[1]).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
      const mid = (atStep.length - 1) / 2;
      const median = (atStep[Math.floor(mid)]! + atStep[Math.ceil(mid)]!) / 2;
      expect(best).toBeLessThan(median);
    }
  }, 60_000);
});
