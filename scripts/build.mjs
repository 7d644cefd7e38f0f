// Builds what the desktop app runs: the Electron main process and preload bundled by esbuild into
// dist/electron/ (electron and better-sqlite3 stay external: one is the runtime, the other a native
// module rebuilt for Electron by electron-builder), and the renderer by vite into renderer/dist
// when renderer/ has a vite setup.
// The headless CLI is bundled by esbuild into dist/cli/ (ESM, split so each command's modules load
// only when that command runs; npm packages but zod stay in node_modules), so `sweepdeck` starts without
// transpiling TypeScript; bin/sweepdeck.js runs it while no source it was built from has changed.
//   node scripts/build.mjs            main + preload, and the renderer
//   node scripts/build.mjs --electron main + preload only
//   node scripts/build.mjs --renderer renderer only
//   node scripts/build.mjs --cli      the CLI only (the flags combine: `npm ci` runs --cli --renderer)
//   --outdir DIR                      write main + preload there instead of dist/electron (tests);
//                                     with --cli alone, the CLI instead of dist/cli
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtFromIsFresh, writeBuiltFrom } from './builtFrom.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist', 'electron');

// Core modules written as ESM may read import.meta.url; in the CJS bundle it comes from __filename.
const importMetaBanner = "const __sweepdeckImportMetaUrl = require('node:url').pathToFileURL(__filename).href;";

// Loaded on use: `npm start` with a fresh build never needs it.
async function esbuild(options) {
  const { build } = await import('esbuild');
  return build(options);
}

export const CLI_OUT = path.join(ROOT, 'dist', 'cli');
/** Each build's stamp (scripts/builtFrom.mjs): beside the CLI and the Electron bundles; the
 * renderer's outside renderer/dist, which the hosts serve. */
const STAMP = 'built-from.json';
export const RENDERER_STAMP = path.join(ROOT, 'dist', 'renderer-built-from.json');
const inputsOf = (...results) => results.flatMap((r) => Object.keys(r.metafile.inputs));

/** True when dist/cli is newer than all its sources. */
export const cliIsFresh = () => builtFromIsFresh(path.join(CLI_OUT, STAMP), ROOT);
/** True when the build in outDir (dist/electron by default) is newer than all its sources. */
export const electronIsFresh = (outDir = OUT) => builtFromIsFresh(path.join(outDir, STAMP), ROOT);
/** True when renderer/dist is newer than all its sources. */
export const rendererIsFresh = () => existsSync(path.join(ROOT, 'renderer', 'dist', 'index.html')) && builtFromIsFresh(RENDERER_STAMP, ROOT);

/** Bundles the CLI into outDir: main.js and crashReport.js (what bin/sweepdeck.js imports), their
 * chunks, and configWorker.cjs (the serve command's config validation reads it from beside them).
 * Built in a scratch folder and moved into place, so a concurrent `sweepdeck` never sees half. */
/** Every dependency but zod, kept out of the CLI bundle (resolved from node_modules at run time). */
function cliExternals() {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const names = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})].filter((n) => n !== 'zod');
  return [...names, ...names.map((n) => `${n}/*`)];
}

export async function buildCli({ quiet = false, outDir = CLI_OUT } = {}) {
  const builtAt = Date.now();
  const scratch = `${outDir}.${process.pid}.tmp`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    const common = { bundle: true, platform: 'node', target: 'node20', packages: 'external', logLevel: quiet ? 'error' : 'warning', absWorkingDir: ROOT, metafile: true };
    const cli = await esbuild({
      ...common,
      // zod is bundled in: as a package it is ~100 ES modules that every command resolves and loads
      // at start (about a third of `sweep status`). The other packages stay external (native
      // modules, or loaded only by the commands that need them).
      packages: undefined,
      external: cliExternals(),
      entryPoints: { main: path.join(ROOT, 'electron/cli/main.ts'), crashReport: path.join(ROOT, 'electron/cli/crashReport.ts') },
      outdir: scratch,
      format: 'esm',
      splitting: true,
      chunkNames: 'chunk-[hash]',
    });
    const worker = await esbuild({
      ...common,
      entryPoints: [path.join(ROOT, 'electron/app/configWorker.ts')],
      outfile: path.join(scratch, 'configWorker.cjs'),
      format: 'cjs',
      banner: { js: importMetaBanner },
      define: { 'import.meta.url': '__sweepdeckImportMetaUrl' },
    });
    // The host's trial_params scan worker (electron/app/paramScanThread.ts), for `sweepdeck serve`.
    const scanWorker = await esbuild({
      ...common,
      entryPoints: [path.join(ROOT, 'electron/app/paramScanWorker.ts')],
      outfile: path.join(scratch, 'paramScanWorker.cjs'),
      format: 'cjs',
      banner: { js: importMetaBanner },
      define: { 'import.meta.url': '__sweepdeckImportMetaUrl' },
    });
    writeBuiltFrom(path.join(scratch, STAMP), ROOT, builtAt, inputsOf(cli, worker, scanWorker));
    rmSync(outDir, { recursive: true, force: true });
    renameSync(scratch, outDir);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return [path.join(outDir, 'main.js')];
}

export async function buildElectron({ quiet = false, outDir = OUT } = {}) {
  const builtAt = Date.now();
  const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'linked',
    external: ['electron', 'better-sqlite3'],
    logLevel: quiet ? 'error' : 'warning',
    absWorkingDir: ROOT,
    metafile: true,
  };
  const main = await esbuild({
    ...common,
    entryPoints: [path.join(ROOT, 'electron/main/main.ts')],
    outfile: path.join(outDir, 'main.cjs'),
    banner: { js: importMetaBanner },
    define: { 'import.meta.url': '__sweepdeckImportMetaUrl' },
  });
  // config.validate's worker thread (electron/app/configValidator.ts starts it from beside main.cjs).
  const worker = await esbuild({
    ...common,
    entryPoints: [path.join(ROOT, 'electron/app/configWorker.ts')],
    outfile: path.join(outDir, 'configWorker.cjs'),
    banner: { js: importMetaBanner },
    define: { 'import.meta.url': '__sweepdeckImportMetaUrl' },
  });
  // The trial_params scan worker of a columns read (electron/app/paramScanThread.ts).
  const scanWorker = await esbuild({
    ...common,
    entryPoints: [path.join(ROOT, 'electron/app/paramScanWorker.ts')],
    outfile: path.join(outDir, 'paramScanWorker.cjs'),
    banner: { js: importMetaBanner },
    define: { 'import.meta.url': '__sweepdeckImportMetaUrl' },
  });
  // A sandboxed preload may only require electron and a few built-ins: everything else is bundled.
  const preload = await esbuild({
    ...common,
    platform: 'browser',
    entryPoints: [path.join(ROOT, 'electron/preload/preload.ts')],
    outfile: path.join(outDir, 'preload.cjs'),
  });
  writeBuiltFrom(path.join(outDir, STAMP), ROOT, builtAt, inputsOf(main, worker, scanWorker, preload));
  return [path.join(outDir, 'main.cjs'), path.join(outDir, 'preload.cjs'), path.join(outDir, 'configWorker.cjs'), path.join(outDir, 'paramScanWorker.cjs')];
}

function viteSetup() {
  const inRenderer = ['vite.config.ts', 'vite.config.mts', 'vite.config.js', 'vite.config.mjs'].find((f) => existsSync(path.join(ROOT, 'renderer', f)));
  if (inRenderer) return { root: path.join(ROOT, 'renderer'), configFile: path.join(ROOT, 'renderer', inRenderer) };
  const atRoot = ['vite.config.ts', 'vite.config.mts', 'vite.config.js', 'vite.config.mjs'].find((f) => existsSync(path.join(ROOT, f)));
  if (atRoot) return { root: ROOT, configFile: path.join(ROOT, atRoot) };
  if (existsSync(path.join(ROOT, 'renderer', 'index.html'))) return { root: path.join(ROOT, 'renderer'), configFile: false, build: { outDir: 'dist', emptyOutDir: true } };
  return null;
}

/** Returns false (and says why) when there is no renderer to build yet. */
export async function buildRenderer({ quiet = false } = {}) {
  const setup = viteSetup();
  if (!setup) {
    if (!quiet) console.log('build: renderer/ has no index.html or vite config yet; skipping the renderer (the hosts serve a placeholder).');
    return false;
  }
  const builtAt = Date.now();
  const { build } = await import('vite');
  const result = await build({ ...setup, logLevel: quiet ? 'error' : 'info' });
  // Every module of the bundle (virtual ones start with NUL; queries like ?url are cut off), and the
  // page and config that are not modules.
  const ids = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output ?? []).flatMap((o) => o.moduleIds ?? []);
  const inputs = ids.filter((id) => !id.startsWith('\0')).map((id) => id.split('?')[0]);
  inputs.push(path.join(setup.root, 'index.html'));
  if (setup.configFile) inputs.push(setup.configFile);
  // public/ is copied as is; a file added there changes the folder's own mtime.
  const publicDir = path.join(setup.root, 'public');
  if (existsSync(publicDir)) inputs.push(publicDir, ...readdirSync(publicDir, { recursive: true }).map((f) => path.join(publicDir, String(f))));
  mkdirSync(path.dirname(RENDERER_STAMP), { recursive: true });
  writeBuiltFrom(RENDERER_STAMP, ROOT, builtAt, inputs);
  return true;
}

async function main() {
  const argv = process.argv.slice(2);
  const args = new Set(argv);
  const outIdx = argv.indexOf('--outdir');
  const outDir = outIdx >= 0 && argv[outIdx + 1] ? path.resolve(argv[outIdx + 1]) : OUT;
  // No part named: the desktop app's parts, as before the CLI had a build.
  const named = ['--electron', '--renderer', '--cli'].filter((a) => args.has(a));
  const wanted = new Set(named.length ? named : ['--electron', '--renderer']);
  if (wanted.has('--cli')) {
    const out = await buildCli({ ...(outIdx >= 0 && named.length === 1 ? { outDir } : {}) });
    console.log(`build: ${out.map((f) => path.relative(ROOT, f)).join(', ')}`);
  }
  if (wanted.has('--electron')) {
    const out = await buildElectron({ outDir });
    console.log(`build: ${out.map((f) => path.relative(ROOT, f)).join(', ')}`);
  }
  if (wanted.has('--renderer')) await buildRenderer();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`build failed: ${e?.message ?? e}`);
    process.exit(1);
  });
}
