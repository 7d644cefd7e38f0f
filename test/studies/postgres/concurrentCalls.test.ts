// One process, one PostgreSQL storage, calls in flight at once (a runner counts, reads the history
// and claims while its trials finish): the storage's incremental caches must not count or list a
// trial twice, and trial numbers stay 0..n-1 as Python Optuna numbers them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStudyStorage } from '../../../electron/core/studies/optunaPostgresStorage.ts';
import { hasPostgres, startPostgres, type PgServer } from '../../support/postgresPeer.ts';

describe.runIf(hasPostgres())('concurrent calls on one PostgreSQL storage', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(() => pg?.stop());

  it('counts, history reads and trial creation in flight together: no trial counted or listed twice, numbers unique', async () => {
    const url = pg.createDatabase('concurrent');
    const s = await openPostgresStudyStorage(url, { create: true, poolSize: 4 });
    try {
      const { studyId } = await s.createStudy('c', ['minimize']);
      const made: number[] = [];
      for (let round = 0; round < 30; round++) {
        const calls: Array<Promise<unknown>> = [];
        for (let k = 0; k < 3; k++) {
          calls.push(s.createTrial(studyId).then(async (t) => {
            made.push(t.number);
            await s.finishTrial(t.trialId, 'COMPLETE', t.number);
          }));
          calls.push(s.countTrials(studyId), s.getTrials(studyId));
        }
        await Promise.all(calls);
      }
      const fresh = await openPostgresStudyStorage(url, { readonly: true, poolSize: 1 });
      const truth = await fresh.getTrials(studyId);
      await fresh.close();
      expect(truth).toHaveLength(90);
      expect([...made].sort((a, b) => a - b)).toEqual(truth.map((_, i) => i));
      expect(truth.map((t) => t.number)).toEqual(truth.map((_, i) => i));
      const listed = await s.getTrials(studyId);
      expect(listed.map((t) => t.trialId)).toEqual(truth.map((t) => t.trialId));
      expect((await s.countTrials(studyId)).COMPLETE).toBe(90);
    } finally {
      await s.close();
    }
  }, 120_000);
  it('finishTrial stores the intermediate values it is given in its one statement (first finish and the fast path alike); a finished trial takes none', async () => {
    const url = pg.createDatabase('finishsteps');
    const s = await openPostgresStudyStorage(url, { create: true, poolSize: 1 });
    try {
      const { studyId } = await s.createStudy('f', ['minimize']);
      const ids: number[] = [];
      for (let k = 0; k < 3; k++) {
        const t = await s.createTrial(studyId);
        await s.reportIntermediate(t.trialId, 0, 5);
        await s.finishTrial(t.trialId, 'COMPLETE', k, [[1, 4], [2, -Infinity], [1, 3]]);
        ids.push(t.trialId);
      }
      const p = await s.createTrial(studyId);
      await s.finishTrial(p.trialId, 'PRUNED', null, [[0, 0.5], [3, 0.25]]);
      await expect(s.finishTrial(p.trialId, 'FAIL', null, [[4, 1]])).rejects.toMatchObject({ code: 'TRIAL_FINISHED' });
      const fresh = await openPostgresStudyStorage(url, { readonly: true, poolSize: 1 });
      const truth = await fresh.getTrials(studyId);
      await fresh.close();
      for (const [k, t] of truth.slice(0, 3).entries()) expect(t).toMatchObject({ trialId: ids[k], state: 'COMPLETE', value: k, intermediateValues: [[0, 5], [1, 3], [2, -Infinity]] });
      expect(truth[3]).toMatchObject({ state: 'PRUNED', value: 0.25, intermediateValues: [[0, 0.5], [3, 0.25]] });
    } finally {
      await s.close();
    }
  }, 60_000);
});
