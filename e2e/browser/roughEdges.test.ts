// Rough edges a new user hit, in Debian Chromium through the browser host (`sweepdeck serve` as a
// child process, the built renderer): a moved study file, raw system errors, lost New sweep drafts,
// the tracking dot while falling back, removing sweeps and reaching everything by keyboard.
// Screenshots of the fixed states go to test-results/screenshots/.
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import { FIXTURES } from '../../test/support/peers.ts';
import { quickConfig, quickTrial } from '../../test/support/quickSweep.ts';
import { until } from '../../test/support/until.ts';
import { appPage, chromiumMissing, ensureRendererBuilt, launchChromium, screenshot, startServe, type ServedHost } from './support.ts';

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
    page = await appPage(browser, pageErrors);
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

  it('sweeps can be removed (after asking), and duplicates have buttons with unique names', async () => {
    const dir = path.join(work, 'dups');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'trial.mjs'), quickTrial(50));
    writeFileSync(path.join(dir, 'hpo.yaml'), quickConfig(2, 'dups'));
    const a = await api.get('sweeps.register', { configPath: path.join(dir, 'hpo.yaml') });
    const b = await api.get('sweeps.register', { configPath: path.join(dir, 'hpo.yaml') });
    await page.goto(host.url);
    const starts = page.getByRole('button', { name: /^Start hpo_tiny/ });
    await until('both duplicates listed', async () => (await starts.count()) === 2);
    const names = await starts.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    expect(new Set(names).size).toBe(2);
    expect(names).toContain(`Start hpo_tiny in ${a.studyPath}`);
    expect(names).toContain(`Start hpo_tiny in ${b.studyPath}`);

    const cardB = page.getByRole('listitem', { name: `Sweep hpo_tiny in ${b.studyPath}` });
    await cardB.getByRole('button', { name: `Remove hpo_tiny in ${b.studyPath}` }).click();
    await screenshot(page, 'rough-08-remove-confirm');
    // Cancel keeps it.
    await cardB.getByRole('button', { name: `Keep hpo_tiny in ${b.studyPath}` }).click();
    await cardB.getByRole('button', { name: `Remove hpo_tiny in ${b.studyPath}` }).click();
    await cardB.getByRole('button', { name: `Yes, remove hpo_tiny in ${b.studyPath}` }).click();
    // The one left has its plain name again.
    await page.getByRole('button', { name: 'Start hpo_tiny', exact: true }).waitFor();
    expect((await api.get('sweeps.list', {})).sweeps.map((s) => s.id)).not.toContain(b.id);
  });

  it('the Open-study field is a few Tab presses from the top, whatever the list holds', async () => {
    // A list of several sweeps, each with its buttons, between the top and where the field was.
    const dir = path.join(work, 'many');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'trial.mjs'), quickTrial(50));
    for (let i = 0; i < 4; i++) {
      writeFileSync(path.join(dir, `hpo${i}.yaml`), quickConfig(2, 'many').replace('backbone: tiny', `backbone: many${i}`));
      await api.get('sweeps.register', { configPath: path.join(dir, `hpo${i}.yaml`) });
    }
    await page.goto(host.url);
    await page.getByRole('listitem', { name: 'Sweep hpo_many3' }).waitFor();
    await page.getByRole('heading', { name: 'Sweeps', level: 1 }).waitFor();
    const field = page.getByRole('textbox', { name: 'Optuna study file (.db)' });
    let presses = 0;
    await until('the Open-study field to have focus', async () => {
      if (await field.evaluate((el) => el === document.activeElement)) return true;
      presses += 1;
      if (presses > 40) throw new Error('the Open-study field was not reached in 40 Tab presses');
      await page.keyboard.press('Tab');
      return undefined;
    });
    console.log(`Open-study field reached in ${presses} Tab presses`);
    expect(presses).toBeLessThanOrEqual(8);
  });

  it('trial rows are reached by keyboard: Tab to a row, arrows move, Enter shows its log', async () => {
    const dir = path.join(work, 'keys');
    mkdirSync(dir, { recursive: true });
    copyFileSync(path.join(FIXTURES, 'optuna-3.1.0', 'study.db'), path.join(dir, 'study.db'));
    const opened = await api.get('sweeps.openStudyFile', { path: path.join(dir, 'study.db') });
    const id = opened.sweeps[0]!.id;
    await page.goto(`${host.url}#/sweep/${encodeURIComponent(id)}`);
    await page.getByRole('table', { name: 'Trials' }).waitFor();
    await page.getByTestId('trials-scroll').focus();
    await page.keyboard.press('Tab');
    const focusedRow = () => page.evaluate(() => document.activeElement?.getAttribute('aria-rowindex') ?? null);
    expect(await focusedRow()).toBe('2');
    await page.keyboard.press('ArrowDown');
    await until('the second row to have focus', async () => (await focusedRow()) === '3');
    const label = await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
    const n = /^Trial (\d+)/.exec(label)?.[1];
    expect(n).toBeDefined();
    await page.keyboard.press('Enter');
    await page.getByText(`Log of trial ${n}`).waitFor();
    await screenshot(page, 'rough-08-trial-row-keyboard');
  });

  it('Stop asks first; Keep running keeps it running, Yes stops it', async () => {
    const dir = path.join(work, 'stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'trial.mjs'), quickTrial(1500));
    writeFileSync(path.join(dir, 'hpo.yaml'), quickConfig(20, 'stop-asks').replace('backbone: tiny', 'backbone: stopper'));
    const { id } = await api.get('sweeps.start', { configPath: path.join(dir, 'hpo.yaml') });
    await page.goto(`${host.url}#/sweep/${encodeURIComponent(id)}`);
    const stop = page.getByRole('button', { name: 'Stop hpo_stopper' });
    await stop.click();
    await page.getByRole('group', { name: 'Confirm stopping hpo_stopper' }).waitFor();
    await screenshot(page, 'rough-08-stop-confirm');
    await page.getByRole('button', { name: 'Keep hpo_stopper running' }).click();
    expect((await api.get('sweeps.get', { id })).state).toBe('running');
    await stop.click();
    await page.getByRole('button', { name: 'Yes, stop hpo_stopper' }).click();
    await until('the sweep to stop', async () => ((await api.get('sweeps.get', { id })).state === 'interrupted' ? true : undefined), 30_000);
  });

  it('the tracking dot turns amber while falling back, and the reason names Settings as the source', async () => {
    // A loopback port with nothing listening: the server set in Settings cannot be reached.
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const a = srv.address();
        srv.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
      });
    });
    const status = await api.get('tracking.configure', { remoteUri: `http://127.0.0.1:${port}`, fallbackToLocal: true });
    expect(status.fallbackReason).toContain('set in Settings');
    expect(status.fallbackReason).not.toContain('MLFLOW_TRACKING_URI');
    await page.goto(host.url);
    const dot = page.getByTestId('tracking-dot');
    await until('the dot to say fallback', async () => ((await dot.getAttribute('class')) ?? '').includes('dot-fallback'));
    const color = await dot.evaluate((el) => getComputedStyle(el).backgroundColor);
    const okColor = await page.evaluate(() => {
      const probe = document.createElement('span');
      probe.className = 'dot dot-local';
      document.body.append(probe);
      const c = getComputedStyle(probe).backgroundColor;
      probe.remove();
      return c;
    });
    expect(color).not.toBe(okColor);
    const title = (await page.getByRole('contentinfo', { name: 'Status bar' }).locator('[title]').first().getAttribute('title')) ?? '';
    expect(title).toContain('Falling back to the local store');
    expect(title).toContain(`127.0.0.1:${port}`);
    expect(title).toContain('set in Settings');
    await screenshot(page, 'rough-07-fallback-dot');
    await api.get('tracking.configure', { remoteUri: null });
    await until('the dot to be plain local again', async () => ((await dot.getAttribute('class')) ?? '').includes('dot-local'));
  });

  it('New sweep keeps unsaved edits across screens and reloads, and asks before discarding them', async () => {
    const dialogs: string[] = [];
    let answer = true;
    const onDialog = (d: import('playwright-core').Dialog): void => {
      dialogs.push(d.type());
      void (answer ? d.accept() : d.dismiss());
    };
    page.on('dialog', onDialog);
    try {
      await page.goto(`${host.url}#/new`);
      const editor = page.getByRole('textbox', { name: 'HPO config (YAML)' });
      // No example in this host (--no-example): start from a config file.
      const dir = path.join(work, 'draft');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'hpo.yaml'), quickConfig(2, 'draft'));
      await page.getByRole('textbox', { name: 'Config file path' }).fill(path.join(dir, 'hpo.yaml'));
      await page.getByRole('button', { name: 'Load file' }).click();
      await until('the file to load', async () => (await editor.inputValue()).includes('experiment_name: draft'));
      const loaded = await editor.inputValue();
      await editor.fill(`${loaded}# my unsaved edit\n`);
      await page.getByRole('button', { name: 'Discard edits' }).waitFor();

      // Another screen and back: the edit is still there, and said to be kept.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sweeps' }).click();
      await page.getByRole('heading', { name: 'Sweeps', level: 1 }).waitFor();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New sweep' }).click();
      await until('the edit to come back', async () => (await editor.inputValue()).includes('# my unsaved edit'));
      await page.getByText('Your unsaved edits were kept').waitFor();

      // A reload keeps it too.
      await page.reload();
      await until('the edit to survive the reload', async () => (await editor.inputValue()).includes('# my unsaved edit'));
      await screenshot(page, 'rough-06-draft-kept');

      // Loading over it asks; saying no keeps the edit.
      answer = false;
      await page.getByRole('button', { name: 'Load example' }).click();
      await until('the question', async () => dialogs.includes('confirm'));
      expect(await editor.inputValue()).toContain('# my unsaved edit');

      // Discard asks too; yes goes back to the file as loaded.
      answer = true;
      const asked = dialogs.length;
      await page.getByRole('button', { name: 'Discard edits' }).click();
      await until('the edit to be discarded', async () => (await editor.inputValue()) === loaded);
      expect(dialogs.length).toBe(asked + 1);
      await page.getByRole('button', { name: 'Discard edits' }).waitFor({ state: 'detached' });
      expect(await page.evaluate(() => sessionStorage.getItem('sweepdeck.newSweepDraft'))).toBeNull();
    } finally {
      page.off('dialog', onDialog);
    }
  });

  it('Open study answers a relative path or a folder with a message naming it and what to give', async () => {
    await page.goto(host.url);
    const form = page.getByRole('form', { name: 'Open a study file' });
    const field = form.getByRole('textbox', { name: 'Optuna study file (.db)' });
    await field.fill('sweepdeck-output/distilbert/study.db');
    await form.getByRole('button', { name: 'Open study file' }).click();
    const alert = form.getByRole('alert');
    await until('the relative path to be refused', async () => /give an absolute path/.test(await alert.innerText().catch(() => '')));
    expect(await alert.innerText()).toContain("'sweepdeck-output/distilbert/study.db'");
    await screenshot(page, 'rough-03-relative-path');
    await field.fill(work);
    await form.getByRole('button', { name: 'Open study file' }).click();
    await until('the folder to be refused', async () => (await alert.innerText().catch(() => '')).includes(`${work} is a folder`));
    expect(await alert.innerText()).not.toMatch(/EISDIR|ENOENT/);
  });
});
