// Paths typed by the user: absolute only (a relative path would resolve against the host's working
// folder, which the user cannot see), and said plainly when they name nothing or the wrong kind of
// thing, instead of raw ENOENT / EISDIR text.
import { statSync } from 'node:fs';
import path from 'node:path';
import { AppFault } from './appError.ts';

/** `what` names the field in words, e.g. "the study file". */
export function absoluteInput(p: string, what: string): string {
  const t = p.trim();
  if (t.startsWith('~')) throw new AppFault('INVALID_INPUT', `${what} '${p}' starts with ~, which is not expanded here; give the full path (e.g. /home/you/...).`);
  if (!path.isAbsolute(t)) {
    throw new AppFault('INVALID_INPUT', `${what} '${p}' is a relative path; give an absolute path (starting with /), since the app's working folder is not yours.`);
  }
  return path.normalize(t);
}

/** An absolute path to an existing file (not a folder), or a fault naming it and what to do. */
export function existingFile(p: string, what: string, example: string): string {
  const abs = absoluteInput(p, what);
  let isDir: boolean;
  try {
    isDir = statSync(abs).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new AppFault('NOT_FOUND', `${what} ${abs} does not exist; check the path (was it moved or renamed?).`);
    if (code === 'EACCES' || code === 'EPERM') throw new AppFault('FORBIDDEN', `${what} ${abs} cannot be read by this user (permission denied); fix its permissions or copy it somewhere readable.`);
    throw new AppFault('NOT_FOUND', `${what} ${abs} cannot be read (${code ?? (e as Error).message}); check the path.`);
  }
  if (isDir) throw new AppFault('INVALID_INPUT', `${what} ${abs} is a folder; give the file inside it (${example}).`);
  return abs;
}
