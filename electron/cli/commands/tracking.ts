// `sweepdeck tracking setup|serve`: each subcommand in its own module.
import { dispatchSubcommand } from '../cliSupport.ts';

const USAGE = 'Usage: sweepdeck tracking setup --experiment NAME [--no-fallback] [--json]\n       sweepdeck tracking serve [--store URI] [--port N]';

export function run(argv: string[]): Promise<number> {
  return dispatchSubcommand(argv, USAGE, {
    setup: () => import('./trackingSetup.ts'),
    serve: () => import('./trackingServe.ts'),
  });
}
