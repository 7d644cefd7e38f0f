// The code a worker thread of the host starts with: the bundled app ships each worker as
// `<name>.cjs` beside main.cjs (read through fs, which also reads inside an asar archive); from
// source (tsx, tests) it loads tsx first to import `<name>.ts`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export function workerSource(name: string): string {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) return readFileSync(fileURLToPath(new URL(`./${name}.cjs`, import.meta.url)), 'utf8');
  // tsx's ESM API (its `import` export; require.resolve would give the CommonJS one).
  const pkgFile = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const tsxApi = pathToFileURL(path.join(path.dirname(pkgFile), pkg.exports['./esm/api']?.import.default ?? 'dist/esm/api/index.mjs')).href;
  const worker = new URL(`./${name}.ts`, import.meta.url).href;
  return `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(worker)}); });`;
}
