// The screen never goes stale without saying so (issue 13, rough edge 4), in Debian Chromium through
// `sweepdeck serve` as a child process: trials real Python Optuna adds to an open study appear
// without a reload; when the host stops, a banner says so at once and the Running badge and the
// tracking dot stop claiming anything; when it starts again on the same port and data folder (the
// token is kept there), the same tab reconnects, asks again, and the banner goes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import { COLUMNS_MIME, decodeColumnsBody } from '../../shared/columnsWire.ts';
import { decodeWire } from '../../shared/wire.ts';
import { needOptuna, runPython } from '../../test/support/peers.ts';
import { quickConfig, quickTrial } from '../../test/support/quickSweep.ts';
import { until } from '../../test/support/until.ts';
import { appPage, chromiumMissing, ensureRendererBuilt, launchChromium, screenshot, startServe, type ServedHost } from './support.ts';

const missing = chromiumMissing();
if (missing) console.warn(`browser e2e skipped: ${missing}`);

/** Adds n trials to study 'py' of the file (made when missing), as a Python user would. */
const ADD_TRIALS = `
import sys, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.create_study(study_name='py', storage='sqlite:///' + sys.argv[1], load_if_exists=True, direction='minimize')
s.optimize(lambda t: (t.suggest_float('x', -1, 1) - 0.25) ** 2 + t.suggest_int('depth', 1, 8) / 100, n_trials=int(sys.argv[2]))
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

describe.skipIf(missing !== null)('a live screen in the browser', { timeout: 180_000 }, () => {
  let work: string;
  let dataDir: string;
  let port: number;
  let host: ServedHost;
  let browser: Browser;
  let page: Page;
  let api: Client;
  const pageErrors: string[] = [];

  const serve = async (): Promise<ServedHost> => startServe(dataDir, work, ['--no-example', '--port', String(port)]);

  beforeAll(async () => {
    ensureRendererBuilt();
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-live-'));
    dataDir = path.join(work, 'data');
    port = await freePort();
    host = await serve();
    api = createClient(httpTransport(host.origin, host.token));
    browser = await launchChromium();
    page = await appPage(browser, pageErrors);
  });

  afterAll(async () => {
    api?.close();
    await browser?.close();
    await host?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  // textContent: the heading is drawn upper-case, which innerText would give.
  const trialsCount = async (): Promise<string> => ((await page.getByRole('heading', { name: /^Trials/ }).textContent()) ?? '').replace(/^Trials\s*/, '').trim();

  it('trials Python adds to the open study appear without a reload, the sort, filter, scroll, selection and chart zoom kept', async (ctx) => {
    needOptuna(ctx);
    const dir = path.join(work, 'py');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'study.db');
    runPython(ADD_TRIALS, [file, '50']);
    const opened = await api.get('sweeps.openStudyFile', { path: file });
    const id = opened.sweeps[0]!.id;

    await page.goto(`${host.url}#/sweep/${encodeURIComponent(id)}`);
    await page.getByRole('table', { name: 'Trials' }).waitFor();
    await until('the detail to show 50 trials', async () => (await trialsCount()) === '50');
    // A mark a reload would wipe.
    await page.evaluate(() => ((window as unknown as { liveMark?: number }).liveMark = 1));
    // Where the user put things: sorted by value, filtered, scrolled down, a trial picked (issue 12 §4).
    const table = page.getByRole('table', { name: 'Trials' });
    await table.getByRole('button', { name: 'Value', exact: true }).click();
    await until('the table to sort by value', async () => (await table.getByRole('columnheader', { name: 'Value' }).getAttribute('aria-sort')) === 'ascending');
    // A filter too: the trials that arrive later go through it.
    const filters = page.getByRole('group', { name: 'Trial filters' });
    await filters.getByLabel('Filter state').selectOption('COMPLETE');
    await until('the filter to apply', async () => (await filters.getByText('50 of 50').count()) === 1);
    const scroller = page.getByTestId('trials-scroll');
    await scroller.evaluate((el) => (el.scrollTop = 120));
    await until('the table to scroll', async () => (await scroller.evaluate((el) => el.scrollTop)) === 120);
    const pickedRow = table.locator('[role=row][aria-label^="Trial "]').nth(3);
    const picked = /^Trial (\d+)/.exec((await pickedRow.getAttribute('aria-label')) ?? '')?.[1];
    expect(picked).toBeDefined();
    await pickedRow.click();
    await page.getByRole('heading', { name: `Log of trial ${picked}` }).waitFor();
    // Clicking may have scrolled the row into full view: the position to keep is the one now.
    const top = await scroller.evaluate((el) => el.scrollTop);
    expect(top).toBeGreaterThan(0);
    // The history chart zoomed in (a drag across the middle of its plot): the x range it shows is
    // on the chart's element (data-x-range), and is what must stay.
    const history = page.getByRole('img', { name: /^Optimization history/ });
    await until('the history chart to show 50 trials', async () => /, 50 trials/.test((await history.getAttribute('aria-label')) ?? ''));
    const fullRange = await history.getAttribute('data-x-range');
    const plotBox = (await history.locator('.u-over').boundingBox())!;
    await page.mouse.move(plotBox.x + plotBox.width * 0.3, plotBox.y + plotBox.height / 2);
    await page.mouse.down();
    await page.mouse.move(plotBox.x + plotBox.width * 0.5, plotBox.y + plotBox.height / 2, { steps: 5 });
    await page.mouse.move(plotBox.x + plotBox.width * 0.7, plotBox.y + plotBox.height / 2, { steps: 5 });
    await page.mouse.up();
    await until('the history chart to zoom', async () => (await history.getAttribute('data-x-range')) !== fullRange);
    const zoomed = (await history.getAttribute('data-x-range'))!;
    const [zoomMin, zoomMax] = zoomed.split(' ').map(Number);
    expect(zoomMin).toBeGreaterThan(0);
    expect(zoomMax).toBeLessThan(49);
    // What crosses the boundary from now on: only the trials that changed (issue 12 §4).
    const sent: Array<{ delta: boolean; numbers: number[] }> = [];
    page.on('response', (r) => {
      if (!r.url().includes('/api/sweeps.trialColumns')) return;
      const delta = (r.request().postData() ?? '').includes('"since"');
      // The page asks for the columns as a binary body (shared/columnsWire.ts).
      const binary = r.headers()['content-type'] === COLUMNS_MIME;
      void r.body().then(
        (b) => {
          const reply = (binary ? decodeColumnsBody(b) : decodeWire(b.toString('utf8'))) as { ok: boolean; value?: { number: number[] } };
          sent.push({ delta, numbers: reply.value?.number ?? [] });
        },
        () => undefined,
      );
    });

    runPython(ADD_TRIALS, [file, '10']);
    await until('the detail to show 60 trials by itself', async () => (await trialsCount()) === '60');
    await until('the counts to say 60 complete', async () => (await page.locator('.facts').first().innerText()).includes('60 complete'));
    expect(await page.evaluate(() => (window as unknown as { liveMark?: number }).liveMark)).toBe(1);
    expect(await table.getByRole('columnheader', { name: 'Value' }).getAttribute('aria-sort')).toBe('ascending');
    expect(await filters.getByLabel('Filter state').inputValue()).toBe('COMPLETE');
    await until('the filter to count the new trials', async () => (await filters.getByText('60 of 60').count()) === 1);
    expect(await scroller.evaluate((el) => el.scrollTop)).toBe(top);
    expect(await page.getByRole('heading', { name: `Log of trial ${picked}` }).count()).toBe(1);
    // The new trials are in the history chart, and its zoom is where the user put it.
    await until('the history chart to draw the 60 trials', async () => /, 60 trials/.test((await history.getAttribute('aria-label')) ?? ''));
    expect(await history.getAttribute('data-x-range')).toBe(zoomed);
    await until('the trials to have been sent', async () => new Set(sent.flatMap((s) => s.numbers)).size >= 10);
    expect(sent.every((s) => s.delta)).toBe(true);
    expect(Math.min(...sent.flatMap((s) => s.numbers))).toBeGreaterThanOrEqual(50);
    expect([...new Set(sent.flatMap((s) => s.numbers))].sort((a, b) => a - b)).toEqual([50, 51, 52, 53, 54, 55, 56, 57, 58, 59]);
    await screenshot(page, 'rough-04-python-trials-appear');

    // The list watches what it shows: the card of a study never opened in the detail follows too.
    const other = path.join(work, 'py-list', 'study.db');
    mkdirSync(path.dirname(other), { recursive: true });
    runPython(ADD_TRIALS.replace("study_name='py'", "study_name='py_list'"), [other, '3']);
    await api.get('sweeps.openStudyFile', { path: other });
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Sweeps' }).click();
    const progress = page.getByRole('listitem', { name: 'Sweep py_list' }).getByRole('progressbar');
    await until('the card to show 3 trials', async () => (await progress.getAttribute('aria-valuenow')) === '3');
    runPython(ADD_TRIALS.replace("study_name='py'", "study_name='py_list'"), [other, '4']);
    await until('the card to show 7 trials by itself', async () => (await progress.getAttribute('aria-valuenow')) === '7');
    expect(await page.evaluate(() => (window as unknown as { liveMark?: number }).liveMark)).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  it('a stopped host is said at once (no Running, no green dot); started again, the tab reconnects', async () => {
    const dir = path.join(work, 'run');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'trial.mjs'), quickTrial(1500));
    writeFileSync(path.join(dir, 'hpo.yaml'), quickConfig(20, 'live-host').replace('backbone: tiny', 'backbone: livehost'));
    const { id } = await api.get('sweeps.start', { configPath: path.join(dir, 'hpo.yaml') });

    await page.goto(`${host.url}#/sweep/${encodeURIComponent(id)}`);
    const badge = page.getByRole('heading', { level: 1 }).locator('[data-state]');
    const dot = page.getByTestId('tracking-dot');
    const banner = page.getByTestId('connection-banner');
    await until('the sweep to show Running', async () => (await badge.getAttribute('data-state')) === 'running');
    await until('the tracking dot to be green (local)', async () => ((await dot.getAttribute('class')) ?? '').includes('dot-local'));
    expect(await banner.count()).toBe(0);

    await host.stop();
    await banner.waitFor();
    expect(await banner.innerText()).toContain('Disconnected from Sweepdeck — retrying…');
    await until('the badge to stop claiming Running', async () => (await badge.getAttribute('data-state')) === 'unknown');
    expect(await badge.innerText()).toContain('Unknown');
    await until('the dot to turn grey', async () => ((await dot.getAttribute('class')) ?? '').includes('dot-unknown'));
    expect(await page.getByRole('contentinfo', { name: 'Status bar' }).innerText()).toContain('Running sweeps: ?');
    await screenshot(page, 'rough-04-host-lost');

    // The same port and data folder: the kept token still opens it, so the same tab gets back in.
    host = await serve();
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
    // Asked again: the runner stopped with the host, so the sweep is no longer running.
    await until('the sweep state to be read again', async () => {
      const st = await badge.getAttribute('data-state');
      return st !== 'unknown' && st !== 'running' ? st : undefined;
    });
    await until('the tracking dot to be green again', async () => ((await dot.getAttribute('class')) ?? '').includes('dot-local'));
    await until('the status bar to count no running sweep', async () => (await page.getByRole('contentinfo', { name: 'Status bar' }).innerText()).includes('Running sweeps: 0'));
    await screenshot(page, 'rough-04-host-back');
    expect(pageErrors).toEqual([]);
  });

  it('a host that dies (SIGKILL, no goodbye) is said at once on the list too, and the tab gets back in', async () => {
    const dir = path.join(work, 'killed');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'trial.mjs'), quickTrial(1500));
    writeFileSync(path.join(dir, 'hpo.yaml'), quickConfig(20, 'live-killed').replace('backbone: tiny', 'backbone: killed'));
    await api.get('sweeps.start', { configPath: path.join(dir, 'hpo.yaml') });

    await page.goto(host.url);
    const badge = page.getByRole('listitem', { name: 'Sweep hpo_killed' }).locator('[data-state]').first();
    const banner = page.getByTestId('connection-banner');
    await until('the card to show Running', async () => (await badge.getAttribute('data-state')) === 'running');

    const exited = new Promise<void>((resolve) => host.proc.once('exit', () => resolve()));
    host.proc.kill('SIGKILL');
    await exited;
    await banner.waitFor();
    await until('the card to stop claiming Running', async () => (await badge.getAttribute('data-state')) === 'unknown');
    expect(await page.getByTestId('tracking-dot').getAttribute('class')).toContain('dot-unknown');

    host = await serve();
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
    // Its runner died with the host: read again, the sweep is interrupted, not running.
    await until('the card to be read again', async () => (await badge.getAttribute('data-state')) === 'interrupted');
    expect(pageErrors).toEqual([]);
  });
});
