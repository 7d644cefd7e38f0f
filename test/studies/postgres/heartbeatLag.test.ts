// Python Optuna 3.1 judges heartbeats by `(now - heartbeat).seconds`, with `now` read when its stale
// check's transaction began. A heartbeat we write between that moment and its read of the trials
// must not look stale to it (a negative difference has `.seconds` of about 86,400). The check is
// paused right after it reads `now` (a patched SQLAlchemy session), we create a trial with its
// first heartbeat, and the check goes on.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStudyStorage } from '../../../electron/core/studies/optunaPostgresStorage.ts';
import { hasOptuna, PYTHON, runPython } from '../../support/peers.ts';
import { hasPostgres, startPostgres, type PgServer } from '../../support/postgresPeer.ts';
import { until } from '../../support/until.ts';
import { tempDir } from '../support/optunaDump.ts';

const PY_CHECK = `
import json, os, sys, time, optuna, sqlalchemy.orm
optuna.logging.set_verbosity(optuna.logging.ERROR)
url, go = sys.argv[1], sys.argv[2]
storage = optuna.storages.RDBStorage(url, heartbeat_interval=60, grace_period=120)
study = optuna.load_study(study_name="lag", storage=storage)
orig = sqlalchemy.orm.Session.execute
def execute(self, statement, *a, **k):
    out = orig(self, statement, *a, **k)
    if "now()" in str(statement):
        print("now-read", flush=True)
        while not os.path.exists(go):
            time.sleep(0.01)
    return out
sqlalchemy.orm.Session.execute = execute
print(json.dumps(storage._get_stale_trial_ids(study._study_id)), flush=True)
`;

describe.runIf(hasPostgres() && hasOptuna())('our heartbeats and Python Optuna 3.1 stale checks', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(() => pg?.stop());

  it('a heartbeat written while a Python stale check runs does not make our trial stale to it', async () => {
    const url = pg.createDatabase('lag');
    runPython('import sys, optuna\noptuna.create_study(study_name="lag", storage=sys.argv[1])', [url]);
    const go = path.join(tempDir('pglag'), 'go');
    const child = spawn(PYTHON, ['-c', PY_CHECK, url, go], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    const s = await openPostgresStudyStorage(url);
    try {
      const study = await s.loadStudy('lag');
      await until('the Python check to read now()', async () => out.includes('now-read'));
      const t = await s.createTrial(study.studyId);
      await s.heartbeat(t.trialId);
      fs.writeFileSync(go, '');
      expect(await done, out).toBe(0);
      const stale = JSON.parse(out.trim().split('\n').pop()!) as number[];
      expect(stale).not.toContain(t.trialId);
      // Our own rule still sees the trial as fresh, and stale once its heartbeat is old.
      expect(await s.failStaleTrials(study.studyId, 30)).toEqual([]);
      pg.psql(`UPDATE trial_heartbeats SET heartbeat = heartbeat - interval '40 seconds' WHERE trial_id = ${t.trialId}`, new URL(url).pathname.slice(1));
      expect((await s.failStaleTrials(study.studyId, 30)).map((x) => x.trialId)).toEqual([t.trialId]);
    } finally {
      await s.close();
    }
  }, 120_000);
});
