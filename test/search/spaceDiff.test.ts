// The search-space difference shown before a resume: what counts as added, removed, changed or
// refused, and the words for each. Expected values are written out by hand.
import { describe, expect, it } from 'vitest';
import { incompatibility, pythonChoiceEqual } from '../../electron/core/search/compatibility.ts';
import { diffSpaces, studySpaceOf } from '../../electron/core/search/spaceDiff.ts';
import { distributionText, rangeText, spaceDiffLines } from '../../electron/core/search/spaceDiffText.ts';
import type { Distribution, FrozenTrial, SearchSpace } from '../../electron/core/search/types.ts';

const F = (low: number, high: number, log = false, step: number | null = null): Distribution => ({ kind: 'float', low, high, step, log });
const I = (low: number, high: number, step = 1, log = false): Distribution => ({ kind: 'int', low, high, step, log });
const C = (...choices: Array<string | number | boolean | null>): Distribution => ({ kind: 'categorical', choices });

function trial(number: number, distributions: Record<string, Distribution>, state: FrozenTrial['state'] = 'COMPLETE'): FrozenTrial {
  const params = Object.fromEntries(Object.entries(distributions).map(([k, d]) => [k, d.kind === 'categorical' ? d.choices[0]! : d.low]));
  return {
    trialId: number + 1, number, state, params, distributions, value: 0, intermediateValues: [],
    datetimeStart: null, datetimeComplete: null, userAttrs: {}, systemAttrs: {},
  };
}
const space = (entries: Array<[string, Distribution]>): SearchSpace => new Map(entries);

const issueStudy: Record<string, Distribution> = {
  learning_rate: F(1e-5, 1e-2, true),
  batch_size: C(8, 16, 32),
  dropout: F(0.1, 0.3, false, 0.05),
  epochs: I(2, 10, 2),
  weight_decay: F(0, 0.1),
  warmup_steps: I(10, 1000, 1, true),
};

describe('Optuna 3.1 compatibility rule', () => {
  it('refuses a change of kind, of log, and of categorical choices; accepts range and step changes', () => {
    expect(incompatibility(F(0, 1), I(0, 1))).toBe('kind');
    expect(incompatibility(I(0, 1), C(0, 1))).toBe('kind');
    expect(incompatibility(C('a'), F(0, 1))).toBe('kind');
    expect(incompatibility(F(1e-5, 1e-2, true), F(1e-5, 1e-2, false))).toBe('log');
    expect(incompatibility(I(1, 8, 1, false), I(1, 8, 1, true))).toBe('log');
    expect(incompatibility(C('a', 'b'), C('a', 'b', 'c'))).toBe('choices');
    expect(incompatibility(C('a', 'b'), C('b', 'a'))).toBe('choices');
    expect(incompatibility(F(1e-5, 1e-2, true), F(1e-6, 1e-1, true))).toBeNull();
    expect(incompatibility(F(0, 1, false, 0.1), F(0, 1))).toBeNull();
    expect(incompatibility(I(2, 10, 2), I(1, 20, 1))).toBeNull();
    expect(incompatibility(C('a', 'b'), C('a', 'b'))).toBeNull();
  });

  it('compares choices as Python does: True == 1, 1 == 1.0, NaN == NaN, "1" != 1', () => {
    expect(pythonChoiceEqual(true, 1)).toBe(true);
    expect(pythonChoiceEqual(false, 0)).toBe(true);
    expect(pythonChoiceEqual(Number.NaN, Number.NaN)).toBe(true);
    expect(pythonChoiceEqual('1', 1)).toBe(false);
    expect(pythonChoiceEqual(null, 0)).toBe(false);
    expect(incompatibility(C(true, 2), C(1, 2))).toBeNull();
  });
});

describe('the study space against the config space', () => {
  it("the issue's case: weight_decay dropped and learning_rate widened", () => {
    const study = studySpaceOf([trial(0, issueStudy), trial(1, issueStudy)]);
    const { weight_decay: _dropped, ...rest } = issueStudy;
    const config = space(Object.entries({ ...rest, learning_rate: F(1e-6, 1e-1, true) }));
    const diff = diffSpaces(study, config);
    expect(diff.incompatible).toBe(false);
    expect(diff.params).toEqual([
      { param: 'learning_rate', change: 'changed', study: F(1e-5, 1e-2, true), config: F(1e-6, 1e-1, true), held: 1 },
      { param: 'weight_decay', change: 'removed', study: F(0, 0.1) },
    ]);
    expect(spaceDiffLines(diff)).toEqual([
      'learning_rate: range 1e-5..1e-2 → 1e-6..1e-1',
      "weight_decay: removed — trials keep their values; new trials won't sample it",
    ]);
  });

  it('the same space is no difference; an empty study has none either', () => {
    expect(diffSpaces(studySpaceOf([trial(0, issueStudy)]), space(Object.entries(issueStudy)))).toEqual({ params: [], incompatible: false });
    expect(diffSpaces(studySpaceOf([]), space(Object.entries(issueStudy)))).toEqual({ params: [], incompatible: false });
  });

  it('a kind change is refused, naming both kinds and what to do', () => {
    const study = studySpaceOf([trial(0, { lr: F(0.001, 0.1), opt: C('adam', 'sgd') })]);
    const diff = diffSpaces(study, space([['lr', I(1, 10)], ['opt', C('adam', 'sgd')]]));
    expect(diff.incompatible).toBe(true);
    expect(diff.params).toEqual([{ param: 'lr', change: 'incompatible', reason: 'kind', study: F(0.001, 0.1), config: I(1, 10) }]);
    expect(spaceDiffLines(diff)).toEqual([
      "lr: the study holds it as float (uniform / loguniform), the config makes it int — Optuna cannot change a param's kind within a study; keep it float in search_space, or set a new study_name in the config to start a new study with this space",
    ]);
  });

  it('log and choices changes are refused too; step and range changes are not', () => {
    const study = studySpaceOf([trial(0, { lr: F(1e-4, 1e-2, true), bs: C(8, 16), d: F(0, 0.5, false, 0.1), e: I(2, 10, 2) })]);
    const diff = diffSpaces(study, space([['lr', F(1e-4, 1e-2)], ['bs', C(8, 16, 32)], ['d', F(0, 0.5)], ['e', I(1, 12)]]));
    expect(diff.params.map((p) => [p.param, p.change, p.change === 'incompatible' ? p.reason : null])).toEqual([
      ['lr', 'incompatible', 'log'],
      ['bs', 'incompatible', 'choices'],
      ['d', 'changed', null],
      ['e', 'changed', null],
    ]);
    expect(spaceDiffLines(diff).slice(1)).toEqual([
      'bs: choices [8, 16] → [8, 16, 32] — Optuna cannot change a categorical param\'s choices within a study; keep the study\'s choices, or set a new study_name in the config to start a new study with this space',
      'd: step 0.1 → none',
      'e: range 2..10 → 1..12, step 2 → 1',
    ]);
  });

  it('an added param; a param dropped in an earlier resume is not reported again', () => {
    const old = { x: F(0, 1), y: I(0, 5) };
    const now = { x: F(0, 2) };
    const study = studySpaceOf([trial(0, old), trial(1, old), trial(2, now)]);
    const diff = diffSpaces(study, space([['x', F(0, 2)], ['z', C('a', 'b')]]));
    expect(diff.params).toEqual([{ param: 'z', change: 'added', config: C('a', 'b') }]);
    expect(spaceDiffLines(diff)).toEqual(['z: added (choices ["a", "b"]) — earlier trials have no value for it; new trials sample it']);
  });

  it('a RUNNING or FAIL trial holding only some params (Python sets them one by one) drops none', () => {
    const all = { x: F(0, 1), y: I(0, 5) };
    const study = studySpaceOf([trial(0, all), trial(1, { x: F(0, 1) }, 'FAIL'), trial(2, { x: F(0, 1) }, 'RUNNING')]);
    expect(diffSpaces(study, space(Object.entries(all))).params).toEqual([]);
    expect(diffSpaces(study, space([['x', F(0, 1)]])).params).toEqual([{ param: 'y', change: 'removed', study: I(0, 5) }]);
  });

  it('a study with two ranges already: compared with the latest, and says how many it holds', () => {
    const study = studySpaceOf([trial(1, { x: F(0, 2) }), trial(0, { x: F(0, 1) })]);
    expect(study.params.get('x')?.latest).toEqual(F(0, 2));
    expect(diffSpaces(study, space([['x', F(0, 2)]])).params).toEqual([]);
    const back = diffSpaces(study, space([['x', F(0, 1)]]));
    expect(back.params).toEqual([{ param: 'x', change: 'changed', study: F(0, 2), config: F(0, 1), held: 2 }]);
    expect(spaceDiffLines(back)).toEqual(['x: range 0..2 → 0..1 (the study already holds 2 distributions for it)']);
  });

  it('a kind change against an older distribution of the param is still refused', () => {
    // The first stored one is what Optuna checks; a later one of the same kind changes nothing.
    const study = studySpaceOf([trial(0, { n: I(1, 4) }), trial(1, { n: I(1, 8) })]);
    const diff = diffSpaces(study, space([['n', F(1, 8)]]));
    expect(diff.params).toEqual([{ param: 'n', change: 'incompatible', reason: 'kind', study: I(1, 4), config: F(1, 8) }]);
  });
});

describe('distributions in words', () => {
  it('ranges in one form, exponent when small or large', () => {
    expect(rangeText(1e-5, 1e-2)).toBe('1e-5..1e-2');
    expect(rangeText(0, 0.3)).toBe('0..0.3');
    expect(rangeText(2.5e-5, 0.5)).toBe('2.5e-5..5e-1');
    expect(rangeText(1, 2e6)).toBe('1e0..2e6');
    expect(distributionText(F(1e-5, 5e-5, true))).toBe('float 1e-5..5e-5, log');
    expect(distributionText(I(2, 10, 2))).toBe('int 2..10, step 2');
    expect(distributionText(I(10, 1000, 1, true))).toBe('int 10..1000, log');
    expect(distributionText(C('adam', null, 3))).toBe('choices ["adam", null, 3]');
  });
});
