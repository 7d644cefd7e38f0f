// Claims the next trial of a study for a runner: the oldest WAITING trial, else a new one, and with a
// budget ("at most N trials in these states") the count and the claim are one atomic step across
// processes, so runners sharing a study never together overshoot it and never take one trial twice.
// The rule is shared; each backend makes it atomic its own way:
// - SQLite: one IMMEDIATE write transaction on the storage's connection (synchronous, so nothing
//   else of this process runs inside it).
// - PostgreSQL: one transaction holding the study row (`FOR UPDATE`, the lock Python Optuna's
//   RDBStorage takes to create a trial, so its creators wait too); the WAITING pop skips rows other
//   claimers hold (`FOR UPDATE SKIP LOCKED`) and re-checks the state, as Optuna's own pop does.
import type { Distribution, FrozenTrial, ParamValue, TrialState } from '../search/types.ts';
import type { OptunaPostgresStorage } from '../studies/optunaPostgresStorage.ts';
import type { NewTrial, StudyStorage } from '../studies/types.ts';

export interface SlotBudget {
  /** At most this many trials of the study may be in `states` (counting the new one). */
  limit: number;
  /** E.g. COMPLETE + PRUNED + RUNNING: finished trials that count, plus trials that may yet count. */
  states: readonly TrialState[];
}

export type ParamsWithDistributions = Record<string, { value: ParamValue; distribution: Distribution }>;

export interface ClaimedTrial {
  trialId: number;
  number: number;
  params: Record<string, ParamValue>;
  fromWaiting: boolean;
}

export interface ClaimRequest {
  budget?: SlotBudget;
  /** Params (with distributions) for a brand-new trial. */
  newTrialParams(): ParamsWithDistributions;
  /** Every param of a popped WAITING trial; those it does not hold yet are written by the claim. */
  waitingParams(waiting: FrozenTrial): ParamsWithDistributions;
  /** Trial system attrs written in the same step (who runs the trial). */
  systemAttrs?: Record<string, unknown>;
  /** Trial user attrs written in the same step, given the trial's number (e.g. its trial dir): one
   * write step per trial instead of a transaction of their own. */
  userAttrs?: (number: number) => Record<string, unknown>;
}

export interface TrialClaimer {
  claim(studyId: number, req: ClaimRequest): Promise<ClaimedTrial | null>;
}

/** RUNNING trials without heartbeats (e.g. Python Optuna's) hold no slot: nobody can tell whether
 * their worker lives, and Optuna's own budgets (n_trials, MaxTrialsCallback) ignore them too. A
 * live one that finishes later takes the study past the budget, as two Optuna workers would. */
function budgetReached(budget: SlotBudget, counts: Record<TrialState, number>, runningWithoutHeartbeat: number): boolean {
  const held = budget.states.reduce((n, s) => n + (counts[s] ?? 0), 0);
  return held - (budget.states.includes('RUNNING') ? runningWithoutHeartbeat : 0) >= budget.limit;
}

function plain(params: ParamsWithDistributions): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(params)) out[k] = v.value;
  return out;
}

/** The params a popped WAITING trial lacks (the claim writes them). */
function missing(waiting: FrozenTrial, all: ParamsWithDistributions): Array<[string, { value: ParamValue; distribution: Distribution }]> {
  return Object.entries(all).filter(([name]) => waiting.params[name] === undefined);
}

/** Claims on a synchronous (SQLite) storage; atomic when the storage has runInWriteTransaction
 * (withAtomicClaims gives the Optuna SQLite storage one). */
export function sqliteClaimer(storage: StudyStorage): TrialClaimer {
  const counts = (studyId: number): Record<TrialState, number> => {
    if (storage.countTrials) return storage.countTrials(studyId);
    const c = { RUNNING: 0, COMPLETE: 0, PRUNED: 0, FAIL: 0, WAITING: 0 };
    for (const t of storage.getTrials(studyId)) c[t.state]++;
    return c;
  };
  const claimNow = (studyId: number, req: ClaimRequest): ClaimedTrial | null => {
    if (req.budget && budgetReached(req.budget, counts(studyId), req.budget.states.includes('RUNNING') ? storage.runningElsewhere(studyId).length : 0)) return null;
    const popped = storage.popWaitingTrial(studyId);
    if (popped) {
      const waiting = storage.getTrial(popped.trialId);
      const all = req.waitingParams(waiting);
      for (const [name, p] of missing(waiting, all)) storage.setTrialParam(popped.trialId, name, p.value, p.distribution);
      for (const [k, v] of Object.entries(req.systemAttrs ?? {})) storage.setTrialSystemAttr(popped.trialId, k, v);
      for (const [k, v] of Object.entries(req.userAttrs?.(popped.number) ?? {})) storage.setTrialUserAttr(popped.trialId, k, v);
      return { ...popped, params: plain(all), fromWaiting: true };
    }
    const params = req.newTrialParams();
    const t: NewTrial = storage.createTrial(studyId, { state: 'RUNNING', params, ...(req.systemAttrs ? { systemAttrs: req.systemAttrs } : {}) });
    for (const [k, v] of Object.entries(req.userAttrs?.(t.number) ?? {})) storage.setTrialUserAttr(t.trialId, k, v);
    return { trialId: t.trialId, number: t.number, params: plain(params), fromWaiting: false };
  };
  return {
    // Without the storage's transaction hook the claim is still correct for one runner; only two
    // runners at once could overshoot the budget by their concurrency.
    claim: async (studyId, req) => (storage.runInWriteTransaction ? storage.runInWriteTransaction(() => claimNow(studyId, req)) : claimNow(studyId, req)),
  };
}

/** Claims on a PostgreSQL study: one transaction under the study row's lock. */
export function postgresClaimer(storage: OptunaPostgresStorage): TrialClaimer {
  return {
    claim: (studyId, req) =>
      storage.runInWriteTransaction(
        async (tx) => {
          // One statement under the lock: the counts, and the RUNNING trials without heartbeats.
          const { counts, runningWithoutHeartbeat } = await tx.claimCounts(studyId);
          if (req.budget && budgetReached(req.budget, counts, req.budget.states.includes('RUNNING') ? runningWithoutHeartbeat : 0)) return null;
          // Under the study lock the counts are exact, and WAITING trials are only ever created
          // under it (Optuna's rule too): with none, there is nothing to pop.
          const popped = counts.WAITING > 0 ? await tx.popWaitingTrial(studyId) : null;
          if (popped) {
            const waiting = await tx.getTrial(popped.trialId);
            const all = req.waitingParams(waiting);
            for (const [name, p] of missing(waiting, all)) await tx.setTrialParam(popped.trialId, name, p.value, p.distribution);
            for (const [k, v] of Object.entries(req.systemAttrs ?? {})) await tx.setTrialSystemAttr(popped.trialId, k, v);
            for (const [k, v] of Object.entries(req.userAttrs?.(popped.number) ?? {})) await tx.setTrialUserAttr(popped.trialId, k, v);
            return { ...popped, params: plain(all), fromWaiting: true };
          }
          const params = req.newTrialParams();
          // The row, params, attrs and first heartbeat in one statement.
          const t = await tx.createTrial(studyId, { state: 'RUNNING', params, ...(req.systemAttrs ? { systemAttrs: req.systemAttrs } : {}) }, req.userAttrs);
          return { trialId: t.trialId, number: t.number, params: plain(params), fromWaiting: false };
        },
        { lockStudy: studyId },
      ),
  };
}
