// The app's side of the mirror (AzureMirrorService, behind the azure.* channels): browse online,
// sync in the background with progress events, lose the workspace and keep browsing from the
// mirror, then get it back: reconnected() finds it and syncs the new runs.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AzureMirrorService, type AzureMirrorServiceOptions } from '../../../electron/app/azureMirrorService.ts';
import { EventBus } from '../../../electron/app/eventBus.ts';
import { AzureSetupError } from '../../../electron/core/azure/azureErrors.ts';
import type { EventMessage } from '../../../shared/events.ts';
import { until } from '../../support/until.ts';
import { restartAzureMlflowDouble, seedSweep, startAzureMlflowDouble, type AzureMlflowDouble } from '../../support/azureMlflowDouble.ts';
import { credentialOf, envOf, refOf, tempDir } from './support.ts';

let d: AzureMlflowDouble;
let dataDir: string;
let svc: AzureMirrorService;
const seen: EventMessage[] = [];
let experimentId: string;

beforeAll(async () => {
  d = await startAzureMlflowDouble();
  dataDir = tempDir('azure-mirror-svc-');
  ({ experimentId } = await seedSweep(d.store, { experiment: 'app-sweep', parents: 2, childrenPerParent: 5, metricsPerRun: 2 }));
  const bus = new EventBus((e, p) => {
    throw new Error(`invalid ${e} event: ${p}`);
  });
  bus.subscribe((m) => seen.push(m));
  const credential = credentialOf(d);
  const opts: AzureMirrorServiceOptions = { dataDir, bus, env: envOf(d), ca: d.double.caPem, deadlineMs: 1_000, credential: async () => credential };
  svc = new AzureMirrorService(opts);
});
afterAll(async () => {
  await svc.close();
  await d.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const lastStatus = () => seen.filter((m) => m.event === 'azure.syncProgress').at(-1)?.payload as { syncing: boolean; runs: number; lastError: string | null; progress: unknown } | undefined;

describe('AzureMirrorService', () => {
  it('syncs in the background with progress events, then reports the counts', async () => {
    const started = await svc.startSync('ws1', refOf(d));
    expect(started.syncing).toBe(true);
    await until('the sync to end', async () => lastStatus()?.syncing === false);
    expect(lastStatus()).toMatchObject({ syncing: false, runs: 12, lastError: null, progress: null });
    expect(seen.some((m) => m.event === 'azure.syncProgress' && (m.payload as { progress: { phase: string } | null }).progress?.phase === 'runs')).toBe(true);
    const st = await svc.status('ws1', refOf(d));
    expect(st.offline).toBe(false);
    expect(st.lastSyncAt).toBeGreaterThan(0);
  });

  it('"make available offline" fetches the experiment\'s histories', async () => {
    seen.length = 0;
    await svc.startSync('ws1', refOf(d), { experimentIds: [experimentId], histories: true });
    await until('the sync to end', async () => lastStatus()?.syncing === false);
    expect(seen.some((m) => (m.payload as { progress: { phase: string; done: number; total: number } | null }).progress?.phase === 'histories')).toBe(true);
    const b = await svc.browser('ws1', refOf(d));
    const run = b.mirror.runsOf([experimentId])[0]!.run;
    expect(b.mirror.history(run.info.run_id, 'm0')?.points.length).toBe(1);
  });

  it('serves the mirror while the workspace is down, and syncs when it is back', async () => {
    const b = await svc.browser('ws1', refOf(d));
    await d.stop();
    const page = await b.searchRuns({ experimentIds: [experimentId], maxResults: 100 });
    expect(page.offline).toBe(true);
    expect(page.items.length).toBe(12);
    expect((await svc.status('ws1', refOf(d))).offline).toBe(true);
    expect(await svc.reconnected()).toBe(0);

    d = await restartAzureMlflowDouble(d);
    await seedSweep(d.store, { experiment: 'app-sweep', parents: 1, childrenPerParent: 2, metricsPerRun: 2, startTime: Date.UTC(2026, 10, 5) });
    seen.length = 0;
    expect(await svc.reconnected()).toBe(1);
    await until('the sync after reconnecting to end', async () => lastStatus()?.syncing === false);
    expect(lastStatus()).toMatchObject({ runs: 15, lastError: null });
    const online = await b.searchRuns({ experimentIds: [experimentId], maxResults: 100 });
    expect(online.offline).toBe(false);
    expect(online.items.length).toBe(15);
  });

  it('cancel stops a running sync and says so', async () => {
    d.latencyMs = 200;
    seen.length = 0;
    await svc.startSync('ws1', refOf(d), { experimentIds: [experimentId], histories: true });
    expect(svc.cancelSync(refOf(d))).toBe(true);
    await until('the cancelled sync to end', async () => lastStatus()?.syncing === false);
    expect(lastStatus()?.lastError).toMatch(/cancelled/);
    d.latencyMs = 0;
  });
});

describe('AzureMirrorService without a credential', () => {
  it('browses the mirror and says why Azure is not used', async () => {
    const other = new AzureMirrorService({
      dataDir,
      bus: new EventBus(),
      env: envOf(d),
      credential: async () => {
        throw new AzureSetupError('NO_CREDENTIAL', 'no Azure credential: AZURE_CLIENT_SECRET not set');
      },
    });
    try {
      const st = await other.status('ws2', refOf(d));
      expect(st).toMatchObject({ offline: true, reason: 'no Azure credential: AZURE_CLIENT_SECRET not set' });
      expect(st.runs).toBeGreaterThan(0);
      const b = await other.browser('ws2', refOf(d));
      const page = await b.searchRuns({ experimentIds: [experimentId], maxResults: 100 });
      expect(page.offline).toBe(true);
      expect(page.items.length).toBe(15);
    } finally {
      await other.close();
    }
  });
});
