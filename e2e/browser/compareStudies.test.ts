// Compare studies in Debian Chromium through the browser host (`sweepdeck serve` as a child process,
// the built renderer): two studies made by real Python Optuna 3.1 in their own SQLite files, one
// minimizing a loss and one maximizing an accuracy, are ticked on the Sweeps list and compared. The
// chart draws one line per study in its own colour, the legend names both, the screen says their
// directions differ, the log axis works, and a reload keeps the comparison (it is in the URL).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fmtValue } from '../../renderer/src/lib/format.ts';
import type { Client } from '../../shared/client.ts';
import { optunaVersion, requirePeer, runPython } from '../../test/support/peers.ts';
import { until } from '../../test/support/until.ts';
import { chromiumMissing, ensureRendererBuilt, SCREENSHOT_DIR, type ServedHost, studiesInBrowser, type StudiesInBrowser } from './support.ts';

const missing = chromiumMissing();
if (missing) console.warn(`browser e2e skipped: ${missing}`);
// Skips with the reason outside CI, throws (fails the run) under CI=true.
const optuna = missing === null && requirePeer('Python Optuna (Debian python3-optuna)', optunaVersion() !== null, 'apt-get install -y python3-optuna');

const TRIALS = 60;
/** Python Optuna writes one study: its name, direction and objective from the arguments. */
const MAKE_STUDY = `
import logging, math, sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
logging.getLogger('optuna').setLevel(logging.CRITICAL)
path, name, direction, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
study = optuna.create_study(study_name=name, storage='sqlite:///' + path, direction=direction, sampler=optuna.samplers.TPESampler(seed=5))
def objective(trial):
    x = trial.suggest_float('x', -4.0, 4.0)
    y = trial.suggest_float('y', 0.001, 1.0, log=True)
    loss = (x - 1.0) ** 2 + (math.log10(y) + 1.5) ** 2 + 0.05
    return loss if direction == 'minimize' else 1.0 / (1.0 + loss)
study.optimize(objective, n_trials=n)
`;

/** Pixels of the compare chart's canvas close to `rgb` (a line's colour). */
async function pixelsOf(page: Page, rgb: [number, number, number]): Promise<number> {
  return page.evaluate((want) => {
    let n = 0;
    for (const c of document.querySelectorAll<HTMLCanvasElement>('[aria-label="Best-so-far histories"] canvas')) {
      const g = c.getContext('2d');
      if (!g || c.width === 0 || c.height === 0) continue;
      const d = g.getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3]! > 200 && Math.abs(d[i]! - want[0]) < 30 && Math.abs(d[i + 1]! - want[1]) < 30 && Math.abs(d[i + 2]! - want[2]) < 30) n++;
      }
    }
    return n;
  }, rgb);
}

describe.skipIf(missing !== null || !optuna)('compare studies in the browser', { timeout: 150_000 }, () => {
  let work: string;
  let host: ServedHost;
  let page: Page;
  let api: Client;
  const ids: string[] = [];
  let pageErrors: string[] = [];
  let session: StudiesInBrowser | undefined;

  beforeAll(async () => {
    ensureRendererBuilt();
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-compare-'));
    const studies: Array<[string, string]> = [
      ['loss_study', 'minimize'],
      ['accuracy_study', 'maximize'],
    ];
    const files: string[] = [];
    for (const [name, direction] of studies) {
      const file = path.join(work, name, 'study.db');
      mkdirSync(path.dirname(file), { recursive: true });
      runPython(MAKE_STUDY, [file, name, direction, String(TRIALS)]);
      files.push(file);
    }
    session = await studiesInBrowser(work, files);
    ({ host, api, page, pageErrors } = session);
    for (const [name] of studies) ids.push(session.opened.find((o) => o.studyName === name)!.id);
  }, 240_000);

  afterAll(async () => {
    await session?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const chart = () => page.getByRole('img', { name: /^Best-so-far history of 2 studies/ });
  const legend = () => page.getByRole('list', { name: 'Studies compared' });

  it('compares two Python Optuna studies chosen on the Sweeps list, each line in its own colour', async () => {
    await page.goto(`${host.url}#/sweeps`);
    const compare = page.getByRole('button', { name: 'Compare studies' });
    await compare.waitFor();
    expect(await compare.isDisabled()).toBe(true);
    await page.getByRole('checkbox', { name: 'Compare loss_study' }).check();
    await page.getByRole('checkbox', { name: 'Compare accuracy_study' }).check();
    await page.getByRole('link', { name: 'Compare 2 studies' }).click();
    await until('the compare route', async () => new URL(page.url()).hash === `#/compare/${encodeURIComponent(ids[0]!)}/${encodeURIComponent(ids[1]!)}`);

    await chart().waitFor();
    expect(await chart().getAttribute('aria-label')).toBe(`Best-so-far history of 2 studies: loss_study (${TRIALS} finished trials), accuracy_study (${TRIALS} finished trials)`);
    const items = (await legend().getByRole('listitem').allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
    expect(items).toHaveLength(2);
    expect(items[0]).toMatch(/^loss_study ↓ minimize · best [0-9.]+ over 60 finished trials/);
    expect(items[1]).toMatch(/^accuracy_study ↑ maximize · best 0\.[0-9]+ over 60 finished trials/);
    const note = page.getByRole('note', { name: 'Directions differ' });
    expect(await note.innerText()).toContain('loss_study minimizes; accuracy_study maximizes');

    // Each study's line in its own colour (the first blue, the second amber).
    await until('both lines drawn', async () => (await pixelsOf(page, [0x25, 0x63, 0xeb])) > 100 && (await pixelsOf(page, [0xf5, 0x9e, 0x0b])) > 100);
    const { trials } = await api.get('sweeps.trials', { id: ids[0]! });
    const best = Math.min(...trials.map((t) => t.value ?? Infinity));
    expect(items[0]).toContain(`best ${fmtValue(best)} over`);

    await page.getByRole('group', { name: 'Value axis scale' }).getByRole('button', { name: 'Log' }).click();
    await page.getByRole('img', { name: /^Best-so-far history of 2 studies, log scale/ }).waitFor();
    const d = await page.locator('[aria-label="Best-so-far histories"] [role="img"]').getAttribute('aria-description');
    expect(d).toBe('x axis: trial; y axis: best value so far (log)');
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.locator('main').screenshot({ path: path.join(SCREENSHOT_DIR, 'compare-studies.png') });

    // The comparison is in the URL: a reload opens it again.
    await page.reload();
    await chart().waitFor();
    expect(await legend().getByRole('listitem').count()).toBe(2);
    expect(pageErrors).toEqual([]);
  });

  it('says so when a study in the link is gone, and asks for two when fewer are left', async () => {
    await page.goto(`${host.url}#/compare/${encodeURIComponent(ids[0]!)}/no-such-sweep`);
    await page.getByText('One sweep in this link is not on the Sweeps list (removed, or never opened in this app): no-such-sweep.').waitFor();
    await page.getByRole('heading', { name: 'Choose two or more studies' }).waitFor();
    expect(await chart().count()).toBe(0);
  });
});
