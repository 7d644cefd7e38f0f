// Rough edge 1 of issue 13, in Debian Chromium through the browser host: Resume with a config whose
// search space differs from the study's shows the differences and asks; Cancel leaves the study
// byte-for-byte as it was; a change of a param's kind is shown as a refusal with no Resume anyway;
// Resume anyway resumes. Screenshots go to test-results/screenshots/.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import { FIXTURE_STUDY_CONFIG } from '../../test/support/fixtureStudy.ts';
import { FIXTURES } from '../../test/support/peers.ts';
import { quickTrial } from '../../test/support/quickSweep.ts';
import { until } from '../../test/support/until.ts';
import { appPage, chromiumMissing, ensureRendererBuilt, launchChromium, screenshot, startServe, type ServedHost } from './support.ts';

const missing = chromiumMissing();
if (missing) console.warn(`browser e2e skipped: ${missing}`);

const STUDY = 'hpo_distilbert';
const sha = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex');

describe.skipIf(missing !== null)('resuming with another search space, in the browser', { timeout: 120_000 }, () => {
  let work: string;
  let host: ServedHost;
  let browser: Browser;
  let page: Page;
  let api: Client;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureRendererBuilt();
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-space-e2e-'));
    host = await startServe(path.join(work, 'data'), work, ['--no-example']);
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

  const card = () => page.getByRole('listitem', { name: `Sweep ${STUDY}` });

  it('lists the differences and asks; Cancel leaves the study untouched; a kind change is refused; Resume anyway resumes', async () => {
    const dir = path.join(work, 'space');
    mkdirSync(dir, { recursive: true });
    const study = path.join(dir, 'study.db');
    copyFileSync(path.join(FIXTURES, 'optuna-3.1.0', 'study.db'), study);
    writeFileSync(path.join(dir, 'trial.mjs'), quickTrial(5));
    const widened = path.join(dir, 'widened.yaml');
    const kind = path.join(dir, 'kind.yaml');
    const widenedText = FIXTURE_STUDY_CONFIG.replace('learning_rate: {type: loguniform, min: 1.0e-5, max: 5.0e-5}', 'learning_rate: {type: loguniform, min: 1.0e-6, max: 1.0e-1}').replace(
      '  weight_decay: {type: uniform, min: 0.0, max: 0.1}\n',
      '',
    );
    const kindText = FIXTURE_STUDY_CONFIG.replace('epochs: {type: int, min: 2, max: 10, step: 2}', 'epochs: {type: uniform, min: 2, max: 10}');
    expect(widenedText).not.toBe(FIXTURE_STUDY_CONFIG);
    expect(kindText).not.toBe(FIXTURE_STUDY_CONFIG);
    writeFileSync(widened, widenedText);
    writeFileSync(kind, kindText);
    await api.get('sweeps.openStudyFile', { path: study });
    const before = sha(study);

    await page.goto(host.url);
    await card().waitFor();
    await card().getByRole('button', { name: `Resume ${STUDY}` }).click();
    const field = card().getByRole('textbox', { name: 'HPO config path' });
    await field.fill(widened);
    await card().getByRole('button', { name: 'Resume with this config' }).click();

    const dialog = card().getByRole('alertdialog');
    await dialog.waitFor();
    expect(await dialog.getByRole('listitem').allInnerTexts()).toEqual([
      'learning_rate: range 1e-5..5e-5 → 1e-6..1e-1',
      "weight_decay: removed — trials keep their values; new trials won't sample it",
    ]);
    expect(await dialog.innerText()).toContain(`Study '${STUDY}' in ${study}`);
    await screenshot(page, 'space-change-confirm');
    await dialog.getByRole('button', { name: `Cancel resuming ${STUDY}` }).click();
    await until('the dialog to close', async () => (await card().getByRole('alertdialog').count()) === 0);
    expect(sha(study)).toBe(before);
    const afterCancel = await api.get('sweeps.get', { id: (await api.get('sweeps.list', {})).sweeps[0]!.id });
    expect([afterCancel.state, afterCancel.configPath]).toEqual(['interrupted', null]);

    // A change of a param's kind: the refusal, and no way to resume anyway.
    await field.fill(kind);
    await card().getByRole('button', { name: 'Resume with this config' }).click();
    await dialog.waitFor();
    const refusal = await dialog.innerText();
    expect(refusal).toContain(`${STUDY} cannot resume with this config`);
    expect(refusal).toContain("epochs: the study holds it as int, the config makes it float (uniform / loguniform) — Optuna cannot change a param's kind within a study");
    expect(await dialog.getByRole('button', { name: `Resume ${STUDY} anyway` }).count()).toBe(0);
    await screenshot(page, 'space-change-refused');
    await dialog.getByRole('button', { name: `Cancel resuming ${STUDY}` }).click();
    await until('the refusal to close', async () => (await card().getByRole('alertdialog').count()) === 0);
    expect(sha(study)).toBe(before);

    // On purpose: Resume anyway runs the rest of the sweep with the new space.
    await field.fill(widened);
    await card().getByRole('button', { name: 'Resume with this config' }).click();
    await dialog.getByRole('button', { name: `Resume ${STUDY} anyway` }).click();
    await until('the sweep to finish', async () => (await card().locator('[data-state]').first().getAttribute('data-state')) === 'finished', 60_000);
    expect(sha(study)).not.toBe(before);
    expect(pageErrors).toEqual([]);
  });
});
