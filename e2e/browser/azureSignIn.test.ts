// Azure sign-in in Debian Chromium through the browser host (`sweepdeck serve` as a child process
// whose sign-in and ARM hosts are the identity double), the test playing the user: device-code
// sign-in (the page shows the code with Copy; the test enters it at the double), the status bar
// names the account and the link, the MFA tenant shows "needs sign-in" and its button signs in to
// it, a claims challenge costs one re-authentication, cancel, sign-out, then browser sign-in (the
// page opens the double's authorize URL in a new tab, which posts the code to the host's loopback
// redirect). Every reply and every event-stream byte the page received is recorded, and no token
// the double issued is in any of them. With no OS encryption the notice shows and nothing secret
// is written.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_OS_ENCRYPTION_NOTICE } from '../../electron/core/azure/secretStore.ts';
import { sendRequest } from '../../electron/core/azure/httpTransport.ts';
import { startIdentityDouble, type IdentityDouble } from '../../test/support/azureIdentityDouble.ts';
import { until } from '../../test/support/until.ts';
import { chromiumMissing, ensureRendererBuilt, launchChromium, recordReplies, screenshot, startServe, type ServedHost } from './support.ts';

const missing = chromiumMissing();
if (missing) console.warn(`browser e2e skipped: ${missing}`);

/** Wraps the page's fetch so the event stream's bytes are kept as they arrive (Playwright cannot
 * read a response body that never ends). */
const RECORD_EVENT_STREAM = `(() => {
  window.__streamed = [];
  const original = window.fetch.bind(window);
  window.fetch = async (...args) => {
    const res = await original(...args);
    const url = String(args[0] && args[0].url ? args[0].url : args[0]);
    if (!url.includes('/api/events') || !res.body) return res;
    const [mine, theirs] = res.body.tee();
    const reader = mine.getReader();
    const dec = new TextDecoder();
    (async () => { for (;;) { const { done, value } = await reader.read(); if (done) return; window.__streamed.push(dec.decode(value, { stream: true })); } })().catch(() => undefined);
    return new Response(theirs, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
})();`;

describe.skipIf(missing !== null)('Azure sign-in through sweepdeck serve', { timeout: 120_000 }, () => {
  let work: string;
  let dataDir: string;
  let double: IdentityDouble;
  let host: ServedHost;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const received: string[] = [];
  const pageErrors: string[] = [];

  const statusBar = () => page.getByTestId('status-azure');
  const panel = () => page.getByTestId('azure-account');
  const streamed = async (): Promise<string> => (await page.evaluate(() => (window as unknown as { __streamed: string[] }).__streamed.join(''))) as string;

  /** The user at the device-login page: enters the code the app shows. */
  const enterCode = async (code: string): Promise<void> => {
    const res = await sendRequest({ method: 'POST', url: `${double.url}/devicelogin`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `otc=${encodeURIComponent(code)}` }, { timeoutMs: 5_000, ca: double.caPem });
    expect(res.status).toBe(200);
  };
  const shownCode = async (): Promise<string> => {
    const code = page.getByLabel('Device code', { exact: true });
    await code.waitFor();
    return (await code.innerText()).trim();
  };

  beforeAll(async () => {
    ensureRendererBuilt();
    double = await startIdentityDouble();
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-signin-'));
    dataDir = path.join(work, 'data');
    host = await startServe(dataDir, work, ['--no-example'], {
      SWEEPDECK_AZURE_AUTHORITY_HOST: double.url,
      SWEEPDECK_AZURE_ARM_ENDPOINT: double.url,
      NODE_EXTRA_CA_CERTS: double.caFile,
      SWEEPDECK_AZURE_TIMEOUT_MS: '5000',
      // No keyring here: the app must say tokens stay in memory, and write nothing secret.
      SWEEPDECK_AZURE_TOKEN_CACHE: 'memory',
    });
    browser = await launchChromium();
    // The double's sign-in page is https with its own certificate, like a corporate root.
    context = await browser.newContext({ viewport: { width: 1360, height: 900 }, colorScheme: 'light', ignoreHTTPSErrors: true });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.origin });
    await context.addInitScript(RECORD_EVENT_STREAM);
    // Every reply any tab was sent (the event stream is recorded by the init script).
    recordReplies(context, received, { exceptEvents: true });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${host.url}#/settings`);
  });

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await double?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('signed out: the panel offers both ways in, the status bar says so, and the no-encryption notice shows', async () => {
    await panel().getByRole('button', { name: 'Sign in with a device code' }).waitFor();
    await panel().getByRole('button', { name: 'Sign in with browser' }).waitFor();
    await statusBar().getByText('Azure: not signed in').waitFor();
    expect(await page.getByTestId('azure-notice').innerText()).toBe(NO_OS_ENCRYPTION_NOTICE);
    expect(await panel().getByLabel('Azure cloud').inputValue()).toBe('AzureCloud');
  });

  it('cancel ends a device-code sign-in and says so', async () => {
    await panel().getByRole('button', { name: 'Sign in with a device code' }).click();
    await shownCode();
    await page.getByRole('button', { name: 'Cancel sign-in' }).click();
    await page.getByTestId('azure-sign-in-ended').getByText('Sign-in cancelled').waitFor();
    await statusBar().getByText('Azure: not signed in').waitFor();
  });

  it('device code: the code shows with Copy; entering it at the double signs in; the status bar names the account and the link', async () => {
    await panel().getByRole('button', { name: 'Sign in with a device code' }).click();
    const code = await shownCode();
    expect(code).toMatch(/^[0-9A-F]{6,9}$/);
    await panel().getByRole('link', { name: `${double.url}/devicelogin` }).waitFor();
    await page.getByRole('button', { name: 'Copy the device code' }).click();
    await page.getByRole('button', { name: 'Copy the device code' }).getByText('Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(code);
    await screenshot(page, 'azure-device-code');

    await enterCode(code);
    await statusBar().getByText(`Azure: ${double.user.username} (signed-in account)`).waitFor();
    expect(await page.getByTestId('azure-account-name').innerText()).toBe(double.user.username);
    await panel().getByText('signed-in account (device code)').waitFor();
    expect(await panel().getByLabel('Azure cloud').isDisabled()).toBe(true);
  });

  it('the MFA tenant shows "needs sign-in"; its button signs in to it and the default tenant stays', async () => {
    const tenants = page.getByTestId('azure-tenant');
    await tenants.filter({ hasText: 'Fabrikam' }).and(page.locator('[data-state="signed in"]')).waitFor();
    const mfa = tenants.filter({ hasText: 'Woodgrove (MFA)' });
    await mfa.and(page.locator('[data-state="needs sign-in"]')).waitFor();
    expect(await tenants.count()).toBe(3);
    await screenshot(page, 'azure-tenants-needs-sign-in');

    await mfa.getByRole('button', { name: 'Sign in to Woodgrove (MFA)' }).click();
    await enterCode(await shownCode());
    await mfa.and(page.locator('[data-state="signed in"]')).waitFor();
    await statusBar().getByText(`Azure: ${double.user.username} (signed-in account)`).waitFor();
    await panel().getByText(double.tenantId).first().waitFor();
  });

  it('a claims challenge from ARM is answered with one re-authentication, and the tenants still list', async () => {
    const grants = double.counters.claimsGrants;
    double.requireClaims('arm');
    const before = double.requests.filter((r) => r.path === '/tenants').length;
    await panel().getByRole('button', { name: 'Check again' }).click();
    await until('the tenants to be listed again', async () => double.requests.filter((r) => r.path === '/tenants').length >= before + 2);
    await page.getByTestId('azure-tenant').filter({ hasText: 'Fabrikam' }).and(page.locator('[data-state="signed in"]')).waitFor();
    expect(double.counters.claimsGrants).toBe(grants + 1);
  });

  it('sign-out forgets the account; the status bar says so', async () => {
    await panel().getByRole('button', { name: 'Sign out' }).click();
    await statusBar().getByText('Azure: not signed in').waitFor();
    await panel().getByRole('button', { name: 'Sign in with browser' }).waitFor();
    expect(existsSync(path.join(dataDir, 'azure', 'account.json'))).toBe(false);
  });

  it('browser: the page opens the sign-in page in a new tab; the double redirects to the loopback with a code; signed in', async () => {
    const verified = double.counters.pkceVerified;
    const tab = context.waitForEvent('page');
    await panel().getByRole('button', { name: 'Sign in with browser' }).click();
    const signInTab = await tab;
    // The double's authorize page posts the code to http://localhost:<port>, msal's loopback server in the host.
    await signInTab.getByText('You are signed in to Sweepdeck.').waitFor({ timeout: 20_000 });
    expect(await signInTab.innerText('body')).toMatch(/go back to the Sweepdeck app/);
    expect(new URL(signInTab.url()).hostname).toBe('localhost');
    await statusBar().getByText(`Azure: ${double.user.username} (signed-in account)`).waitFor();
    await panel().getByText('signed-in account (browser)').waitFor();
    expect(double.counters.pkceVerified).toBe(verified + 1);
    await signInTab.close();
    await screenshot(page, 'azure-signed-in');
  });

  it('no token the double issued is in anything the page received, and with no OS encryption nothing secret was written', async () => {
    const stream = await streamed();
    // The stream did carry the sign-ins (so it was recorded), and the replies were recorded.
    expect(stream).toMatch(/^event: azure.account$/m);
    expect(stream).toContain(double.user.username);
    expect(received.some((t) => t.includes('"signedIn":'))).toBe(true);
    const tokens = [...double.issuedTokens, ...double.issuedRefreshTokens];
    expect(tokens.length).toBeGreaterThan(1);
    const all = received.join('\n') + stream;
    // Named by where they leaked and their first characters only, so a failure prints no token.
    const leaked = tokens.filter((t) => all.includes(t)).map((t) => `${t.slice(0, 8)}… in ${received.some((r) => r.includes(t)) ? 'a reply' : 'the event stream'}`);
    expect(leaked).toEqual([]);
    const files = readdirSync(path.join(dataDir, 'azure'));
    expect(files).toEqual(['account.json']);
    const onDisk = readFileSync(path.join(dataDir, 'azure', 'account.json'), 'utf8');
    expect(tokens.filter((t) => onDisk.includes(t))).toEqual([]);
    expect(host.output()).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}\./);
    expect(pageErrors).toEqual([]);
  });
});
