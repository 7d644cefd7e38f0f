// The desktop app runs bundles: config.validate's worker must load from the bundle beside main.cjs
// as scripts/build.mjs writes it, not only from the TypeScript sources.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/peers.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-bundle-worker-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('the bundled config validator runs its bundled worker', async () => {
  const dist = path.join(tmp, 'dist');
  const built = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs'), '--electron', '--outdir', dist], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(built.status, built.stderr).toBe(0);
  expect(existsSync(path.join(dist, 'configWorker.cjs'))).toBe(true);
  // The validator as main.cjs holds it: CommonJS, import.meta.url from __filename, beside the worker.
  const out = path.join(dist, 'validator.cjs');
  await build({
    entryPoints: [path.join(REPO_ROOT, 'electron/app/configValidator.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: out,
    banner: { js: "const __sweepdeckImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__sweepdeckImportMetaUrl' },
    logLevel: 'silent',
  });
  const mod = createRequire(import.meta.url)(out) as typeof import('../../electron/app/configValidator.ts');
  const v = new mod.ConfigValidator();
  try {
    const r = await v.validate('experiment_name: e\nbackbone: [unclosed\n', 'hpo.yaml');
    expect(r.config).toBeNull();
    expect(r.issues[0]?.message).toMatch(/malformed YAML/);
  } finally {
    await v.close();
  }
}, 60_000);
