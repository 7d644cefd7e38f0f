// The zod-free part of result.ts: error codes and the client's error class. The renderer's client
// imports only this, so zod and the contract's schemas stay out of the page's first script.

export const ERROR_CODES = [
  'INVALID_INPUT', // the input did not match the channel's schema
  'UNKNOWN_CHANNEL', // no such channel in the contract
  'NOT_FOUND', // the sweep, store, run or file named does not exist
  'NOT_AVAILABLE', // the feature is not available here (not wired yet, or not in this host)
  'CONFLICT', // the action does not fit the current state (e.g. starting a running sweep)
  'CONFIG_INVALID', // the HPO YAML has errors; details hold the issues
  'STUDY_ERROR', // the Optuna study file could not be used; details.code says why
  'STUDY_CORRUPT', // the study file fails SQLite's integrity check; it is never written
  'STUDY_LOCKED', // another process holds the study file's lock
  'STUDY_READ_ONLY', // the study file or its folder cannot be written
  'CONFIG_TOO_LARGE', // the HPO YAML is over the size limit or expands too many aliases
  'TRACKING_ERROR', // MLflow store refused the request; details.errorCode is MLflow's
  'STORE_UNAVAILABLE', // the tracking store cannot be reached
  'FORBIDDEN', // the sender or request is not allowed
  'TRANSPORT', // the client could not reach the service (host down, IPC broken)
  'INTERNAL', // a bug: the message says what failed
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** What a failed call carries (result.ts holds its zod schema, checked to match). */
export interface AppError {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

/** Thrown by the client's `unwrap` helpers, so React Query sees a real Error with the code. */
export class AppCallError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  constructor(
    readonly channel: string,
    error: AppError,
  ) {
    super(error.message);
    this.name = 'AppCallError';
    this.code = error.code;
    this.details = error.details;
  }
}
