// The desktop app end to end in a real Electron, driven by Playwright's _electron: the same flow as
// the browser e2e (start a sweep, stop it midway, restart the app and see it interrupted, resume it
// to the end, open its parent run and find every trial as a child run) through the real preload
// bridge and IPC binding, plus the window's security settings.
// It needs an Electron binary: set ELECTRON_OVERRIDE_DIST_PATH to the folder holding it (this
// machine cannot download one). Without it the suite is skipped with the reason, and the CI log
// says in one line that it did not run (.ci/electron-e2e-status).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {} from '../../shared/client.ts';
import type { SweepSummary } from '../../shared/contract.ts';
import type { Result } from '../../shared/result.ts';
import { REPO_ROOT } from '../../test/support/peers.ts';
import { quickTrial } from '../../test/support/quickSweep.ts';
import { until } from '../../test/support/until.ts';

const DIST = process.env.ELECTRON_OVERRIDE_DIST_PATH;
const EXE = process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron';
const BIN = DIST ? path.join(DIST, EXE) : undefined;

if (!DIST) {
  console.warn('Electron e2e: not run: ELECTRON_OVERRIDE_DIST_PATH is not set (no Electron binary can be downloaded here)');
} else if (!BIN || !existsSync(BIN)) {
  // Pointing at a folder without the binary is a set-up mistake: fail rather than skip.
  throw new Error(`ELECTRON_OVERRIDE_DIST_PATH is ${DIST}, but ${BIN} does not exist.`);
}

const SHOTS = path.join(REPO_ROOT, 'test-results', 'electron');
/** The study name the config below gets (hpo_{backbone}). */
const STUDY = 'hpo_tiny';

const CONFIG = `
experiment_name: electron-e2e
backbone: tiny
search_space:
  x: {type: uniform, min: 0.0, max: 1.0}
sampling: {algorithm: random, max_trials: 4, max_concurrent_trials: 1, seed: 11}
objective: {metric: score, goal: maximize}
trial:
  command: ["node", "trial.mjs", "--x", "{x}"]
`;

let work = '';
let dataDir = '';
let app: ElectronApplication | undefined;
let page: Page;

async function launch(): Promise<void> {
  const args = [REPO_ROOT];
  // Chromium will not run as root with its sandbox on.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  app = await _electron.launch({
    executablePath: BIN as string,
    args,
    env: { ...process.env, SWEEPDECK_DATA_DIR: dataDir, SWEEPDECK_E2E: '1' } as Record<string, string>,
    timeout: 60_000,
  });
  page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');
}

async function quit(): Promise<void> {
  await app?.close();
  app = undefined;
}

/** One contract call through the real preload bridge. */
async function call<T>(channel: string, input: unknown): Promise<Result<T>> {
  return (await page.evaluate(([ch, inp]) => window.sweepdeck!.invoke(ch as string, inp), [channel, input] as const)) as Result<T>;
}

async function value<T>(channel: string, input: unknown): Promise<T> {
  const r = await call<T>(channel, input);
  if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
  return r.value;
}

describe.skipIf(!DIST)('Electron app', () => {
  let id = '';

  beforeAll(async () => {
    const built = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`build failed:\n${built.stderr}`);
    work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-electron-e2e-'));
    dataDir = path.join(work, 'data');
    writeFileSync(path.join(work, 'trial.mjs'), quickTrial(200));
    writeFileSync(path.join(work, 'hpo.yaml'), CONFIG);
    await launch();
  }, 180_000);

  afterAll(async () => {
    await quit();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('opens a sandboxed, isolated window with one typed bridge', async () => {
    await page.screenshot({ path: path.join(SHOTS, 'window.png') });
    expect(await page.title()).toMatch(/Sweepdeck/);
    const globals = await page.evaluate(() => ({
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (window as unknown as { process?: unknown }).process,
      bridgeKeys: Object.keys(window.sweepdeck ?? {}).sort(),
    }));
    expect(globals).toEqual({ require: 'undefined', process: 'undefined', bridgeKeys: ['invoke', 'on'] });
    // Main sees one window and its page is ours.
    const urls = await app!.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.webContents.getURL()));
    expect(urls).toEqual(['sweepdeck://app/index.html']);
  });

  it('refuses channels outside the contract and malformed input', async () => {
    expect(await call('shell.openAnything', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(await call('sweeps.get', { id: 42 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await call('app.info', {})).toMatchObject({ ok: true, value: { host: 'electron' } });
  });

  it('denies new windows and navigation away from the app', async () => {
    const before = page.url();
    const opened = await page.evaluate(() => window.open('https://example.com/') === null);
    expect(opened).toBe(true);
    // Asserted on the main process's will-navigate event for this attempt (seen after the app's
    // own handler, which runs first), not by sleeping and looking.
    type Attempt = { url: string; prevented: boolean };
    await app!.evaluate(({ BrowserWindow }) => {
      const contents = BrowserWindow.getAllWindows()[0]!.webContents;
      (globalThis as { navAttempt?: Promise<Attempt> }).navAttempt = new Promise<Attempt>((resolve) => {
        contents.once('will-navigate', (event) => resolve({ url: event.url, prevented: event.defaultPrevented }));
      });
    });
    await page.evaluate(() => {
      location.href = 'https://example.com/';
    });
    expect(await app!.evaluate(() => (globalThis as { navAttempt?: Promise<Attempt> }).navAttempt)).toEqual({ url: 'https://example.com/', prevented: true });
    expect(page.url()).toBe(before);
    expect(app!.windows()).toHaveLength(1);
  });

  it('starts a sweep from the Sweeps screen, streams progress, and stops it midway', async () => {
    const registered = await value<SweepSummary>('sweeps.register', { configPath: path.join(work, 'hpo.yaml') });
    id = registered.id;
    expect(registered.state).toBe('ready');
    await page.evaluate((sweepId) => {
      const w = window as unknown as { __progress: number[] };
      w.__progress = [];
      window.sweepdeck!.on('sweep.progress', (p) => {
        const e = p as { id: string; finishedTrials: number };
        if (e.id === sweepId) w.__progress.push(e.finishedTrials);
      });
    }, id);
    // The same controls the browser e2e uses (accessible names from renderer/src/components/SweepActions.tsx).
    const card = page.getByRole('listitem', { name: `Sweep ${STUDY}` });
    await card.waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: `Start ${STUDY}` }).click();
    await until('a finished trial', async () => {
      const seen = await page.evaluate(() => (window as unknown as { __progress: number[] }).__progress);
      return seen.some((n) => n >= 1) ? true : undefined;
    }, 60_000);
    await page.screenshot({ path: path.join(SHOTS, 'running.png') });
    await page.getByRole('button', { name: `Stop ${STUDY}` }).click();
    await page.getByRole('button', { name: `Yes, stop ${STUDY}` }).click();
    const s = await until('the stop', async () => {
      const x = await value<SweepSummary>('sweeps.get', { id });
      return x.state === 'interrupted' ? x : undefined;
    }, 60_000);
    expect(s.finishedTrials).toBeLessThan(4);
  });

  it('after restarting the app the sweep is interrupted, and Resume finishes it', async () => {
    await quit();
    await launch();
    const listed = (await value<{ sweeps: SweepSummary[] }>('sweeps.list', {})).sweeps.find((x) => x.id === id);
    expect(listed?.state).toBe('interrupted');
    await page.getByRole('listitem', { name: `Sweep ${STUDY}` }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(SHOTS, 'interrupted.png') });
    await page.getByRole('button', { name: `Resume ${STUDY}` }).click();
    const done = await until('the sweep to finish', async () => {
      const x = await value<SweepSummary>('sweeps.get', { id });
      return x.state === 'finished' ? x : undefined;
    }, 60_000);
    expect(done.finishedTrials).toBe(4);
    expect(done.tracking.parentRunId).toBeTruthy();
    await page.getByRole('link', { name: `Open ${STUDY}` }).click();
    await page.getByRole('table', { name: 'Trials' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: path.join(SHOTS, 'sweep-detail.png') });
  });

  it('the parent run lists every trial as a child run with metrics', async () => {
    const s = await value<SweepSummary>('sweeps.get', { id });
    const parentId = s.tracking.parentRunId!;
    const { run } = await value<{ run: { info: { experiment_id: string } } }>('runs.get', { storeId: 'local', runId: parentId });
    const children = await value<{ runs: Array<{ info: { run_id: string }; data: { metrics?: Array<{ key: string }> } }> }>('runs.search', {
      storeId: 'local',
      experimentIds: [run.info.experiment_id],
      filter: `tags.mlflow.parentRunId = '${parentId}'`,
    });
    const { trials } = await value<{ trials: Array<{ state: string; childRunId: string | null }> }>('sweeps.trials', { id });
    const ids = new Set(children.runs.map((r) => r.info.run_id));
    for (const t of trials.filter((x) => x.state === 'COMPLETE')) expect(ids.has(t.childRunId!)).toBe(true);
    expect(children.runs.filter((r) => (r.data.metrics ?? []).some((m) => m.key === 'score')).length).toBeGreaterThanOrEqual(4);
    await page.screenshot({ path: path.join(SHOTS, 'finished.png') });
  });
});
