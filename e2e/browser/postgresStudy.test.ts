// A PostgreSQL study in the browser (Debian Chromium, `sweepdeck serve` as a child process, a real
// throw-away PostgreSQL cluster, real Python Optuna workers): Open study URL with the password in
// it (the field is emptied, the memory-only notice shown, the card names the URL without it), the
// Workers panel (a Sweepdeck worker by host and pid, the Python row), trials a Python worker adds
// appearing without a reload, Stop workers with its confirm step writing the stop request into the
// study, and the password in no reply the page got, no line the host printed, no registry byte.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStudyStorage } from '../../electron/core/studies/optunaPostgresStorage.ts';
import { SYS_STOP_REQUESTED, SYS_WORKER_HOST, SYS_WORKER_PID, SYS_WORKER_SLOT } from '../../electron/core/studies/sweepdeckAttrs.ts';
import { hasOptuna, runPython } from '../../test/support/peers.ts';
import { hasPostgres, startPostgres, type PgServer } from '../../test/support/postgresPeer.ts';
import { until } from '../../test/support/until.ts';
import { appPage, chromiumMissing, ensureRendererBuilt, launchChromium, recordReplies, screenshot, startServe, type ServedHost } from './support.ts';

const missing = chromiumMissing();
if (missing) console.warn(`browser e2e skipped: ${missing}`);

const PY_WORKER = `
import sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
url, n, leave = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "leave"
study = optuna.load_study(study_name="shared", storage=url)
study.optimize(lambda t: (t.suggest_float("x", -1, 1) - 0.25) ** 2, n_trials=n)
if leave:
    study.ask()
`;

describe.runIf(missing === null && hasPostgres() && hasOptuna())('a PostgreSQL study in the browser', { timeout: 180_000 }, () => {
  let pg: PgServer;
  let url: string;
  let db: string;
  let work: string;
  let dataDir: string;
  let host: ServedHost;
  let browser: Browser;
  let page: Page;
  const replies: string[] = [];
  const pageErrors: string[] = [];
  let sweepdeckTrial = -1;

  beforeAll(async () => {
    ensureRendererBuilt();
    pg = await startPostgres();
    url = pg.createDatabase('e2e');
    db = new URL(url).pathname.slice(1);
    runPython('import sys, optuna\noptuna.create_study(study_name="shared", storage=sys.argv[1], direction="minimize")', [url]);
    runPython(PY_WORKER, [url, '3', 'leave']);
    // A Sweepdeck worker on another machine has claimed a trial (as `sweep worker` records it).
    const s = await openPostgresStudyStorage(url);
    try {
      const studyId = (await s.loadStudy('shared')).studyId;
      sweepdeckTrial = (await s.createTrial(studyId, { systemAttrs: { [SYS_WORKER_HOST]: 'node-a', [SYS_WORKER_PID]: 4242, [SYS_WORKER_SLOT]: 0 } })).number;
    } finally {
      await s.close();
    }
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-pge2e-'));
    dataDir = path.join(work, 'data');
    // No keyring in a test: the password is kept in memory, and the page says so.
    host = await startServe(dataDir, work, ['--no-example'], { SWEEPDECK_AZURE_TOKEN_CACHE: 'memory' });
    browser = await launchChromium();
    page = await appPage(browser, pageErrors);
    recordReplies(page, replies);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    pg?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const redacted = (): string => {
    const u = new URL(url);
    u.password = '';
    return u.href;
  };

  it('Open study URL: the field is emptied, the notice says memory only, the card shows the URL without the password', async () => {
    await page.goto(host.url);
    const form = page.getByRole('form', { name: 'Open a study by URL' });
    const field = form.getByRole('textbox', { name: 'PostgreSQL study URL' });
    await field.fill(url);
    await form.getByRole('button', { name: 'Open study URL' }).click();
    const notice = form.getByRole('status');
    await notice.waitFor();
    expect(await notice.innerText()).toContain(`the password of ${redacted()} is kept in memory only`);
    expect(await field.inputValue()).toBe('');
    const card = page.getByRole('listitem', { name: 'Sweep shared' });
    await card.waitFor();
    const text = await card.innerText();
    expect(text).toContain('PostgreSQL study');
    expect(text).toContain(redacted());
    await screenshot(page, 'postgres-study-opened');
  });

  it('the Workers panel shows the Sweepdeck worker and the Python row; new Python trials appear without a reload', async () => {
    await page.getByRole('link', { name: 'Open shared' }).click();
    const panel = page.getByRole('region', { name: 'Workers' });
    const nodeA = panel.getByRole('row', { name: 'Worker node-a (pid 4242)' });
    await nodeA.waitFor();
    expect(await nodeA.innerText()).toContain(`1 (${sweepdeckTrial})`);
    const python = panel.getByRole('row', { name: 'Worker Python Optuna / unknown worker' });
    await python.waitFor();
    expect(await python.innerText()).toMatch(/1 \(3\)\s+3\s+none \(Python Optuna sends none by default\)/);

    await page.getByText('3 complete').first().waitFor();
    runPython(PY_WORKER, [url, '2', 'keep']);
    await page.getByText('5 complete').first().waitFor();
    await until('the Python row to count 5 finished', async () => /\b5\b/.test(await python.innerText()));
    // The trials table reads them too (trials 5 and 6: 3 is Python's RUNNING one, 4 node-a's).
    await page.getByRole('table', { name: 'Trials' }).getByRole('row', { name: /^Trial 6, complete, value / }).waitFor();
    await screenshot(page, 'postgres-workers-panel');
  });

  it('Stop workers asks for confirmation, then writes the stop request into the study', async () => {
    const panel = page.getByRole('region', { name: 'Workers' });
    await panel.getByRole('button', { name: 'Stop the workers of shared' }).click();
    const confirm = panel.getByRole('group', { name: 'Confirm stopping the workers of shared' });
    expect(await confirm.innerText()).toContain('on every machine');
    expect(pg.psql(`SELECT count(*) FROM study_system_attributes WHERE key = '${SYS_STOP_REQUESTED}'`, db).trim()).toBe('0');
    await confirm.getByRole('button', { name: 'Yes, stop the workers of shared' }).click();
    await panel.getByText(/^Stop requested at .* by /).waitFor();
    const stored = JSON.parse(pg.psql(`SELECT value_json FROM study_system_attributes WHERE key = '${SYS_STOP_REQUESTED}'`, db).trim()) as { at: string; by: string };
    expect(stored.by).toMatch(/^.+:\d+$/);
    expect(pageErrors).toEqual([]);
  });

  it('the password is in no reply, no host output and not in the registry', () => {
    expect(replies.length).toBeGreaterThan(10);
    for (const r of replies) expect(r).not.toContain(pg.password);
    expect(host.output()).not.toContain(pg.password);
    expect(readFileSync(path.join(dataDir, 'state.json'), 'utf8')).not.toContain(pg.password);
  });
});
