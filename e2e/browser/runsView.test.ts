// Runs on the Experiments screen, in Debian Chromium through `sweepdeck serve`, on a copy of the
// MLflow 2.22 fixture store: tags shown and filtered by a click, best-of columns (min and max over
// each history) shown and sorted, several runs compared over several metrics, and a run's
// artifacts listed and opened (JSON, CSV, an image). Values expected are the fixture's, read with
// sqlite3: macro-f1 histories 0.51..0.71 (trial_0), 0.53..0.73 (trial_1), 0.55..0.75 (trial_2);
// loss 1.0, 0.5, 0.333… in each trial.
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import { FIXTURES } from '../../test/support/peers.ts';
import { until } from '../../test/support/until.ts';
import { appPage, chromiumMissing, ensureRendererBuilt, launchChromium, screenshot, startServe, type ServedHost } from './support.ts';

const missing = chromiumMissing();
if (missing) console.warn(`browser e2e skipped: ${missing}`);

const TRIAL0 = '4d97ce45b1d44bd3935f8f8b7fc1944d';
const PARENT = 'hpo_distilbert_20241226_143022';
// A 4x3 red PNG (made with Python's zlib and struct).
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000040000000308020000003b963991000000104944415478da6338a1a101470c38390007a60d217cb1bc730000000049454e44ae426082', 'hex');

describe.skipIf(missing !== null)('runs on the Experiments screen', { timeout: 120_000 }, () => {
  let work: string;
  let host: ServedHost;
  let browser: Browser;
  let page: Page;
  let api: Client;
  let storeId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureRendererBuilt();
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-runsview-'));
    const db = path.join(work, 'mlflow.db');
    copyFileSync(path.join(FIXTURES, 'mlflow-2.22', 'mlflow.db'), db);
    const artifacts = path.join(work, 'mlruns', '1', TRIAL0, 'artifacts');
    mkdirSync(path.join(artifacts, 'plots'), { recursive: true });
    writeFileSync(path.join(artifacts, 'report.json'), '{"macro-f1":0.71,"labels":["PER","ORG"]}');
    writeFileSync(path.join(artifacts, 'preds.csv'), 'token,label\nAcme,ORG\n"Doe, Jane",PER\n');
    writeFileSync(path.join(artifacts, 'plots', 'f1.png'), PNG);
    const raw = new Database(db);
    raw.prepare('UPDATE runs SET artifact_uri = ? WHERE run_uuid = ?').run(artifacts, TRIAL0);
    raw.close();
    host = await startServe(path.join(work, 'data'), work, ['--no-example']);
    api = createClient(httpTransport(host.origin, host.token));
    storeId = (await api.get('stores.add', { kind: 'sqlite', path: db, label: 'fixture 2.22' })).id;
    browser = await launchChromium();
    page = await appPage(browser, pageErrors);
  });

  afterAll(async () => {
    api?.close();
    await browser?.close();
    await host?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const runsTable = () => page.getByRole('table', { name: 'Runs' });
  const rowNames = async (): Promise<string[]> => (await runsTable().locator('tbody tr td:nth-child(2)').allInnerTexts()).map((t) => t.replace(/^[▸▾]\s*\d+\s*/, '').trim());
  const headers = async (): Promise<string[]> => (await runsTable().locator('thead th').allInnerTexts()).map((t) => t.replace(/[▲▼]/g, '').trim());
  const cell = async (run: string, header: string): Promise<string> => {
    const col = (await headers()).indexOf(header);
    if (col < 0) throw new Error(`no column ${header} in ${(await headers()).join(' | ')}`);
    const names = await rowNames();
    const row = names.indexOf(run);
    if (row < 0) throw new Error(`no row ${run} in ${names.join(', ')}`);
    return (await runsTable().locator('tbody tr').nth(row).locator('td').nth(col).innerText()).trim();
  };

  async function openExperiment(): Promise<void> {
    await page.goto(`${host.url}#/experiments/${encodeURIComponent(storeId)}/1`);
    await runsTable().waitFor();
    await page.getByRole('button', { name: `Show 3 child runs of ${PARENT}` }).click();
    await until('the child rows', async () => (await runsTable().locator('tbody tr').count()) === 4);
  }

  it('shows user tags as columns, and a click on a tag value filters the runs by it', async () => {
    await openExperiment();
    const h = await headers();
    expect(h).toContain('tag trial_number');
    expect(h).toContain('tag resumed_from_checkpoint');
    expect(await cell(PARENT, 'tag resumed_from_checkpoint')).toBe('false');
    expect(await cell('trial_1', 'tag trial_number')).toBe('1');
    await runsTable().getByRole('button', { name: 'Show runs with trial_number = 1' }).click();
    await until('only trial_1', async () => JSON.stringify(await rowNames()) === JSON.stringify(['trial_1']));
    expect(await page.getByRole('searchbox', { name: 'MLflow filter' }).inputValue()).toBe("tags.`trial_number` = '1'");
    await page.getByRole('searchbox', { name: 'MLflow filter' }).fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await until('every top-level run again', async () => (await rowNames()).includes(PARENT));
  });

  it('charts a metric over the runs by start time, following the filter', async () => {
    await openExperiment();
    const { runs } = await api.get('runs.search', { storeId, experimentIds: ['1'], maxResults: 1000 });
    const withLoss = runs.filter((r) => Number.isFinite(r.data.metrics?.find((m) => m.key === 'loss')?.value ?? NaN)).length;
    expect(withLoss).toBeGreaterThan(1);
    await page.getByText('Chart a metric over these runs').click();
    const chart = page.locator('.runs-chart');
    await chart.getByRole('combobox', { name: 'Metric' }).selectOption('loss');
    await chart.getByRole('img', { name: `loss of ${withLoss} runs by start time` }).waitFor();
    expect(await chart.getByText(`${withLoss} of ${runs.length} runs with loss`).count()).toBe(1);
    await until('the points drawn', async () =>
      chart.locator('canvas').evaluate((c: HTMLCanvasElement) => {
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3]! > 80 && d[i + 2]! - d[i]! > 60) n++;
        return n > 0;
      }),
    );
    await page.getByRole('searchbox', { name: 'MLflow filter' }).fill("tags.`trial_number` = '1'");
    await page.getByRole('button', { name: 'Search' }).click();
    await chart.getByRole('img', { name: 'loss of 1 runs by start time' }).waitFor();
    await page.getByRole('searchbox', { name: 'MLflow filter' }).fill('');
    await page.getByRole('button', { name: 'Search' }).click();
    await chart.getByRole('img', { name: `loss of ${withLoss} runs by start time` }).waitFor();
    await page.getByText('Chart a metric over these runs').click();
  });

  it('best-of columns: min and max over each history beside the latest, sortable', async () => {
    await openExperiment();
    await page.locator('.columns-menu summary').click();
    await page.getByRole('checkbox', { name: 'macro-f1 min over its history' }).check();
    await page.getByRole('checkbox', { name: 'loss max over its history' }).check();
    await page.locator('.columns-menu summary').click();
    await until('the best-of values', async () => (await cell('trial_0', 'macro-f1 (min)').catch(() => '')) === '0.51');
    expect(await cell('trial_0', 'macro-f1')).toBe('0.71');
    expect(await cell('trial_1', 'macro-f1 (min)')).toBe('0.53');
    expect(await cell('trial_2', 'macro-f1 (min)')).toBe('0.55');
    // loss ends at 0.333… in every trial; its max over the history is the first point, 1.0.
    expect(await cell('trial_2', 'loss')).toBe('0.33333');
    expect(await cell('trial_2', 'loss (max)')).toBe('1');
    const sortBy = page.getByRole('button', { name: 'macro-f1 (min)' });
    await sortBy.click();
    await until('ascending by min', async () => JSON.stringify((await rowNames()).slice(1)) === JSON.stringify(['trial_0', 'trial_1', 'trial_2']));
    await sortBy.click();
    await until('descending by min', async () => JSON.stringify((await rowNames()).slice(1)) === JSON.stringify(['trial_2', 'trial_1', 'trial_0']));
  });

  it('compares three runs over two metrics: differences with min – max, both histories charted', async () => {
    await openExperiment();
    for (const name of ['trial_0', 'trial_1', 'trial_2']) await runsTable().getByRole('checkbox', { name: `Select ${name}` }).check();
    await page.getByRole('button', { name: /^Compare 3/ }).click();
    const compare = page.getByRole('region', { name: 'Compare runs' });
    await compare.waitFor();
    const diff = compare.getByRole('table', { name: 'Metric differences' });
    await until('the min – max in the differences', async () => (await diff.innerText()).includes('0.51 – 0.71'));
    const f1Row = (await diff.getByRole('row', { name: /macro-f1/ }).innerText()).replace(/\s+/g, ' ');
    expect(f1Row).toContain('0.71 (0.51 – 0.71)');
    expect(f1Row).toContain('0.73 (0.53 – 0.73)');
    expect(f1Row).toContain('0.75 (0.55 – 0.75)');
    for (const m of ['loss', 'macro-f1']) {
      expect(await compare.getByRole('group', { name: 'Metrics to chart' }).getByRole('checkbox', { name: m }).isChecked()).toBe(true);
      const chart = compare.getByRole('img', { name: new RegExp(`^History of ${m} for `) });
      await chart.waitFor();
      expect((await chart.getAttribute('aria-label'))?.split(' for ')[1]?.split(', ').sort()).toEqual(['trial_0', 'trial_1', 'trial_2']);
      await until(`the ${m} chart drawn`, async () => (await chart.locator('canvas').count()) === 1);
    }
    // Unticking a metric takes its chart away.
    await compare.getByRole('group', { name: 'Metrics to chart' }).getByRole('checkbox', { name: 'loss' }).uncheck();
    await until('the loss chart gone', async () => (await compare.getByRole('img', { name: /History of loss/ }).count()) === 0);
    await compare.getByRole('group', { name: 'Metrics to chart' }).getByRole('checkbox', { name: 'loss' }).check();
    await compare.getByRole('img', { name: /History of loss/ }).waitFor();
    await compare.scrollIntoViewIfNeeded();
    await compare.screenshot({ path: path.join(path.dirname(await screenshot(page, 'runs-compare-page')), 'runs-compare.png') });
  });

  it("lists a run's artifacts and opens JSON (indented), CSV (as a table) and an image", async () => {
    await page.goto(`${host.url}#/run/${encodeURIComponent(storeId)}/${TRIAL0}`);
    const panel = page.getByRole('region', { name: 'Artifacts' });
    await panel.getByRole('button', { name: 'report.json' }).click();
    const json = panel.getByLabel('Contents of report.json');
    await json.waitFor();
    expect(await json.innerText()).toBe('{\n  "macro-f1": 0.71,\n  "labels": [\n    "PER",\n    "ORG"\n  ]\n}');
    await panel.getByRole('button', { name: 'preds.csv' }).click();
    const csv = panel.getByRole('table', { name: 'Contents of preds.csv' });
    await csv.waitFor();
    expect(await csv.locator('thead th').allInnerTexts()).toEqual(['token', 'label']);
    expect(await csv.locator('tbody tr').nth(1).locator('td').allInnerTexts()).toEqual(['Doe, Jane', 'PER']);
    await panel.getByRole('button', { name: /plots/ }).click();
    await panel.getByRole('button', { name: 'f1.png' }).click();
    const img = panel.getByRole('img', { name: 'plots/f1.png' });
    await img.waitFor();
    await until('the image decoded', async () => (await img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth)) === 4);
    expect(await img.getAttribute('src')).toMatch(/^blob:/);
    await panel.scrollIntoViewIfNeeded();
    await screenshot(page, 'run-artifacts');
    // The run's tags are listed too.
    expect(await page.getByRole('table', { name: 'Tags' }).innerText()).toContain('trial_number');
    expect(pageErrors).toEqual([]);
  });
});
