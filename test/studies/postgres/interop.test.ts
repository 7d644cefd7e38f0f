// Python Optuna and Sweepdeck on one PostgreSQL study: the schema Sweepdeck creates is the one
// Optuna's RDBStorage creates; a study Optuna made (every distribution kind, a RUNNING trial, an
// enqueued WAITING trial) reads the same in Sweepdeck, grows there, and Optuna sees what was added.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Distribution, ParamValue } from '../../../electron/core/search/types.ts';
import { LIBRARY_VERSION } from '../../../electron/core/studies/optunaSqliteStorage.ts';
import { openPostgresStudyStorage } from '../../../electron/core/studies/optunaPostgresStorage.ts';
import { hasOptuna, runPython } from '../../support/peers.ts';
import { hasPostgres, startPostgres, type PgServer } from '../../support/postgresPeer.ts';
import { expectedBest, norm, ourTrialAsPy, pythonDump, pyTrialMs } from '../support/optunaDump.ts';

/** pg_dump's schema, without the lines that differ between any two dumps (comments, settings). */
function schemaOf(url: string): string[] {
  const r = spawnSync('pg_dump', ['--schema-only', '--no-owner', '--no-privileges', '-d', url], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pg_dump failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('--') && !l.startsWith('SET ') && !l.startsWith('SELECT pg_catalog.set_config') && !/^\\(un)?restrict /.test(l));
}

const MAKE_STUDY_PY = `
import sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
url = sys.argv[1]
study = optuna.create_study(study_name="made-by-python", storage=url, direction="minimize")
study.set_user_attr("owner", "python")
def objective(trial):
    x = trial.suggest_float("x", -5.0, 5.0)
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    q = trial.suggest_float("q", 0.0, 1.0, step=0.25)
    n = trial.suggest_int("n", 1, 9)
    nl = trial.suggest_int("nl", 1, 1024, log=True)
    ns = trial.suggest_int("ns", 0, 100, step=10)
    c = trial.suggest_categorical("c", [None, True, 2, 3.5, "adam"])
    trial.set_user_attr("note", "u%d" % trial.number)
    for step in range(3):
        trial.report(x * x + step, step)
    if trial.number == 3:
        raise optuna.TrialPruned()
    if trial.number == 4:
        raise RuntimeError("boom")
    return x * x + lr + q + n / 10 + nl / 1000 + ns / 100 + (0 if c is None else 1)
study.optimize(objective, n_trials=6, catch=(RuntimeError,))
running = study.ask()
running.suggest_float("x", -5.0, 5.0)
study.enqueue_trial({"x": 0.5, "lr": 0.01, "q": 0.5, "n": 3, "nl": 16, "ns": 20, "c": "adam"})
print("ok")
`;

const SPACE: Record<string, Distribution> = {
  x: { kind: 'float', low: -5, high: 5, step: null, log: false },
  lr: { kind: 'float', low: 1e-5, high: 1e-1, step: null, log: true },
  q: { kind: 'float', low: 0, high: 1, step: 0.25, log: false },
  n: { kind: 'int', low: 1, high: 9, step: 1, log: false },
  nl: { kind: 'int', low: 1, high: 1024, step: 1, log: true },
  ns: { kind: 'int', low: 0, high: 100, step: 10, log: false },
  c: { kind: 'categorical', choices: [null, true, 2, 3.5, 'adam'] },
};

describe.runIf(hasPostgres() && hasOptuna())('Python Optuna and Sweepdeck on one PostgreSQL study', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(() => pg?.stop());

  it('creates the schema Python Optuna creates (plus the 3.2 index), with alembic_version left for Optuna to stamp', async () => {
    const byOptuna = pg.createDatabase('by_optuna');
    runPython('import sys, optuna\noptuna.create_study(study_name="s", storage=sys.argv[1])', [byOptuna]);
    const bySweepdeck = pg.createDatabase('by_sweepdeck');
    const s = await openPostgresStudyStorage(bySweepdeck, { create: true });
    await s.createStudy('s', ['minimize']);
    await s.close();
    const theirs = schemaOf(byOptuna);
    const ours = schemaOf(bySweepdeck);
    expect(ours.filter((l) => !theirs.includes(l))).toEqual(['CREATE INDEX ix_trials_study_id ON public.trials USING btree (study_id);']);
    expect(theirs.filter((l) => !ours.includes(l))).toEqual([]);
    const dbOf = (u: string): string => new URL(u).pathname.slice(1);
    expect(pg.psql('SELECT count(*) FROM alembic_version', dbOf(bySweepdeck)).trim()).toBe('0');
    expect(pg.psql('SELECT version_info_id, schema_version, library_version FROM version_info', dbOf(bySweepdeck)).trim()).toBe(`1|12|${LIBRARY_VERSION}`);
    // Python Optuna opens ours, stamps its own head and continues it.
    const out = runPython(
      'import sys, optuna\noptuna.logging.set_verbosity(optuna.logging.ERROR)\ns = optuna.load_study(study_name="s", storage=sys.argv[1])\ns.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)\nprint(len(s.trials))',
      [bySweepdeck],
    );
    expect(out.trim()).toBe('2');
    expect(pg.psql('SELECT version_num FROM alembic_version', dbOf(bySweepdeck)).trim()).toBe('v3.0.0.d');
  }, 120_000);

  it('reads a Python-made study as Python does, adds trials (taking the enqueued one), and Python sees them', async () => {
    const url = pg.createDatabase('interop');
    expect(runPython(MAKE_STUDY_PY, [url]).trim().split('\n').pop()).toBe('ok');
    const before = pythonDump(url);
    expect(before).toHaveLength(1);
    const py = before[0]!;
    expect(py.trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE', 'PRUNED', 'FAIL', 'COMPLETE', 'RUNNING', 'WAITING']);

    const s = await openPostgresStudyStorage(url);
    try {
      const info = (await s.getStudy('made-by-python'))!;
      expect(info.directions).toEqual(['minimize']);
      expect(norm(info.userAttrs)).toEqual(py.user_attrs);
      expect((await s.getTrials(info.studyId)).map(ourTrialAsPy)).toEqual(py.trials.map(pyTrialMs));
      expect((await s.getBestTrial(info.studyId))?.number).toBe(expectedBest(py));
      expect(await s.countTrials(info.studyId)).toEqual({ RUNNING: 1, COMPLETE: 4, PRUNED: 1, FAIL: 1, WAITING: 1 });
      expect((await s.runningElsewhere(info.studyId)).map((t) => t.number)).toEqual([6]);

      // The enqueued trial is taken once, with Python's number; then it is empty.
      const popped = await s.popWaitingTrial(info.studyId);
      expect(popped?.number).toBe(7);
      expect(await s.popWaitingTrial(info.studyId)).toBeNull();
      await s.finishTrial(popped!.trialId, 'COMPLETE', 0.125);

      // New trials with a value of every distribution kind.
      const mine: Array<Record<string, ParamValue>> = [
        { x: -1.5, lr: 0.001, q: 0.75, n: 9, nl: 512, ns: 100, c: null },
        { x: 4.25, lr: 0.05, q: 0, n: 1, nl: 1, ns: 0, c: true },
      ];
      for (const [i, values] of mine.entries()) {
        const params = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v, distribution: SPACE[k]! }]));
        const t = await s.createTrial(info.studyId, { params, userAttrs: { note: `sweepdeck ${i}` } });
        expect(t.number).toBe(8 + i);
        await s.reportIntermediate(t.trialId, 0, 1.5);
        await s.finishTrial(t.trialId, 'COMPLETE', i === 0 ? -3 : 7);
      }

      const after = pythonDump(url)[0]!;
      const ours = (await s.getTrials(info.studyId)).map(ourTrialAsPy);
      expect(ours).toEqual(after.trials.map(pyTrialMs));
      expect(after.trials.slice(0, 7)).toEqual(py.trials.slice(0, 7));
      expect(after.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(after.trials[7]).toMatchObject({ state: 'COMPLETE', value: 0.125, params: py.trials[7]!.params });
      expect(after.trials[8]).toMatchObject({ state: 'COMPLETE', value: -3, params: mine[0], user_attrs: { note: 'sweepdeck 0' }, intermediate: [[0, 1.5]] });
      expect(after.trials[9]).toMatchObject({ state: 'COMPLETE', value: 7, params: mine[1] });
      expect(after.best).toBe(8);
      expect((await s.getBestTrial(info.studyId))?.number).toBe(8);
    } finally {
      await s.close();
    }
    // And Python continues the study Sweepdeck grew.
    const more = runPython(
      'import sys, optuna\noptuna.logging.set_verbosity(optuna.logging.ERROR)\ns = optuna.load_study(study_name="made-by-python", storage=sys.argv[1])\ns.optimize(lambda t: t.suggest_float("x", -5.0, 5.0) ** 2, n_trials=3)\nprint(len(s.trials), s.trials[-1].number)',
      [url],
    );
    expect(more.trim()).toBe('13 12');
  }, 180_000);
});
