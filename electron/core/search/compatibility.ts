// Which distribution changes Optuna refuses for a param a study already holds.
//
// Checked against Python Optuna 3.1.0 (Debian python3-optuna, optuna/distributions.py):
// check_distribution_compatibility(dist_old, dist_new) raises ValueError when
//   - the classes differ (FloatDistribution / IntDistribution / CategoricalDistribution),
//   - for Float and Int, `log` differs,
//   - for Categorical, the distributions are not equal: same length and each choice equal by
//     `_categorical_choice_equal` (Python ==, so True == 1 == 1.0, plus NaN equals NaN).
// Everything else may change: low, high and step (ranges "may differ").
// The RDB storage checks a new param against the FIRST row stored under its name in the study
// (models.TrialParamModel._check_compatibility_with_previous_trial_param_distributions).
// Not modelled: Optuna 3.1 also keeps the pre-3.0 classes (UniformDistribution, ...) as distinct
// subclasses, so a study written by Optuna 2 refuses a FloatDistribution there; we read those
// names as their 3.x kind (distributionJson.ts) and cannot tell them apart.
import type { CategoricalChoice, Distribution } from './types.ts';

export type Incompatibility = 'kind' | 'log' | 'choices';

/** Python's == between two categorical choices, as Optuna's _categorical_choice_equal applies it. */
export function pythonChoiceEqual(a: CategoricalChoice, b: CategoricalChoice): boolean {
  const numeric = (v: CategoricalChoice): v is number | boolean => typeof v === 'number' || typeof v === 'boolean';
  if (numeric(a) && numeric(b)) {
    const x = Number(a);
    const y = Number(b);
    return x === y || (Number.isNaN(x) && Number.isNaN(y));
  }
  return a === b;
}

/** Why Optuna refuses `next` for a param first stored with `old`, or null when it accepts it. */
export function incompatibility(old: Distribution, next: Distribution): Incompatibility | null {
  if (old.kind !== next.kind) return 'kind';
  if (old.kind === 'categorical' && next.kind === 'categorical') {
    const same = old.choices.length === next.choices.length && old.choices.every((c, i) => pythonChoiceEqual(c, next.choices[i] as CategoricalChoice));
    return same ? null : 'choices';
  }
  if (old.kind !== 'categorical' && next.kind !== 'categorical' && old.log !== next.log) return 'log';
  return null;
}
