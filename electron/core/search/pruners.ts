// Early termination on intermediate values.
//
// median: Optuna's MedianPruner (PercentilePruner at 50) semantics. Config mapping:
//   delay_evaluation -> n_warmup_steps (no pruning before that step),
//   evaluation_interval -> interval_steps,
//   n_startup_trials = MEDIAN_STARTUP_TRIALS (Optuna's default: no pruning until 5 trials completed).
//   A trial is pruned when its best intermediate value so far is worse than the median of the
//   COMPLETE trials' intermediate values at the same step.
//
// bandit: Azure ML's BanditPolicy. Starting at step delay_evaluation, at every evaluation_interval
//   steps, the trial's value at that step is compared with the best value any finished (COMPLETE or
//   PRUNED) trial reported at the same step; slack is relative to that best run:
//     maximize: prune if value < best / (1 + slack_factor)   (or < best - slack_amount)
//     minimize: prune if value > best * (1 + slack_factor)   (or > best + slack_amount)
//   e.g. best 0.8 at step 10, slack_factor 0.2, maximize: anything below 0.8 / 1.2 = 0.667 stops.
//
// Steps are the runner's intermediate-value steps (intermediateValues[][0]).
import type { EarlyTerminationConfig } from '../../../shared/config.ts';
import type { Direction, FrozenTrial, Pruner } from './types.ts';

export const MEDIAN_STARTUP_TRIALS = 5;

type TrialView = { number: number; intermediateValues: ReadonlyArray<[number, number]> };

function lastStep(iv: ReadonlyArray<[number, number]>): number | null {
  let s: number | null = null;
  for (const [step] of iv) if (s === null || step > s) s = step;
  return s;
}

/** Optuna's `_is_first_in_interval_step`: prune checks happen once per interval, at the first step
 * reported at or after each checkpoint warmup + k * interval. */
export function isFirstInIntervalStep(step: number, steps: Iterable<number>, warmup: number, interval: number): boolean {
  const nearestLower = Math.floor((step - warmup) / interval) * interval + warmup;
  let secondLast = -1;
  for (const s of steps) if (s > secondLast && s !== step) secondLast = s;
  return secondLast < nearestLower;
}

/** numpy.nanpercentile(values, 50) (linear interpolation), NaN when no non-NaN values. */
function nanMedian(values: number[]): number {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const pos = 0.5 * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = v[lo] as number;
  const b = v[hi] as number;
  return lo === hi ? a : a + (b - a) * (pos - lo);
}

function valueAtStep(t: { intermediateValues: ReadonlyArray<[number, number]> }, step: number): number | undefined {
  for (const [s, v] of t.intermediateValues) if (s === step) return v;
  return undefined;
}

export class NopPruner implements Pruner {
  readonly name = 'none' as const;
  shouldPrune(): boolean {
    return false;
  }
}

export class MedianPruner implements Pruner {
  readonly name = 'median' as const;
  constructor(
    readonly warmupSteps: number,
    readonly intervalSteps: number,
    readonly startupTrials: number = MEDIAN_STARTUP_TRIALS,
    readonly minTrials: number = 1,
  ) {}

  shouldPrune(trial: TrialView, history: readonly FrozenTrial[], direction: Direction): boolean {
    const completed = history.filter((t) => t.state === 'COMPLETE');
    if (completed.length === 0 || completed.length < this.startupTrials) return false;
    const step = lastStep(trial.intermediateValues);
    if (step === null || step < this.warmupSteps) return false;
    if (!isFirstInIntervalStep(step, trial.intermediateValues.map(([s]) => s), this.warmupSteps, this.intervalSteps)) return false;

    const own = trial.intermediateValues.map(([, v]) => v).filter((v) => !Number.isNaN(v));
    // All NaN so far: Optuna prunes.
    if (own.length === 0) return true;
    const best = direction === 'maximize' ? Math.max(...own) : Math.min(...own);

    const atStep: number[] = [];
    for (const t of completed) {
      const v = valueAtStep(t, step);
      if (v !== undefined) atStep.push(v);
    }
    if (atStep.length < this.minTrials) return false;
    const median = nanMedian(atStep);
    if (Number.isNaN(median)) return false;
    return direction === 'maximize' ? best < median : best > median;
  }
}

export class BanditPruner implements Pruner {
  readonly name = 'bandit' as const;
  constructor(
    readonly delaySteps: number,
    readonly intervalSteps: number,
    readonly slack: { factor: number } | { amount: number },
  ) {}

  /** The value below (maximize) or above (minimize) which a trial is stopped, given the best run's
   * value at the same step. */
  threshold(best: number, direction: Direction): number {
    if ('factor' in this.slack) {
      // Azure's formulas (best / (1+s), best * (1+s)) assume a positive metric; written as a
      // distance from |best| they are identical for positive values and stay sensible for negative
      // ones (e.g. a maximised negative loss).
      const f = this.slack.factor;
      return direction === 'maximize' ? best - (Math.abs(best) * f) / (1 + f) : best + Math.abs(best) * f;
    }
    return direction === 'maximize' ? best - this.slack.amount : best + this.slack.amount;
  }

  shouldPrune(trial: TrialView, history: readonly FrozenTrial[], direction: Direction): boolean {
    const step = lastStep(trial.intermediateValues);
    if (step === null || step < this.delaySteps) return false;
    if (!isFirstInIntervalStep(step, trial.intermediateValues.map(([s]) => s), this.delaySteps, this.intervalSteps)) return false;
    const value = valueAtStep(trial, step);
    if (value === undefined) return false;
    // A NaN metric cannot be better than anything: stop it once others have reported.
    let best: number | null = null;
    for (const t of history) {
      if (t.number === trial.number || (t.state !== 'COMPLETE' && t.state !== 'PRUNED')) continue;
      const v = valueAtStep(t, step);
      if (v === undefined || Number.isNaN(v)) continue;
      if (best === null || (direction === 'maximize' ? v > best : v < best)) best = v;
    }
    if (best === null) return false;
    if (Number.isNaN(value)) return true;
    const limit = this.threshold(best, direction);
    return direction === 'maximize' ? value < limit : value > limit;
  }
}

/** The pruner named by the config's early_termination section. */
export function createPruner(et: EarlyTerminationConfig | undefined, _direction?: Direction): Pruner {
  if (!et || et.policy === 'none') return new NopPruner();
  if (et.policy === 'median') return new MedianPruner(et.delay_evaluation, et.evaluation_interval);
  const slack = et.slack_amount !== undefined ? { amount: et.slack_amount } : { factor: et.slack_factor ?? 0.1 };
  return new BanditPruner(et.delay_evaluation, et.evaluation_interval, slack);
}
