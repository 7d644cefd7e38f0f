// A sweep's tracking session with extra roots given as `ca` (what the app passes from the PEM
// imported in Settings): this process does not trust the Azure double (no NODE_EXTRA_CA_CERTS), so
// without `ca` the session falls back to local with the TLS advice; with it the setup and the
// store's writes reach the workspace.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrackingSession } from '../../electron/core/tracking/trackingSession.ts';
import { seedSweep, startAzureMlflowDouble, type AzureMlflowDouble } from '../support/azureMlflowDouble.ts';

let d: AzureMlflowDouble;
const dirs: string[] = [];

beforeAll(async () => {
  d = await startAzureMlflowDouble();
  await seedSweep(d.store, { experiment: 'ca-exp', parents: 1, childrenPerParent: 0 });
});
afterAll(async () => {
  await d.close();
  for (const x of dirs) fs.rmSync(x, { recursive: true, force: true });
});

function setup(): { env: NodeJS.ProcessEnv; out: string } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'session-ca-'));
  dirs.push(home);
  const { NODE_EXTRA_CA_CERTS: _ca, ...rest } = d.double.env();
  return { env: { PATH: process.env.PATH, HOME: home, ...rest, AZURE_TOKEN_CREDENTIALS: 'EnvironmentCredential', SWEEPDECK_AZURE_TIMEOUT_MS: '5000' }, out: path.join(home, 'out') };
}

describe('tracking session with extra roots', () => {
  it('without ca: local, with the TLS advice', async () => {
    const { env, out } = setup();
    const s = await openTrackingSession({ experimentName: 'ca-exp', outputDir: out, fallbackToLocal: true, env });
    try {
      expect(s.decision.mode).toBe('local');
      expect(s.decision.reason).toMatch(/is not trusted.*import the PEM in Settings/);
    } finally {
      await s.close();
    }
  });

  it('with ca: azure, and a run written through the store lands in the workspace', async () => {
    const { env, out } = setup();
    const s = await openTrackingSession({ experimentName: 'ca-exp', outputDir: out, fallbackToLocal: false, env, ca: d.double.caPem });
    try {
      expect(s.decision.mode).toBe('azure');
      const exp = await d.store.getExperimentByName('ca-exp');
      const run = await s.store.createRun({ experimentId: exp!.experiment_id, runName: 'through-ca', startTime: Date.now() });
      await s.store.logMetric(run.info.run_id, { key: 'f1', value: 0.75, timestamp: Date.now(), step: 1 });
      const got = await d.store.getRun(run.info.run_id);
      expect(got.info.run_name).toBe('through-ca');
      expect(got.data.metrics?.map((m) => [m.key, m.value])).toEqual([['f1', 0.75]]);
    } finally {
      await s.close();
    }
  });
});
