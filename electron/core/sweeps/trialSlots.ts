// Claims the next trial slot of a study. With a budget ("at most N trials in these states"), the
// count and the trial creation run in one IMMEDIATE write transaction, so two runners sharing one
// study can never together start more trials than the budget allows: the total is exact.
import type { Distribution, FrozenTrial, ParamValue, TrialState } from '../search/types.ts';
import type { StudyStorage } from '../studies/types.ts';

export interface SlotBudget {
  /** At most this many trials of the study may be in `states` (counting the new one). */
  limit: number;
  /** E.g. COMPLETE + PRUNED + RUNNING: finished trials that count, plus trials that may yet count. */
  states: readonly TrialState[];
}

export interface ClaimedTrial {
  trialId: number;
  number: number;
  params: Record<string, ParamValue>;
  fromWaiting: boolean;
}

export interface ClaimCallbacks {
  /** Params (with distributions) for a brand-new trial. */
  newTrialParams(): Record<string, { value: ParamValue; distribution: Distribution }>;
  /** Completes a popped WAITING trial's params (writes the missing ones) and returns them all. */
  fillWaiting(waiting: FrozenTrial): Record<string, ParamValue>;
}

function countIn(storage: StudyStorage, studyId: number, states: readonly TrialState[]): number {
  if (storage.countTrials) {
    const c = storage.countTrials(studyId);
    return states.reduce((n, s) => n + (c[s] ?? 0), 0);
  }
  return storage.getTrials(studyId, states).length;
}

/** RUNNING trials without heartbeats (e.g. Python Optuna's) hold no slot: nobody can tell whether
 * their worker lives, and Optuna's own budgets (n_trials, MaxTrialsCallback) ignore them too. A
 * live one that finishes later takes the study past the budget, as two Optuna workers would. */
function elsewhere(storage: StudyStorage, studyId: number, states: readonly TrialState[]): number {
  return states.includes('RUNNING') ? storage.runningElsewhere(studyId).length : 0;
}

/** Whether the storage can make the claim atomic across processes. */
export function claimsAreAtomic(storage: StudyStorage): boolean {
  return typeof storage.runInWriteTransaction === 'function';
}

export function claimTrialSlot(
  storage: StudyStorage,
  studyId: number,
  budget: SlotBudget | undefined,
  cb: ClaimCallbacks,
): ClaimedTrial | null {
  const claim = (): ClaimedTrial | null => {
    if (budget && countIn(storage, studyId, budget.states) - elsewhere(storage, studyId, budget.states) >= budget.limit) return null;
    const popped = storage.popWaitingTrial(studyId);
    if (popped) {
      const waiting = storage.getTrial(popped.trialId);
      return { trialId: popped.trialId, number: popped.number, params: cb.fillWaiting(waiting), fromWaiting: true };
    }
    const params = cb.newTrialParams();
    const t = storage.createTrial(studyId, { state: 'RUNNING', params });
    const plain: Record<string, ParamValue> = {};
    for (const [k, v] of Object.entries(params)) plain[k] = v.value;
    return { trialId: t.trialId, number: t.number, params: plain, fromWaiting: false };
  };
  // Without the storage's transaction hook the claim is still correct for one runner; only two
  // runners at once could overshoot the budget by their concurrency.
  return storage.runInWriteTransaction ? storage.runInWriteTransaction(claim) : claim();
}
