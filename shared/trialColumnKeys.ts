// The names both the trial-columns schema (contract.ts) and its codec (trialColumns.ts) are built
// from. A leaf, so neither of those two files has to import the other for them.

/** Trial states by code: a column's `state[i]` is an index into this list. contract.ts builds its
 * trial state enum from the same list, so the codes cannot drift from the names. */
export const TRIAL_STATES = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'] as const;
export type TrialStateName = (typeof TRIAL_STATES)[number];

/** The columns with one entry per trial besides `number` (and the params' own columns): the schema
 * and fromTrialColumns check their lengths against it. */
export const PER_TRIAL_COLUMNS = ['trialId', 'state', 'value', 'startedAt', 'completedAt', 'durationMs', 'childRunId', 'reason'] as const;
