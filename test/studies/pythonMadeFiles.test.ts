// A file made by the real Python Optuna 3.1.0 with every edge case: we read it as Python does.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { hasOptuna } from '../support/peers.ts';
import { EDGE_STUDY_PY } from './support/edgeStudy.ts';
import { compareWithPython, pythonDump, tempDir } from './support/optunaDump.ts';

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
});
