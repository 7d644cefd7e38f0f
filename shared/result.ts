// How success and failure cross the IPC / HTTP boundary. Electron keeps only `message` of an error
// thrown from ipcMain.handle, so handlers never throw across it: they return one of these.
import { z } from 'zod';
import { ERROR_CODES, type AppError, type ErrorCode } from './resultCore.ts';

// The codes and AppCallError live in resultCore.ts (no zod) for the renderer's client.
export { AppCallError, ERROR_CODES, type AppError, type ErrorCode } from './resultCore.ts';

export const errorCodeSchema = z.enum(ERROR_CODES);

export const appErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  details: z.unknown().optional(),
});
// The schema's type and resultCore's interface must stay one shape, both ways.
type Schema = z.infer<typeof appErrorSchema>;
const sameShape: [Schema, AppError, ErrorCode] extends [AppError, Schema, z.infer<typeof errorCodeSchema>] ? true : never = true;
void sameShape;

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
