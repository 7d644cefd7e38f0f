// Runs one of the OS's own secret tools (secret-tool, security, powershell.exe) with argv (never
// a shell), an optional stdin and a deadline: a locked keyring or a stuck tool means "no answer",
// never a hang. Secrets go through stdin only, so they never show in a process listing.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export type EnvLike = Record<string, string | undefined>;

export const OS_TOOL_TIMEOUT_MS = 5_000;

export interface ToolResult {
  /** The exit code; null when the tool did not run or did not finish (see failure). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why there is no exit code: not runnable, or no answer before the deadline. */
  failure?: string;
}

export interface ToolCall {
  /** Absolute path of the tool (findOnPath). */
  file: string;
  /** Name used in messages, e.g. "secret-tool". */
  name: string;
  args: string[];
  /** Written to stdin, which is then closed. */
  input?: string;
  env: EnvLike;
  /** Said after "gave no answer within N ms" (e.g. "keyring locked or not running?"). */
  noAnswerHint: string;
}

export function runOsTool(call: ToolCall): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = execFile(
      call.file,
      call.args,
      { timeout: OS_TOOL_TIMEOUT_MS, killSignal: 'SIGKILL', env: call.env as NodeJS.ProcessEnv, encoding: 'utf8', windowsHide: true },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: unknown }) | null;
        if (e?.killed) return resolve({ code: null, stdout: '', stderr: '', failure: `${call.name} gave no answer within ${OS_TOOL_TIMEOUT_MS} ms (${call.noAnswerHint})` });
        if (e && typeof e.code === 'string') return resolve({ code: null, stdout: '', stderr: '', failure: `${call.name} could not run (${e.code})` });
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr });
      },
    );
    // A tool that exits before reading stdin makes the write fail with EPIPE: its exit code says why.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(call.input ?? '');
  });
}

/** The PATH of an environment; on Windows a copied environment spells it `Path`. */
function pathValue(env: EnvLike): string {
  if (env.PATH !== undefined) return env.PATH;
  const key = Object.keys(env).find((k) => k.toUpperCase() === 'PATH');
  return key ? (env[key] ?? '') : '';
}

/** The first executable `name` on the environment's PATH, or undefined. */
export function findOnPath(name: string, env: EnvLike): string | undefined {
  for (const dir of pathValue(env).split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // Not in this folder: keep looking.
    }
  }
  return undefined;
}

/** The first line of a tool's stderr, for a message (tools say what went wrong on stderr). */
export function firstLine(text: string): string {
  return text.split(/\r?\n/).find((l) => l.trim())?.trim() ?? '';
}
