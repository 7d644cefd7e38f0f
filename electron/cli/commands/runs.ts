// Placeholder until the 'runs' command group lands.
import { CliError } from '../cliSupport.ts';

export async function run(_argv: string[]): Promise<number> {
  throw new CliError("'runs' is not implemented yet.");
}
