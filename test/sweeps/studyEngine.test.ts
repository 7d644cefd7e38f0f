// The in-process engine: ask/tell, budgets, WAITING trials with fixed params, re-offers.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NopPruner } from '../../electron/core/search/pruners.ts';
import { RandomSampler } from '../../electron/core/search/samplers/random.ts';
import type { Distribution } from '../../electron/core/search/types.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { withAtomicClaims } from '../../electron/core/sweeps/atomicClaims.ts';
import { StudyEngine } from '../../electron/core/sweeps/studyEngine.ts';
import { tmpDir } from './support.ts';

const SPACE = new Map<string, Distribution>([
  ['x', { kind: 'float', low: 0, high: 1, step: null, log: false }],
  ['n', { kind: 'int', low: 1, high: 9, step: 2, log: false }],
  ['c', { kind: 'categorical', choices: ['a', 'b', null] }],
]);

function setup() {
  const storage = withAtomicClaims(openStudyStorage(path.join(tmpDir('engine'), 's.db'), { create: true, runner: true }));
  const study = storage.createStudy('s', ['maximize']);
  const engine = new StudyEngine({ storage, studyId: study.studyId, space: SPACE, sampler: new RandomSampler(4), pruner: new NopPruner(), direction: 'maximize' });
  return { storage, engine, studyId: study.studyId };
}

describe('study engine', () => {
  it('asks params inside the space, tells values, and stops at the budget', () => {
    const { storage, engine, studyId } = setup();
    const budget = { limit: 3, states: ['COMPLETE', 'PRUNED', 'RUNNING'] as const };
    const a = engine.ask(budget)!;
    const b = engine.ask(budget)!;
    engine.tell(a, 'COMPLETE', 0.5);
    const c = engine.ask(budget)!;
    expect(engine.ask(budget)).toBeNull(); // 1 COMPLETE + 2 RUNNING
    engine.tell(b, 'FAIL', null, 'boom');
    const d = engine.ask(budget)!; // the FAIL freed a slot
    expect([a, b, c, d].map((t) => t.number)).toEqual([0, 1, 2, 3]);
    for (const t of [a, b, c, d]) {
      const x = t.params.x as number;
      expect(x >= 0 && x <= 1).toBe(true);
      expect([1, 3, 5, 7, 9]).toContain(t.params.n);
      expect(['a', 'b', null]).toContain(t.params.c);
    }
    expect(storage.getTrial(b.trialId).systemAttrs.fail_reason).toBe('boom');
    // COMPLETE with NaN becomes FAIL, as in Optuna.
    expect(engine.tell(c, 'COMPLETE', NaN)).toBe('FAIL');
    expect(storage.getTrial(c.trialId).systemAttrs.fail_reason).toBe('objective value is NaN');
    engine.tell(d, 'COMPLETE', 0.9);
    expect(engine.best()).toEqual({ number: 3, value: 0.9 });
    expect(storage.getTrials(studyId).map((t) => t.state)).toEqual(['COMPLETE', 'FAIL', 'FAIL', 'COMPLETE']);
    storage.close();
  });

  it('takes WAITING trials first: fixed params that fit are kept, the rest sampled; re-offers copy params', () => {
    const { storage, engine, studyId } = setup();
    storage.createTrial(studyId, { state: 'WAITING', systemAttrs: { fixed_params: { x: 0.25, c: null, n: 4 } } }); // n=4 is off the step grid
    const t = engine.ask()!;
    expect(t.fromWaiting).toBe(true);
    expect(t.params.x).toBe(0.25);
    expect(t.params.c).toBeNull();
    expect([1, 3, 5, 7, 9]).toContain(t.params.n);
    const stored = storage.getTrial(t.trialId);
    expect(stored.params).toEqual(t.params);
    storage.finishTrial(t.trialId, 'FAIL');
    const num = engine.reoffer(storage.getTrial(t.trialId));
    const again = engine.ask()!;
    expect(again.number).toBe(num);
    expect(again.params).toEqual(t.params);
    expect(storage.getTrial(again.trialId).systemAttrs.failed_trial).toBe(t.number);
    storage.close();
  });
});
