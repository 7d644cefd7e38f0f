// Domain types shared by the search space, the samplers, the pruners, the study storage and the
// runner. They mirror Optuna's model so that what we store reads back in Python unchanged.

/** A categorical choice, as Optuna allows them: None | bool | int | float | str. */
export type CategoricalChoice = null | boolean | number | string;
/** A param's external value (what the trial sees). */
export type ParamValue = CategoricalChoice;

export type FloatDistribution = { kind: 'float'; low: number; high: number; step: number | null; log: boolean };
export type IntDistribution = { kind: 'int'; low: number; high: number; step: number; log: boolean };
export type CategoricalDistribution = { kind: 'categorical'; choices: readonly CategoricalChoice[] };
export type Distribution = FloatDistribution | IntDistribution | CategoricalDistribution;

/** Ordered mapping from param name to distribution (config order is preserved). */
export type SearchSpace = ReadonlyMap<string, Distribution>;

export type TrialState = 'RUNNING' | 'COMPLETE' | 'PRUNED' | 'FAIL' | 'WAITING';
export type FinishedState = 'COMPLETE' | 'PRUNED' | 'FAIL';
export type Direction = 'minimize' | 'maximize';

export interface FrozenTrial {
  trialId: number;
  number: number;
  state: TrialState;
  /** External values. */
  params: Record<string, ParamValue>;
  distributions: Record<string, Distribution>;
  /** Objective 0 value (±Infinity allowed); null when none is stored. */
  value: number | null;
  /** Every objective's value in objective order, only on a trial of a multi-objective study that has
   * values (Optuna's trial.values); a single-objective trial has just `value`. */
  values?: number[];
  /** Sorted by step. NaN is kept as NaN. */
  intermediateValues: Array<[step: number, value: number]>;
  datetimeStart: Date | null;
  datetimeComplete: Date | null;
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
}

/** A sampler proposes the params of the next trial from the finished history. Deterministic for a
 * given seed and history. */
export interface Sampler {
  readonly name: 'random' | 'grid' | 'tpe' | 'nsga2';
  sample(space: SearchSpace, history: readonly FrozenTrial[], direction: Direction): Record<string, ParamValue>;
  /** Samplers that keep state in the new trial's system attrs (NSGA-II's generation, as Optuna
   * stores it): the proposal with the attrs to write with the trial. Absent: sample() alone. */
  propose?(space: SearchSpace, history: readonly FrozenTrial[], direction: Direction): { params: Record<string, ParamValue>; systemAttrs: Record<string, unknown> };
  /** Finite samplers (grid) only: how many proposals are left given the history. When it is 0,
   * `sample` throws SearchSpaceExhaustedError (search/errors.ts). Absent means unbounded. */
  remaining?(space: SearchSpace, history: readonly FrozenTrial[]): number;
}

/** A pruner decides from intermediate values whether a running trial should stop. */
export interface Pruner {
  readonly name: 'none' | 'median' | 'bandit';
  shouldPrune(
    trial: { number: number; intermediateValues: ReadonlyArray<[number, number]> },
    history: readonly FrozenTrial[],
    direction: Direction,
  ): boolean;
}
