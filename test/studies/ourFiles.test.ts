// Files we create: the 3.2 layout with alembic_version empty, which the real Python Optuna 3.1.0
// opens (stamping its own revision), loads with identical params/states/values/best, and grows.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { FIXTURES, hasOptuna } from '../support/peers.ts';
import { paramsFor } from './support/edgeStudy.ts';
import { alembic, compareWithPython, pythonDump, sqliteRows, tempDir } from './support/optunaDump.ts';

const GROW_PY = `
study = optuna.load_study(study_name="hpo_distilbert", storage="sqlite:///" + DB, sampler=optuna.samplers.TPESampler(seed=1))
def objective(t):
    lr = t.suggest_float("learning_rate", 1e-5, 5e-5, log=True)
    bs = t.suggest_categorical("batch_size", [8, 16, 32])
    t.suggest_float("dropout", 0.1, 0.3, step=0.05)
    t.suggest_int("epochs", 2, 10, step=2)
    t.suggest_int("warmup_steps", 10, 1000, log=True)
    t.suggest_float("weight_decay", 0.0, 0.1)
    t.suggest_categorical("optimizer", ["adam", "sgd", "\\u65e5\\u672c"])
    t.suggest_categorical("flag", [True, False, None, 1.5])
    t.report(0.4, 0)
    return 0.3 + lr * 1000 + (0.01 if bs == 16 else 0)
study.optimize(objective, n_trials=4)
`;

describe.runIf(hasOptuna())('a study file made by Sweepdeck', () => {
  it('loads in optuna.load_study identically; Python grows it; we read everything back and continue', () => {
    const db = path.join(tempDir('ours'), 'hpo', 'study.db');
    const s = openStudyStorage(db, { create: true, runner: true });
    const st = s.createStudy('hpo_distilbert', ['maximize']);
    s.setStudyUserAttr(st.studyId, 'backbone', 'distilbert');
    s.setStudyUserAttr(st.studyId, 'weird', { nan: NaN, inf: -Infinity, big: 2n ** 70n, jp: '\u65e5\u672c', list: [1, 2.5, null] });
    s.setStudySystemAttr(st.studyId, 'sweepdeck:config', { max_trials: 20 });
    for (let i = 0; i < 12; i++) {
      const { trialId, number } = s.createTrial(st.studyId, { params: paramsFor(i), userAttrs: { trial_dir: `outputs/trial_${i}`, nan: NaN, big: 2n ** 64n + 1n } });
      expect(number).toBe(i);
      const steps = 2 + (i % 3);
      for (let e = 0; e < steps; e++) s.reportIntermediate(trialId, e, i === 5 && e === 1 ? NaN : 0.5 + 0.01 * i + 0.001 * e);
      if (i === 3 || i === 5) s.finishTrial(trialId, 'PRUNED');
      else if (i === 4) s.finishTrial(trialId, 'FAIL');
      else if (i === 6) s.finishTrial(trialId, 'COMPLETE', Infinity);
      else if (i === 7) s.finishTrial(trialId, 'COMPLETE', -Infinity);
      else s.finishTrial(trialId, 'COMPLETE', 0.5 + 0.01 * i);
    }
    const running = s.createTrial(st.studyId, { params: { learning_rate: paramsFor(1).learning_rate! } });
    s.reportIntermediate(running.trialId, 0, 0.61);
    s.createTrial(st.studyId, { state: 'WAITING', systemAttrs: { fixed_params: { learning_rate: 2e-5, batch_size: 16 } } });
    s.close();

    // The new file: 3.2 layout, alembic_version empty, version_info (1, 12, ...), rollback journal.
    expect(alembic(db)).toEqual([]);
    expect(sqliteRows(db, 'SELECT version_info_id, schema_version FROM version_info')).toEqual([[1, 12]]);
    expect(sqliteRows(db, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'trials' AND sql IS NOT NULL")).toEqual([['ix_trials_study_id']]);
    expect(sqliteRows(db, 'PRAGMA journal_mode')).toEqual([['delete']]);
    expect(fs.readdirSync(path.dirname(db))).toEqual(['study.db']);
    const fixtureSchema = fs.readFileSync(path.join(FIXTURES, 'optuna-3.1.0', 'schema.sql'), 'utf8');
    const tables = sqliteRows(db, "SELECT sql FROM sqlite_master WHERE type = 'table' ORDER BY name");
    expect(tables).toHaveLength(fixtureSchema.match(/^CREATE TABLE /gm)!.length);
    for (const [ddl] of tables) expect(fixtureSchema).toContain(`${String(ddl)};`);

    const py = pythonDump(db); // Python 3.1 stamps its revision on first open
    expect(alembic(db)).toEqual([['v3.0.0.d']]);
    const p = py[0]!;
    expect(p.trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE', 'PRUNED', 'FAIL', 'PRUNED', 'COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE', 'RUNNING', 'WAITING']);
    expect(p.trials.map((t) => t.number)).toEqual([...Array(14).keys()]);
    expect(p.trials[3]!.value).toBe(p.trials[3]!.intermediate.at(-1)![1]); // PRUNED takes its last intermediate
    expect(p.trials[5]!.intermediate[1]![1]).toBe('__nan__');
    expect(p.trials[5]!.value).toBe(p.trials[5]!.intermediate.at(-1)![1]);
    expect(p.trials[4]!.value).toBeNull();
    expect(p.trials[6]!.value).toBe('__inf__');
    expect(p.trials[7]!.value).toBe('__-inf__');
    expect(p.user_attrs.weird).toEqual({ nan: '__nan__', inf: '__-inf__', big: `__int__${2n ** 70n}`, jp: '\u65e5\u672c', list: [1, 2.5, null] });
    expect(p.system_attrs['sweepdeck:config']).toEqual({ max_trials: 20 });
    expect(p.trials[0]!.user_attrs).toEqual({ trial_dir: 'outputs/trial_0', nan: '__nan__', big: `__int__${2n ** 64n + 1n}` });
    expect(p.trials[0]!.params).toEqual({ learning_rate: 1e-5, dropout: 0.1, weight_decay: 0.1 / 3, epochs: 2, warmup_steps: 10, batch_size: 8, optimizer: 'adam', flag: true });
    expect(p.trials[2]!.params).toMatchObject({ flag: null, optimizer: '\u65e5\u672c', batch_size: 32 });
    expect(p.trials[13]!.system_attrs).toEqual({ fixed_params: { learning_rate: 2e-5, batch_size: 16 } });
    compareWithPython(db, py);

    // Python resumes it: pops our WAITING trial first, then samples with TPE on our history.
    const after = pythonDump(db, GROW_PY);
    const a = after[0]!;
    expect(a.trials).toHaveLength(17); // n_trials=4 counts the popped WAITING trial
    expect(a.trials[13]).toMatchObject({ number: 13, state: 'COMPLETE' });
    expect(a.trials[13]!.params).toMatchObject({ learning_rate: 2e-5, batch_size: 16 });
    expect(a.trials.slice(14).map((t) => [t.number, t.state])).toEqual([[14, 'COMPLETE'], [15, 'COMPLETE'], [16, 'COMPLETE']]);
    compareWithPython(db, after);

    // We continue at v3.0.0.d, which we never restamp.
    const again = openStudyStorage(db, { runner: true });
    const t = again.createTrial(st.studyId, { params: paramsFor(20) });
    again.finishTrial(t.trialId, 'COMPLETE', 0.55);
    again.close();
    expect(t.number).toBe(17);
    expect(alembic(db)).toEqual([['v3.0.0.d']]);
    expect(sqliteRows(db, 'PRAGMA journal_mode')).toEqual([['delete']]);
  });
});
