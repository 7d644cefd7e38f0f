// A person's sign-in carries a sweep to Azure, in Debian Chromium through the browser host: the
// workspace is named by AZURE_* but no service principal is set, so tracking first falls back to
// the local store; a device-code sign-in in Settings (the test enters the code at the double) moves
// tracking to Azure by itself; a sweep started then is tracked to the double's workspace with the
// signed-in user's tokens, refreshed as they expire (the double hands out short-lived ones).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import { sendRequest } from '../../electron/core/azure/httpTransport.ts';
import { startAzureMlflowDouble, type AzureMlflowDouble } from '../../test/support/azureMlflowDouble.ts';
import { startIdentityDouble, type IdentityDouble } from '../../test/support/azureIdentityDouble.ts';
import { quickConfig, quickTrial } from '../../test/support/quickSweep.ts';
import { until } from '../../test/support/until.ts';
import { chromiumMissing, ensureRendererBuilt, launchChromium, screenshot, startServe, type ServedHost } from './support.ts';

const missing = chromiumMissing();
if (missing) console.warn(`browser e2e skipped: ${missing}`);

describe.skipIf(missing !== null)('a sweep tracked to Azure with the account signed in in the app', { timeout: 150_000 }, () => {
  let work: string;
  let workspace: AzureMlflowDouble;
  let double: IdentityDouble;
  let host: ServedHost;
  let browser: Browser;
  let page: Page;
  let api: Client;

  beforeAll(async () => {
    ensureRendererBuilt();
    workspace = await startAzureMlflowDouble();
    double = await startIdentityDouble({}, workspace.double);
    // Access tokens live two seconds: everything after that runs on silent refreshes.
    double.accessTokenLifetime = 2;
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-signed-sweep-'));
    host = await startServe(path.join(work, 'data'), work, ['--no-example'], {
      // The workspace, and where Azure is; no AZURE_CLIENT_ID/SECRET: only a person can sign in.
      AZURE_SUBSCRIPTION_ID: double.subscriptionId,
      AZURE_RESOURCE_GROUP: double.resourceGroup,
      AZURE_WORKSPACE_NAME: double.workspaceName,
      SWEEPDECK_AZURE_AUTHORITY_HOST: double.url,
      SWEEPDECK_AZURE_ARM_ENDPOINT: double.url,
      NODE_EXTRA_CA_CERTS: double.caFile,
      SWEEPDECK_AZURE_TIMEOUT_MS: '10000',
      SWEEPDECK_AZURE_TOKEN_CACHE: 'memory',
    });
    api = createClient(httpTransport(host.origin, host.token));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
    page.setDefaultTimeout(30_000);
  });

  afterAll(async () => {
    api?.close();
    await browser?.close();
    await host?.stop();
    await workspace?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('falls back to local with no credential, then tracks to Azure once the user signs in', async () => {
    await page.goto(`${host.url}#/settings`);
    const tracking = await until('the first tracking setup', async () => {
      const t = await api.get('tracking.status', {});
      return t.checkedAt !== null ? t : undefined;
    });
    expect(tracking.mode).toBe('local');
    expect(tracking.fallbackReason).toMatch(/NO_CREDENTIAL|no Azure credential/);

    await page.getByRole('button', { name: 'Sign in with a device code' }).click();
    const code = (await page.getByLabel('Device code', { exact: true }).innerText()).trim();
    const res = await sendRequest({ method: 'POST', url: `${double.url}/devicelogin`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `otc=${code}` }, { timeoutMs: 5_000, ca: double.caPem });
    expect(res.status).toBe(200);
    await page.getByTestId('status-azure').getByText(`Azure: ${double.user.username} (signed-in account)`).waitFor();
    // The sign-in re-ran tracking setup: the same session's account now reaches the workspace.
    await page.getByText('Tracking: azure').waitFor();
    await screenshot(page, 'azure-signed-in-tracking');
  });

  it('a sweep started now is tracked to the workspace with the user token, refreshed as it expires', async () => {
    // Tokens that expire while the sweep runs (its trials take over a second each): the user's
    // refresh token must get new ones, silently.
    const refreshes = double.counters.refreshGrants;
    const dir = path.join(work, 'sweep');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'trial.mjs'), quickTrial(500));
    const configPath = path.join(dir, 'hpo.yaml');
    writeFileSync(configPath, quickConfig(2, 'signed-in-sweep'));
    const started = await api.get('sweeps.start', { configPath, outputDir: path.join(dir, 'out') });
    const done = await until(
      'the sweep to finish',
      async () => {
        const s = await api.get('sweeps.get', { id: started.id });
        return s.state === 'finished' || s.state === 'failed' ? s : undefined;
      },
      90_000,
    );
    expect(done, done.message ?? '').toMatchObject({ state: 'finished', counts: { COMPLETE: 2 } });
    expect(done.tracking.storeUri).toContain(double.workspaceName);

    const experiment = await workspace.store.getExperimentByName('signed-in-sweep');
    expect(experiment).toBeDefined();
    const runs = (await workspace.store.searchRuns({ experimentIds: [experiment!.experiment_id] })).items;
    expect(runs.filter((r) => r.data.tags?.some((t) => t.key === 'mlflow.parentRunId'))).toHaveLength(2);

    // Every MLflow call carried a token the double issued to the user (a upn, not an app id).
    const mlflowAuth = double.requests.filter((r) => r.part === 'mlflow').map((r) => r.authorization ?? '');
    expect(mlflowAuth.length).toBeGreaterThan(0);
    const claims = (auth: string): Record<string, unknown> => JSON.parse(Buffer.from(auth.replace(/^Bearer /, '').split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(new Set(mlflowAuth.map((a) => claims(a).upn))).toEqual(new Set([double.user.username]));
    expect(double.counters.refreshGrants).toBeGreaterThan(refreshes);
  });
});
