// The app's main flow in Debian Chromium through the browser host (`sweepdeck serve` as a child
// process, the built renderer, the real runner, study storage and local MLflow store): start the
// example sweep (edited down to a few trials) and watch progress, stop it midway, restart the host
// and see it interrupted, resume it to the end with one click, open its parent run and find every
// trial as a child run with metrics, open the Optuna 3.1.0 fixture study (a copy) and resume it; an
// invalid config shows inline errors and starts nothing; requests without the token are refused.
// Screenshots of each screen go to test-results/screenshots/.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import { FIXTURE_STUDY_CONFIG as FIXTURE_CONFIG } from '../../test/support/fixtureStudy.ts';
import { FIXTURES } from '../../test/support/peers.ts';
import { quickTrial } from '../../test/support/quickSweep.ts';
import { until } from '../../test/support/until.ts';
import { appPage, chromiumMissing, ensureRendererBuilt, launchChromium, screenshot, startServe, type ServedHost } from './support.ts';

const missing = chromiumMissing();
if (missing) console.warn(`browser e2e skipped: ${missing}`);

const STUDY = 'e2e_quick';
const MAX_TRIALS = 3;

/** The example config, made quick: few trials, few epochs, its own study name. */
function quickConfig(example: string): string {
  const out = example
    .replace(/^study_name: .*$/m, `study_name: ${STUDY}`)
    .replace(/max_trials: \d+/, `max_trials: ${MAX_TRIALS}`)
    .replace(/epochs:(\s*)\{[^}]*\}/, 'epochs:$1{type: int, min: 2, max: 3}');
  if (out === example || !out.includes(`max_trials: ${MAX_TRIALS}`) || !out.includes(`study_name: ${STUDY}`)) throw new Error('the example config changed shape; update quickConfig');
  return out;
}

// Generous per-test limit: the suite runs beside other test files on two cores, and the example
// trainer's trials take seconds each.
describe.skipIf(missing !== null)('browser e2e through sweepdeck serve', { timeout: 150_000 }, () => {
  let work: string;
  let dataDir: string;
  let host: ServedHost;
  let browser: Browser;
  let page: Page;
  let api: Client;
  let sweepId = '';
  const consoleErrors: string[] = [];

  const connect = async (): Promise<void> => {
    api?.close();
    api = createClient(httpTransport(host.origin, host.token));
  };
  const progressOf = async (name: string): Promise<number> => Number(await page.getByRole('progressbar', { name: `Progress of ${name}` }).first().getAttribute('aria-valuenow'));
  const stateOn = (scope: ReturnType<Page['locator']>) => scope.locator('[data-state]').first().getAttribute('data-state');

  beforeAll(async () => {
    ensureRendererBuilt();
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-e2e-'));
    dataDir = path.join(work, 'data');
    host = await startServe(dataDir, work);
    await connect();
    browser = await launchChromium();
    page = await appPage(browser);
    page.on('console', (m) => {
      // A refused resource (e.g. a CSP violation) shows up here. Not counted: the favicon 404, and
      // the old page's requests refused while the host restarts (the test does that on purpose).
      if (m.type() === 'error' && !/favicon|404|ERR_CONNECTION_REFUSED/.test(m.text())) consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  });

  afterAll(async () => {
    api?.close();
    await browser?.close();
    await host?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('refuses requests without the token', async () => {
    const noToken = await fetch(`${host.origin}/api/sweeps.list`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(noToken.status).toBe(401);
    const wrong = await fetch(`${host.origin}/api/sweeps.list`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-sweepdeck-token': 'x'.repeat(64) }, body: '{}' });
    expect(wrong.status).toBe(401);
    const pageNoToken = await fetch(`${host.origin}/`);
    expect(pageNoToken.status).toBe(401);
    // The browser too: the bare origin without ?token shows the refusal, not the app.
    const fresh = await browser.newPage();
    const res = await fresh.goto(`${host.origin}/`);
    expect(res?.status()).toBe(401);
    expect(await fresh.locator('body').innerText()).toContain('needs its token');
    await fresh.close();
  });

  it('shows the example sweep ready to start', async () => {
    await page.goto(host.url);
    await page.getByRole('heading', { name: 'Sweeps', level: 1 }).waitFor();
    const card = page.getByRole('listitem', { name: 'Sweep hpo_distilbert' });
    await card.waitFor();
    expect(await stateOn(card)).toBe('ready');
    await page.getByRole('button', { name: 'Start hpo_distilbert' }).waitFor();
    await page.getByText('Tracking: local').waitFor();
    await screenshot(page, '01-sweeps');
  });

  it('an invalid config shows inline errors at the field and starts nothing', async () => {
    const before = (await api.get('sweeps.list', {})).sweeps.length;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New sweep' }).click();
    const editor = page.getByRole('textbox', { name: 'HPO config (YAML)' });
    await until('the example to load', async () => (await editor.inputValue()).includes('search_space'));
    const example = await editor.inputValue();
    const bad = example.replace(/learning_rate: \{type: loguniform, min: [^,]+, max: [^}]+\}/, 'learning_rate: {type: loguniform, min: 5.0e-5, max: -1}');
    expect(bad).not.toBe(example);
    await editor.fill(bad);
    const issues = page.getByRole('list', { name: 'Config errors' });
    await issues.waitFor();
    const text = await issues.innerText();
    expect(text).toContain('search_space.learning_rate');
    const badLine = bad.split('\n').findIndex((l) => l.includes('max: -1')) + 1;
    await page.getByRole('button', { name: `Go to line ${badLine}` }).first().waitFor();
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    const start = page.getByRole('button', { name: 'Start sweep' });
    expect(await start.isDisabled()).toBe(true);
    // The issue's line link selects the offending line in the editor.
    await page.getByRole('button', { name: `Go to line ${badLine}` }).first().click();
    const selected = await editor.evaluate((el) => {
      const t = el as HTMLTextAreaElement;
      return t.value.slice(t.selectionStart, t.selectionEnd);
    });
    expect(selected).toContain('max: -1');
    await screenshot(page, '02-new-sweep-invalid');
    // Clicking anyway (forced past the disabled state) starts nothing: no sweeps.start request is
    // made before a barrier request the page sends after the click (the page's requests are
    // reported in the order it makes them), and the list is unchanged.
    const requested: string[] = [];
    const record = (r: { url(): string }) => requested.push(new URL(r.url()).pathname);
    page.on('request', record);
    await start.click({ force: true }).catch(() => undefined);
    await Promise.all([
      page.waitForRequest((r) => r.url().endsWith('/after-forced-click')),
      page.evaluate(() => void fetch('/after-forced-click').catch(() => undefined)),
    ]);
    page.off('request', record);
    expect(requested).toContain('/after-forced-click');
    expect(requested.filter((p) => p.endsWith('/sweeps.start'))).toEqual([]);
    expect((await api.get('sweeps.list', {})).sweeps.length).toBe(before);
  });

  it('starts the example sweep (edited down) and watches its progress, then stops it midway', async () => {
    const editor = page.getByRole('textbox', { name: 'HPO config (YAML)' });
    // The invalid edit is unsaved: loading the example asks before discarding it.
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Load example' }).click();
    await until('the example to reload', async () => !(await editor.inputValue()).includes('max: -1'));
    await editor.fill(quickConfig(await editor.inputValue()));
    await page.getByText(`study ${STUDY} · ${MAX_TRIALS} trials`).waitFor();
    await screenshot(page, '03-new-sweep-valid');
    await page.getByRole('button', { name: 'Start sweep' }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(STUDY) }).waitFor();
    sweepId = decodeURIComponent(new URL(page.url()).hash.replace(/^#\/sweep\//, ''));
    expect(sweepId).not.toBe('');
    await until('the first finished trial on the progress bar', async () => (await progressOf(STUDY)) >= 1, 60_000);
    // The live log tail of the running trial shows what it prints.
    await page.getByRole('table', { name: 'Trials' }).waitFor();
    await page.getByRole('button', { name: `Stop ${STUDY}` }).click();
    await page.getByRole('button', { name: `Yes, stop ${STUDY}` }).click();
    await until('the sweep to be interrupted', async () => (await stateOn(page.locator('#detail-h'))) === 'interrupted', 30_000);
    const n = await progressOf(STUDY);
    expect(n).toBeGreaterThanOrEqual(1);
    expect(n).toBeLessThan(MAX_TRIALS);
    await screenshot(page, '04-sweep-detail-stopped');
  });

  it('after a host restart the sweep shows as interrupted, and one click resumes it to the end', async () => {
    await host.stop();
    host = await startServe(dataDir, work);
    await connect();
    await page.goto(host.url);
    const card = page.getByRole('listitem', { name: `Sweep ${STUDY}` });
    await card.waitFor();
    expect(await stateOn(card)).toBe('interrupted');
    expect(await card.innerText()).toMatch(/Interrupted/);
    await page.getByText(/sweep was interrupted/).waitFor();
    await screenshot(page, '05-sweeps-interrupted');
    await page.getByRole('button', { name: `Resume ${STUDY}` }).click();
    await until('the sweep to finish', async () => (await stateOn(card)) === 'finished', 90_000);
    expect(await progressOf(STUDY)).toBe(MAX_TRIALS);
  });

  it('the detail shows every trial, the charts and a trial log; the parent run lists every trial as a child run with metrics', async () => {
    await page.getByRole('link', { name: `Open ${STUDY}` }).click();
    const table = page.getByRole('table', { name: 'Trials' });
    await table.waitFor();
    const { trials } = await api.get('sweeps.trials', { id: sweepId });
    const finished = trials.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED');
    expect(finished.length).toBe(MAX_TRIALS);
    await until('every trial row', async () => (await table.getByRole('row').count()) === trials.length + 1);
    await page.getByRole('img', { name: /Optimization history/ }).waitFor();
    // The other views are one tab each.
    const views = page.getByRole('tablist', { name: 'Analysis views' });
    await views.getByRole('tab', { name: 'Parallel coordinates' }).click();
    await page.getByRole('img', { name: /Parallel coordinates/ }).waitFor();
    // The intermediate values come from their own channel: the chart has a curve for every trial
    // that reported some, the pruned ones counted apart.
    const withCurves = trials.filter((t) => t.intermediate.length > 0);
    expect(withCurves.length).toBeGreaterThan(0);
    const prunedCurves = withCurves.filter((t) => t.state === 'PRUNED').length;
    await views.getByRole('tab', { name: 'Intermediate values' }).click();
    await page.getByRole('img', { name: `Intermediate values of ${withCurves.length} trials, ${prunedCurves} pruned shown in red` }).waitFor();
    await views.getByRole('tab', { name: 'Importance' }).click();
    // Three trials are too few for PED-ANOVA: the view says so instead of ranking them.
    await page.getByText(/^Not enough trials for importance: \d+ completed with a value; PED-ANOVA needs at least 10\.$/).waitFor();
    await views.getByRole('tab', { name: 'History' }).click();
    await page.getByRole('img', { name: /Optimization history/ }).waitFor();
    const last = finished[finished.length - 1]!;
    await page.getByRole('button', { name: `Show log of trial ${last.number}` }).click();
    await page.getByRole('button', { name: 'stdout' }).click();
    await until('the trial log', async () => (await page.getByRole('log', { name: `Log of trial ${last.number} (stdout)` }).innerText()).includes('macro-f1='));
    // Reveal in folder is a desktop feature: the browser says so politely.
    await page.getByRole('button', { name: 'Reveal checkpoint in folder' }).click();
    await page.getByText('Reveal in folder works in the desktop app').waitFor();
    await screenshot(page, '06-sweep-detail');
    await table.scrollIntoViewIfNeeded();
    await screenshot(page, '06b-sweep-trials-and-log');

    await page.getByRole('link', { name: 'Open parent run' }).click();
    const kids = page.getByRole('table', { name: 'Child runs' });
    await kids.waitFor();
    const rows = kids.locator('tbody tr');
    // Every trial that ran has a child run (the one cut by the stop too, as a failed run).
    const tracked = trials.filter((t) => t.childRunId !== null);
    expect(tracked.length).toBeGreaterThanOrEqual(finished.length);
    await until('a child run per trial', async () => (await rows.count()) === tracked.length);
    const headers = await kids.locator('thead th').allInnerTexts();
    const f1Col = headers.indexOf('macro-f1');
    expect(f1Col).toBeGreaterThan(0);
    // Each finished trial's row (found by its child run link) shows its metric.
    for (const t of finished) {
      expect(t.childRunId).toBeTruthy();
      const row = rows.filter({ has: page.locator(`a[href$="/${t.childRunId}"]`) });
      expect(await row.count()).toBe(1);
      const cell = await row.locator('td').nth(f1Col).innerText();
      expect(Number.isFinite(Number(cell))).toBe(true);
    }
    await screenshot(page, '07-parent-run');
    // And back: the parent run leads to its sweep.
    await page.getByRole('button', { name: 'Open sweep' }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(STUDY) }).waitFor();
  });

  it('the experiments tree expands a parent run to its children and compares runs', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Experiments' }).click();
    await page.getByRole('navigation', { name: 'Stores and experiments' }).getByRole('link', { name: 'resume_ner_baseline-hpo-distilbert' }).click();
    const runs = page.getByRole('table', { name: 'Runs' });
    await runs.waitFor();
    const tracked = (await api.get('sweeps.trials', { id: sweepId })).trials.filter((t) => t.childRunId !== null).length;
    await page.getByRole('button', { name: new RegExp(`^Show ${tracked} child runs of `) }).click();
    await until('child rows', async () => (await runs.locator('tbody tr').count()) === tracked + 1);
    await page.getByRole('searchbox', { name: 'MLflow filter' }).fill("metrics.`macro-f1` > 0");
    await page.getByRole('button', { name: 'Search' }).click();
    await until('the filtered runs', async () => (await runs.locator('tbody tr').count()) >= 1);
    const checks = runs.getByRole('checkbox');
    await checks.nth(0).check();
    await checks.nth(1).check();
    await page.getByRole('button', { name: /^Compare 2/ }).click();
    await page.getByRole('region', { name: 'Compare runs' }).waitFor();
    await page.getByRole('group', { name: 'Metrics to chart' }).getByRole('checkbox', { name: 'macro-f1' }).check();
    await page.getByRole('img', { name: /History of macro-f1/ }).waitFor();
    await screenshot(page, '08-experiments-compare');
  });

  it('opens the Optuna 3.1.0 fixture study and resumes it', async () => {
    const dir = path.join(work, 'fixture');
    mkdirSync(dir, { recursive: true });
    const copy = path.join(dir, 'study.db');
    copyFileSync(path.join(FIXTURES, 'optuna-3.1.0', 'study.db'), copy);
    writeFileSync(path.join(dir, 'hpo.yaml'), FIXTURE_CONFIG);
    // The fixture study's space has dropout, which the quick trial scores.
    writeFileSync(path.join(dir, 'trial.mjs'), quickTrial(60));
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sweeps' }).click();
    await page.getByRole('textbox', { name: 'Optuna study file (.db)' }).fill(copy);
    await page.getByRole('button', { name: 'Open study file' }).click();
    const heading = page.locator('#detail-h');
    await heading.waitFor();
    expect(await heading.innerText()).toContain('hpo_distilbert');
    expect(await stateOn(heading)).toBe('interrupted');
    const table = page.getByRole('table', { name: 'Trials' });
    await until('the fixture trials', async () => (await table.getByRole('row').count()) === 13 + 1);
    await screenshot(page, '09-optuna-study-interrupted');
    await page.getByRole('button', { name: 'Resume hpo_distilbert' }).click();
    await page.getByRole('textbox', { name: 'HPO config path' }).fill(path.join(dir, 'hpo.yaml'));
    await page.getByRole('button', { name: 'Resume with this config' }).click();
    await until('the fixture sweep to finish', async () => (await stateOn(heading)) === 'finished', 60_000);
    expect(await progressOf('hpo_distilbert')).toBe(12);
    await screenshot(page, '10-optuna-study-resumed');
  });

  it('a link straight to a sweep (and a reload of it) draws its trials, asking for them once per load', async () => {
    // The page asks for the sweep and its trials before its app script runs (public/early.js); the
    // app must take those replies over rather than ask again, and a reload (token from the session,
    // no longer in the address) must do the same.
    const fresh = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const errors: string[] = [];
    fresh.on('pageerror', (e) => errors.push(e.message));
    let asked: string[] = [];
    fresh.on('request', (r) => {
      const m = /\/api\/(sweeps\.(?:get|trials|trialColumns))$/.exec(new URL(r.url()).pathname);
      if (m) asked.push(m[1]!);
    });
    const { trials } = await api.get('sweeps.trials', { id: sweepId });
    for (const load of ['link', 'reload']) {
      asked = [];
      if (load === 'link') await fresh.goto(`${host.url}#/sweep/${encodeURIComponent(sweepId)}`);
      else await fresh.reload();
      const table = fresh.getByRole('table', { name: 'Trials' });
      await until(`every trial row after the ${load}`, async () => (await table.getByRole('row').count()) === trials.length + 1);
      await fresh.getByRole('img', { name: /Optimization history/ }).waitFor();
      expect(new URL(fresh.url()).searchParams.get('token'), load).toBeNull();
      expect(asked.sort(), load).toEqual(['sweeps.get', 'sweeps.trialColumns']);
    }
    expect(errors).toEqual([]);
    await fresh.context().close();
  });

  it('settings show the tracking mode and stores; no page errors along the way', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('form', { name: 'Tracking settings' }).waitFor();
    await page.getByRole('checkbox', { name: /Fall back to the local store/ }).waitFor();
    await page.getByText('Local store', { exact: true }).waitFor();
    await screenshot(page, '11-settings');
    // The dark palette follows the system setting.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sweeps' }).click();
    await page.getByRole('list', { name: 'Sweeps' }).waitFor();
    await screenshot(page, '12-sweeps-dark');
    await page.getByRole('link', { name: `Open ${STUDY}` }).click();
    await page.getByRole('table', { name: 'Trials' }).waitFor();
    await page.getByRole('img', { name: /Optimization history/ }).waitFor();
    await screenshot(page, '13-sweep-detail-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    expect(consoleErrors, consoleErrors.join('\n')).toEqual([]);
  });
});
