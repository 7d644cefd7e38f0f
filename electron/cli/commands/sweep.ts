// `sweepdeck sweep run|status`: each subcommand in its own module.
import { CliError } from '../cliSupport.ts';

const USAGE = 'Usage: sweepdeck sweep run CONFIG.yaml [--output-dir DIR] [--max-trials N] [--tracking-uri URI]\n       sweepdeck sweep status STUDY_DB [--study NAME] [--json]';

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'run':
      return (await import('./sweepRun.ts')).run(rest);
    case 'status':
      return (await import('./sweepStatus.ts')).run(rest);
    case undefined:
    case '--help':
      console.log(USAGE);
      return sub ? 0 : 2;
    default:
      throw new CliError(`unknown subcommand '${sub}'.\n\n${USAGE}`);
  }
}
