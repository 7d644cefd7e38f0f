// Placeholder until this subcommand lands.
import { CliError } from '../cliSupport.ts';

export async function run(_argv: string[]): Promise<number> {
  throw new CliError('not implemented yet.');
}
