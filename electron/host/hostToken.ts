// The browser host's token, kept in the data folder (owner-only) so a restart keeps open tabs and
// bookmarks working. Rotating it makes a new one and invalidates every URL printed before.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const HOST_TOKEN_FILE = 'host-token';
/** What `--token` accepts too. */
export const HOST_TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,256}$/;

export const hostTokenPath = (dataDir: string): string => path.join(dataDir, HOST_TOKEN_FILE);

function writeToken(file: string): string {
  const token = randomBytes(32).toString('hex');
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written beside and renamed, so a crash never leaves a half-written token.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return token;
}

/**
 * The stored token, or a new one stored now (also when `rotate`, or when the file holds no valid
 * token). A file readable by others is made owner-only again: the token opens the app.
 */
export function loadHostToken(dataDir: string, opts: { rotate?: boolean } = {}): { token: string; created: boolean } {
  const file = hostTokenPath(dataDir);
  if (!opts.rotate) {
    let text: string | null = null;
    try {
      text = readFileSync(file, 'utf8').trim();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`${file}: the host token cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); fix its permissions or delete it to make a new one.`, { cause: e });
      }
    }
    if (text !== null && HOST_TOKEN_PATTERN.test(text)) {
      if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
      return { token: text, created: false };
    }
  }
  return { token: writeToken(file), created: true };
}
