// Python Optuna 3.1.0 (study.optimize with TPE) and our runner writing one study at the same time:
// unique consecutive numbers, the exact total, neither side sees "database is locked".
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { hasOptuna, PYTHON, REPO_ROOT } from '../support/peers.ts';
import { until } from '../support/until.ts';
import { compareWithPython, pythonDump, sqliteRows, tempDir } from './support/optunaDump.ts';

const WORKER = path.join(REPO_ROOT, 'test', 'studies', 'support', 'trialWorker.ts');

const PY_WRITER = `
import os, sys, time, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
db, n, ready, go = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
study = optuna.load_study(study_name="shared", storage="sqlite:///" + db, sampler=optuna.samplers.TPESampler(seed=0, n_startup_trials=5))
open(ready, "w").close()
while not os.path.exists(go): time.sleep(0.002)
def objective(t):
    x = t.suggest_float("x", 0.0, 10.0)
    t.report(x, 0)
    return x / 3
study.optimize(objective, n_trials=n)
print("python done")
`;

function spawnCollect(cmd: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe.runIf(hasOptuna())('Python Optuna and our runner on one study at once', () => {
  it('unique consecutive numbers, exact total, no lock errors on either side; Python reads it all as we do', async () => {
    const dir = tempDir('pyconc');
    const db = path.join(dir, 'study.db');
    const s = openStudyStorage(db, { create: true });
    s.createStudy('shared', ['minimize']);
    s.close();
    const go = path.join(dir, 'go');
    const pyReady = path.join(dir, 'py-ready');
    const PY_N = 30;
    const OUR_N = 150;
    const py = spawnCollect(PYTHON, ['-c', PY_WRITER, db, String(PY_N), pyReady, go]);
    const ours = spawnCollect(process.execPath, ['--import', 'tsx', WORKER, db, 'shared', String(OUR_N), go, '15']);
    // Start both together once Python has imported Optuna and loaded the study.
    await until('Python to load the study', async () => fs.existsSync(pyReady), 45_000, 20);
    fs.writeFileSync(go, '');
    const [p, o] = await Promise.all([py, ours]);
    expect(p.err).not.toMatch(/locked|OperationalError/);
    expect(p.code, p.err).toBe(0);
    expect(o.code, o.out + o.err).toBe(0);
    expect(o.out + o.err).not.toMatch(/SQLITE_BUSY|locked/);

    const numbers = (sqliteRows(db, 'SELECT number FROM trials ORDER BY trial_id') as number[][]).map((r) => r[0]);
    expect(numbers).toEqual([...Array(PY_N + OUR_N).keys()]);
    // They really interleaved: Python's trials are not one block at either end.
    const pyIds = sqliteRows(db, "SELECT t.number FROM trials t WHERE NOT EXISTS (SELECT 1 FROM trial_user_attributes a WHERE a.trial_id = t.trial_id AND a.key = 'pid') ORDER BY t.number").map((r) => r[0] as number);
    expect(pyIds).toHaveLength(PY_N);
    expect(pyIds.at(-1)! - pyIds[0]!).toBeGreaterThan(PY_N);
    expect(sqliteRows(db, 'PRAGMA journal_mode')).toEqual([['delete']]);
    compareWithPython(db, pythonDump(db));
  }, 90_000);
});
