// Rough edges a new user hit, in Debian Chromium through the browser host (`sweepdeck serve` as a
// child process, the built renderer): a moved study file, raw system errors, lost New sweep drafts,
// the tracking dot while falling back, removing sweeps and reaching everything by keyboard.
// Screenshots of the fixed states go to test-results/screenshots/.
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import { FIXTURES } from '../../test/support/peers.ts';
import { until } from '../../test/support/until.ts';
import { chromiumMissing, ensureRendererBuilt, launchChromium, screenshot, startServe, type ServedHost } from './support.ts';

const missing = chromiumMissing();
if (missing) console.warn(`browser e2e skipped: ${missing}`);

const FIXTURE_STUDY = 'hpo_distilbert';

describe.skipIf(missing !== null)('rough edges in the browser', { timeout: 120_000 }, () => {
  let work: string;
  let dataDir: string;
  let host: ServedHost;
  let browser: Browser;
  let page: Page;
  let api: Client;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureRendererBuilt();
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-rough-'));
    dataDir = path.join(work, 'data');
    host = await startServe(dataDir, work, ['--no-example']);
    api = createClient(httpTransport(host.origin, host.token));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
    page.setDefaultTimeout(20_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    api?.close();
    await browser?.close();
    await host?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const card = (name: string) => page.getByRole('listitem', { name: `Sweep ${name}` });
  const stateOf = (name: string) => card(name).locator('[data-state]').first().getAttribute('data-state');

  it('a moved study file shows "File missing" with Locate… (validated) and Remove', async () => {
    const before = path.join(work, 'moved', 'before');
    const after = path.join(work, 'moved', 'after');
    mkdirSync(before, { recursive: true });
    mkdirSync(after, { recursive: true });
    copyFileSync(path.join(FIXTURES, 'optuna-3.1.0', 'study.db'), path.join(before, 'study.db'));
    await api.get('sweeps.openStudyFile', { path: path.join(before, 'study.db') });
    renameSync(path.join(before, 'study.db'), path.join(after, 'study.db'));

    await page.goto(host.url);
    await card(FIXTURE_STUDY).waitFor();
    expect(await stateOf(FIXTURE_STUDY)).toBe('missing');
    const text = await card(FIXTURE_STUDY).innerText();
    expect(text).toContain('File missing');
    expect(text).toContain(path.join(before, 'study.db'));
    expect(text).not.toContain('configPath');
    // Neither Start nor Resume is offered for a file that is not there.
    expect(await card(FIXTURE_STUDY).getByRole('button', { name: /^(Start|Resume) / }).count()).toBe(0);
    await card(FIXTURE_STUDY).getByRole('button', { name: `Remove ${FIXTURE_STUDY}` }).waitFor();

    await card(FIXTURE_STUDY).getByRole('button', { name: `Locate the file of ${FIXTURE_STUDY}` }).click();
    const field = card(FIXTURE_STUDY).getByRole('textbox', { name: /New path of the missing file/ });
    const use = card(FIXTURE_STUDY).getByRole('button', { name: 'Use this file' });
    const alert = card(FIXTURE_STUDY).getByRole('alert');
    // A relative path is refused with what to give instead.
    await field.fill('moved/after/study.db');
    await use.click();
    await until('the relative path to be refused', async () => /absolute path/.test(await alert.innerText().catch(() => '')));
    // A folder is refused naming it.
    await field.fill(after);
    await use.click();
    await until('the folder to be refused', async () => (await alert.innerText().catch(() => '')).includes(`${after} is a folder`));
    await screenshot(page, 'rough-02-file-missing');
    // The new place: the study is read from there.
    await field.fill(path.join(after, 'study.db'));
    await use.click();
    await until('the study to be found again', async () => (await stateOf(FIXTURE_STUDY)) !== 'missing');
    expect((await card(FIXTURE_STUDY).innerText())).toContain(path.join(after, 'study.db'));
    await screenshot(page, 'rough-02-located');

    // Moved again, and this time removed from the list (after asking).
    renameSync(path.join(after, 'study.db'), path.join(before, 'study.db'));
    await page.reload();
    await until('the missing state to show', async () => (await stateOf(FIXTURE_STUDY)) === 'missing');
    await card(FIXTURE_STUDY).getByRole('button', { name: `Remove ${FIXTURE_STUDY}` }).click();
    await card(FIXTURE_STUDY).getByRole('button', { name: `Yes, remove ${FIXTURE_STUDY}` }).click();
    await card(FIXTURE_STUDY).waitFor({ state: 'detached' });
    expect((await api.get('sweeps.list', {})).sweeps.some((s) => s.studyName === FIXTURE_STUDY)).toBe(false);
    expect(pageErrors).toEqual([]);
  });
});
