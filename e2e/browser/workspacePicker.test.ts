// The Azure workspace picker in Debian Chromium through the browser host (`sweepdeck serve` as a
// child process whose Azure credentials and hosts point at the Azure double with several tenants):
// tenants, the MFA tenant shown as needing sign-in, subscriptions, search, hubs and projects for
// what they are, choosing a workspace (tracking goes to it, the status bar names it), the choice
// remembered across a host restart, and no token from the double in anything the page received.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDiscovery } from '../../test/support/azureDiscoveryDouble.ts';
import { startAzureDouble, type AzureDouble } from '../../test/support/azureDouble.ts';
import { until } from '../../test/support/until.ts';
import { appPage, chromiumMissing, ensureRendererBuilt, launchChromium, recordReplies, screenshot, startServe, type ServedHost } from './support.ts';

const missing = chromiumMissing();
if (missing) console.warn(`browser e2e skipped: ${missing}`);

describe.skipIf(missing !== null)('workspace picker through sweepdeck serve', { timeout: 120_000 }, () => {
  let work: string;
  let dataDir: string;
  let double: AzureDouble;
  let host: ServedHost;
  let browser: Browser;
  let page: Page;
  const received: string[] = [];
  const pageErrors: string[] = [];

  /** The double's credentials and hosts, without the AZURE_* workspace variables. */
  const serveEnv = (): Record<string, string> => {
    const { AZURE_SUBSCRIPTION_ID: _s, AZURE_RESOURCE_GROUP: _g, AZURE_WORKSPACE_NAME: _w, ...env } = double.env();
    return { ...env, SWEEPDECK_AZURE_TIMEOUT_MS: '5000' };
  };
  const openSettings = async (): Promise<void> => {
    await page.goto(`${host.url}#/settings`);
    await page.getByRole('heading', { name: 'Azure ML workspace' }).waitFor();
  };

  beforeAll(async () => {
    ensureRendererBuilt();
    double = await startAzureDouble();
    addDiscovery(double);
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-picker-'));
    dataDir = path.join(work, 'data');
    host = await startServe(dataDir, work, [], serveEnv());
    browser = await launchChromium();
    page = await appPage(browser, pageErrors);
    // Everything the page is sent (replies and the event stream), to look for tokens in it.
    recordReplies(page, received);
  });

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await double?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('lists tenants, subscriptions and workspaces; the MFA tenant needs sign-in; search narrows the list', async () => {
    await openSettings();
    await page.getByTestId('workspace-current').getByText('No Azure ML workspace chosen').waitFor();
    await page.getByRole('button', { name: 'Choose a workspace…' }).click();

    const mfa = page.getByTestId('tenant-needs-sign-in');
    await mfa.getByText('Woodgrove (MFA)').waitFor();
    // Its Sign in starts the app's sign-in for that tenant, keeping the default one.
    const signIn = mfa.getByRole('button', { name: 'Sign in to Woodgrove (MFA) for its workspaces' });
    const asked = page.waitForRequest((r) => r.url().endsWith('/api/azure.account.signIn'));
    await signIn.click();
    const body = JSON.parse((await asked).postData() ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({ method: 'device-code', addTenant: true });
    expect(typeof body.tenantId).toBe('string');

    const rows = page.getByTestId('workspace-row');
    await rows.filter({ hasText: double.workspaceName }).waitFor();
    const texts = await rows.allInnerTexts();
    expect(texts.map((t) => t.split('\t').slice(0, 4).join('|'))).toEqual([
      'hub-contoso|Hub|swedencentral|rg-ai',
      'proj-ner|Project|swedencentral|rg-ai',
      'ws-research|Workspace|northeurope|rg-research',
      `${double.workspaceName}|Workspace|${double.location}|${double.resourceGroup}`,
    ]);
    expect(await page.getByRole('button', { name: 'Use workspace hub-contoso' }).isDisabled()).toBe(true);

    await page.getByRole('combobox', { name: 'Tenant', exact: true }).selectOption({ label: 'Fabrikam' });
    await rows.filter({ hasText: 'ws-fab-3' }).waitFor();
    await page.getByRole('searchbox', { name: 'Search workspaces' }).fill('west');
    await until('one workspace matching west', async () => (await rows.count()) === 1);
    expect(await rows.first().innerText()).toContain('ws-fab-3');
    await page.getByRole('searchbox', { name: 'Search workspaces' }).fill('');
    await page.getByRole('combobox', { name: 'Subscription', exact: true }).selectOption({ label: 'Fabrikam Data Science' });
    await until("the three workspaces of Fabrikam's subscription", async () => (await rows.count()) === 3);
    await screenshot(page, 'workspace-picker');
  });

  it('choosing a workspace re-targets tracking and the status bar names it; remembered after a restart', async () => {
    await page.getByRole('combobox', { name: 'Tenant', exact: true }).selectOption({ label: 'Contoso' });
    await page.getByRole('button', { name: `Use workspace ${double.workspaceName}` }).click();
    await page.getByRole('status').filter({ hasText: `Now tracking new sweeps to ${double.workspaceName} (tracking mode: azure)` }).waitFor();
    await page.getByTestId('status-workspace').filter({ hasText: `Workspace: ${double.workspaceName}` }).waitFor();
    await page.getByTestId('workspace-source').getByText('Chosen here').waitFor();

    await host.stop();
    host = await startServe(dataDir, work, [], serveEnv());
    await openSettings();
    await page.getByTestId('workspace-current').getByText(double.workspaceName).first().waitFor();
    await page.getByTestId('status-workspace').filter({ hasText: double.workspaceName }).waitFor();
    await screenshot(page, 'workspace-chosen');

    expect(pageErrors).toEqual([]);
    const all = received.join('\n');
    expect(double.issuedTokens.length).toBeGreaterThan(0);
    for (const t of double.issuedTokens) expect(all).not.toContain(t);
    expect(all).not.toContain(double.clientSecret);
  });
});
