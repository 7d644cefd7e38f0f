// Errors the app services throw on purpose. dispatch() turns every thrown error into a typed result;
// this one carries its code, the core's own error classes are recognised by name.
import type { AppError, ErrorCode } from '../../shared/result.ts';

export class AppFault extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppFault';
  }
}

export const notAvailable = (what: string): AppFault =>
  new AppFault('NOT_AVAILABLE', `${what} is not available in this build yet.`);

function field(e: object, key: string): unknown {
  return (e as Record<string, unknown>)[key];
}

/** A StudyError's code (also carried by SweepSetupError) as the code that crosses the boundary. */
function studyCode(code: unknown): ErrorCode {
  switch (code) {
    case 'NOT_FOUND':
    case 'STUDY_NOT_FOUND':
      return 'NOT_FOUND';
    case 'CORRUPT':
      return 'STUDY_CORRUPT';
    case 'LOCKED':
      return 'STUDY_LOCKED';
    case 'READ_ONLY_FILE':
      return 'STUDY_READ_ONLY';
    default:
      return 'STUDY_ERROR';
  }
}

/** Maps anything thrown by a handler (or the core below it) to the error that crosses the boundary.
 * Core classes are matched by `name` so this module does not load the core. */
export function toAppError(e: unknown): AppError {
  if (e instanceof AppFault) return e.details === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, details: e.details };
  if (e && typeof e === 'object') {
    const name = field(e, 'name');
    const message = typeof field(e, 'message') === 'string' ? (field(e, 'message') as string) : String(e);
    switch (name) {
      case 'StudyError': {
        const code = field(e, 'code');
        return { code: studyCode(code), message, details: { code } };
      }
      case 'ConfigError':
        return { code: field(e, 'tooLarge') === true ? 'CONFIG_TOO_LARGE' : 'CONFIG_INVALID', message, details: { file: field(e, 'file'), issues: field(e, 'issues') } };
      case 'MlflowError': {
        const errorCode = field(e, 'errorCode');
        return { code: errorCode === 'RESOURCE_DOES_NOT_EXIST' ? 'NOT_FOUND' : 'TRACKING_ERROR', message, details: { errorCode } };
      }
      case 'StoreUnavailableError':
        return { code: 'STORE_UNAVAILABLE', message };
      case 'TrackingSetupError':
        return { code: 'TRACKING_ERROR', message, details: { reasonCode: field(e, 'reasonCode') } };
      case 'SweepSetupError': {
        // The runner could not start: CONFIG / STORAGE problems, or a checkpoint conflict.
        const code = field(e, 'code');
        if (code === 'STORAGE') {
          const studyErrorCode = field(e, 'studyCode');
          return { code: studyCode(studyErrorCode), message, details: { code, studyCode: studyErrorCode } };
        }
        return { code: code === 'CONFIG' ? 'CONFIG_INVALID' : 'CONFLICT', message, details: { code } };
      }
    }
    const errno = field(e, 'code');
    if (errno === 'ENOENT') return { code: 'NOT_FOUND', message };
    if (errno === 'EACCES' || errno === 'EPERM') return { code: 'FORBIDDEN', message };
    return { code: 'INTERNAL', message: message || 'unexpected error' };
  }
  return { code: 'INTERNAL', message: `unexpected error: ${String(e)}` };
}
