// `sweepdeck azure ...`: each subcommand in its own module, loaded when used.
import { dispatchSubcommand } from '../cliSupport.ts';

const USAGE = `Usage: sweepdeck azure workspaces [--json]
       sweepdeck azure use SUBSCRIPTION/RESOURCE_GROUP/WORKSPACE [--no-verify] | --none`;

export function run(argv: string[]): Promise<number> {
  return dispatchSubcommand(argv, USAGE, {
    workspaces: () => import('./azureWorkspaces.ts'),
    use: () => import('./azureUse.ts'),
  });
}
