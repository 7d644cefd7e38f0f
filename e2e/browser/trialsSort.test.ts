// The trials table sorts by any param, value and user attribute, filters by any of them (combined),
// shows a trial's user and system attributes and saves its note (issue 13, trials table), in Debian
// Chromium through `sweepdeck serve`, on a copy of the Optuna 3.1.0 fixture study. The expected
// orders and filtered sets were read from the fixture with Python's sqlite3 (trial_params,
// trial_values, trial_user_attributes).
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
/** Trial numbers by value, smallest first; then 5 (FAIL) and 12 (RUNNING), which have none. */
const BY_VALUE = [8, 10, 2, 6, 4, 3, 9, 7, 0, 1, 11, 5, 12];

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

  it('sorts by value (trials without one last either way) and by a user attribute', async () => {
    const table = page.getByRole('table', { name: 'Trials' });
    await table.getByRole('columnheader', { name: 'Value' }).getByRole('button').click();
    await until('ascending by value', async () => JSON.stringify(await order(page)) === JSON.stringify(BY_VALUE));
    await table.getByRole('columnheader', { name: 'Value' }).getByRole('button').click();
    await until('descending by value', async () => JSON.stringify(await order(page)) === JSON.stringify([...BY_VALUE.slice(0, 11)].reverse().concat([12, 5])));
    const dir = table.getByRole('columnheader', { name: 'trial_dir' });
    await dir.getByRole('button').click();
    // Text order: trial_10 sorts before trial_2; trial 12 has no trial_dir.
    await until('ascending by trial_dir', async () => JSON.stringify(await order(page)) === JSON.stringify([0, 1, 10, 11, 2, 3, 4, 5, 6, 7, 8, 9, 12]));
    expect(await dir.getAttribute('aria-sort')).toBe('ascending');
    await table.getByRole('columnheader', { name: '#' }).getByRole('button').click();
    await until('back in number order', async () => JSON.stringify(await order(page)) === JSON.stringify([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
  });

  it('filters by a param range, state, value, a categorical param and a user attribute, combined, and clears them', async () => {
    const filters = page.getByRole('group', { name: 'Trial filters' });
    const rows = async (): Promise<string> => JSON.stringify((await order(page)).sort((a, b) => a - b));
    await filters.getByLabel('Filter learning_rate from').fill('2e-5');
    await until('learning_rate >= 2e-5', async () => (await rows()) === JSON.stringify([0, 1, 4, 7, 9, 11, 12]));
    await filters.getByLabel('Filter state').selectOption('COMPLETE');
    await until('+ COMPLETE', async () => (await rows()) === JSON.stringify([0, 1, 4, 7, 9, 11]));
    await filters.getByLabel('Filter value to').fill('0.85');
    await until('+ value <= 0.85', async () => (await rows()) === JSON.stringify([0, 4, 7, 9]));
    // batch_size is categorical (choices 8, 16, 32): a choice, not a range.
    await filters.getByLabel('Filter batch_size').selectOption('16');
    await until('+ batch_size 16', async () => (await rows()) === JSON.stringify([7, 9]));
    await filters.getByLabel('Filter user attr trial_dir').selectOption('outputs/hpo/distilbert/trial_9');
    await until('+ trial_dir of trial 9', async () => (await rows()) === JSON.stringify([9]));
    expect(await filters.getByText('1 of 13').count()).toBe(1);
    expect(await page.getByRole('table', { name: 'Trials' }).getAttribute('aria-rowcount')).toBe('2');
    await filters.getByRole('button', { name: 'Clear filters' }).click();
    await until('all 13 again', async () => (await rows()) === JSON.stringify([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    expect(await filters.getByLabel('Filter learning_rate from').inputValue()).toBe('');
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
