// A study made by the real Python Optuna 3.1.0 (the fixture's script): we write to it without
// restamping its revision, and Python resumes what we added.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { FIXTURES, hasOptuna } from '../support/peers.ts';
import { alembic, compareWithPython, pythonDump, tempDir } from './support/optunaDump.ts';

const DEMO = path.join(FIXTURES, 'hpo_study_demo.py');
const runDemo = (n: number, seed: number): string => `sys.argv = [${JSON.stringify(DEMO)}, DB, "${n}", "${seed}"]\nrunpy.run_path(sys.argv[0], run_name="__main__")`;

describe.runIf(hasOptuna())('resuming a Python-made study', () => {
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
