// Builds what the desktop app runs: the Electron main process and preload bundled by esbuild into
// dist/electron/ (electron and better-sqlite3 stay external: one is the runtime, the other a native
// module rebuilt for Electron by electron-builder), and the renderer by vite into renderer/dist
// when renderer/ has a vite setup.
//   node scripts/build.mjs            both
//   node scripts/build.mjs --electron main + preload only
//   node scripts/build.mjs --renderer renderer only
//   --outdir DIR                      write main + preload there instead of dist/electron (tests)
import { build as esbuild } from 'esbuild';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist', 'electron');

// Core modules written as ESM may read import.meta.url; in the CJS bundle it comes from __filename.
const importMetaBanner = "const __sweepdeckImportMetaUrl = require('node:url').pathToFileURL(__filename).href;";

export async function buildElectron({ quiet = false, outDir = OUT } = {}) {
  const common = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'linked',
    external: ['electron', 'better-sqlite3'],
    logLevel: quiet ? 'error' : 'warning',
    absWorkingDir: ROOT,
  };
  await esbuild({
    ...common,
    entryPoints: [path.join(ROOT, 'electron/main/main.ts')],
    outfile: path.join(outDir, 'main.cjs'),
    banner: { js: importMetaBanner },
    define: { 'import.meta.url': '__sweepdeckImportMetaUrl' },
  });
  // config.validate's worker thread (electron/app/configValidator.ts starts it from beside main.cjs).
  await esbuild({
    ...common,
    entryPoints: [path.join(ROOT, 'electron/app/configWorker.ts')],
    outfile: path.join(outDir, 'configWorker.cjs'),
    banner: { js: importMetaBanner },
    define: { 'import.meta.url': '__sweepdeckImportMetaUrl' },
  });
  // A sandboxed preload may only require electron and a few built-ins: everything else is bundled.
  await esbuild({
    ...common,
    platform: 'browser',
    entryPoints: [path.join(ROOT, 'electron/preload/preload.ts')],
    outfile: path.join(outDir, 'preload.cjs'),
  });
  return [path.join(outDir, 'main.cjs'), path.join(outDir, 'preload.cjs'), path.join(outDir, 'configWorker.cjs')];
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
  const { build } = await import('vite');
  await build({ ...setup, logLevel: quiet ? 'error' : 'info' });
  return true;
}

async function main() {
  const argv = process.argv.slice(2);
  const args = new Set(argv);
  const outIdx = argv.indexOf('--outdir');
  const outDir = outIdx >= 0 && argv[outIdx + 1] ? path.resolve(argv[outIdx + 1]) : OUT;
  const onlyElectron = args.has('--electron');
  const onlyRenderer = args.has('--renderer');
  if (!onlyRenderer) {
    const out = await buildElectron({ outDir });
    console.log(`build: ${out.map((f) => path.relative(ROOT, f)).join(', ')}`);
  }
  if (!onlyElectron) await buildRenderer();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`build failed: ${e?.message ?? e}`);
    process.exit(1);
  });
}
