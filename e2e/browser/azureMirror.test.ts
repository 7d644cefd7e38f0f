// The Azure workspace in the Experiments screen, online then offline, through `sweepdeck serve`
// and Debian's Chromium: the workspace store shows Online, Sync fills the mirror with progress;
// with the Azure double stopped and the host restarted, the same runs show from the mirror with
// the Offline badge and their as-of time. With the double restored and new runs added, Sync brings
// exactly those in; a host killed mid-sync and synced again ends with exact counts, nothing doubled.
// No token of the double ever reaches the page.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MirrorDb, mirrorPathFor } from '../../electron/core/azure/mirror/mirrorDb.ts';
import { restartAzureMlflowDouble, seedSweep, startAzureMlflowDouble, type AzureMlflowDouble } from '../../test/support/azureMlflowDouble.ts';
import { until } from '../../test/support/until.ts';
import { appPage, chromiumMissing, ensureRendererBuilt, launchChromium, recordReplies, screenshot, startServe, type ServedHost } from './support.ts';

const missing = chromiumMissing();
if (missing) console.warn(`skipping the Azure mirror browser e2e: ${missing}`);

describe.skipIf(missing !== null)('Azure workspace in the Experiments screen, online and offline', { timeout: 240_000 }, () => {
  let d: AzureMlflowDouble;
  let work: string;
  let dataDir: string;
  let caCopy: string;
  let host: ServedHost;
  let browser: Browser;
  let page: Page;
  const seenText: string[] = [];

  const serve = async (): Promise<void> => {
    // The double's CA from a copy that outlives its stop (as a real root file would): a host started
    // during the outage must still trust the workspace when it is back.
    host = await startServe(dataDir, work, [], { ...d.double.env(), NODE_EXTRA_CA_CERTS: caCopy, SWEEPDECK_AZURE_TIMEOUT_MS: '3000' });
    await page.goto(`${host.url}#/experiments`);
  };
  const tree = () => page.getByRole('navigation', { name: 'Stores and experiments' });
  const openStore = async (): Promise<void> => {
    const store = tree().getByRole('button', { name: /Azure ML/ });
    await store.waitFor();
    if ((await store.getAttribute('aria-expanded')) !== 'true') await store.click();
  };
  /** The runs in the mirror file itself (read-only), beside what the page says. */
  const mirrorRuns = (): number => {
    const ref = { subscriptionId: d.double.subscriptionId, resourceGroup: d.double.resourceGroup, workspaceName: d.double.workspaceName };
    const db = MirrorDb.open(mirrorPathFor(dataDir, ref), { readOnly: true });
    try {
      return db.counts().runs;
    } finally {
      db.close();
    }
  };
  const syncAndWait = async (runsKept: number): Promise<void> => {
    const bar = page.getByTestId('azure-mirror');
    await bar.getByRole('button', { name: 'Sync' }).click();
    await until(`the sync to finish with ${runsKept} runs kept`, async () => {
      const t = await bar.innerText();
      return /last sync/.test(t) && new RegExp(`\\b${runsKept} runs kept`).test(t) && (await bar.getByRole('button', { name: 'Sync' }).count()) === 1;
    }).catch(async (e: unknown) => {
      throw new Error(`${(e as Error).message}; the mirror bar says: ${await bar.innerText()}`);
    });
  };

  beforeAll(async () => {
    ensureRendererBuilt();
    d = await startAzureMlflowDouble();
    await seedSweep(d.store, { experiment: 'azure-sweep', parents: 2, childrenPerParent: 3 });
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-e2e-azure-'));
    dataDir = path.join(work, 'data');
    caCopy = path.join(work, 'double-ca.pem');
    copyFileSync(d.double.caFile, caCopy);
    browser = await launchChromium();
    page = await appPage(browser);
    recordReplies(page, seenText);
    page.on('websocket', () => undefined);
    await serve();
  });

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await d?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('online: the workspace store syncs into the mirror with progress', async () => {
    const store = tree().getByRole('button', { name: /Azure ML/ });
    await store.waitFor();
    if ((await store.getAttribute('aria-expanded')) !== 'true') await store.click();
    const bar = page.getByTestId('azure-mirror');
    await bar.getByText('Online').waitFor();
    await bar.getByRole('button', { name: 'Sync' }).click();
    await until('the sync to finish', async () => /last sync/.test(await bar.innerText()) && /8 runs kept/.test(await bar.innerText()));
    await tree().getByRole('link', { name: 'azure-sweep' }).click();
    await page.getByRole('table', { name: 'Runs' }).waitFor();
    await page.getByTestId('mirrored-notice').getByText(/live; kept in the local mirror/).waitFor();
    await screenshot(page, 'azure-online');
  });

  it('offline: with the workspace down and the host restarted, the same runs show from the mirror, marked offline with as-of', async () => {
    await host.stop();
    await d.stop();
    await serve();
    await openStore();
    await page.getByTestId('azure-mirror').getByText('Offline').waitFor();
    await tree().getByRole('link', { name: 'azure-sweep' }).click();
    const runs = page.getByRole('table', { name: 'Runs' });
    await runs.waitFor();
    const notice = page.getByTestId('mirrored-notice');
    await notice.getByText(/showing the local mirror as of/).waitFor();
    expect(await runs.getByText(/^sweep-[01]$/).count()).toBe(2);
    await screenshot(page, 'azure-offline');
  });

  it('restored: the double is back with new runs; Sync brings exactly those in, nothing doubled', async () => {
    d = await restartAzureMlflowDouble(d);
    // Two more parents with three trials each in the same experiment, started now (after the last sync).
    await seedSweep(d.store, { experiment: 'azure-sweep', parents: 2, childrenPerParent: 3, startTime: Date.now() });
    await openStore();
    await syncAndWait(16);
    expect(mirrorRuns()).toBe(16);
    await tree().getByRole('link', { name: 'azure-sweep' }).click();
    const runs = page.getByRole('table', { name: 'Runs' });
    await until('the new parent runs to show', async () => (await runs.getByText(/^sweep-[01]$/).count()) === 4);
    await screenshot(page, 'azure-restored');
  });

  it('killed mid-sync: the host is SIGKILLed while a slow sync writes; after a restart Sync ends with exact counts', async () => {
    // Six new experiments of three runs each; each answer slowed, so the sync is still going after
    // the first of them has landed in the mirror.
    for (let i = 1; i <= 6; i++) await seedSweep(d.store, { experiment: `late-${i}`, parents: 1, childrenPerParent: 2, startTime: Date.now() });
    d.latencyMs = 800;
    const before = mirrorRuns();
    expect(before).toBe(16);
    await syncAndWaitForRows(before);
    const killed = new Promise((r) => host.proc.once('exit', r));
    host.proc.kill('SIGKILL');
    await killed;
    const atKill = mirrorRuns();
    // The kill landed mid-sync: some of the new runs are in, not all of them.
    expect(atKill).toBeGreaterThan(16);
    expect(atKill).toBeLessThan(34);
    d.latencyMs = 0;
    await serve();
    await openStore();
    await syncAndWait(34);
    expect(mirrorRuns()).toBe(34);
    await tree().getByRole('link', { name: 'late-6' }).click();
    const runs = page.getByRole('table', { name: 'Runs' });
    await until('late-6 to show its parent run', async () => (await runs.getByText(/^sweep-0$/).count()) === 1);
  });

  async function syncAndWaitForRows(before: number): Promise<void> {
    await page.getByTestId('azure-mirror').getByRole('button', { name: 'Sync' }).click();
    await until('the sync to write its first new runs into the mirror file', async () => mirrorRuns() > before);
  }

  it('no token of the double reached the page', async () => {
    expect(d.double.issuedTokens.length).toBeGreaterThan(0);
    const all = seenText.join('\n') + (await page.content());
    for (const t of d.double.issuedTokens) expect(all).not.toContain(t);
    expect(all).not.toContain(d.double.clientSecret);
  });
});
