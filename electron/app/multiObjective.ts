// What the app shows of a study with several objectives: its directions, each objective's name when
// known, its Pareto front (core/studies/paretoFront.ts) and whether constraints are in play.
import type { Direction, FrozenTrial } from '../core/search/types.ts';
import { feasibilityOf, paretoFront } from '../core/studies/paretoFront.ts';
import type { MultiObjective } from '../../shared/contract.ts';

/** Where a study may name its objectives: Optuna 3.2+'s study.set_metric_names (a study system
 * attr), or a user attr of the same list. Optuna 3.1 has neither: then "objective k". */
const NAME_ATTRS: ReadonlyArray<['system' | 'user', string]> = [
  ['system', 'study:metric_names'],
  ['user', 'metric_names'],
  ['user', 'objective_metrics'],
];

export function objectiveNames(study: { directions: readonly Direction[]; userAttrs: Record<string, unknown>; systemAttrs: Record<string, unknown> }): Array<string | null> {
  for (const [where, key] of NAME_ATTRS) {
    const v = (where === 'system' ? study.systemAttrs : study.userAttrs)[key];
    if (Array.isArray(v) && v.length === study.directions.length && v.every((x) => typeof x === 'string' && x !== '')) return v as string[];
  }
  return study.directions.map(() => null);
}

/** The Pareto front of the trials, as trial numbers. */
export function frontOf(trials: readonly FrozenTrial[], directions: readonly Direction[]): number[] {
  return paretoFront(
    trials.map((t) => ({ number: t.number, state: t.state, values: t.values ?? [t.value], feasible: feasibilityOf(t.systemAttrs) })),
    directions,
  );
}

/** A multi-objective study's summary; undefined for a study with one objective. */
export function multiObjectiveOf(
  study: { directions: readonly Direction[]; userAttrs: Record<string, unknown>; systemAttrs: Record<string, unknown> },
  trials: readonly FrozenTrial[],
): MultiObjective | undefined {
  if (study.directions.length < 2) return undefined;
  return {
    directions: [...study.directions],
    names: objectiveNames(study),
    frontSize: frontOf(trials, study.directions).length,
    constrained: trials.some((t) => feasibilityOf(t.systemAttrs) !== null),
  };
}
