// `sweepdeck azure <subcommand>`: each subcommand in its own module, loaded only when used. Other
// Azure commands (workspaces, use, sync) join by adding one entry to SUBCOMMANDS.
import { dispatchSubcommand, type CommandModule } from '../cliSupport.ts';

export const SUBCOMMANDS: Record<string, { usage: string; load: () => Promise<CommandModule> }> = {
  login: {
    usage: 'sweepdeck azure login [--device-code] [--tenant ID] [--cloud AzureCloud|AzureChinaCloud|AzureUSGovernment] [--client-id ID]',
    load: () => import('./azureLogin.ts'),
  },
  logout: { usage: 'sweepdeck azure logout', load: () => import('./azureLogout.ts') },
  whoami: { usage: 'sweepdeck azure whoami [--json]', load: () => import('./azureWhoami.ts') },
  sync: { usage: 'sweepdeck azure sync [--experiment NAME] [--histories] [--full]', load: () => import('./azureSync.ts') },
  tenants: { usage: 'sweepdeck azure tenants [--json]', load: () => import('./azureTenants.ts') },
};

export function usage(): string {
  const lines = Object.values(SUBCOMMANDS).map((s) => s.usage);
  return `Usage: ${lines.join('\n       ')}`;
}

export function run(argv: string[]): Promise<number> {
  const loaders = Object.fromEntries(Object.entries(SUBCOMMANDS).map(([name, s]) => [name, s.load]));
  return dispatchSubcommand(argv, usage(), loaders);
}
