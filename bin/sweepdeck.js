#!/usr/bin/env node
// The `sweepdeck` command. It runs the CLI's prebuilt JavaScript (dist/cli, bundled by the prepare
// script that `npm ci` runs: no TypeScript transpiled at start) while none of the sources it was
// built from has changed since; otherwise (a checkout being edited, or never built) it runs the
// TypeScript through tsx, so a clean clone and the dev path always run the current code.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtFromIsFresh } from '../scripts/builtFrom.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'dist', 'cli');
let entry;
if (builtFromIsFresh(path.join(built, 'built-from.json'), root)) {
  entry = { main: new URL('../dist/cli/main.js', import.meta.url).href, crash: new URL('../dist/cli/crashReport.js', import.meta.url).href };
} else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = { main: '../electron/cli/main.ts', crash: '../electron/cli/crashReport.ts' };
}
const { crashReport, CRASH_EXIT_CODE } = await import(entry.crash);
// A failure outside main's own await (a stray callback or promise) is reported the same way as
// one inside it: one escaped line, never Node's raw uncaught report.
const onCrash = (err) => {
  console.error(crashReport(process.argv[2] ?? 'command', err));
  process.exit(CRASH_EXIT_CODE);
};
process.on('uncaughtException', onCrash);
process.on('unhandledRejection', onCrash);
const { main } = await import(entry.main);
process.exitCode = await main(process.argv.slice(2));
