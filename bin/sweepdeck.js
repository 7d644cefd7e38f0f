#!/usr/bin/env node
// The `sweepdeck` command: runs the TypeScript CLI through tsx so a clean clone works right
// after `npm ci`, with no build step.
import { register } from 'tsx/esm/api';

register();
const { crashReport, CRASH_EXIT_CODE } = await import('../electron/cli/crashReport.ts');
// A failure outside main's own await (a stray callback or promise) is reported the same way as
// one inside it: one escaped line, never Node's raw uncaught report.
const onCrash = (err) => {
  console.error(crashReport(process.argv[2] ?? 'command', err));
  process.exit(CRASH_EXIT_CODE);
};
process.on('uncaughtException', onCrash);
process.on('unhandledRejection', onCrash);
const { main } = await import('../electron/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
