// Damaged copies of real files for the bad-input tests.
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, REPO_ROOT } from './peers.ts';
import { until } from './until.ts';

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

/** Another process holding an exclusive lock on a SQLite file (as a sqlite3 shell in the middle of
 * `BEGIN EXCLUSIVE` would), until release(), or until it lets go by itself after `giveUpAfterMs`
 * (so a reader that waits long enough gets in: how a test tells a short busy timeout from a long one
 * by what is answered, not by timing it). Resolves once the lock is held. */
export async function holdExclusiveLock(file: string, giveUpAfterMs?: number): Promise<{ release(): Promise<void>; stillHeld(): Promise<boolean> }> {
  const script = [
    "const db = new (require('better-sqlite3'))(process.argv[1]); db.exec('BEGIN EXCLUSIVE'); let held = true; console.log('locked');",
    "const let_go = () => { if (held) { held = false; db.exec('ROLLBACK'); db.close(); } };",
    "const after = Number(process.argv[2]); if (after > 0) setTimeout(let_go, after);",
    "process.stdin.on('data', () => console.log(held ? 'held' : 'released'));",
    "process.stdin.on('end', () => { let_go(); process.exit(0); }); process.stdin.resume();",
  ].join(' ');
  const holder = spawn(process.execPath, ['-e', script, file, String(giveUpAfterMs ?? 0)], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  let said = '';
  holder.stdout.on('data', (d: Buffer) => void (said += d.toString()));
  const exited = new Promise((r) => holder.on('exit', r));
  await until('the other process to lock the study', async () => said.includes('locked') || holder.exitCode !== null);
  if (!said.includes('locked')) throw new Error(`the lock holder exited (${holder.exitCode}) without locking ${file}`);
  return {
    async release() {
      holder.stdin.end();
      await exited;
    },
    /** Asks the holder whether it still holds the lock. */
    async stillHeld() {
      const from = said.length;
      holder.stdin.write('?\n');
      const answer = await until('the lock holder to answer', async () => /held|released/.exec(said.slice(from))?.[0]);
      return answer === 'held';
    },
  };
}

/** A YAML "billion laughs": nine levels of nine aliases each, 9^9 strings once expanded. */
export function aliasBomb(): string {
  const lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i < 9; i++) {
    const name = String.fromCharCode(97 + i);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}
