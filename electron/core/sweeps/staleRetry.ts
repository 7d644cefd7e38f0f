// A trial whose worker died (its heartbeat went stale) is run again once, as Optuna's
// RetryFailedTrialCallback(max_retry=1) does on a shared RDB study: a WAITING trial with the failed
// trial's params and distributions, its user attrs, and the system attrs `failed_trial` (the number
// of the first trial of the chain) and `retry_history` (every number that failed before). A retry
// that goes stale again is not re-enqueued, so a trial that kills its worker cannot take the fleet
// down with it. Python Optuna reads these attrs (RetryFailedTrialCallback.retried_trial_number).
import type { FrozenTrial } from '../search/types.ts';
import type { CreateTrialOptions } from '../studies/types.ts';
import { SYS_WORKER_HOST, SYS_WORKER_PID, SYS_WORKER_SLOT } from '../studies/sweepdeckAttrs.ts';
import { SYS_FAIL_REASON, SYS_FAILED_TRIAL } from './studyEngine.ts';

export const SYS_RETRY_HISTORY = 'retry_history';
/** Retries per stale trial chain (Optuna's max_retry). */
export const STALE_MAX_RETRY = 1;

/** What belonged to the failed run only, not to the params being retried: who ran it, why it
 * failed, its trial folder and its MLflow run (the retry gets its own). */
const NOT_INHERITED = new Set([SYS_WORKER_HOST, SYS_WORKER_PID, SYS_WORKER_SLOT, SYS_FAIL_REASON]);
const USER_NOT_INHERITED = new Set(['trial_dir', 'mlflow_run_id']);

/** The WAITING trial that retries `failed`, or null when its chain has used its retries. */
export function staleRetryOptions(failed: FrozenTrial, maxRetry: number = STALE_MAX_RETRY): CreateTrialOptions | null {
  const prevHistory = failed.systemAttrs[SYS_RETRY_HISTORY];
  const history = [...(Array.isArray(prevHistory) ? prevHistory.filter((n): n is number => typeof n === 'number') : []), failed.number];
  if (history.length > maxRetry) return null;
  const systemAttrs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(failed.systemAttrs)) if (!NOT_INHERITED.has(k)) systemAttrs[k] = v;
  const first = failed.systemAttrs[SYS_FAILED_TRIAL];
  systemAttrs[SYS_FAILED_TRIAL] = typeof first === 'number' ? first : failed.number;
  systemAttrs[SYS_RETRY_HISTORY] = history;
  const params: NonNullable<CreateTrialOptions['params']> = {};
  for (const [name, value] of Object.entries(failed.params)) {
    const distribution = failed.distributions[name];
    if (distribution) params[name] = { value, distribution };
  }
  const userAttrs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(failed.userAttrs)) if (!USER_NOT_INHERITED.has(k)) userAttrs[k] = v;
  return { state: 'WAITING', params, systemAttrs, userAttrs };
}
