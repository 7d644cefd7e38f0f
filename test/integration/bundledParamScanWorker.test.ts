// The desktop app runs bundles: the columns read's trial_params scan worker must load from the
// bundle beside main.cjs as scripts/build.mjs writes it, not only from the TypeScript sources.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, expect, it } from 'vitest';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { REPO_ROOT } from '../support/peers.ts';
import { until } from '../support/until.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-bundle-scan-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('the bundled param scan thread runs its bundled worker', async () => {
  const dist = path.join(tmp, 'dist');
  const built = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs'), '--electron', '--outdir', dist], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(built.status, built.stderr).toBe(0);
  expect(existsSync(path.join(dist, 'paramScanWorker.cjs'))).toBe(true);
  // The thread as main.cjs holds it: CommonJS, import.meta.url from __filename, beside the worker.
  const out = path.join(dist, 'scanThread.cjs');
  await build({
    entryPoints: [path.join(REPO_ROOT, 'electron/app/paramScanThread.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: out,
    banner: { js: "const __sweepdeckImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__sweepdeckImportMetaUrl' },
    logLevel: 'silent',
  });
  const file = path.join(tmp, 'study.db');
  const w = openStudyStorage(file, { create: true });
  const study = w.createStudy('s', ['minimize']).studyId;
  for (const x of [0.1, 0.2, 0.3, 0.4, 0.5]) w.createTrial(study, { params: { x: { value: x, distribution: { kind: 'float', low: 0, high: 1, step: null, log: false } } } });
  w.close();
  const mod = createRequire(import.meta.url)(out) as typeof import('../../electron/app/paramScanThread.ts');
  const t = new mod.ParamScanThread(250);
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
