// Multi-objective studies written by real Python Optuna 3.1 (NSGA-II), for the tests of what the app
// shows of them: two objectives (loss minimized, accuracy maximized) with constraints_func, so every
// finished trial has Optuna's `constraints` system attr; and three objectives without constraints.
// Some trials fail and some are pruned (a multi-objective trial cannot report intermediate values,
// but it can raise TrialPruned). The script prints, per study, each trial's number, state, values and
// constraints as JSON, so a test compares what the app shows with what Python stored.
import { runPython } from './peers.ts';

export const MO2_STUDY = 'mo_two';
export const MO3_STUDY = 'mo_three';

const SCRIPT = `
import json, logging, math, sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
logging.getLogger('optuna').setLevel(logging.CRITICAL)
path, n = sys.argv[1], int(sys.argv[2])
# Optimized in memory, then copied into the SQLite file by Optuna's own copy_study (values, states,
# system attrs and all): several times quicker than optimizing on SQLite, for the same file.
storage = optuna.storages.InMemoryStorage()
def two(trial):
    x = trial.suggest_float('x', 0.0, 1.0)
    width = trial.suggest_int('width', 1, 8)
    if trial.number % 17 == 5:
        raise ValueError('diverged')
    if trial.number % 19 == 11:
        raise optuna.TrialPruned()
    loss = x ** 2 + 0.02 * width
    accuracy = 1.0 - (1.0 - x) ** 2 - 0.01 * abs(width - 4)
    return loss, accuracy
def constraints(trial):
    # Feasible when x <= 0.8: the best accuracies are out of bounds.
    return [trial.params['x'] - 0.8]
s2 = optuna.create_study(study_name='${MO2_STUDY}', storage=storage, directions=['minimize', 'maximize'],
    sampler=optuna.samplers.NSGAIISampler(seed=7, population_size=10, constraints_func=constraints))
s2.optimize(two, n_trials=n, catch=(ValueError,))
def three(trial):
    a = trial.suggest_float('a', 0.0, 1.0)
    b = trial.suggest_float('b', 0.0, 1.0)
    # b makes every objective worse: trials with a larger b than a neighbour's are dominated.
    return a + b, 1.0 - a + b, -((a - 0.5) ** 2) - b
s3 = optuna.create_study(study_name='${MO3_STUDY}', storage=storage, directions=['minimize', 'minimize', 'maximize'],
    sampler=optuna.samplers.NSGAIISampler(seed=11, population_size=8))
s3.optimize(three, n_trials=n // 2)
from optuna.study._multi_objective import _get_pareto_front_trials_by_trials
out = {}
for s in (s2, s3):
    optuna.copy_study(from_study_name=s.study_name, from_storage=storage, to_storage=path if '://' in path else 'sqlite:///' + path)
    done = s.get_trials(states=(optuna.trial.TrialState.COMPLETE,))
    feasible = [t for t in done if t.system_attrs.get('constraints') is not None and all(c <= 0 for c in t.system_attrs['constraints'])]
    out[s.study_name] = {
        'directions': [d.name.lower() for d in s.directions],
        'front': sorted(t.number for t in s.best_trials),
        'feasibleFront': sorted(t.number for t in _get_pareto_front_trials_by_trials(feasible, s.directions)),
        'trials': [{'number': t.number, 'state': t.state.name, 'values': t.values, 'constraints': t.system_attrs.get('constraints')} for t in s.trials],
    }
print(json.dumps(out))
`;

export interface PyMoTrial {
  number: number;
  state: string;
  values: number[] | null;
  constraints: number[] | null;
}
export interface PyMoStudy {
  directions: Array<'minimize' | 'maximize'>;
  /** Optuna 3.1's study.best_trials: it ignores constraints. */
  front: number[];
  /** Optuna's own front of the feasible COMPLETE trials only (what later Optuna versions show as the
   * best trials of a constrained study). */
  feasibleFront: number[];
  trials: PyMoTrial[];
}

/** Writes both studies into the SQLite file `file`, or the database of a storage URL
 * (postgresql://...), n trials for the two-objective one, n/2 for the other, and returns what
 * Python reads back from them. */
export function makeMultiObjectiveStudies(file: string, n: number): Record<typeof MO2_STUDY | typeof MO3_STUDY, PyMoStudy> {
  return JSON.parse(runPython(SCRIPT, [file, String(n)])) as Record<typeof MO2_STUDY | typeof MO3_STUDY, PyMoStudy>;
}
