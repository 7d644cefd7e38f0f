// A study file opened for one CLI command: a StudyError, when opening it or while using it, is the
// user's to fix (exit 1, its message names the file); the file is closed either way.
import { openStudyStorage, type OpenStudyStorageOptions } from '../core/studies/optunaSqliteStorage.ts';
import { StudyError, type StudyStorage } from '../core/studies/types.ts';
import { CliError } from './cliSupport.ts';

export function withStudyFile<T>(file: string, opts: OpenStudyStorageOptions, use: (storage: StudyStorage) => T): T {
  const storage = asCliError(() => openStudyStorage(file, opts));
  try {
    return asCliError(() => use(storage));
  } finally {
    storage.close();
  }
}

function asCliError<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof StudyError) throw new CliError(e.message, 1);
    throw e;
  }
}
