// The trials table sorts by any param, shows a trial's user and system attributes and saves its
// note (issue 13, trials table), in Debian Chromium through
// `sweepdeck serve`, on a copy of the Optuna 3.1.0 fixture study. The expected order was read from
// the fixture with sqlite3 (trial_params of learning_rate, ordered by value).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import { FIXTURES } from '../../test/support/peers.ts';
import { until } from '../../test/support/until.ts';
import { appPage, chromiumMissing, ensureRendererBuilt, launchChromium, startServe, type ServedHost } from './support.ts';

const missing = chromiumMissing();
if (missing) console.warn(`browser e2e skipped: ${missing}`);

/** Trial numbers by learning_rate, smallest first (trial 12 is the one left RUNNING). */
const BY_LEARNING_RATE = [2, 3, 8, 6, 10, 5, 4, 0, 7, 12, 1, 11, 9];

describe.skipIf(missing !== null)('trials table sorting', { timeout: 120_000 }, () => {
  let work: string;
  let host: ServedHost;
  let browser: Browser;
  let page: Page;
  let api: Client;
  let sweepId: string;

  beforeAll(async () => {
    ensureRendererBuilt();
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-trialsort-'));
    mkdirSync(path.join(work, 'study'));
    const study = path.join(work, 'study', 'study.db');
    copyFileSync(path.join(FIXTURES, 'optuna-3.1.0', 'study.db'), study);
    host = await startServe(path.join(work, 'data'), work, ['--no-example']);
    api = createClient(httpTransport(host.origin, host.token));
    const opened = await api.get('sweeps.openStudyFile', { path: study });
    sweepId = opened.sweeps[0]!.id;
    browser = await launchChromium();
    page = await appPage(browser);
  });

  afterAll(async () => {
    api?.close();
    await browser?.close();
    await host?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const order = async (p: Page): Promise<number[]> =>
    (await p.getByRole('table', { name: 'Trials' }).locator('[role="rowgroup"].trials-body [role="row"]').evaluateAll((rows) =>
      rows
        .map((r) => ({ y: r.getBoundingClientRect().top, n: Number(r.querySelector('[role="cell"]')?.textContent) }))
        .sort((a, b) => a.y - b.y)
        .map((r) => r.n),
    )) as number[];

  it('sorts by a param column, both ways', async () => {
    await page.goto(`${host.url}#/sweep/${encodeURIComponent(sweepId)}`);
    const table = page.getByRole('table', { name: 'Trials' });
    await table.waitFor();
    await until('all 13 trials', async () => (await order(page)).length === 13);
    const lr = table.getByRole('columnheader', { name: 'learning_rate' });
    await lr.getByRole('button').click();
    await until('ascending by learning_rate', async () => JSON.stringify(await order(page)) === JSON.stringify(BY_LEARNING_RATE));
    expect(await lr.getAttribute('aria-sort')).toBe('ascending');
    await lr.getByRole('button').click();
    await until('descending by learning_rate', async () => JSON.stringify(await order(page)) === JSON.stringify([...BY_LEARNING_RATE].reverse()));
    expect(await lr.getAttribute('aria-sort')).toBe('descending');
  });

  it("shows the picked trial's user and system attributes", async () => {
    await page.getByRole('row', { name: /^Trial 7, complete/ }).click();
    const user = page.getByRole('table', { name: 'User attributes of trial 7' });
    await user.waitFor();
    expect((await user.innerText()).replace(/\s+/g, ' ').trim()).toBe('User attributes of trial 7 trial_dir outputs/hpo/distilbert/trial_7');
    // The fixture's trials hold no system attributes.
    expect((await page.getByRole('table', { name: 'System attributes of trial 7' }).innerText()).replace(/\s+/g, ' ').trim()).toBe('System attributes of trial 7 None.');
  });

  it('saves a note on the picked trial; it comes back as its user attr note', async () => {
    const field = page.getByRole('textbox', { name: /^Note on trial 7/ });
    await field.fill('best f1 so far, check the tokenizer');
    await page.getByRole('button', { name: 'Save note' }).click();
    const user = page.getByRole('table', { name: 'User attributes of trial 7' });
    await until('the note among the user attributes', async () => (await user.innerText()).replace(/\s+/g, ' ').includes('note best f1 so far, check the tokenizer'));
    expect(await api.get('sweeps.trialAttrs', { id: sweepId, trialNumber: 7 })).toMatchObject({ userAttrs: { note: 'best f1 so far, check the tokenizer' } });
    expect(await page.getByRole('button', { name: 'Save note' }).isDisabled()).toBe(true);
  });
});
