// The best trials of a multi-objective study (its Pareto front) and the feasibility of a trial
// under Optuna's constraints, for the views. One trial dominates another when it is at least as
// good in every objective and better in one; the front is the COMPLETE trials no other COMPLETE
// trial dominates. With constraints (Optuna's `constraints` system attr: feasible when every value
// is <= 0), only feasible trials compete, as in Optuna's constrained domination, where a feasible
// trial dominates every infeasible one; a study with no feasible trial yet shows the front of all.
import type { Direction } from '../search/types.ts';

/** What the front is computed from: a trial's state, its value per objective and feasibility. */
export interface FrontCandidate {
  number: number;
  state: string;
  values: ReadonlyArray<number | null>;
  /** null: the trial has no constraints recorded. */
  feasible: boolean | null;
}

/** Optuna's system attr holding a trial's constraint values (optuna/samplers/_base.py). */
export const CONSTRAINTS_ATTR = 'constraints';

/** Feasible when every constraint value is <= 0; null when the trial has none recorded (Optuna
 * writes None when its constraints_func raised). */
export function feasibilityOf(systemAttrs: Record<string, unknown>): boolean | null {
  const c = systemAttrs[CONSTRAINTS_ATTR];
  if (!Array.isArray(c) || !c.every((x) => typeof x === 'number')) return null;
  return (c as number[]).every((x) => x <= 0);
}

/** Values made "smaller is better" per objective; null when a value is missing or NaN (such a
 * trial cannot be placed on the front). */
function normalized(values: ReadonlyArray<number | null>, directions: readonly Direction[]): number[] | null {
  if (values.length !== directions.length) return null;
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || Number.isNaN(v)) return null;
    out[i] = directions[i] === 'maximize' ? -v : v;
  }
  return out;
}

function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) better = true;
  }
  return better;
}

/** Lexicographic order of normalized values. */
function lex(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** The numbers of the trials on the Pareto front, ascending. Trials are taken in lexicographic order
 * of their values: a trial can only be dominated by one before it, and whatever dominates it is
 * dominated by (or is) a front member found before it, so each is checked against the front so far:
 * O(n log n + n * front size) instead of comparing every pair. */
export function paretoFront(trials: readonly FrontCandidate[], directions: readonly Direction[]): number[] {
  const complete: Array<{ number: number; v: number[]; feasible: boolean | null }> = [];
  for (const t of trials) {
    if (t.state !== 'COMPLETE') continue;
    const v = normalized(t.values, directions);
    if (v) complete.push({ number: t.number, v, feasible: t.feasible });
  }
  const feasible = complete.filter((t) => t.feasible === true);
  const constrained = complete.some((t) => t.feasible !== null);
  const pool = constrained && feasible.length > 0 ? feasible : complete;
  pool.sort((a, b) => lex(a.v, b.v) || a.number - b.number);
  const front: typeof pool = [];
  for (const t of pool) {
    if (!front.some((f) => dominates(f.v, t.v))) front.push(t);
  }
  return front.map((t) => t.number).sort((a, b) => a - b);
}
