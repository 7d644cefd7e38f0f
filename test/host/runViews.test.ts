// The run views through the browser host and the typed client, on copies of the fixture stores:
// best-of metric summaries, a run's artifacts listed and opened, and every path that would leave
// the artifact folder refused over HTTP with a message naming it.
import Database from 'better-sqlite3';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import { createAppServices, type AppServices } from '../../electron/app/appServices.ts';
import { startHost, type Host } from '../../electron/host/server.ts';
import { copyFixture, FIXTURE_DBS } from '../tracking/stores/storeSupport.ts';

const TRIAL0 = '4d97ce45b1d44bd3935f8f8b7fc1944d';
const TRIAL1 = '0d1f11bb4d0c4ceab4957517caf17715';
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000040000000308020000003b963991000000104944415478da6338a1a101470c38390007a60d217cb1bc730000000049454e44ae426082', 'hex');

let work: string;
let app: AppServices;
let host: Host;
let client: Client;
let storeId: string;
let artifacts: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-runviews-'));
  artifacts = path.join(work, 'mlruns', '1', TRIAL0, 'artifacts');
  mkdirSync(path.join(artifacts, 'plots'), { recursive: true });
  writeFileSync(path.join(artifacts, 'report.json'), '{"macro-f1": 0.71}');
  writeFileSync(path.join(artifacts, 'plots', 'f1.png'), PNG);
  writeFileSync(path.join(work, 'outside.txt'), 'outside');
  symlinkSync(path.join(work, 'outside.txt'), path.join(artifacts, 'link.txt'));
  // The 2.22 fixture's runs point at /home/user/...: trial_0 is pointed at the folder above, trial_1
  // at a tracking server's proxied artifacts.
  const db = copyFixture(FIXTURE_DBS['2.22']);
  const raw = new Database(db);
  raw.prepare('UPDATE runs SET artifact_uri = ? WHERE run_uuid = ?').run(artifacts, TRIAL0);
  raw.prepare('UPDATE runs SET artifact_uri = ? WHERE run_uuid = ?').run(`mlflow-artifacts:/1/${TRIAL1}/artifacts`, TRIAL1);
  raw.close();
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: work };
  app = await createAppServices({ dataDir: path.join(work, 'data'), host: 'browser', env, exampleConfigPath: null });
  host = await startHost({ app, rendererDir: null });
  client = createClient(httpTransport(host.origin, host.token, { reconnectMs: 50 }));
  storeId = (await client.get('stores.add', { kind: 'sqlite', path: db })).id;
});

afterAll(async () => {
  client.close();
  await host.close();
  await app.close();
  rmSync(work, { recursive: true, force: true });
});

describe('run views over the host', () => {
  it('best-of summaries for the runs asked (fixture values read with sqlite3)', async () => {
    const r = await client.get('runs.metricSummaries', { storeId, runIds: [TRIAL0, TRIAL1] });
    expect(r.available).toBe(true);
    expect(r.summaries).toContainEqual({ runId: TRIAL0, key: 'macro-f1', min: 0.51, max: 0.71, count: 3 });
    expect(r.summaries).toContainEqual({ runId: TRIAL1, key: 'macro-f1', min: 0.53, max: 0.73, count: 3 });
    expect(r.summaries).toHaveLength(4);
  });

  it('lists and opens artifacts: JSON as text, a PNG as base64; a symlink out is not listed', async () => {
    const top = await client.get('runs.artifacts', { storeId, runId: TRIAL0 });
    expect(top).toEqual({ root: artifacts, available: true, reason: null, files: [{ path: 'plots', is_dir: true }, { path: 'report.json', is_dir: false, file_size: 18 }] });
    expect((await client.get('runs.artifacts', { storeId, runId: TRIAL0, path: 'plots' })).files).toEqual([{ path: 'plots/f1.png', is_dir: false, file_size: PNG.length }]);
    expect(await client.get('runs.artifact', { storeId, runId: TRIAL0, path: 'report.json' })).toEqual({ path: 'report.json', size: 18, kind: 'text', mime: 'application/json', text: '{"macro-f1": 0.71}', truncated: false });
    expect(await client.get('runs.artifact', { storeId, runId: TRIAL0, path: 'plots/f1.png' })).toEqual({ path: 'plots/f1.png', size: PNG.length, kind: 'image', mime: 'image/png', base64: PNG.toString('base64') });
  });

  it.each([
    ['../../../../outside.txt', "Artifact path '../../../../outside.txt' climbs out with '..'"],
    ['/etc/passwd', "Artifact path '/etc/passwd' is absolute"],
    ['link.txt', "Artifact path 'link.txt' leads outside the artifact folder"],
  ])('refuses %s with a message naming it', async (p, message) => {
    const r = await client.call('runs.artifact', { storeId, runId: TRIAL0, path: p });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain(message);
    const l = await client.call('runs.artifacts', { storeId, runId: TRIAL0, path: p });
    expect(l.ok).toBe(false);
    if (!l.ok) expect(l.error.message).toContain(message);
  });

  it('says why proxied artifacts are not listed, and refuses to open one', async () => {
    const r = await client.get('runs.artifacts', { storeId, runId: TRIAL1 });
    expect(r).toMatchObject({ available: false, root: `mlflow-artifacts:/1/${TRIAL1}/artifacts`, files: [] });
    expect(r.reason).toContain(`mlflow-artifacts:/1/${TRIAL1}/artifacts`);
    const o = await client.call('runs.artifact', { storeId, runId: TRIAL1, path: 'model.pkl' });
    expect(o).toMatchObject({ ok: false, error: { code: 'NOT_AVAILABLE' } });
  });

  it("says a run's artifact folder is not on this machine (the fixture's paths are another machine's)", async () => {
    const r = await client.get('runs.artifacts', { storeId, runId: '7979f1f644b54308bbdfabea1abe3e3f' });
    expect(r).toEqual({
      root: '/home/user/resume-ner/sqlite222/mlruns/1/7979f1f644b54308bbdfabea1abe3e3f/artifacts',
      available: false,
      reason: "The run's artifact folder /home/user/resume-ner/sqlite222/mlruns/1/7979f1f644b54308bbdfabea1abe3e3f/artifacts is not on this machine (no artifact logged yet, moved, or logged on another machine).",
      files: [],
    });
  });

  it('validates input: no run ids, an oversized path, an empty path to open', async () => {
    expect(await client.call('runs.metricSummaries', { storeId, runIds: [] })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await client.call('runs.artifacts', { storeId, runId: TRIAL0, path: 'a'.repeat(5000) })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await client.call('runs.artifact', { storeId, runId: TRIAL0, path: '' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });
});
