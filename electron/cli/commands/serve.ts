// Placeholder until the 'serve' command group lands.
import { CliError } from '../cliSupport.ts';

export async function run(_argv: string[]): Promise<number> {
  throw new CliError("'serve' is not implemented yet.");
}
