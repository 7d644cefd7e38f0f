// How success and failure cross the IPC / HTTP boundary. Electron keeps only `message` of an error
// thrown from ipcMain.handle, so handlers never throw across it: they return one of these.
import { z } from 'zod';

export const ERROR_CODES = [
  'INVALID_INPUT', // the input did not match the channel's schema
  'UNKNOWN_CHANNEL', // no such channel in the contract
  'NOT_FOUND', // the sweep, store, run or file named does not exist
  'NOT_AVAILABLE', // the feature is not available here (not wired yet, or not in this host)
  'CONFLICT', // the action does not fit the current state (e.g. starting a running sweep)
  'CONFIG_INVALID', // the HPO YAML has errors; details hold the issues
  'STUDY_ERROR', // the Optuna study file could not be used; details.code says why
  'TRACKING_ERROR', // MLflow store refused the request; details.errorCode is MLflow's
  'STORE_UNAVAILABLE', // the tracking store cannot be reached
  'FORBIDDEN', // the sender or request is not allowed
  'TRANSPORT', // the client could not reach the service (host down, IPC broken)
  'INTERNAL', // a bug: the message says what failed
] as const;

export const errorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

export const appErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  details: z.unknown().optional(),
});
export type AppError = z.infer<typeof appErrorSchema>;

export type Ok<T> = { ok: true; value: T };
export type Err = { ok: false; error: AppError };
export type Result<T> = Ok<T> | Err;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = (code: ErrorCode, message: string, details?: unknown): Err =>
  details === undefined ? { ok: false, error: { code, message } } : { ok: false, error: { code, message, details } };

/** Shape check for a result that arrived over a transport (the value itself is not re-validated). */
export const resultEnvelopeSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: appErrorSchema }),
]);

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
