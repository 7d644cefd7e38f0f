// Small pieces every CLI command shares: the module shape and a user-facing error type.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { print } from './terminalText.ts';

export interface CommandModule {
  run(argv: string[]): Promise<number>;
}

/** An error meant for the user: its message says what was wrong and what to do. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'CliError';
  }
}

/** parseArgs with errors turned into CliError that name the bad option. */
export function parseCli<T extends ParseArgsConfig & { strict?: true }>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>(config);
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${usage}`);
  }
}

/** When --help/-h was given, prints the usage and returns true: the command then exits 0. */
export function printedHelp(values: { help?: boolean | undefined }, usage: string): boolean {
  if (!values.help) return false;
  print(usage);
  return true;
}

/**
 * Runs the subcommand named by argv[0], loading its module only when used. No subcommand prints
 * the usage and exits 2; `--help` prints it and exits 0; anything else unknown is a CliError.
 */
export async function dispatchSubcommand(
  argv: string[],
  usage: string,
  subcommands: Record<string, () => Promise<CommandModule>>,
): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help') {
    print(usage);
    return sub ? 0 : 2;
  }
  const load = Object.hasOwn(subcommands, sub) ? subcommands[sub] : undefined;
  if (!load) throw new CliError(`unknown subcommand '${sub}'.\n\n${usage}`);
  return (await load()).run(rest);
}

/** A flag's whole number >= 1 (e.g. --max-trials), or undefined when the flag was not given. */
export function wholeNumber(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} ${JSON.stringify(raw)} must be a whole number >= 1`);
  return n;
}
