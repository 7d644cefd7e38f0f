// A multi-objective study as the detail screen shows it: a name per objective, and the points of
// the Pareto view (two objectives of every COMPLETE trial, grouped as on the front, dominated or
// infeasible). No React, no uPlot: tested on its own.
import type { TrialScalars } from '../../../../shared/contract.ts';
import { objectiveOf } from '../../../../shared/trialColumns.ts';

export type Direction = 'minimize' | 'maximize';

export interface StudyObjectives {
  directions: readonly Direction[];
  /** What each objective is called on screen: its metric name, else "objective k". */
  labels: readonly string[];
  /** Numbers of the trials on the Pareto front (the host computes it over every objective). */
  front: ReadonlySet<number>;
  /** Some trial has Optuna constraints recorded. */
  constrained: boolean;
}

export function objectiveLabels(names: ReadonlyArray<string | null> | undefined, count: number): string[] {
  return Array.from({ length: count }, (_, k) => names?.[k] ?? `objective ${k}`);
}

/** Objective k of a trial (value for objective 0 of rows without per-objective values). */
export const objectiveValue: (t: TrialScalars, k: number) => number | null = objectiveOf;

/** The Pareto view's points, sorted by x (the chart's x axis must rise): one y array per group with
 * null where a point belongs to another group, and the trial number of each point. */
export interface ParetoPoints {
  xs: number[];
  front: Array<number | null>;
  dominated: Array<number | null>;
  infeasible: Array<number | null>;
  numbers: number[];
  counts: { front: number; dominated: number; infeasible: number };
}

/** COMPLETE trials with finite values of objectives x and y. An infeasible trial (feasible false)
 * is its own group, never on the front; a trial on the front is one whatever the other objectives. */
export function paretoPoints(trials: readonly TrialScalars[], x: number, y: number, front: ReadonlySet<number>): ParetoPoints {
  const pts: Array<{ x: number; y: number; n: number; g: 'front' | 'dominated' | 'infeasible' }> = [];
  for (const t of trials) {
    if (t.state !== 'COMPLETE') continue;
    const vx = objectiveValue(t, x);
    const vy = objectiveValue(t, y);
    if (vx === null || vy === null || !Number.isFinite(vx) || !Number.isFinite(vy)) continue;
    const g = front.has(t.number) ? 'front' : t.feasible === false ? 'infeasible' : 'dominated';
    pts.push({ x: vx, y: vy, n: t.number, g });
  }
  pts.sort((a, b) => a.x - b.x || a.y - b.y || a.n - b.n);
  const out: ParetoPoints = { xs: [], front: [], dominated: [], infeasible: [], numbers: [], counts: { front: 0, dominated: 0, infeasible: 0 } };
  for (const p of pts) {
    out.xs.push(p.x);
    out.numbers.push(p.n);
    out.front.push(p.g === 'front' ? p.y : null);
    out.dominated.push(p.g === 'dominated' ? p.y : null);
    out.infeasible.push(p.g === 'infeasible' ? p.y : null);
    out.counts[p.g] += 1;
  }
  return out;
}
