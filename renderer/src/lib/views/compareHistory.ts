// Several studies' best-so-far lines on one trial axis (the Compare view). Each study's line comes
// from the History view's own computation (historyData); here they are put on the union of their
// trial numbers, each carried forward from its last finished trial, since best-so-far is a step
// function of the trial number. Before a study's first finished trial its line is empty (null).
import type uPlot from 'uplot';
import type { TrialScalars } from '../../../../shared/contract.ts';
import { historyData } from '../../components/charts/HistoryChart.tsx';

export type Direction = 'minimize' | 'maximize' | null;

export interface CompareStudy {
  trials: readonly TrialScalars[];
  direction: Direction;
}

export interface CompareHistory {
  data: uPlot.AlignedData;
  /** Finished trials with a value, per study. */
  finished: number[];
  /** Each study's best value at its last finished trial (null when none finished). */
  best: Array<number | null>;
  /** Every value drawn is above zero, so a log axis can show them all. */
  positive: boolean;
}

export function compareHistory(studies: readonly CompareStudy[]): CompareHistory {
  const lines = studies.map((s) => {
    const d = historyData(s.trials, s.direction);
    return { xs: d[0] as ArrayLike<number>, best: d[2] as ArrayLike<number> };
  });
  let total = 0;
  for (const l of lines) total += l.xs.length;
  const all = new Float64Array(total);
  let k = 0;
  for (const l of lines) for (let i = 0; i < l.xs.length; i++) all[k++] = l.xs[i]!;
  all.sort();
  // Distinct trial numbers, in order.
  let n = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[n - 1]) all[n++] = all[i]!;
  const xs = all.slice(0, n);
  let positive = true;
  const ys = lines.map((l) => {
    const y = new Array<number | null>(n);
    let j = 0;
    let cur: number | null = null;
    for (let i = 0; i < n; i++) {
      while (j < l.xs.length && l.xs[j]! <= xs[i]!) cur = l.best[j++]!;
      y[i] = cur;
    }
    for (let i = 0; i < l.best.length; i++) if (!(l.best[i]! > 0)) positive = false;
    return y;
  });
  return {
    data: [xs, ...ys] as unknown as uPlot.AlignedData,
    finished: lines.map((l) => l.xs.length),
    best: lines.map((l) => (l.best.length ? l.best[l.best.length - 1]! : null)),
    positive,
  };
}

export interface Mixture {
  /** The studies do not all share one direction (or one has none stated). */
  directions: boolean;
  /** The studies do not all name the same objective metric. */
  metrics: boolean;
}

export function mixture(studies: ReadonlyArray<{ direction: Direction; metric: string | null }>): Mixture {
  return {
    directions: new Set(studies.map((s) => s.direction)).size > 1,
    metrics: new Set(studies.map((s) => s.metric ?? '')).size > 1,
  };
}
