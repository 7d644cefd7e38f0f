// `sweepdeck tracking setup|serve`: each subcommand in its own module.
import { CliError } from '../cliSupport.ts';

const USAGE = 'Usage: sweepdeck tracking setup --experiment NAME [--no-fallback] [--json]\n       sweepdeck tracking serve [--store URI] [--port N]';

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'setup':
      return (await import('./trackingSetup.ts')).run(rest);
    case 'serve':
      return (await import('./trackingServe.ts')).run(rest);
    case undefined:
    case '--help':
      console.log(USAGE);
      return sub ? 0 : 2;
    default:
      throw new CliError(`unknown subcommand '${sub}'.\n\n${USAGE}`);
  }
}
