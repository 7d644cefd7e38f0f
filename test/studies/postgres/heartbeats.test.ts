// Optuna's heartbeat semantics on PostgreSQL, shared with Python Optuna: trial_heartbeats stamped
// by the server clock; a RUNNING trial is stale only when its heartbeat is older than the grace
// period, whoever wrote it; a RUNNING trial with no heartbeat is left alone. Ages are set by
// moving heartbeats back in the database (no waiting on the clock).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStudyStorage } from '../../../electron/core/studies/optunaPostgresStorage.ts';
import { hasOptuna, runPython } from '../../support/peers.ts';
import { hasPostgres, startPostgres, type PgServer } from '../../support/postgresPeer.ts';

const PY = `
import sys, json, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
url, what = sys.argv[1], sys.argv[2]
storage = optuna.storages.RDBStorage(url, heartbeat_interval=60, grace_period=120)
study = optuna.load_study(study_name="hb", storage=storage)
if what == "make":
    beating = study.ask()
    storage.record_heartbeat(beating._trial_id)
    silent = study.ask()
    print(json.dumps([beating.number, silent.number]))
elif what == "fail-stale":
    optuna.storages.fail_stale_trials(study)
    print(json.dumps({t.number: t.state.name for t in study.get_trials(deepcopy=False)}))
`;

describe.runIf(hasPostgres() && hasOptuna())('heartbeats shared with Python Optuna on PostgreSQL', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(() => pg?.stop());

  it('each side fails the other side\'s stale trials and leaves fresh and heartbeat-less ones alone', async () => {
    const url = pg.createDatabase('hb');
    const db = new URL(url).pathname.slice(1);
    runPython('import sys, optuna\noptuna.create_study(study_name="hb", storage=sys.argv[1])', [url]);
    const [pyBeating, pySilent] = JSON.parse(runPython(PY, [url, 'make']).trim().split('\n').pop()!) as [number, number];
    const s = await openPostgresStudyStorage(url);
    try {
      const study = await s.loadStudy('hb');
      const ours = await s.createTrial(study.studyId);
      const oursFresh = await s.createTrial(study.studyId);
      await s.heartbeat(oursFresh.trialId);
      const age = (number: number, seconds: number): void => {
        pg.psql(`UPDATE trial_heartbeats SET heartbeat = LOCALTIMESTAMP - interval '${seconds} seconds' WHERE trial_id = (SELECT trial_id FROM trials WHERE number = ${number})`, db);
      };

      // Python's heartbeat aged past our grace period: we fail it; its silent trial stays RUNNING.
      age(pyBeating, 300);
      expect((await s.failStaleTrials(study.studyId, 120)).map((t) => t.number)).toEqual([pyBeating]);
      expect((await s.runningElsewhere(study.studyId)).map((t) => t.number)).toEqual([pySilent]);

      // Ours aged past Python's grace period (120 s): Python fails exactly that one.
      age(ours.number, 300);
      age(oursFresh.number, 30);
      const states = JSON.parse(runPython(PY, [url, 'fail-stale']).trim().split('\n').pop()!) as Record<string, string>;
      expect(states).toEqual({ [pyBeating]: 'FAIL', [pySilent]: 'RUNNING', [ours.number]: 'FAIL', [oursFresh.number]: 'RUNNING' });
      expect((await s.getTrial(ours.trialId)).state).toBe('FAIL');
      // Nothing else is stale by our rule either.
      expect(await s.failStaleTrials(study.studyId, 120)).toEqual([]);
    } finally {
      await s.close();
    }
  }, 120_000);
});
