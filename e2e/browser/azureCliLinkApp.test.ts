// `az login` users in the app, in Debian Chromium through the browser host: with only the three
// AZURE_* workspace variables set and a stand-in `az` on PATH (the whole PATH), the app tracks to
// the double's workspace, the status bar says "Azure: <user> (Azure CLI)" and Settings offers a
// sign-in of its own; the token `az` handed out is in nothing the page received.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStandInBin, type StandInBin } from '../../test/support/azureCliStandIn.ts';
import { startIdentityDouble, type IdentityDouble } from '../../test/support/azureIdentityDouble.ts';
import { until } from '../../test/support/until.ts';
import { chromiumMissing, ensureRendererBuilt, launchChromium, recordReplies, startServe, type ServedHost } from './support.ts';

const missing = chromiumMissing();
if (missing) console.warn(`browser e2e skipped: ${missing}`);

describe.skipIf(missing !== null)('the Azure CLI link in the app', { timeout: 90_000 }, () => {
  let work: string;
  let double: IdentityDouble;
  let bin: StandInBin;
  let host: ServedHost;
  let browser: Browser;
  let page: Page;
  let cliToken = '';
  const received: string[] = [];

  beforeAll(async () => {
    ensureRendererBuilt();
    double = await startIdentityDouble();
    bin = makeStandInBin();
    const t = double.mintCliToken();
    cliToken = t.accessToken;
    bin.setAzToken({ ...t, tenant: double.tenantId, subscription: double.subscriptionId });
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-azcli-'));
    host = await startServe(path.join(work, 'data'), work, ['--no-example'], {
      PATH: bin.path,
      AZURE_SUBSCRIPTION_ID: double.subscriptionId,
      AZURE_RESOURCE_GROUP: double.resourceGroup,
      AZURE_WORKSPACE_NAME: double.workspaceName,
      SWEEPDECK_AZURE_AUTHORITY_HOST: double.url,
      SWEEPDECK_AZURE_ARM_ENDPOINT: double.url,
      NODE_EXTRA_CA_CERTS: double.caFile,
      SWEEPDECK_AZURE_TIMEOUT_MS: '8000',
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
    page.setDefaultTimeout(30_000);
    recordReplies(page, received, { exceptEvents: true });
  });

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await double?.close();
    bin?.remove();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('tracks to the workspace through `az`, names the link in the status bar and in Settings, and shows no token', async () => {
    await page.goto(`${host.url}#/settings`);
    await page.getByTestId('status-azure').getByText(`Azure: ${double.user.username} (Azure CLI)`).waitFor();
    await page.getByText('Tracking: azure').waitFor();
    await page.getByTestId('azure-account').getByText('Azure CLI', { exact: true }).waitFor();
    await page.getByTestId('azure-account').getByRole('button', { name: 'Sign in with a device code' }).waitFor();
    expect(bin.azCalls().some((a) => a[0] === 'account' && a[1] === 'get-access-token')).toBe(true);
    // The replies were recorded (their bodies are read as they arrive).
    await until('the status reply to be recorded', async () => received.some((t) => t.includes('"link":"Azure CLI"')));
    expect(received.filter((t) => t.includes(cliToken))).toEqual([]);
  });
});
