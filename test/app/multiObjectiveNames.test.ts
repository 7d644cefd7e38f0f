// What a multi-objective study's objectives are called: the names the study gives them (Optuna
// 3.2+'s set_metric_names, a system attr; or a user attr list), one per objective, else none.
import { describe, expect, it } from 'vitest';
import { objectiveNames } from '../../electron/app/multiObjective.ts';

const study = (userAttrs: Record<string, unknown>, systemAttrs: Record<string, unknown> = {}) => ({ directions: ['minimize', 'maximize'] as Array<'minimize' | 'maximize'>, userAttrs, systemAttrs });

describe('objectiveNames', () => {
  it("Optuna's metric names first, then a user attr list", () => {
    expect(objectiveNames(study({ metric_names: ['a', 'b'] }, { 'study:metric_names': ['loss', 'accuracy'] }))).toEqual(['loss', 'accuracy']);
    expect(objectiveNames(study({ metric_names: ['a', 'b'] }))).toEqual(['a', 'b']);
    expect(objectiveNames(study({ objective_metrics: ['eval_loss', 'f1'] }))).toEqual(['eval_loss', 'f1']);
  });
  it('none when absent, or a list that does not name every objective', () => {
    expect(objectiveNames(study({}))).toEqual([null, null]);
    expect(objectiveNames(study({ metric_names: ['only-one'] }))).toEqual([null, null]);
    expect(objectiveNames(study({ metric_names: ['a', 3] }))).toEqual([null, null]);
  });
});
