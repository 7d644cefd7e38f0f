// Entry point of the headless `sweepdeck` command. Each command group lives in its own module
// under commands/ and is loaded only when used, so `sweepdeck --help` stays instant.
import { CliError, type CommandModule } from './cliSupport.ts';
import { CRASH_EXIT_CODE, crashReport } from './crashReport.ts';
import { print, printError } from './terminalText.ts';

const GROUPS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  sweep: { summary: 'run a sweep or join one as a worker, show a study\'s status, or fail a trial left RUNNING', load: () => import('./commands/sweep.ts') },
  tracking: { summary: 'set up tracking, or serve the embedded MLflow endpoint', load: () => import('./commands/tracking.ts') },
  runs: { summary: 'list experiments and parent runs with their trials', load: () => import('./commands/runs.ts') },
  azure: { summary: 'Azure ML: sign in, workspaces, the offline mirror (login, whoami, workspaces, use, sync)', load: () => import('./commands/azure.ts') },
  serve: { summary: 'serve the app in a browser over loopback with a token', load: () => import('./commands/serve.ts') },
};

function usage(): string {
  const lines = ['Usage: sweepdeck <command> [options]', '', 'Commands:'];
  for (const [name, g] of Object.entries(GROUPS)) lines.push(`  ${name.padEnd(10)} ${g.summary}`);
  lines.push('', 'Run `sweepdeck <command> --help` for a command\'s options.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [group, ...rest] = argv;
  if (!group || group === '--help' || group === '-h' || group === 'help') {
    print(usage());
    return group ? 0 : 2;
  }
  const entry = GROUPS[group];
  if (!entry) {
    printError(`sweepdeck: unknown command '${group}'.\n\n${usage()}`);
    return 2;
  }
  try {
    const mod = await entry.load();
    return await mod.run(rest);
  } catch (err) {
    if (err instanceof CliError) {
      printError(`sweepdeck ${group}: ${err.message}`);
      return err.exitCode;
    }
    console.error(crashReport(group, err));
    return CRASH_EXIT_CODE;
  }
}
