// One bounded pool per URL and process: however many storages a process opens on a study URL and
// however many calls run at once, the server sees at most poolSize sessions from it, and closing the
// last storage ends them (counted in pg_stat_activity of the real server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStudyStorage } from '../../../electron/core/studies/optunaPostgresStorage.ts';
import { hasPostgres, startPostgres, type PgServer } from '../../support/postgresPeer.ts';
import { until } from '../../support/until.ts';

describe.runIf(hasPostgres())('the PostgreSQL connection pool', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(() => pg?.stop());

  it('three storages on one URL share one pool of poolSize connections, ended by the last close', async () => {
    const u = new URL(pg.createDatabase('pool'));
    u.searchParams.set('application_name', 'sweepdeck_pool_test');
    const sessions = (): number => Number(pg.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sweepdeck_pool_test'").trim());
    const storages = [await openPostgresStudyStorage(u.href, { create: true, poolSize: 3 })];
    storages.push(await openPostgresStudyStorage(u.href, { poolSize: 3 }), await openPostgresStudyStorage(u.href, { poolSize: 3 }));
    const study = await storages[0]!.createStudy('pool', ['minimize']);
    let peak = 0;
    // 60 calls at once, 20 per storage; the server is sampled while they run.
    const calls = Promise.all(
      storages.flatMap((s) =>
        Array.from({ length: 20 }, async () => {
          const t = await s.createTrial(study.studyId);
          await s.finishTrial(t.trialId, 'COMPLETE', t.number);
        }),
      ),
    );
    let running = true;
    const sampler = (async () => {
      while (running) {
        peak = Math.max(peak, sessions());
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await calls;
    running = false;
    await sampler;
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(3);
    expect((await storages[1]!.countTrials(study.studyId)).COMPLETE).toBe(60);
    await storages[0]!.close();
    await storages[1]!.close();
    // Still shared by the third storage: usable, and its sessions are still there.
    expect((await storages[2]!.countTrials(study.studyId)).COMPLETE).toBe(60);
    expect(sessions()).toBeGreaterThan(0);
    await storages[2]!.close();
    await until('the pool to end its sessions', async () => sessions() === 0, 10_000);
  });
});
