// Files made by the real Python Optuna 3.1.0: we read them as Python does, write to them without
// restamping their revision, and Python resumes what we added.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { FIXTURES, hasOptuna } from '../support/peers.ts';
import { EDGE_STUDY_PY } from './support/edgeStudy.ts';
import { alembic, compareWithPython, pythonDump, tempDir } from './support/optunaDump.ts';

const DEMO = path.join(FIXTURES, 'hpo_study_demo.py');
const runDemo = (n: number, seed: number): string => `sys.argv = [${JSON.stringify(DEMO)}, DB, "${n}", "${seed}"]\nrunpy.run_path(sys.argv[0], run_name="__main__")`;

describe.runIf(hasOptuna())('files made by Python Optuna 3.1.0', () => {
  it('reads a study with ±inf values, NaN intermediates, WAITING trials, None/bool choices and two objectives as Python does', () => {
    const db = path.join(tempDir('edge'), 'study.db');
    const py = pythonDump(db, EDGE_STUDY_PY);
    expect(py.map((p) => p.name)).toEqual(['demo', 'multi']);
    compareWithPython(db, py);
    const s = openStudyStorage(db, { readonly: true });
    const demo = s.getStudy('demo')!;
    const trials = s.getTrials(demo.studyId);
    expect(trials.find((t) => t.number === 4)?.value).toBe(Infinity);
    expect(trials.find((t) => t.number === 5)?.value).toBe(-Infinity);
    expect(Number.isNaN(trials.find((t) => t.number === 4)?.intermediateValues[1]?.[1])).toBe(true);
    expect(trials.find((t) => t.number === 3)).toMatchObject({ state: 'PRUNED', value: 1 / 3 });
    expect(demo.userAttrs.big).toBe(2n ** 70n);
    expect(Number.isNaN(demo.userAttrs.nan)).toBe(true);
    // -inf is the best of a minimize study (Optuna 3.1.0 itself says +inf: optuna#4420).
    expect(s.getBestTrial(demo.studyId)?.number).toBe(5);
    expect(s.getBestTrial(s.getStudy('multi')!.studyId)).toBeNull();
    s.close();
  });

  it('keeps a v3.0.0.d file at v3.0.0.d after writing, and Python resumes what we added', () => {
    const db = path.join(tempDir('demo'), 'study.db');
    pythonDump(db, runDemo(5, 3));
    expect(alembic(db)).toEqual([['v3.0.0.d']]);
    const s = openStudyStorage(db, { runner: true });
    const st = s.getStudy('hpo_distilbert')!;
    const prior = s.getTrials(st.studyId);
    const first = prior[0]!;
    const { trialId, number } = s.createTrial(st.studyId, {
      params: Object.fromEntries(Object.entries(first.params).map(([k, v]) => [k, { value: v, distribution: first.distributions[k]! }])),
      userAttrs: { trial_dir: 'ours' },
    });
    expect(number).toBe(prior.length);
    s.reportIntermediate(trialId, 0, 0.7);
    s.finishTrial(trialId, 'COMPLETE', 0.99);
    expect(s.getBestTrial(st.studyId)?.number).toBe(number);
    s.close();
    expect(alembic(db)).toEqual([['v3.0.0.d']]);
    // Python adds one more (plus one left RUNNING) with TPE on a history that includes our trial.
    const py = pythonDump(db, runDemo(1, 5));
    expect(py[0]!.best).toBe(number);
    expect(py[0]!.trials).toHaveLength(prior.length + 1 + 2);
    expect(py[0]!.trials[number]).toMatchObject({ state: 'COMPLETE', value: 0.99, user_attrs: { trial_dir: 'ours' } });
    compareWithPython(db, py);
    expect(alembic(db)).toEqual([['v3.0.0.d']]);
  });
});
