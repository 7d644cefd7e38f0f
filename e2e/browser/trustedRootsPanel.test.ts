// Settings' "Trusted root certificates", in Debian Chromium through the browser host: a relative
// path and a file that is not PEM are refused with messages naming them; a PEM is imported and its
// certificate shows with subject and expiry; Remove forgets it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSelfSignedCert } from '../../test/support/azureDouble.ts';
import { appPage, chromiumMissing, ensureRendererBuilt, launchChromium, screenshot, startServe, type ServedHost } from './support.ts';

const missing = chromiumMissing();
if (missing) console.warn(`browser e2e skipped: ${missing}`);

describe.skipIf(missing !== null)('trusted root certificates in Settings through sweepdeck serve', { timeout: 90_000 }, () => {
  let work: string;
  let host: ServedHost;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ensureRendererBuilt();
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-trust-'));
    host = await startServe(path.join(work, 'data'), work, ['--no-example']);
    browser = await launchChromium();
    page = await appPage(browser);
  });

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('refuses bad files, imports a PEM and shows its certificate, removes it', async () => {
    const pem = path.join(work, 'corporate-root.pem');
    writeFileSync(pem, makeSelfSignedCert().certPem);
    const notPem = path.join(work, 'root.txt');
    writeFileSync(notPem, 'not a certificate\n');

    await page.goto(`${host.url}#/settings`);
    const panel = page.getByTestId('trusted-roots');
    await panel.getByText(/None imported/).waitFor();
    const input = panel.getByLabel('PEM file (absolute path)');

    await input.fill('corporate-root.pem');
    await panel.getByRole('button', { name: 'Import' }).click();
    await panel.getByText(/'corporate-root\.pem' is a relative path; give an absolute path/).waitFor();

    await input.fill(notPem);
    await panel.getByRole('button', { name: 'Import' }).click();
    await panel.getByText(`${notPem} holds no PEM certificate`, { exact: false }).waitFor();

    await input.fill(pem);
    await panel.getByRole('button', { name: 'Import' }).click();
    const cert = panel.getByTestId('trusted-root');
    await cert.getByText('CN=sweepdeck azure test double').first().waitFor();
    expect(await cert.innerText()).toMatch(/Valid until \d{4}-\d{2}-\d{2}/);
    expect(await panel.getByText(/holds no PEM certificate/).count()).toBe(0);
    await screenshot(page, 'trusted-roots-imported');

    await panel.getByRole('button', { name: 'Remove' }).click();
    await panel.getByText(/None imported/).waitFor();
    expect(await panel.getByTestId('trusted-root').count()).toBe(0);
  });
});
