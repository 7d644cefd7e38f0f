// Paths typed by the user: absolute only (a relative path would resolve against the host's working
// folder, which the user cannot see), and said plainly when they name nothing or the wrong kind of
// thing, instead of raw ENOENT / EISDIR text.
import { accessSync, constants, statSync } from 'node:fs';
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

/** An absolute folder to write into: it may not exist yet (it is made), but it must not be a file,
 * and the folder (or, when it does not exist yet, its nearest existing parent) must be writable. */
export function folderToWrite(p: string, what: string): string {
  const abs = absoluteInput(p, what);
  let probe = abs;
  for (;;) {
    let isDir: boolean | null;
    try {
      isDir = statSync(probe).isDirectory();
    } catch {
      isDir = null; // not there yet: the parent decides
    }
    if (isDir === false) {
      throw new AppFault('INVALID_INPUT', probe === abs ? `${what} ${abs} is a file, not a folder; give a folder.` : `${what} ${abs} cannot be made: ${probe} is a file, not a folder.`);
    }
    if (isDir) break;
    const up = path.dirname(probe);
    if (up === probe) break;
    probe = up;
  }
  if (!writable(probe)) {
    throw new AppFault('FORBIDDEN', `${what} ${abs} cannot be written by this user (${probe} is read-only); pick a folder you can write to, or fix its permissions.`);
  }
  return abs;
}

/** Whether this process may write `p` (permission bits and read-only mounts alike). */
export function writable(p: string): boolean {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false; // EACCES, EPERM, EROFS: all mean no
  }
}
