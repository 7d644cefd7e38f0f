// The incremental read caches every backend keeps, as Python's _CachedStorage does: finished trials
// never change (Optuna refuses to edit them), so they are read once and kept frozen; a study's later
// reads fetch only trials above the highest trial_id seen and those last seen unfinished. The SQL
// that feeds them stays in each backend.
import type { FrozenTrial, TrialState } from '../search/types.ts';
import { FINISHED, zeroCounts } from './trialRules.ts';

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

/** deepFreeze for a FrozenTrial, walking only the parts that can hold objects: the same result,
 * without Object.values on every param value and date (most of a cold 10,000-trial read). */
export function freezeTrial(t: FrozenTrial): FrozenTrial {
  Object.freeze(t);
  Object.freeze(t.params);
  for (const k in t.params) {
    const v = (t.params as Record<string, unknown>)[k];
    if (v !== null && typeof v === 'object') deepFreeze(v);
  }
  Object.freeze(t.distributions);
  for (const k in t.distributions) deepFreeze(t.distributions[k]);
  Object.freeze(t.intermediateValues);
  for (const iv of t.intermediateValues) Object.freeze(iv);
  if (t.values) Object.freeze(t.values);
  if (t.datetimeStart) Object.freeze(t.datetimeStart);
  if (t.datetimeComplete) Object.freeze(t.datetimeComplete);
  deepFreeze(t.userAttrs);
  deepFreeze(t.systemAttrs);
  return t;
}

/**
 * Per study: every trial's state as last seen, so that counts by state, the oldest WAITING trial
 * and the next trial number need no scan of the study. Finished trials never change, so only rows
 * above `mark` and the rows last seen unfinished are re-read, inside the transaction that uses the
 * result (under a claim's lock it is exactly what a full scan would give).
 */
export class StateIndex {
  /** Highest trial_id seen for the study. */
  mark = 0;
  /** The study's trials with trial_id <= mark. */
  total = 0;
  readonly finished: Record<string, number> = {};
  /** Unfinished trials (RUNNING, WAITING, or a state we do not know), in trial_id order. */
  readonly open = new Map<number, string>();

  openIds(): number[] {
    return [...this.open.keys()];
  }

  /** Applies the current (trial_id, study_id, state) of the ids last seen open. False when some
   * vanished or moved (the study was deleted by another process): the caller starts over. */
  applyOpen(rows: ReadonlyArray<readonly [number, number, string]>, studyId: number): boolean {
    if (rows.length !== this.open.size || rows.some((r) => r[1] !== studyId)) return false;
    for (const [id, , state] of rows) {
      if (FINISHED.has(state)) {
        this.finished[state] = (this.finished[state] ?? 0) + 1;
        this.open.delete(id);
      } else this.open.set(id, state);
    }
    return true;
  }

  /** Applies the study's trials above mark, (trial_id, state) in trial_id order. */
  applyFresh(rows: ReadonlyArray<readonly [number, string]>): void {
    for (const [id, state] of rows) {
      this.total++;
      if (FINISHED.has(state)) this.finished[state] = (this.finished[state] ?? 0) + 1;
      else this.open.set(id, state);
      this.mark = id;
    }
  }

  counts(): Record<TrialState, number> {
    const c = zeroCounts();
    for (const [st, n] of Object.entries(this.finished)) if (st in c) c[st as TrialState] = n;
    for (const st of this.open.values()) if (st in c) c[st as TrialState]++;
    return c;
  }

  oldestWaiting(): number | undefined {
    for (const [id, st] of this.open) if (st === 'WAITING') return id;
    return undefined;
  }

  running(): number[] {
    const out: number[] = [];
    for (const [id, st] of this.open) if (st === 'RUNNING') out.push(id);
    return out;
  }
}

interface StudyTrials {
  /** Highest trial_id read for the study. */
  maxSeen: number;
  /** The finished trials read so far, sorted by trial_id. */
  finished: FrozenTrial[];
  /** Ids last seen unfinished. */
  unfinished: number[];
}

export class TrialCache {
  private readonly finished = new Map<number, FrozenTrial>();
  private readonly studies = new Map<number, StudyTrials>();

  /** A finished trial read before. */
  get(trialId: number): FrozenTrial | undefined {
    return this.finished.get(trialId);
  }

  has(trialId: number): boolean {
    return this.finished.has(trialId);
  }

  /** Keeps a just-built trial if it is finished (frozen from then on). */
  remember(t: FrozenTrial): void {
    if (FINISHED.has(t.state)) this.finished.set(t.trialId, freezeTrial(t));
  }

  /** Where the study's next read starts: ids above maxSeen, and the ids last seen unfinished. */
  readPlan(studyId: number): { maxSeen: number; unfinished: readonly number[] } {
    const c = this.studies.get(studyId);
    return c ? { maxSeen: c.maxSeen, unfinished: c.unfinished } : { maxSeen: 0, unfinished: [] };
  }

  /**
   * Merges a read done by readPlan (again: the trials last seen unfinished, as they are now; fresh:
   * the trials above maxSeen, in trial_id order) and returns all the study's trials in trial_id
   * order, optionally only some states.
   */
  merge(studyId: number, again: readonly FrozenTrial[], fresh: readonly FrozenTrial[], states?: readonly TrialState[]): FrozenTrial[] {
    let c = this.studies.get(studyId);
    if (!c) {
      c = { maxSeen: 0, finished: [], unfinished: [] };
      this.studies.set(studyId, c);
    }
    const unfinished: FrozenTrial[] = [];
    let outOfOrder = false;
    // again holds ids <= maxSeen, fresh ids > maxSeen: the concatenation stays in trial_id order.
    for (const t of [...again, ...fresh]) {
      if (FINISHED.has(t.state)) {
        const last = c.finished[c.finished.length - 1];
        if (last && last.trialId > t.trialId) outOfOrder = true;
        c.finished.push(t);
      } else unfinished.push(t);
    }
    // Trials finish out of order; keep the cached list sorted by trial_id.
    if (outOfOrder) c.finished.sort((a, b) => a.trialId - b.trialId);
    c.unfinished = unfinished.map((t) => t.trialId);
    const lastFresh = fresh[fresh.length - 1];
    if (lastFresh) c.maxSeen = lastFresh.trialId;
    const want = states ? new Set<string>(states) : null;
    const out: FrozenTrial[] = [];
    let i = 0;
    let j = 0;
    const fin = c.finished;
    while (i < fin.length || j < unfinished.length) {
      const a = fin[i];
      const b = unfinished[j];
      const t = b === undefined || (a !== undefined && a.trialId < b.trialId) ? (i++, a) : (j++, b);
      if (t && (!want || want.has(t.state))) out.push(t);
    }
    return out;
  }

  /** Drops a finished trial that changed after all (a link attr); true when it was cached. */
  forget(trialId: number): boolean {
    return this.finished.delete(trialId);
  }

  /** Puts the re-read trial where the study lists held the old copy (or removes it). */
  replace(trialId: number, fresh: FrozenTrial | undefined): void {
    if (fresh) this.remember(fresh);
    for (const c of this.studies.values()) {
      const i = c.finished.findIndex((t) => t.trialId === trialId);
      if (i >= 0) {
        if (fresh) c.finished[i] = fresh;
        else c.finished.splice(i, 1);
      }
    }
  }

  clear(): void {
    this.studies.clear();
    this.finished.clear();
  }
}
