// A sweep's trials for the detail screen: fetched column by column (sweeps.trialColumns, without
// their intermediate values, which one later chart asks for apart) and turned back into rows here.
// Once the page holds them, a live update asks only for what changed (the trials above the last one
// held, and those held unfinished) and merges it in: unchanged rows keep their objects, and a reply
// with nothing new keeps the same data, so nothing redraws.
// No React: the page's first script uses it to ask for the trials before React has loaded.
import type { Client } from '../../../shared/client.ts';
import type { TrialColumns, TrialScalars } from '../../../shared/contract.ts';
import { fromTrialColumns } from '../../../shared/trialColumns.ts';
import { markOnce } from '../lib/perf.ts';
import { noteDerived } from '../lib/trialsLineage.ts';
import { firstIndex } from '../lib/firstIndex.ts';

export interface TrialsData {
  total: number;
  direction: TrialColumns['direction'];
  trials: TrialScalars[];
  /** A multi-objective study's directions and the numbers of its trials on the Pareto front. */
  objectives?: { directions: NonNullable<TrialColumns['directions']>; front: readonly number[] };
}

/** The multi-objective part of a column reply, if any. */
function objectivesOf(c: TrialColumns): TrialsData['objectives'] {
  return c.directions && c.directions.length > 1 ? { directions: c.directions, front: c.front ?? [] } : undefined;
}

function sameObjectives(a: TrialsData['objectives'], b: TrialsData['objectives']): boolean {
  if (!a || !b) return a === b;
  return a.directions.join() === b.directions.join() && a.front.length === b.front.length && a.front.every((n, i) => n === b.front[i]);
}

/** Data fetched before the last forgetTrialDeltas() is not built on: it is fetched in full. */
let epoch = 0;
const fetchedIn = new WeakMap<TrialsData, number>();

function stamp(d: TrialsData): TrialsData {
  fetchedIn.set(d, epoch);
  return d;
}

/** Changes with each forgetTrialDeltas(): data marked with an older one is not built on. */
export function deltaEpoch(): number {
  return epoch;
}

/** The next refresh of every sweep's trials asks for all of them (the host restarted: anything may
 * have changed, even a finished trial's file). */
export function forgetTrialDeltas(): void {
  epoch += 1;
}

export async function fetchTrials(client: Client, id: string): Promise<TrialsData> {
  const c = await client.get('sweeps.trialColumns', { id });
  const trials = fromTrialColumns(c);
  // For the render bench: the rows have arrived and been decoded, before any drawing.
  markOnce('trials-data');
  return stamp({ total: c.total, direction: c.direction, trials, objectives: objectivesOf(c) });
}

const UNFINISHED: ReadonlySet<string> = new Set(['RUNNING', 'WAITING']);

function sameParams(a: TrialScalars['params'], b: TrialScalars['params']): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.is(a[k], b[k]));
}

/** A trial sent again (it was unfinished) that is as it was: its row is kept. */
function sameRow(a: TrialScalars, b: TrialScalars): boolean {
  return (
    a.trialId === b.trialId &&
    a.state === b.state &&
    Object.is(a.value, b.value) &&
    a.startedAt === b.startedAt &&
    a.completedAt === b.completedAt &&
    a.durationMs === b.durationMs &&
    a.childRunId === b.childRunId &&
    a.reason === b.reason &&
    a.feasible === b.feasible &&
    (a.values ?? []).join() === (b.values ?? []).join() &&
    sameParams(a.params, b.params)
  );
}

/** Rows arrays known to be in trial-number order (checked once, or made so by mergeTrials), so a
 * trial is found by binary search instead of a map of every trial built on each update. */
const inNumberOrder = new WeakSet<readonly TrialScalars[]>();

function ensureNumberOrder(trials: readonly TrialScalars[]): boolean {
  if (inNumberOrder.has(trials)) return true;
  for (let i = 1; i < trials.length; i++) if (trials[i]!.number <= trials[i - 1]!.number) return false;
  inNumberOrder.add(trials);
  return true;
}

/** The index of trial `number` in rows ordered by number, or -1. */
function indexOfNumber(trials: readonly TrialScalars[], number: number): number {
  const i = firstIndex(0, trials.length, (j) => trials[j]!.number < number);
  return i < trials.length && trials[i]!.number === number ? i : -1;
}

/** `old` with `changed` merged in by trial number, or null when they do not fit together (a trial
 * count that does not add up: the study was replaced or trials removed). Its cost follows the
 * delta, not the study: rows held in number order are found by binary search, and the new array
 * is noted as derived from the old one (lib/trialsLineage.ts) so the table and charts update from
 * the changed rows only. */
export function mergeTrials(old: TrialsData, changed: readonly TrialScalars[], total: number, direction: TrialColumns['direction'], objectives?: TrialsData['objectives']): TrialsData | null {
  const ordered = ensureNumberOrder(old.trials);
  let at: Map<number, number> | null = null;
  const find = (number: number): number => {
    if (ordered) return indexOfNumber(old.trials, number);
    at ??= new Map(old.trials.map((t, i) => [t.number, i]));
    return at.get(number) ?? -1;
  };
  const appended = new Map<number, number>();
  const trials = old.trials.slice();
  const touched = new Set<number>();
  let sorted = ordered;
  let same = total === old.total && direction === old.direction && sameObjectives(objectives, old.objectives);
  for (const t of changed) {
    const i = appended.get(t.number) ?? find(t.number);
    if (i !== -1) {
      if (sameRow(trials[i]!, t)) continue;
      trials[i] = t;
      touched.add(i);
      same = false;
    } else {
      same = false;
      const last = trials[trials.length - 1];
      if (last && last.number > t.number) sorted = false;
      appended.set(t.number, trials.length);
      touched.add(trials.length);
      trials.push(t);
    }
  }
  if (same) return old;
  if (trials.length !== total) return null;
  if (!sorted) trials.sort((a, b) => a.number - b.number);
  else noteDerived(trials, old.trials, [...touched].sort((a, b) => a - b));
  inNumberOrder.add(trials);
  const merged = { total, direction, trials, objectives };
  const base = deltaBases.get(old);
  if (base) deltaBases.set(merged, advanceBase(base, changed));
  return merged;
}

/** What trialDeltaBase answers for a data, kept so that the next one is made from the delta. */
const deltaBases = new WeakMap<TrialsData, { after: number; numbers: number[] }>();

/** The delta base after `changed` has been merged: their numbers raise `after`, and each is held
 * unfinished or not as it now is. */
function advanceBase(base: { after: number; numbers: number[] }, changed: readonly TrialScalars[]): { after: number; numbers: number[] } {
  const unfinished = new Set(base.numbers);
  let after = base.after;
  for (const t of changed) {
    if (t.number > after) after = t.number;
    if (UNFINISHED.has(t.state)) unfinished.add(t.number);
    else unfinished.delete(t.number);
  }
  return { after, numbers: [...unfinished].sort((a, b) => a - b) };
}

/** What a page holding `data` lacks, for a delta (sweeps.*Columns `since`): the trials above the
 * last it holds and those it holds unfinished. null when `data` may not be built on (fetched before
 * a reconnect). */
export function trialDeltaBase(data: TrialsData): { after: number; numbers: number[] } | null {
  if (fetchedIn.get(data) !== epoch) return null;
  const known = deltaBases.get(data);
  if (known) return { after: known.after, numbers: [...known.numbers] };
  let after = -1;
  const numbers: number[] = [];
  for (const t of data.trials) {
    if (t.number > after) after = t.number;
    if (UNFINISHED.has(t.state)) numbers.push(t.number);
  }
  deltaBases.set(data, { after, numbers });
  return { after, numbers: [...numbers] };
}

/** The trials again: only what changed when `old` can be built on, else all of them. */
export async function refreshTrials(client: Client, id: string, old: TrialsData | undefined): Promise<TrialsData> {
  const since = old ? trialDeltaBase(old) : null;
  if (!old || !since) return fetchTrials(client, id);
  const c = await client.get('sweeps.trialColumns', { id, since });
  const merged = mergeTrials(old, fromTrialColumns(c), c.total, c.direction, objectivesOf(c));
  if (merged === null) return fetchTrials(client, id);
  return merged === old ? old : stamp(merged);
}
