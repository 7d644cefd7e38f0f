// The Azure workspace in the Experiments screen, online then offline, through `sweepdeck serve`
// and Debian's Chromium: the workspace store shows Online, Sync fills the mirror with progress;
// with the Azure double stopped and the host restarted, the same runs show from the mirror with
// the Offline badge and their as-of time. No token of the double ever reaches the page.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSweep, startAzureMlflowDouble, type AzureMlflowDouble } from '../../test/support/azureMlflowDouble.ts';
import { until } from '../../test/support/until.ts';
import { chromiumMissing, ensureRendererBuilt, launchChromium, recordReplies, screenshot, startServe, type ServedHost } from './support.ts';

const missing = chromiumMissing();
if (missing) console.warn(`skipping the Azure mirror browser e2e: ${missing}`);

describe.skipIf(missing !== null)('Azure workspace in the Experiments screen, online and offline', { timeout: 150_000 }, () => {
  let d: AzureMlflowDouble;
  let work: string;
  let dataDir: string;
  let host: ServedHost;
  let browser: Browser;
  let page: Page;
  const seenText: string[] = [];

  const serve = async (): Promise<void> => {
    host = await startServe(dataDir, work, [], { ...d.double.env(), SWEEPDECK_AZURE_TIMEOUT_MS: '3000' });
    await page.goto(`${host.url}#/experiments`);
  };
  const tree = () => page.getByRole('navigation', { name: 'Stores and experiments' });

  beforeAll(async () => {
    ensureRendererBuilt();
    d = await startAzureMlflowDouble();
    await seedSweep(d.store, { experiment: 'azure-sweep', parents: 2, childrenPerParent: 3 });
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-e2e-azure-'));
    dataDir = path.join(work, 'data');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
    page.setDefaultTimeout(20_000);
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
    const store = tree().getByRole('button', { name: /Azure ML/ });
    await store.waitFor();
    if ((await store.getAttribute('aria-expanded')) !== 'true') await store.click();
    await page.getByTestId('azure-mirror').getByText('Offline').waitFor();
    await tree().getByRole('link', { name: 'azure-sweep' }).click();
    const runs = page.getByRole('table', { name: 'Runs' });
    await runs.waitFor();
    const notice = page.getByTestId('mirrored-notice');
    await notice.getByText(/showing the local mirror as of/).waitFor();
    expect(await runs.getByText(/^sweep-[01]$/).count()).toBe(2);
    await screenshot(page, 'azure-offline');
  });

  it('no token of the double reached the page', async () => {
    expect(d.double.issuedTokens.length).toBeGreaterThan(0);
    const all = seenText.join('\n') + (await page.content());
    for (const t of d.double.issuedTokens) expect(all).not.toContain(t);
    expect(all).not.toContain(d.double.clientSecret);
  });
});
