// On a study made by the real Python Optuna 3.1: the search-space changes our diff refuses are the
// ones Optuna itself raises on (a param's kind, log scale, categorical choices), and the ones we let
// through on purpose (ranges, steps) Optuna accepts.
import { copyFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffSpaces, studySpaceOf } from '../../electron/core/search/spaceDiff.ts';
import { distributionFor } from '../../electron/core/search/space.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import type { ParamSpec } from '../../shared/config.ts';
import { FIXTURES, needOptuna, runPython } from '../support/peers.ts';

/** One change to the demo study's space: as a Sweepdeck config entry and as the Python suggest call
 * that makes the same distribution; `refused` is what Optuna 3.1 does, written out by hand. */
interface Case {
  param: string;
  spec: ParamSpec;
  suggest: string;
  refused: 'kind' | 'log' | 'choices' | null;
}
const CASES: Case[] = [
  { param: 'epochs', spec: { type: 'uniform', min: 2, max: 10 }, suggest: 't.suggest_float("epochs", 2, 10)', refused: 'kind' },
  { param: 'batch_size', spec: { type: 'int', min: 8, max: 32 }, suggest: 't.suggest_int("batch_size", 8, 32)', refused: 'kind' },
  { param: 'weight_decay', spec: { type: 'choice', values: [0, 0.1] }, suggest: 't.suggest_categorical("weight_decay", [0, 0.1])', refused: 'kind' },
  { param: 'learning_rate', spec: { type: 'uniform', min: 1e-5, max: 5e-5 }, suggest: 't.suggest_float("learning_rate", 1e-5, 5e-5)', refused: 'log' },
  { param: 'batch_size', spec: { type: 'choice', values: [8, 16, 32, 64] }, suggest: 't.suggest_categorical("batch_size", [8, 16, 32, 64])', refused: 'choices' },
  { param: 'learning_rate', spec: { type: 'loguniform', min: 1e-6, max: 1e-1 }, suggest: 't.suggest_float("learning_rate", 1e-6, 1e-1, log=True)', refused: null },
  { param: 'dropout', spec: { type: 'uniform', min: 0, max: 0.5, step: 0.1 }, suggest: 't.suggest_float("dropout", 0.0, 0.5, step=0.1)', refused: null },
  { param: 'epochs', spec: { type: 'int', min: 1, max: 20 }, suggest: 't.suggest_int("epochs", 1, 20)', refused: null },
  { param: 'warmup_steps', spec: { type: 'int', min: 10, max: 2000, log: true }, suggest: 't.suggest_int("warmup_steps", 10, 2000, log=True)', refused: null },
];

/** Each case's suggest call in a new trial of the study; prints "ok" or Optuna's ValueError. */
const PY_CHECK = `
import sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
study = optuna.load_study(study_name="hpo_distilbert", storage="sqlite:///" + sys.argv[1])
calls = sys.argv[2:]
for call in calls:
    t = study.ask()
    try:
        eval(call, {"t": t})
        print("ok")
    except ValueError as e:
        print("refused: " + str(e))
    study.tell(t, state=optuna.trial.TrialState.FAIL)
`;

describe('search-space changes on a Python-made study', () => {
  it('we refuse exactly what Optuna 3.1 raises on, and accept what it accepts', (ctx) => {
    needOptuna(ctx);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-space-py-'));
    const made = path.join(dir, 'study.db');
    runPython(`import sys, runpy\nsys.argv = [${JSON.stringify(path.join(FIXTURES, 'hpo_study_demo.py'))}, ${JSON.stringify(made)}, "6", "1"]\nrunpy.run_path(sys.argv[0], run_name="__main__")`);

    // Ours: each case against the study as Python left it.
    const s = openStudyStorage(made, { readonly: true });
    const study = studySpaceOf(s.getTrials(s.getStudy('hpo_distilbert')!.studyId));
    s.close();
    const ours = CASES.map((c) => {
      const p = diffSpaces(study, new Map([[c.param, distributionFor(c.spec)]])).params.find((x) => x.param === c.param);
      return p?.change === 'incompatible' ? p.reason : p?.change === 'changed' ? null : `unexpected ${p?.change ?? 'no change'}`;
    });
    expect(ours).toEqual(CASES.map((c) => c.refused));

    // Optuna's own verdicts, on a copy (accepted calls write a param).
    const copy = path.join(dir, 'copy.db');
    copyFileSync(made, copy);
    const lines = runPython(PY_CHECK, [copy, ...CASES.map((c) => c.suggest)]).trim().split('\n');
    expect(lines).toHaveLength(CASES.length);
    const messages = { kind: 'different distribution kind', log: 'different log configuration', choices: 'does not support dynamic value space' };
    CASES.forEach((c, i) => {
      if (c.refused === null) expect(lines[i], c.suggest).toBe('ok');
      else expect(lines[i], c.suggest).toContain(messages[c.refused]);
    });
  }, 60_000);
});
