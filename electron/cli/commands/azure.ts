// `sweepdeck azure <subcommand>`: each subcommand in its own module, loaded only when used. Other
// Azure commands (login, logout, whoami) join by adding one entry to SUBCOMMANDS.
import { dispatchSubcommand, type CommandModule } from '../cliSupport.ts';

export const SUBCOMMANDS: Record<string, { usage: string; load: () => Promise<CommandModule> }> = {
  workspaces: { usage: 'sweepdeck azure workspaces [--json]', load: () => import('./azureWorkspaces.ts') },
  use: { usage: 'sweepdeck azure use SUBSCRIPTION/RESOURCE_GROUP/WORKSPACE [--no-verify] | --none', load: () => import('./azureUse.ts') },
  sync: { usage: 'sweepdeck azure sync [--experiment NAME] [--histories] [--full]', load: () => import('./azureSync.ts') },
};

export function usage(): string {
  const lines = Object.values(SUBCOMMANDS).map((s) => s.usage);
  return `Usage: ${lines.join('\n       ')}`;
}

export function run(argv: string[]): Promise<number> {
  const loaders = Object.fromEntries(Object.entries(SUBCOMMANDS).map(([name, s]) => [name, s.load]));
  return dispatchSubcommand(argv, usage(), loaders);
}
