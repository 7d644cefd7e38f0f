// Shared by every bench script: each bench owns one section of BENCHMARKS.md, delimited by
// `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`, and replaces only that section so that benches
// run at different times never clobber each other's numbers.
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BENCHMARKS_MD = path.join(REPO_ROOT, 'BENCHMARKS.md');

const TITLE = '# Benchmarks\n\nEach section is written by the bench script named in it (`npx tsx bench/<name>.ts`) and states the machine it ran on.\n';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  node: string;
  platform: string;
  date: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus.length,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}

/** The code measured: the commit, and whether the tree had changes not committed (BENCHMARKS.md
 * aside: the benches write it). */
export function codeLine(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout?.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no', '--', '.', ':!BENCHMARKS.md'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout?.trim();
  return `Code: commit ${head || 'unknown'}${dirty ? ', with uncommitted changes' : ''}.`;
}

/** One line for the top of a section: where the numbers come from (with `code`: which commit; off
 * for a bench that states it more narrowly itself). */
export function machineLine(info: MachineInfo = machineInfo(), code = true): string {
  return `Machine: ${info.cpuModel}, ${info.cores} cores, Node ${info.node}, ${info.platform}; run ${info.date}.${code ? ` ${codeLine()}` : ''}`;
}

/** Replaces (or appends) the section NAME in the given markdown text. Pure, for testing. */
export function replaceSection(doc: string, name: string, markdown: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`bench section name '${name}' must be letters, digits, '-', '_' or '.'`);
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const block = `${open}\n${markdown.trim()}\n${close}`;
  const start = doc.indexOf(open);
  if (start >= 0) {
    const end = doc.indexOf(close, start);
    if (end < 0) throw new Error(`BENCHMARKS.md has '${open}' without '${close}'; fix the file by hand`);
    return doc.slice(0, start) + block + doc.slice(end + close.length);
  }
  return `${doc.replace(/\s*$/, '')}\n\n${block}\n`;
}

/** Writes the section NAME of BENCHMARKS.md (creating the file with a title if missing). The file is
 * replaced atomically so a concurrent reader never sees half a file. */
export function writeBenchSection(name: string, markdown: string, file: string = BENCHMARKS_MD): void {
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : TITLE;
  const next = replaceSection(doc, name, markdown);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, next);
  renameSync(tmp, file);
}

/** Markdown table from a header and rows. */
export function mdTable(header: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The floor of a durable trial: ms per commit of one tiny IMMEDIATE transaction in WAL with
 * synchronous=FULL (as the study storage's tell), one sample per commit. */
export function commitFloorSamples(n: number): number[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-bench-commit-'));
  try {
    const db = new Database(path.join(dir, 'floor.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v REAL)');
    const ins = db.prepare('INSERT INTO t (v) VALUES (?)');
    const tx = db.transaction((v: number) => ins.run(v));
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      tx.immediate(i);
      xs.push(performance.now() - t0);
    }
    db.close();
    return xs;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** This process's CPU scheduling policy, from chrt (util-linux): 'SCHED_OTHER' is normal; a bench
 * run under `chrt -r N` (real-time, preempting the machine's other work) says so. null: unknown. */
export function schedulingPolicy(): { policy: string; priority: number } | null {
  const r = spawnSync('chrt', ['-p', String(process.pid)], { encoding: 'utf8' });
  const policy = /policy:\s*(\S+)/.exec(r.stdout ?? '')?.[1];
  const priority = Number(/priority:\s*(\d+)/.exec(r.stdout ?? '')?.[1] ?? 0);
  return r.status === 0 && policy ? { policy, priority } : null;
}

/** One line on how the bench was scheduled, and the section-name suffix for a real-time run ('-rt'),
 * so a real-time run and a normal one each keep their own section. */
export function schedulingNote(): { line: string; suffix: string } {
  const s = schedulingPolicy();
  if (!s) return { line: 'Scheduling: unknown (no chrt here).', suffix: '' };
  if (s.policy === 'SCHED_OTHER') return { line: 'Scheduling: normal (SCHED_OTHER), sharing the CPUs with the machine\'s other work.', suffix: '' };
  return {
    line: `Scheduling: real-time (${s.policy}, priority ${s.priority}; run under \`chrt -r ${s.priority}\`): every process of the run, anchor included, preempts the machine's other work, which approximates an idle machine's CPU on this shared one; disk I/O (fsync) is still shared.`,
    suffix: '-rt',
  };
}

/** Builds the prebuilt CLI (dist/cli) as `npm ci` does, so a bench runs what users run rather than
 * TypeScript transpiled as it loads (bin/sweepdeck.js falls back to that when dist/cli is stale). */
export function buildCli(): void {
  const build = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs'), '--cli'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`node scripts/build.mjs --cli failed:\n${build.stdout}${build.stderr}`);
}
