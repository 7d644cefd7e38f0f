// The desktop app runs bundles: each worker thread must load from the bundle beside main.cjs as
// scripts/build.mjs writes it, not only from the TypeScript sources. The module that starts a
// worker is bundled as main.cjs holds it (CommonJS, import.meta.url from __filename), beside it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { REPO_ROOT } from '../support/peers.ts';
import { until } from '../support/until.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-bundled-workers-'));
const dist = path.join(tmp, 'dist');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(() => {
  const built = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs'), '--electron', '--outdir', dist], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(built.status, built.stderr).toBe(0);
}, 60_000);

/** `source` (a module of electron/app) bundled as main.cjs holds it, into dist, and loaded. */
async function bundledBesideMain<M>(source: string, outName: string): Promise<M> {
  const out = path.join(dist, outName);
  await build({
    entryPoints: [path.join(REPO_ROOT, source)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: out,
    banner: { js: "const __sweepdeckImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__sweepdeckImportMetaUrl' },
    logLevel: 'silent',
  });
  return createRequire(import.meta.url)(out) as M;
}

it('the bundled config validator runs its bundled worker', async () => {
  expect(existsSync(path.join(dist, 'configWorker.cjs'))).toBe(true);
  const mod = await bundledBesideMain<typeof import('../../electron/app/configValidator.ts')>('electron/app/configValidator.ts', 'validator.cjs');
  const v = new mod.ConfigValidator();
  try {
    const r = await v.validate('experiment_name: e\nbackbone: [unclosed\n', 'hpo.yaml');
    expect(r.config).toBeNull();
    expect(r.issues[0]?.message).toMatch(/malformed YAML/);
  } finally {
    await v.close();
  }
}, 60_000);

it('the bundled param scan thread runs its bundled worker', async () => {
  expect(existsSync(path.join(dist, 'paramScanWorker.cjs'))).toBe(true);
  const file = path.join(tmp, 'study.db');
  const w = openStudyStorage(file, { create: true });
  const study = w.createStudy('s', ['minimize']).studyId;
  for (const x of [0.1, 0.2, 0.3, 0.4, 0.5]) w.createTrial(study, { params: { x: { value: x, distribution: { kind: 'float', low: 0, high: 1, step: null, log: false } } } });
  w.close();
  const mod = await bundledBesideMain<typeof import('../../electron/app/paramScanThread.ts')>('electron/app/paramScanThread.ts', 'scanThread.cjs');
  const t = new mod.ParamScanThread(250, 0);
  t.start();
  try {
    await until('the bundled scan worker to listen', async () => t.ready);
    const scan = t.begin(file, study)!();
    expect(scan?.names).toEqual(['x']);
    // The worker's share is the first four of the five rows (the main thread reads the last).
    expect(scan!.vals.map((v) => [...v])).toEqual([[0.1, 0.2, 0.3, 0.4]]);
  } finally {
    t.stop();
  }
}, 60_000);
