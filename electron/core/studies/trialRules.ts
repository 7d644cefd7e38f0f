// Optuna's rules about trials that every backend applies the same way: which states are final, when
// a heartbeat is stale, which trials and params may be written, what tell stores for a finishing
// trial, and how the best trial is ranked.
import type { Direction, Distribution, FinishedState, FrozenTrial, TrialState } from '../search/types.ts';
import { compatibilityProblem } from './distributionJson.ts';
import type { TrialRow } from './trialAssembly.ts';
import { StudyError } from './types.ts';

export const TRIAL_STATES: readonly TrialState[] = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'];
export const FINISHED: ReadonlySet<string> = new Set<string>(['COMPLETE', 'PRUNED', 'FAIL']);

/** Optuna's UpdateFinishedTrialError: the trial's row (undefined when none was found), checked to
 * exist and be unfinished before `what` changes it. `place` is the study's path or URL. */
export function unfinishedTrialRow(place: string, trialId: number, r: TrialRow | undefined, what: string): TrialRow {
  if (!r) throw new StudyError('TRIAL_NOT_FOUND', `${place}: no trial with id ${trialId}.`);
  if (FINISHED.has(r.state)) {
    throw new StudyError('TRIAL_FINISHED', `${place}: trial ${r.number ?? '?'} (id ${trialId}) is already ${r.state}; finished trials are never changed (${what} refused).`);
  }
  return r;
}

/** Optuna's rule: a param is stored only with a distribution compatible with the first one the study
 * stored under its name (undefined when this is the first). */
export function checkParamDistribution(place: string, name: string, first: Distribution | undefined, d: Distribution): void {
  if (!first) return;
  const problem = compatibilityProblem(first, d);
  if (problem) throw new StudyError('INCOMPATIBLE_DISTRIBUTION', `${place}: param '${name}' cannot be stored: ${problem}. Keep it as the study holds it, or use a new study name (study_name in the HPO config) for the new space.`);
}

export function zeroCounts(): Record<TrialState, number> {
  return Object.fromEntries(TRIAL_STATES.map((s) => [s, 0])) as Record<TrialState, number>;
}

/**
 * Optuna's rule: only a heartbeat older than the grace period makes a RUNNING trial stale. A trial
 * without heartbeats belongs to a worker that does not send them (Python Optuna's default): it is
 * running elsewhere and is never failed as stale (failTrial fails it on purpose).
 */
export function isStaleHeartbeat(heartbeat: Date | null, nowMs: number, staleSeconds: number): boolean {
  return heartbeat !== null && nowMs - heartbeat.getTime() > staleSeconds * 1000;
}

/**
 * What Optuna's tell stores when a trial finishes: COMPLETE with a NaN or missing value becomes FAIL;
 * PRUNED without a value takes the last intermediate value unless it is NaN; FAIL stores no value.
 * lastIntermediate is asked for only when needed: the highest step's value, undefined when there is
 * none or it is NaN.
 * A multi-objective COMPLETE takes one value per objective (a NaN among them makes it FAIL, as in
 * Optuna's tell); a multi-objective PRUNED stores none.
 * Returns null when the number of values does not match the study's objectives.
 */
export function finishOutcome(
  state: FinishedState,
  value: number | readonly number[] | null | undefined,
  nObjectives: number,
  lastIntermediate: () => number | undefined,
): { state: FinishedState; values: number[] | null } | null {
  if (Array.isArray(value)) {
    if (value.length !== nObjectives) return null;
    if (nObjectives === 1) return finishOutcome(state, value[0], 1, lastIntermediate);
    if (state !== 'COMPLETE') return { state, values: null };
    return value.some((v) => Number.isNaN(v)) ? { state: 'FAIL', values: null } : { state, values: [...value] };
  }
  const one = value as number | null | undefined;
  if (state === 'COMPLETE') {
    if (nObjectives > 1) return null;
    if (one === null || one === undefined || Number.isNaN(one)) return { state: 'FAIL', values: null };
    return { state, values: [one] };
  }
  if (state === 'PRUNED' && nObjectives === 1) {
    if (one !== null && one !== undefined && !Number.isNaN(one)) return { state, values: [one] };
    const last = lastIntermediate();
    return { state, values: last === undefined ? null : [last] };
  }
  return { state, values: null };
}

/** Optuna's best-trial ordering over trial_values (v) joined to trials (t): -inf < finite < +inf by
 * value_type, then value; ties go to the earliest trial (optuna#4420). Same SQL on SQLite and
 * PostgreSQL. */
export function bestTrialOrderSql(direction: Direction): string {
  const ord = direction === 'maximize' ? 'DESC' : 'ASC';
  return `ORDER BY CASE v.value_type WHEN 'INF_NEG' THEN -1 WHEN 'FINITE' THEN 0 WHEN 'INF_POS' THEN 1 END ${ord}, v.value ${ord}, t.trial_id ASC`;
}

/** How many values a finishTrial call carried, for its error message. */
export function valueCount(value: number | readonly number[] | null | undefined): string {
  if (Array.isArray(value)) return `${value.length} value(s)`;
  return value === null || value === undefined ? 'no value' : 'one value';
}

/** Trials by state, counted from a trial list (countTrials' answer, from a history already read). */
export function countStates(trials: readonly FrozenTrial[]): Record<TrialState, number> {
  const c = zeroCounts();
  for (const t of trials) if (t.state in c) c[t.state]++;
  return c;
}

/** The best trial of a trial list in getBestTrial's order (bestTrialOrderSql): COMPLETE with a
 * value, -inf < finite < +inf, ties to the earliest (lists come in trial_id order). */
export function bestOfTrials(trials: readonly FrozenTrial[], direction: Direction): { number: number; value: number } | null {
  let best: FrozenTrial | undefined;
  for (const t of trials) {
    if (t.state !== 'COMPLETE' || t.value === null || Number.isNaN(t.value)) continue;
    if (!best || (direction === 'maximize' ? t.value > best.value! : t.value < best.value!)) best = t;
  }
  return best ? { number: best.number, value: best.value! } : null;
}
