// Python scripts and a param set shared by the interop tests.
import type { Distribution, ParamValue } from '../../../electron/core/search/types.ts';

// The research note's scenario: ±inf values, a NaN intermediate, a pruned trial, enqueued WAITING
// trials with fixed_params, None/bool categorical choices, and a two-objective study. Runs as the
// `before` code of pythonDump, with DB bound to the file.
export const EDGE_STUDY_PY = `
import sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
url = "sqlite:///" + DB
study = optuna.create_study(study_name="demo", storage=url, direction="minimize", sampler=optuna.samplers.TPESampler(seed=0))
study.set_user_attr("owner", "alice"); study.set_user_attr("nested", {"a": [1, 2.5, None], "b": "x"})
study.set_user_attr("nan", float("nan")); study.set_user_attr("big", 2**70); study.set_user_attr("jp", "\\u65e5\\u672c")
def objective(trial):
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    trial.suggest_float("dropout", 0.0, 0.5, step=0.1)
    x = trial.suggest_float("x", -10.0, 10.0)
    trial.suggest_int("layers", 2, 10, step=2)
    trial.suggest_int("units", 16, 256, log=True)
    trial.suggest_categorical("optimizer", ["adam", "sgd", "rmsprop"])
    trial.suggest_categorical("flag", [True, False, None, 1.5])
    trial.set_user_attr("note", "hello")
    if trial.number == 2: raise ValueError("boom")
    if trial.number == 3:
        for step in range(3): trial.report(1.0 / (step + 1), step)
        raise optuna.TrialPruned()
    if trial.number == 4:
        trial.report(float("inf"), 0); trial.report(float("nan"), 1); return float("inf")
    if trial.number == 5: return float("-inf")
    for step in range(2): trial.report(x * x + step, step)
    return x * x + lr
study.enqueue_trial({"x": 1.0, "optimizer": "sgd"}, user_attrs={"enq": True})
study.optimize(objective, n_trials=7, catch=(ValueError,))
study.enqueue_trial({"x": 2.0}); t = study.ask(); t2 = study.ask(); study.enqueue_trial({"x": 3.0})
ms = optuna.create_study(study_name="multi", storage=url, directions=["minimize", "maximize"])
ms.optimize(lambda tr: (tr.suggest_float("a", 0, 1), tr.suggest_int("b", 0, 3)), n_trials=2)
`;

export const SPACE: Record<string, Distribution> = {
  learning_rate: { kind: 'float', low: 1e-5, high: 5e-5, step: null, log: true },
  dropout: { kind: 'float', low: 0.1, high: 0.3, step: 0.05, log: false },
  weight_decay: { kind: 'float', low: 0, high: 0.1, step: null, log: false },
  epochs: { kind: 'int', low: 2, high: 10, step: 2, log: false },
  warmup_steps: { kind: 'int', low: 10, high: 1000, step: 1, log: true },
  batch_size: { kind: 'categorical', choices: [8, 16, 32] },
  optimizer: { kind: 'categorical', choices: ['adam', 'sgd', '\u65e5\u672c'] },
  flag: { kind: 'categorical', choices: [true, false, null, 1.5] },
};

export function paramsFor(i: number): Record<string, { value: ParamValue; distribution: Distribution }> {
  const v: Record<string, ParamValue> = {
    learning_rate: 1e-5 * (1 + (i % 4)),
    dropout: [0.1, 0.15, 0.2, 0.25, 0.3][i % 5] as number,
    weight_decay: 0.1 / (i + 3),
    epochs: 2 + 2 * (i % 5),
    warmup_steps: 10 + 7 * i,
    batch_size: [8, 16, 32][i % 3] as number,
    optimizer: ['adam', 'sgd', '\u65e5\u672c'][i % 3] as string,
    flag: [true, false, null, 1.5][i % 4] as ParamValue,
  };
  return Object.fromEntries(Object.entries(SPACE).map(([k, d]) => [k, { value: v[k] as ParamValue, distribution: d }]));
}
