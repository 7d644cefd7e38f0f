// Placeholder until the 'sweep' command group lands.
import { CliError } from '../cliSupport.ts';

export async function run(_argv: string[]): Promise<number> {
  throw new CliError("'sweep' is not implemented yet.");
}
