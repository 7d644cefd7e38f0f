// `sweepdeck sweep run|status`: each subcommand in its own module.
import { dispatchSubcommand } from '../cliSupport.ts';

const USAGE = 'Usage: sweepdeck sweep run CONFIG.yaml [--output-dir DIR] [--max-trials N] [--tracking-uri URI]\n       sweepdeck sweep status STUDY_DB [--study NAME] [--json]';

export function run(argv: string[]): Promise<number> {
  return dispatchSubcommand(argv, USAGE, {
    run: () => import('./sweepRun.ts'),
    status: () => import('./sweepStatus.ts'),
  });
}
