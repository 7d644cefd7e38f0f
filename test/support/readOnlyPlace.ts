// A file or folder that really cannot be written, for the read-only tests. Tests run as root in CI,
// and permission bits do not stop root: there a read-only bind mount over the path makes every
// write fail with EROFS (as a read-only disk or share would). As another user, the permission bits
// are enough.
import { spawnSync } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ReadOnlyPlace {
  /** Makes the path writable again. */
  release(): void;
}

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

function writable(p: string): boolean {
  try {
    accessSync(p, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Makes `target` (a file or a folder) read-only until release(); throws saying why it cannot. */
export function makeReadOnly(target: string): ReadOnlyPlace {
  if (!isRoot()) {
    const mode = statSync(target).mode & 0o777;
    chmodSync(target, statSync(target).isDirectory() ? 0o555 : 0o444);
    if (writable(target)) throw new Error(`chmod did not make ${target} read-only`);
    return { release: () => chmodSync(target, mode) };
  }
  const run = (args: string[]): void => {
    const r = spawnSync('mount', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mount ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
  };
  run(['--bind', target, target]);
  const release = (): void => {
    spawnSync('umount', [target]);
  };
  try {
    run(['-o', 'remount,bind,ro', target, target]);
    if (writable(target)) throw new Error(`the read-only bind mount left ${target} writable`);
  } catch (e) {
    release();
    throw e;
  }
  return { release };
}

/** null when read-only places can be made here, else why not (checked once on a scratch folder). */
export function readOnlyUnsupported(): string | null {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-ro-probe-'));
  try {
    makeReadOnly(dir).release();
    return null;
  } catch (e) {
    return `${(e as Error).message} (as root, a read-only bind mount needs CAP_SYS_ADMIN; or run the tests as a non-root user)`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
