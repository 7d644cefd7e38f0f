// `sweepdeck azure <subcommand>`: each subcommand in its own module, loaded when used.
import { dispatchSubcommand } from '../cliSupport.ts';

const USAGE = `Usage: sweepdeck azure <subcommand> [options]

Subcommands:
  sync   bring the offline mirror of the chosen Azure ML workspace up to date
         (sweepdeck azure sync [--experiment NAME] [--histories] [--full])`;

export function run(argv: string[]): Promise<number> {
  return dispatchSubcommand(argv, USAGE, {
    sync: () => import('./azureSync.ts'),
  });
}
