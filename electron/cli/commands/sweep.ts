// `sweepdeck sweep run|worker|status|fail-trial`: each subcommand in its own module.
import { dispatchSubcommand } from '../cliSupport.ts';

const USAGE = 'Usage: sweepdeck sweep run CONFIG.yaml [--storage FILE_OR_URL] [--output-dir DIR] [--max-trials N] [--tracking-uri URI] [--accept-space-change]\n       sweepdeck sweep worker CONFIG.yaml|URL [--study NAME] [--slots N] [--max-trials N]\n       sweepdeck sweep status STUDY_DB|--storage URL [--study NAME] [--json]\n       sweepdeck sweep fail-trial STUDY_DB --trial N [--study NAME] [--retry] [--force]';

export function run(argv: string[]): Promise<number> {
  return dispatchSubcommand(argv, USAGE, {
    run: () => import('./sweepRun.ts'),
    worker: () => import('./sweepWorker.ts'),
    status: () => import('./sweepStatus.ts'),
    'fail-trial': () => import('./sweepFailTrial.ts'),
  });
}
