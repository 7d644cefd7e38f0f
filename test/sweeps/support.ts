// Helpers for the runner tests: configs around the objective fixture, the CLI as a child process,
// and a read-only view of a study file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { HpoConfigSchema, type HpoConfig, type HpoConfigInput } from '../../shared/config.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import type { FrozenTrial } from '../../electron/core/search/types.ts';
import { REPO_ROOT } from '../support/peers.ts';

export const OBJECTIVE = path.join(REPO_ROOT, 'test/sweeps/fixtures/objective.mjs');
export const CLI = path.join(REPO_ROOT, 'bin/sweepdeck.js');

export const tmpDir = (tag = 'sweep'): string => mkdtempSync(path.join(os.tmpdir(), `sweepdeck-${tag}-`));

/** A small config over the objective fixture; `over` replaces whole sections. */
export function configInput(over: Partial<HpoConfigInput> = {}): HpoConfigInput {
  return {
    experiment_name: 'test-exp',
    backbone: 'tiny',
    search_space: {
      x: { type: 'uniform', min: 0, max: 1 },
      y: { type: 'int', min: 0, max: 5 },
      c: { type: 'choice', values: ['a', 'b'] },
    },
    sampling: { algorithm: 'random', max_trials: 6, max_concurrent_trials: 1, seed: 7 },
    objective: { metric: 'score', goal: 'maximize' },
    trial: {
      command: [process.execPath, OBJECTIVE, '--x', '{x}', '--y', '{y}', '--c', '{c}'],
      env: { OBJ_STEPS: '2', OBJ_SLEEP_MS: '10' },
    },
    ...over,
  };
}

export const parseConfig = (input: HpoConfigInput): HpoConfig => HpoConfigSchema.parse(input);

export function writeConfig(dir: string, input: HpoConfigInput, name = 'hpo.yaml'): string {
  const file = path.join(dir, name);
  writeFileSync(file, stringify(input));
  return file;
}

export interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startCli(args: string[], env: Record<string, string> = {}, cwd = os.tmpdir()): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, stdout: () => out, stderr: () => err, exit };
}

export async function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const r = startCli(args, env, cwd);
  const { code } = await r.exit;
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}

/** All trials of a study, read without changing the file. */
export function readTrials(file: string, studyName: string): FrozenTrial[] {
  const s = openStudyStorage(file, { readonly: true });
  try {
    const study = s.getStudy(studyName);
    if (!study) throw new Error(`no study ${studyName} in ${file}`);
    return s.getTrials(study.studyId);
  } finally {
    s.close();
  }
}

export const finished = (ts: readonly FrozenTrial[]): FrozenTrial[] => ts.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED');

/** Whether `pid` is still a process whose command line contains `marker` (e.g. the test's own temp
 * dir): a pid alone may meanwhile belong to another program, on a machine that starts many. */
export function processRunning(pid: number, marker: string): boolean {
  if (!processAlive(pid)) return false;
  let args: string;
  try {
    args = existsSync('/proc/self/cmdline')
      ? readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')
      : spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false; // it ended meanwhile
    throw err;
  }
  return args.includes(marker);
}

/** Whether a process (or, with a negative pid, a process group) still exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
