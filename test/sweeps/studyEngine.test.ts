// The in-process engine: ask/tell, budgets, WAITING trials with fixed params, re-offers.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MedianPruner, NopPruner } from '../../electron/core/search/pruners.ts';
import { Nsga2Sampler } from '../../electron/core/search/samplers/nsga2.ts';
import { RandomSampler } from '../../electron/core/search/samplers/random.ts';
import { TpeSampler } from '../../electron/core/search/samplers/tpe.ts';
import type { Distribution, Sampler } from '../../electron/core/search/types.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { withAtomicClaims } from '../../electron/core/sweeps/atomicClaims.ts';
import { sqliteSweepStore } from '../../electron/core/sweeps/sweepStore.ts';
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
  const engine = new StudyEngine({ store: sqliteSweepStore(storage), studyId: study.studyId, space: SPACE, sampler: new RandomSampler(4), pruner: new NopPruner(), direction: 'maximize' });
  return { storage, engine, studyId: study.studyId };
}

describe('study engine', () => {
  it('asks params inside the space, tells values, and stops at the budget', async () => {
    const { storage, engine, studyId } = setup();
    const budget = { limit: 3, states: ['COMPLETE', 'PRUNED', 'RUNNING'] as const };
    const a = (await engine.ask(budget))!;
    const b = (await engine.ask(budget))!;
    await engine.tell(a, 'COMPLETE', 0.5);
    const c = (await engine.ask(budget))!;
    expect(await engine.ask(budget)).toBeNull(); // 1 COMPLETE + 2 RUNNING
    await engine.tell(b, 'FAIL', null, 'boom');
    const d = (await engine.ask(budget))!; // the FAIL freed a slot
    expect([a, b, c, d].map((t) => t.number)).toEqual([0, 1, 2, 3]);
    for (const t of [a, b, c, d]) {
      const x = t.params.x as number;
      expect(x >= 0 && x <= 1).toBe(true);
      expect([1, 3, 5, 7, 9]).toContain(t.params.n);
      expect(['a', 'b', null]).toContain(t.params.c);
    }
    expect(storage.getTrial(b.trialId).systemAttrs.fail_reason).toBe('boom');
    // COMPLETE with NaN becomes FAIL, as in Optuna.
    expect(await engine.tell(c, 'COMPLETE', NaN)).toBe('FAIL');
    expect(storage.getTrial(c.trialId).systemAttrs.fail_reason).toBe('objective value is NaN');
    await engine.tell(d, 'COMPLETE', 0.9);
    expect(await engine.best()).toEqual({ number: 3, value: 0.9 });
    expect(storage.getTrials(studyId).map((t) => t.state)).toEqual(['COMPLETE', 'FAIL', 'FAIL', 'COMPLETE']);
    storage.close();
  });

  it("progress() gives the storage's own counts and best trial (±inf ranked, ties to the earliest) from one history read", async () => {
    const { storage, engine, studyId } = setup();
    const values = [0.5, Infinity, 0.7, Infinity, -Infinity];
    for (const v of values) await engine.tell((await engine.ask())!, 'COMPLETE', v);
    await engine.tell((await engine.ask())!, 'FAIL', null, 'boom');
    await engine.tell((await engine.ask())!, 'PRUNED', 0.1);
    await engine.ask(); // left RUNNING
    storage.createTrial(studyId, { state: 'WAITING' });
    const p = await engine.progress();
    expect(p.counts).toEqual(storage.countTrials!(studyId));
    expect(p.counts).toEqual({ RUNNING: 1, COMPLETE: 5, PRUNED: 1, FAIL: 1, WAITING: 1 });
    // The earliest of the two +inf trials, as getBestTrial ranks them.
    expect(p.best).toEqual({ number: 1, value: Infinity });
    expect(p.best).toEqual(await engine.best());
    storage.close();
  });

  it('takes WAITING trials first: fixed params that fit are kept, the rest sampled; re-offers copy params', async () => {
    const { storage, engine, studyId } = setup();
    storage.createTrial(studyId, { state: 'WAITING', systemAttrs: { fixed_params: { x: 0.25, c: null, n: 4 } } }); // n=4 is off the step grid
    const t = (await engine.ask())!;
    expect(t.fromWaiting).toBe(true);
    expect(t.params.x).toBe(0.25);
    expect(t.params.c).toBeNull();
    expect([1, 3, 5, 7, 9]).toContain(t.params.n);
    const stored = storage.getTrial(t.trialId);
    expect(stored.params).toEqual(t.params);
    storage.finishTrial(t.trialId, 'FAIL');
    const num = await engine.reoffer(storage.getTrial(t.trialId));
    const again = (await engine.ask())!;
    expect(again.number).toBe(num);
    expect(again.params).toEqual(t.params);
    expect(storage.getTrial(again.trialId).systemAttrs.failed_trial).toBe(t.number);
    storage.close();
  });

  it('two engines on two connections, caches warm, interleaving asks, tells and re-offers: unique numbers, each WAITING trial taken once, the budget exact', async () => {
    const file = path.join(tmpDir('engine'), 's.db');
    const open = () => withAtomicClaims(openStudyStorage(file, { create: true, runner: true }));
    const s1 = open();
    const studyId = s1.createStudy('s', ['maximize']).studyId;
    const s2 = open();
    const mk = (storage: typeof s1, seed: number) => new StudyEngine({ store: sqliteSweepStore(storage), studyId, space: SPACE, sampler: new RandomSampler(seed), pruner: new NopPruner(), direction: 'maximize' });
    const engines = [mk(s1, 1), mk(s2, 2)];
    const budget = { limit: 40, states: ['COMPLETE', 'PRUNED', 'RUNNING'] as const };
    const running: Array<{ e: number; t: NonNullable<Awaited<ReturnType<StudyEngine['ask']>>> }> = [];
    const handed: number[] = [];
    const fromWaiting: number[] = [];
    let reoffered = 0;
    // A fixed, varied schedule: each step one engine asks (up to 3 running each) or finishes its oldest.
    for (let step = 0; step < 200; step++) {
      const e = (step * 7) % 5 < 3 ? 0 : 1;
      const mine = running.filter((r) => r.e === e);
      if (mine.length < 3 && step % 4 !== 3) {
        const t = await engines[e]!.ask(budget);
        if (t) {
          handed.push(t.number);
          if (t.fromWaiting) fromWaiting.push(t.number);
          running.push({ e, t });
        }
      } else if (mine.length) {
        const r = mine[0]!;
        running.splice(running.indexOf(r), 1);
        if (step % 5 === 0) {
          // A failure whose params another engine's next ask should take first.
          await engines[r.e]!.tell(r.t, 'FAIL', null, 'flaky');
          await engines[r.e]!.reoffer(s1.getTrial(r.t.trialId));
          reoffered++;
        } else await engines[r.e]!.tell(r.t, step % 3 === 0 ? 'PRUNED' : 'COMPLETE', step);
      }
    }
    for (const r of running.splice(0)) await engines[r.e]!.tell(r.t, 'COMPLETE', 1);
    while (true) {
      const t = await engines[0]!.ask(budget);
      if (!t) break;
      handed.push(t.number);
      if (t.fromWaiting) fromWaiting.push(t.number);
      await engines[0]!.tell(t, 'COMPLETE', 1);
    }
    expect(new Set(handed).size).toBe(handed.length);
    expect(reoffered).toBeGreaterThan(3);
    expect(fromWaiting.length).toBe(reoffered);
    const all = s2.getTrials(studyId);
    expect(all.map((t) => t.number)).toEqual(all.map((_, i) => i));
    expect(all.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED')).toHaveLength(40);
    expect(all.filter((t) => t.state === 'WAITING' || t.state === 'RUNNING')).toHaveLength(0);
    s2.close();
    s1.close();
  });

  it('multi-objective: tells one value per objective (a NaN among them fails the trial), writes the sampler\'s system attrs, refuses a pruner', async () => {
    const storage = withAtomicClaims(openStudyStorage(path.join(tmpDir('engine'), 'mo.db'), { create: true, runner: true }));
    const study = storage.createStudy('mo', ['minimize', 'maximize']);
    const base = { store: sqliteSweepStore(storage), studyId: study.studyId, space: SPACE, direction: 'minimize' as const, directions: ['minimize' as const, 'maximize' as const] };
    expect(() => new StudyEngine({ ...base, sampler: new RandomSampler(1), pruner: new MedianPruner(0, 1) })).toThrow(
      /median pruner cannot judge a multi-objective study \(2 objectives\).*policy none/,
    );
    const engine = new StudyEngine({ ...base, sampler: new Nsga2Sampler({ seed: 1, directions: base.directions, populationSize: 2 }), pruner: new NopPruner() });
    const a = (await engine.ask())!;
    const b = (await engine.ask())!;
    expect(await engine.tell(a, 'COMPLETE', [0.5, 2], undefined, [-1])).toBe('COMPLETE');
    expect(await engine.tell(b, 'COMPLETE', [NaN, 1])).toBe('FAIL');
    const [ta, tb] = storage.getTrials(study.studyId);
    expect(ta).toMatchObject({ state: 'COMPLETE', value: 0.5, values: [0.5, 2], systemAttrs: { 'nsga2:generation': 0, constraints: [-1] } });
    expect(tb).toMatchObject({ state: 'FAIL', value: null, systemAttrs: { 'nsga2:generation': 0, fail_reason: 'objective value is NaN' } });
    expect(tb?.values).toBeUndefined();
    expect(await engine.front()).toEqual({ size: 1, bestPerObjective: [0.5, 2] });
    storage.close();
  });
  it('proposeNext samples the next ask\'s params early: the same params as ask would sample, and a proposal from a replaced history read is dropped', async () => {
    // Two engines on two studies, the same seeded TPE: one samples in ask(), the other ahead of it.
    const run = async (early: boolean): Promise<unknown[]> => {
      const storage = withAtomicClaims(openStudyStorage(path.join(tmpDir('engine'), 's.db'), { create: true, runner: true }));
      const { studyId } = storage.createStudy('s', ['maximize']);
      const engine = new StudyEngine({ store: sqliteSweepStore(storage), studyId, space: SPACE, sampler: new TpeSampler({ seed: 9, nStartupTrials: 3 }), pruner: new NopPruner(), direction: 'maximize' });
      const asked: unknown[] = [];
      for (let i = 0; i < 8; i++) {
        const t = (await engine.ask())!;
        asked.push(t.params);
        await engine.tell(t, 'COMPLETE', (t.params.x as number) * 2);
        await engine.progress();
        if (early) engine.proposeNext();
      }
      storage.close();
      return asked;
    };
    expect(await run(true)).toEqual(await run(false));

    // A proposal made from one read is not used once progress() has read the history again.
    const { engine, storage } = setup();
    const calls: number[] = [];
    const counting: Sampler = { name: 'random', sample: () => (calls.push(calls.length), { x: 0.5, n: 3, c: 'a' }) };
    const e2 = new StudyEngine({ store: sqliteSweepStore(storage), studyId: engine.studyId, space: SPACE, sampler: counting, pruner: new NopPruner(), direction: 'maximize' });
    await e2.progress();
    e2.proposeNext();
    await e2.progress();
    await e2.ask();
    expect(calls).toEqual([0, 1]);
    await e2.progress();
    e2.proposeNext();
    await e2.ask();
    expect(calls).toEqual([0, 1, 2]);
  });
});
