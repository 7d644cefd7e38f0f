// The real fixture written by Optuna 3.1.0: everything we read equals what Python Optuna reads.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import type { StudyStorage } from '../../electron/core/studies/types.ts';
import { FIXTURES, hasOptuna } from '../support/peers.ts';
import { norm, ourTrialAsPy, pythonDump, pyTrialMs, sha256, tempDir, type PyStudy } from './support/optunaDump.ts';

const FIXTURE = path.join(FIXTURES, 'optuna-3.1.0', 'study.db');

describe.runIf(hasOptuna())('Optuna 3.1.0 fixture study.db', () => {
  let db: string;
  let py: PyStudy[];
  let storage: StudyStorage;

  beforeAll(() => {
    db = path.join(tempDir('fixture'), 'study.db');
    fs.copyFileSync(FIXTURE, db);
    py = pythonDump(db);
    storage = openStudyStorage(db, { readonly: true });
  });
  afterAll(() => storage?.close());

  it('lists the same studies, directions and attrs', () => {
    const ours = storage.listStudies();
    expect(ours.map((s) => s.name)).toEqual(py.map((s) => s.name));
    for (const [i, s] of ours.entries()) {
      const p = py[i] as PyStudy;
      expect(s.directions).toEqual(p.directions);
      expect(norm(s.userAttrs)).toEqual(p.user_attrs);
      expect(norm(s.systemAttrs)).toEqual(p.system_attrs);
      expect(s.counts.COMPLETE + s.counts.PRUNED + s.counts.FAIL + s.counts.RUNNING + s.counts.WAITING).toBe(p.trials.length);
      for (const st of ['COMPLETE', 'PRUNED', 'FAIL', 'RUNNING', 'WAITING'] as const) {
        expect(s.counts[st], st).toBe(p.trials.filter((t) => t.state === st).length);
      }
      expect(s.best?.number ?? null).toBe(p.best);
    }
  });

  it('reads every trial exactly as Python Optuna does (params, distributions, states, values, intermediates, attrs, datetimes)', () => {
    for (const p of py) {
      const info = storage.getStudy(p.name);
      expect(info).toBeDefined();
      const ours = storage.getTrials(info!.studyId).map(ourTrialAsPy);
      expect(ours).toEqual(p.trials.map(pyTrialMs));
      expect(storage.getBestTrial(info!.studyId)?.number ?? null).toBe(p.best);
    }
  });

  it('covers every distribution kind and every state the fixture promises', () => {
    const info = storage.getStudy('hpo_distilbert')!;
    const trials = storage.getTrials(info.studyId);
    const kinds = new Set(trials.flatMap((t) => Object.values(t.distributions).map((d) => (d.kind === 'categorical' ? 'cat' : `${d.kind}${d.log ? '-log' : ''}${d.step !== null && d.kind === 'float' ? '-step' : ''}${d.kind === 'int' && d.step > 1 ? '-step' : ''}`))));
    expect([...kinds].sort()).toEqual(['cat', 'float', 'float-log', 'float-step', 'int-log', 'int-step']);
    expect(new Set(trials.map((t) => t.state))).toEqual(new Set(['COMPLETE', 'PRUNED', 'FAIL', 'RUNNING']));
    expect(trials.filter((t) => t.state === 'PRUNED').every((t) => t.intermediateValues.length > 0)).toBe(true);
    // Filtering by state gives the same objects in trial order.
    const finished = storage.getTrials(info.studyId, ['COMPLETE', 'PRUNED']);
    expect(finished.map((t) => t.number)).toEqual(trials.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED').map((t) => t.number));
  });

  it('reading (read-only) leaves the file byte-for-byte unchanged', () => {
    storage.listStudies();
    expect(sha256(db)).toBe(sha256(FIXTURE));
  });
});
