// The Electron main process runs a bundle, not the sources: a store the bundle cannot load is a
// store the desktop app cannot open. Bundle the opener as scripts/build.mjs does and open each kind.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/peers.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-bundle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

it('the bundled store opener opens SQLite and REST stores', async () => {
  const out = path.join(tmp, 'openStore.mjs');
  await build({
    entryPoints: [path.join(REPO_ROOT, 'electron/core/tracking/openStore.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: out,
    external: ['better-sqlite3'],
    logLevel: 'silent',
  });
  const mod = (await import(pathToFileURL(out).href)) as typeof import('../../electron/core/tracking/openStore.ts');
  const rest = await mod.openTrackingStore('http://127.0.0.1:9/prefix');
  expect(rest.kind).toBe('rest');
  await rest.close();
  const sqlite = await mod.openTrackingStore(`sqlite:///${path.join(tmp, 'mlflow.db')}`, { create: true });
  expect(sqlite.kind).toBe('sqlite');
  await sqlite.close();
});
