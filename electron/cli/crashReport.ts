// A failure that is not a CliError is a bug, not bad input. Node's own report of it (the raw
// message and stack, uncaught) would send stored text that reached the error message to the
// terminal unescaped and bury what failed, so it becomes one escaped line with a hint; the stack
// only when asked for with SWEEPDECK_DEBUG=1.
import { oneLine, terminalSafe } from './terminalText.ts';

/** Exit code of a crash: 2 is bad input, 1 everything else. */
export const CRASH_EXIT_CODE = 1;

function describeError(err: unknown): { name: string; message: string; stack?: string } {
  if (err instanceof Error) return { name: err.name || 'Error', message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  return { name: typeof err, message: String(err) };
}

/** The text printed for a crash of `sweepdeck <what>`. */
export function crashReport(what: string, err: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const e = describeError(err);
  const line = oneLine(`sweepdeck ${what} failed unexpectedly: ${e.name}: ${e.message}`);
  if (env.SWEEPDECK_DEBUG === '1') return `${line}\n${terminalSafe(e.stack ?? '(no stack trace)')}`;
  return `${line}\nThis is a bug in Sweepdeck. Run it again with SWEEPDECK_DEBUG=1 for the stack trace, and include it when you report the problem.`;
}
