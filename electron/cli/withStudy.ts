// A study file or a study URL opened for one CLI command, behind the async storage contract: a
// StudyError, when opening it or while using it, is the user's to fix (exit 1; its message names the
// file, or the URL without its password); the storage is closed either way.
import path from 'node:path';
import { isStudyUrl } from '../core/studies/studyUrl.ts';
import { StudyError, type AsyncStudyStorage } from '../core/studies/types.ts';
import { CliError } from './cliSupport.ts';

export interface WithStudyOptions {
  /** Nothing in the study changes. */
  readonly: boolean;
  /** Files: SQLite's integrity check too. */
  verify?: boolean;
}

/** A relative file path resolves against the current directory; a URL is kept as given. */
export function studyLocation(given: string): string {
  return isStudyUrl(given) ? given.trim() : path.resolve(given);
}

async function open(location: string, opts: WithStudyOptions): Promise<AsyncStudyStorage> {
  if (isStudyUrl(location)) {
    const { openPostgresStudyStorage } = await import('../core/studies/optunaPostgresStorage.ts');
    return openPostgresStudyStorage(location, { readonly: opts.readonly, poolSize: 1 });
  }
  const [{ openStudyStorage }, { promisedStorage }] = await Promise.all([import('../core/studies/optunaSqliteStorage.ts'), import('../core/studies/promisedStorage.ts')]);
  return promisedStorage(openStudyStorage(location, { readonly: opts.readonly, ...(opts.verify !== undefined ? { verify: opts.verify } : {}) }));
}

export async function withStudy<T>(location: string, opts: WithStudyOptions, use: (storage: AsyncStudyStorage) => Promise<T>): Promise<T> {
  const storage = await asCliError(() => open(location, opts));
  try {
    return await asCliError(() => use(storage));
  } finally {
    await storage.close();
  }
}

async function asCliError<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof StudyError) throw new CliError(e.message, 1);
    throw e;
  }
}
