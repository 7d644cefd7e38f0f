// Damaged copies of real files for the bad-input tests.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES } from './peers.ts';

/** A copy of the Optuna 3.1.0 fixture study with three pages in the middle overwritten with junk:
 * the header is intact, so only an integrity check finds the damage. */
export function damagedStudy(dir: string, name = 'damaged.db'): string {
  const file = path.join(dir, name);
  copyFileSync(path.join(FIXTURES, 'optuna-3.1.0/study.db'), file);
  const bytes = readFileSync(file);
  const pageSize = bytes.readUInt16BE(16);
  const first = Math.floor(bytes.length / pageSize / 2) - 1;
  for (let i = first * pageSize; i < (first + 3) * pageSize; i++) bytes[i] = (i * 2654435761) >>> 24;
  writeFileSync(file, bytes);
  return file;
}
