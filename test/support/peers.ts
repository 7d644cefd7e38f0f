// Real peers the interop tests run against. Under CI=true a missing peer is a failure, never a
// silent skip: `.ci/run` installs them, so their absence means the setup is broken.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The team kit beside the repo: fixtures written by the real MLflow and Optuna. */
export const KIT = path.resolve(REPO_ROOT, '../shared');
export const FIXTURES = path.join(KIT, 'fixtures');

let optunaChecked: string | null | undefined;

/** Optuna's version when Debian's python3-optuna is importable, else null. */
export function optunaVersion(): string | null {
  if (optunaChecked !== undefined) return optunaChecked;
  if (!existsSync(PYTHON)) return (optunaChecked = null);
  const r = spawnSync(PYTHON, ['-c', 'import optuna; print(optuna.__version__)'], { encoding: 'utf8' });
  optunaChecked = r.status === 0 ? r.stdout.trim() : null;
  return optunaChecked;
}

/**
 * True when the peer is present. When it is absent: under CI this throws (the test fails); locally
 * it returns false and the caller skips with the message.
 */
export function requirePeer(name: string, present: boolean, install: string): boolean {
  if (present) return true;
  const msg = `${name} is not available: ${install}`;
  if (process.env.CI === 'true') throw new Error(`${msg} (CI=true: a missing peer fails the run)`);
  console.warn(`SKIPPED: ${msg}`);
  return false;
}

const OPTUNA = 'Python Optuna (Debian python3-optuna)';
const OPTUNA_INSTALL = 'apt-get install -y python3-optuna';

export const hasOptuna = (): boolean => requirePeer(OPTUNA, optunaVersion() !== null, OPTUNA_INSTALL);

/**
 * For one test that needs a peer: when it is absent the test is reported as skipped with the reason
 * (never passed having checked nothing); under CI=true it fails instead.
 */
/** The part of vitest's test context needed to skip with a note. */
export type Skipper = { skip: (note: string) => void };

export function needPeer(ctx: Skipper, name: string, present: boolean, install: string): void {
  if (!requirePeer(name, present, install)) ctx.skip(`${name} is not available: ${install}`);
}

export const needOptuna = (ctx: Skipper): void =>
  needPeer(ctx, OPTUNA, optunaVersion() !== null, OPTUNA_INSTALL);

let sklearnChecked: string | null | undefined;

/** scikit-learn's version when Debian's python3-sklearn is importable (Optuna 3.1's fANOVA
 * importance evaluator needs it), else null. */
export function sklearnVersion(): string | null {
  if (sklearnChecked !== undefined) return sklearnChecked;
  if (!existsSync(PYTHON)) return (sklearnChecked = null);
  const r = spawnSync(PYTHON, ['-c', 'import sklearn; print(sklearn.__version__)'], { encoding: 'utf8' });
  sklearnChecked = r.status === 0 ? r.stdout.trim() : null;
  return sklearnChecked;
}

/** Optuna's fANOVA importance evaluator: Python Optuna with scikit-learn. */
export const needFanova = (ctx: Skipper): void => {
  needOptuna(ctx);
  needPeer(ctx, 'scikit-learn for Optuna\'s fANOVA (Debian python3-sklearn)', sklearnVersion() !== null, 'apt-get install -y python3-sklearn');
};

/** Runs a Python snippet with the real Optuna; throws with stderr on failure. Returns stdout. */
export function runPython(code: string, args: string[] = [], cwd?: string): string {
  const r = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', cwd, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}
