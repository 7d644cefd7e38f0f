// The outbox stays visible, in Debian Chromium through the browser host: a sweep whose writes
// wait in its outbox file (its store was down) shows in Settings under its store with the pending
// count, the first waiting writes under Details, and Retry; when the store is not known, Retry
// says what to do instead.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import { createOutboxStore } from '../../electron/core/tracking/outbox.ts';
import { createRestStore } from '../../electron/core/tracking/restStore.ts';
import { outboxPath } from '../../electron/core/tracking/trackingSession.ts';
import { unusedLoopbackPort } from '../../test/support/loopbackPort.ts';
import { until } from '../../test/support/until.ts';
import { appPage, chromiumMissing, ensureRendererBuilt, launchChromium, REPO_ROOT, screenshot, startServe, type ServedHost } from './support.ts';

const missing = chromiumMissing();
if (missing) console.warn(`browser e2e skipped: ${missing}`);

describe.skipIf(missing !== null)('the outbox in Settings through sweepdeck serve', { timeout: 90_000 }, () => {
  let work: string;
  let host: ServedHost;
  let browser: Browser;
  let page: Page;
  let api: Client;
  let outputDir: string;

  beforeAll(async () => {
    ensureRendererBuilt();
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-outbox-'));
    outputDir = path.join(work, 'sweep-out');
    host = await startServe(path.join(work, 'data'), work, ['--no-example']);
    api = createClient(httpTransport(host.origin, host.token));
    const example = path.join(REPO_ROOT, 'resources', 'examples', 'resume-ner', 'hpo.yaml');
    await api.get('sweeps.register', { configText: readFileSync(example, 'utf8'), basedOn: example, outputDir });
    // Two writes wait for a store that did not answer, as a sweep leaves them.
    const down = createRestStore(`http://127.0.0.1:${await unusedLoopbackPort()}`, { retries: 0, timeoutMs: 2_000 });
    const outbox = createOutboxStore(down, outboxPath(outputDir), { retryDelayMs: 50, maxRetryDelayMs: 100 });
    const run = await outbox.createRun({ experimentId: '1', runName: 'trial_0', startTime: 1_000 });
    await outbox.logMetric(run.info.run_id, { key: 'f1', value: 0.5, timestamp: 2_000, step: 1 });
    await until('a failed replay to be recorded', async () => outbox.peek(1)[0]?.lastError);
    await outbox.close();
    browser = await launchChromium();
    page = await appPage(browser);
  });

  afterAll(async () => {
    api?.close();
    await browser?.close();
    await host?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('shows the pending writes with their details, and Retry explains what to do when the store is not known', async () => {
    await page.goto(`${host.url}#/settings`);
    const row = page.getByTestId('outbox-row');
    await row.getByText('2 pending').waitFor();
    await row.getByText('hpo_distilbert').waitFor();
    // The status bar counts a stopped sweep's waiting writes too.
    await page.getByTestId('status-outbox').getByText('Outbox: 2 pending').waitFor();
    expect(await page.getByTestId('outbox').getByRole('heading', { name: /unknown store · 2 pending/ }).count()).toBe(1);
    expect(await row.innerText()).toMatch(/Last error: .*(ECONNREFUSED|refused|reach)/i);
    await row.getByText('Details').click();
    const details = await row.locator('details ol li').allInnerTexts();
    expect(details.map((d) => d.split(' ')[0])).toEqual(['createRun', 'logMetric']);
    expect(await row.locator('details').innerText()).toContain(outboxPath(outputDir));
    await screenshot(page, 'outbox-pending');

    await page.getByRole('button', { name: 'Retry the outbox of hpo_distilbert' }).click();
    await row.getByRole('alert').getByText(/resume the sweep to flush its outbox/).waitFor();
    await row.getByText('2 pending').waitFor();
  });
});
