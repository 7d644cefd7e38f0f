// A multi-objective study Python Optuna 3.1 wrote to PostgreSQL (NSGA-II, with constraints_func):
// the PostgreSQL storage reads every objective's value and the constraints as Python stored them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStudyStorage } from '../../../electron/core/studies/optunaPostgresStorage.ts';
import { feasibilityOf } from '../../../electron/core/studies/paretoFront.ts';
import { hasOptuna } from '../../support/peers.ts';
import { hasPostgres, startPostgres, type PgServer } from '../../support/postgresPeer.ts';
import { makeMultiObjectiveStudies, MO2_STUDY, MO3_STUDY } from '../../support/pythonMultiObjective.ts';

describe.runIf(hasPostgres() && hasOptuna())('a multi-objective study on PostgreSQL made by Python Optuna', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(() => pg?.stop());

  it('reads every objective value and the constraints', async () => {
    const url = pg.createDatabase('mo_reads');
    const py = makeMultiObjectiveStudies(url, 24);
    const s = await openPostgresStudyStorage(url);
    try {
      for (const name of [MO2_STUDY, MO3_STUDY] as const) {
        const want = py[name]!;
        const info = (await s.getStudy(name))!;
        expect(info.directions).toEqual(want.directions);
        const trials = await s.getTrials(info.studyId);
        expect(trials.map((t) => t.number)).toEqual(want.trials.map((t) => t.number));
        for (const [i, t] of trials.entries()) {
          const w = want.trials[i]!;
          expect(t.values ?? null).toEqual(w.values);
          expect(t.value).toBe(w.values?.[0] ?? null);
          expect(feasibilityOf(t.systemAttrs)).toBe(w.constraints ? w.constraints.every((c) => c <= 0) : null);
        }
      }
    } finally {
      await s.close();
    }
  }, 120_000);
});
