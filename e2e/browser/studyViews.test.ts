// The sweep detail's analysis views in Debian Chromium through the browser host (`sweepdeck serve` as
// a child process, the built renderer): a study made here by real Python Optuna 3.1 (float log, int,
// categorical and float params; complete, pruned and failed trials; intermediate values; a pause with
// nothing running) and the example sweep run by the app. Each view is opened from its tab and checked
// for what it actually drew (coloured pixels on its canvas, axis labels naming the params, the counts
// it states); the chosen tab survives a reload; the tabs work by keyboard; a view follows a running
// sweep without a reload. Screenshots of each view go to test-results/screenshots/.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../shared/client.ts';
import { optunaVersion, requirePeer, runPython } from '../../test/support/peers.ts';
import { until } from '../../test/support/until.ts';
import { chromiumMissing, colouredPixels, ensureRendererBuilt, REPO_ROOT, SCREENSHOT_DIR, type ServedHost, studiesInBrowser, type StudiesInBrowser } from './support.ts';

const missing = chromiumMissing();
if (missing) console.warn(`browser e2e skipped: ${missing}`);
// Skips with the reason outside CI, throws (fails the run) under CI=true.
const optuna = missing === null && requirePeer('Python Optuna (Debian python3-optuna)', optunaVersion() !== null, 'apt-get install -y python3-optuna');

const PY_STUDY = 'views_demo';
const PY_TRIALS = 240;
/** Python Optuna writes the study: trial n % 23 == 7 fails before reporting, the pruner prunes
 * the worst fifth, and halfway the script sleeps 1.5 s with nothing running (the timeline's stall). */
const MAKE_STUDY = `
import logging, math, sys, time, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
logging.getLogger('optuna').setLevel(logging.CRITICAL)
path, n = sys.argv[1], int(sys.argv[2])
# Run in memory, then copied (trials, times, intermediate values) into the SQLite file by Optuna's own
# copy_study: four times quicker than optimizing on SQLite, for the same file.
mem = optuna.storages.InMemoryStorage()
study = optuna.create_study(study_name='${PY_STUDY}', storage=mem, direction='minimize',
    sampler=optuna.samplers.RandomSampler(seed=3), pruner=optuna.pruners.PercentilePruner(80.0, n_startup_trials=10, n_warmup_steps=1))
def objective(trial):
    lr = trial.suggest_float('learning_rate', 1e-5, 1e-1, log=True)
    layers = trial.suggest_int('layers', 1, 6)
    opt = trial.suggest_categorical('optimizer', ['adam', 'sgd', 'rmsprop'])
    dropout = trial.suggest_float('dropout', 0.0, 0.5)
    base = (math.log10(lr) + 3) ** 2 * 0.1 + abs(layers - 3) * 0.05 + {'adam': 0.0, 'sgd': 0.15, 'rmsprop': 0.05}[opt] + (dropout - 0.2) ** 2
    if trial.number % 23 == 7:
        raise ValueError('diverged')
    time.sleep(0.01)  # a trial takes a moment, as real ones do: bars on the timeline
    v = None
    for step in range(5):
        v = base + 0.5 / (step + 1)
        trial.report(v, step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return v
study.optimize(objective, n_trials=n // 2, catch=(ValueError,))
time.sleep(1.5)
study.optimize(objective, n_trials=n - n // 2, catch=(ValueError,))
optuna.copy_study(from_study_name='${PY_STUDY}', from_storage=mem, to_storage='sqlite:///' + path)
`;

const EXAMPLE = path.join(REPO_ROOT, 'resources', 'examples', 'resume-ner', 'hpo.yaml');
const EX_STUDY = 'views_example';
const EX_TRIALS = 6;

/** The example config, made quick: its own study, few trials two at a time, few epochs. */
function quickExample(): string {
  const text = readFileSync(EXAMPLE, 'utf8');
  const out = text
    .replace(/^study_name: .*$/m, `study_name: ${EX_STUDY}`)
    .replace(/max_trials: \d+/, `max_trials: ${EX_TRIALS}`)
    .replace(/max_concurrent_trials: \d+/, 'max_concurrent_trials: 2')
    .replace(/epochs:(\s*)\{[^}]*\}/, 'epochs:$1{type: int, min: 2, max: 3}');
  if (!out.includes(`study_name: ${EX_STUDY}`) || !out.includes('max_concurrent_trials: 2') || !out.includes('min: 2, max: 3}')) throw new Error('the example config changed shape; update quickExample');
  return out;
}

/** Pixels on the open view's canvases that are clearly coloured (data: blue, amber, red, green),
 * as opposed to the grey of axes, grid and text. `pick` narrows to one colour family. */
/** The open chart's axis names (uPlot draws them on the canvas; the chart says them in its
 * aria-description, "x axis: NAME; y axis: NAME"). */
async function axisLabels(page: Page): Promise<string[]> {
  const d = (await page.locator('#view-panel [role="img"]').first().getAttribute('aria-description')) ?? '';
  return [...d.matchAll(/[xy] axis: ([^;]+)/g)].map((m) => m[1]!);
}

describe.skipIf(missing !== null || !optuna)('analysis views in the browser', { timeout: 150_000 }, () => {
  let work: string;
  let host: ServedHost;
  let page: Page;
  let api: Client;
  let pyId = '';
  let pageErrors: string[] = [];
  let session: StudiesInBrowser | undefined;

  beforeAll(async () => {
    ensureRendererBuilt();
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-views-'));
    const studyPath = path.join(work, 'py', 'study.db');
    mkdirSync(path.dirname(studyPath), { recursive: true });
    runPython(MAKE_STUDY, [studyPath, String(PY_TRIALS)]);
    session = await studiesInBrowser(work, [studyPath]);
    ({ host, api, page, pageErrors } = session);
    pyId = session.opened.find((o) => o.studyName === PY_STUDY)!.id;
    // Python Optuna writing the study takes a while on a busy machine.
  }, 240_000);

  afterAll(async () => {
    await session?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const tab = (name: string) => page.getByRole('tablist', { name: 'Analysis views' }).getByRole('tab', { name, exact: true });
  const shot = async (name: string): Promise<void> => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.locator('.study-views').screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
  };
  const labelsAre = (want: string[]) => until(`axis labels ${want.join(', ')}`, async () => JSON.stringify(await axisLabels(page)) === JSON.stringify(want));
  const drawn = (what: string, min = 200) => until(`${what} to be drawn`, async () => (await colouredPixels(page)) >= min);

  it('every view draws the Python Optuna study', async () => {
    const { trials } = await api.get('sweeps.trials', { id: pyId });
    expect(trials.length).toBe(PY_TRIALS);
    const complete = trials.filter((t) => t.state === 'COMPLETE').length;
    const pruned = trials.filter((t) => t.state === 'PRUNED').length;
    const failed = trials.filter((t) => t.state === 'FAIL').length;
    const withValues = trials.filter((t) => t.intermediate.length > 0);
    expect(pruned).toBeGreaterThan(0);
    expect(failed).toBe(Math.floor((PY_TRIALS - 8) / 23) + 1);

    await page.goto(`${host.url}#/sweep/${encodeURIComponent(pyId)}`);
    // History is the first view: density of values with the best-so-far line, on a log axis too.
    expect(await tab('History').getAttribute('aria-selected')).toBe('true');
    await page.getByRole('img', { name: `Optimization history of the objective with best-so-far line, ${complete} trials` }).waitFor();
    await drawn('the history');
    await labelsAre(['trial', 'value']);
    await page.getByRole('group', { name: 'Value axis scale' }).getByRole('button', { name: 'Log' }).click();
    await page.getByRole('img', { name: /Optimization history .* log scale/ }).waitFor();
    await labelsAre(['trial', 'value (log)']);
    await drawn('the history on a log axis');
    await shot('views-history-log');

    // Intermediate values: how many are shown of how many, and the user's choice of both.
    await tab('Intermediate values').click();
    const status = page.locator('#view-panel').getByRole('status');
    await until('the intermediate count', async () => (await status.innerText().catch(() => '')) === `Showing 80 of ${withValues.length} trials with intermediate values`);
    await drawn('the intermediate values');
    await page.getByRole('combobox', { name: 'trials, of' }).selectOption('PRUNED');
    await page.getByRole('combobox', { name: 'Show the last' }).selectOption('300');
    await until('the pruned count', async () => (await status.innerText()) === `Showing ${pruned} of ${pruned} pruned trials with intermediate values (${withValues.length} of any state)`);
    await page.getByRole('img', { name: `Intermediate values of ${pruned} trials, ${pruned} pruned shown in red` }).waitFor();
    expect(await colouredPixels(page, 'red')).toBeGreaterThan(50);
    await shot('views-intermediate');

    await tab('Parallel coordinates').click();
    await page.getByRole('img', { name: `Parallel coordinates of ${complete} finished trials over 4 parameters and the objective` }).waitFor();
    await drawn('the parallel coordinates');

    await tab('Importance').click();
    const imp = page.getByRole('list', { name: 'Hyperparameter importance' });
    await imp.waitFor();
    expect((await imp.getByRole('listitem').allInnerTexts()).map((t) => t.split('\n')[0]).sort()).toEqual(['dropout', 'layers', 'learning_rate', 'optimizer']);
    // The method is named, and how sure its ranking is follows once the bootstrap is done.
    await page.getByText(`PED-ANOVA, top 10% vs all, ${complete} trials`, { exact: true }).waitFor();
    const sure = page.getByLabel('How sure');
    await until('how sure the ranking is', async () => / ranked first in \d+% of \d+ resamples of the trials/.test(await sure.innerText()));
    await shot('views-importance');

    // Slice: the picked param on x (log, as its distribution says), the objective on y.
    await tab('Slice').click();
    await page.getByRole('combobox', { name: 'Param' }).selectOption('learning_rate');
    await page.getByText(`${complete} finished trials with learning_rate`).waitFor();
    await page.getByRole('img', { name: `Slice: objective against learning_rate, ${complete} trials` }).waitFor();
    await labelsAre(['learning_rate (log)', 'value']);
    await drawn('the slice');
    await shot('views-slice');
    // A categorical param: one column per choice, labelled with the choices.
    await page.getByRole('combobox', { name: 'Param' }).selectOption('optimizer');
    await page.getByRole('img', { name: `Slice: objective against optimizer, ${complete} trials` }).waitFor();
    expect(await page.locator('#view-panel [role="img"]').getAttribute('aria-description')).toBe('x axis: optimizer; y axis: value; optimizer choices: adam, sgd, rmsprop');

    // Contour: two params, a grid of mean values with the trials over it.
    await tab('Contour').click();
    await page.getByRole('combobox', { name: 'X' }).selectOption('learning_rate');
    await page.getByRole('combobox', { name: 'Y' }).selectOption('dropout');
    await page.getByRole('img', { name: `Contour: mean objective over learning_rate and dropout, ${complete} trials` }).waitFor();
    await labelsAre(['learning_rate (log)', 'dropout']);
    await drawn('the contour', 5000);
    await shot('views-contour');

    await tab('EDF').click();
    await page.getByRole('img', { name: 'Empirical distribution of the objective over finished trials' }).waitFor();
    await labelsAre(['value', 'share of trials ≤ value']);
    await drawn('the EDF');

    await tab('Rank').click();
    await page.getByRole('combobox', { name: 'X' }).selectOption('learning_rate');
    await page.getByRole('combobox', { name: 'Y' }).selectOption('layers');
    await page.getByRole('img', { name: `Rank of the objective over learning_rate and layers, ${complete} trials` }).waitFor();
    await labelsAre(['learning_rate (log)', 'layers']);
    await drawn('the rank view');
    await shot('views-rank');

    // Timeline: every trial that started, failures in red, and the pause the script made.
    await tab('Timeline').click();
    await page.getByRole('img', { name: new RegExp(`^Timeline of ${PY_TRIALS} trials over .* in 1 lane$`) }).waitFor();
    await drawn('the timeline');
    expect(await colouredPixels(page, 'red')).toBeGreaterThan(0);
    const legend = await page.locator('#view-panel .legend-line').innerText();
    expect(legend).toContain(`fail (${failed})`);
    expect(legend).toContain(`pruned (${pruned})`);
    const idle = /Longest stretch with nothing running: ([\d.]+) s/.exec(await page.locator('#view-panel').innerText());
    expect(idle).not.toBeNull();
    expect(Number(idle![1])).toBeGreaterThanOrEqual(1.5);
    await shot('views-timeline');
    expect(pageErrors).toEqual([]);
  });

  it('the chosen view is in the URL and survives a reload; the tabs work by keyboard', async () => {
    await tab('Timeline').click();
    expect(new URL(page.url()).hash).toBe(`#/sweep/${encodeURIComponent(pyId)}/timeline`);
    await page.reload();
    await page.getByRole('img', { name: /^Timeline of / }).waitFor();
    expect(await tab('Timeline').getAttribute('aria-selected')).toBe('true');
    // Only the chosen tab is in the Tab order; arrows, Home and End move between the tabs.
    expect(await page.getByRole('tablist', { name: 'Analysis views' }).locator('[tabindex="0"]').count()).toBe(1);
    await tab('Timeline').focus();
    await page.keyboard.press('Home');
    expect(await tab('History').getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Intermediate values');
    expect(await tab('Intermediate values').getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect(await tab('Timeline').getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('End');
    expect(await tab('Timeline').getAttribute('aria-selected')).toBe('true');
    expect(await page.getByRole('tabpanel').getAttribute('aria-labelledby')).toBe('view-tab-timeline');
    expect(new URL(page.url()).hash).toBe(`#/sweep/${encodeURIComponent(pyId)}/timeline`);
  });

  it('the example sweep: a view follows the running sweep without a reload, and every view draws it', async () => {
    // The page is open on the timeline before the sweep starts: it shows no trial, then every trial,
    // with no reload in between.
    const started = await api.get('sweeps.register', { configText: quickExample(), basedOn: EXAMPLE, outputDir: path.join(work, 'example-out') });
    await page.goto(`${host.url}#/sweep/${encodeURIComponent(started.id)}/timeline`);
    await page.getByText('The timeline appears once a trial has started.').waitFor();
    await api.get('sweeps.start', { id: started.id });
    const label = async (): Promise<number> => Number(/^Timeline of (\d+) trials/.exec((await page.locator('#view-panel [role="img"]').getAttribute('aria-label').catch(() => null)) ?? '')?.[1] ?? 0);
    await until('the timeline to show every trial', async () => (await label()) === EX_TRIALS, 120_000);
    await until('the sweep to finish', async () => (await api.get('sweeps.get', { id: started.id })).state === 'finished', 60_000);
    // The two-at-a-time trials sit in two lanes.
    await page.getByRole('img', { name: new RegExp(`^Timeline of ${EX_TRIALS} trials over .* in 2 lanes$`) }).waitFor();
    await until('the timeline to show none running', async () => (await page.locator('#view-panel .legend-line').innerText()).includes('running (0)'));
    await drawn('the example timeline', 100);
    await shot('views-example-timeline');
    const { trials } = await api.get('sweeps.trials', { id: started.id });
    const complete = trials.filter((t) => t.state === 'COMPLETE').length;
    expect(complete).toBeGreaterThan(0);
    await tab('Slice').click();
    await page.getByRole('combobox', { name: 'Param' }).selectOption('learning_rate');
    await page.getByRole('img', { name: `Slice: macro-f1 against learning_rate, ${complete} trials` }).waitFor();
    await labelsAre(['learning_rate (log)', 'macro-f1']);
    await drawn('the example slice', 20);
    await tab('Contour').click();
    await page.getByRole('img', { name: /^Contour: mean macro-f1 over / }).waitFor();
    await drawn('the example contour', 100);
    await tab('EDF').click();
    await page.getByRole('img', { name: 'Empirical distribution of macro-f1 over finished trials' }).waitFor();
    await drawn('the example EDF', 20);
    await tab('Rank').click();
    await page.getByRole('img', { name: /^Rank of macro-f1 over / }).waitFor();
    await drawn('the example rank view', 20);
    await tab('History').click();
    await page.getByRole('img', { name: `Optimization history of macro-f1 with best-so-far line, ${complete} trials` }).waitFor();
    await drawn('the example history', 20);
    expect(pageErrors).toEqual([]);
  });
});
