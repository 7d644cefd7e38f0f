// The stale-trial retry on shared studies follows Optuna's RetryFailedTrialCallback(max_retry=1):
// the first stale failure of a chain is re-enqueued with the params, distributions and user attrs,
// failed_trial naming the chain's first trial and retry_history every number that failed; the retry
// of a retry is not.
import { describe, expect, it } from 'vitest';
import type { FrozenTrial } from '../../electron/core/search/types.ts';
import { staleRetryOptions } from '../../electron/core/sweeps/staleRetry.ts';

function trial(number: number, systemAttrs: Record<string, unknown>, userAttrs: Record<string, unknown> = {}): FrozenTrial {
  return {
    trialId: number + 1,
    number,
    state: 'FAIL',
    value: null,
    datetimeStart: null,
    datetimeComplete: null,
    params: { x: 0.5, c: 'b' },
    distributions: { x: { kind: 'float', low: 0, high: 1, step: null, log: false }, c: { kind: 'categorical', choices: ['a', 'b'] } },
    userAttrs,
    systemAttrs,
    intermediateValues: [],
  };
}

describe('stale retry (RetryFailedTrialCallback, max_retry=1)', () => {
  it('re-enqueues a first failure with its params, and leaves out who ran it and its run links', () => {
    const opts = staleRetryOptions(trial(7, { 'sweepdeck:host': 'h', 'sweepdeck:pid': 3, 'sweepdeck:slot': 0, fail_reason: 'x', keep: 1 }, { trial_dir: '/t', mlflow_run_id: 'r', note: 'n' }));
    expect(opts).toEqual({
      state: 'WAITING',
      params: { x: { value: 0.5, distribution: { kind: 'float', low: 0, high: 1, step: null, log: false } }, c: { value: 'b', distribution: { kind: 'categorical', choices: ['a', 'b'] } } },
      systemAttrs: { keep: 1, failed_trial: 7, retry_history: [7] },
      userAttrs: { note: 'n' },
    });
  });

  it('does not re-enqueue a retry that failed again', () => {
    expect(staleRetryOptions(trial(9, { failed_trial: 7, retry_history: [7] }))).toBeNull();
  });
});
