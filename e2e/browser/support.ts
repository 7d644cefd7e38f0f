// Shared by the browser e2e and the render bench: build the renderer when it is missing or stale,
// start `sweepdeck serve` as a real child process (its first stdout line is the URL with the token),
// and launch Debian's Chromium.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import type { SweepSummary } from '../../shared/contract.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results', 'screenshots');

/** Why the browser tests cannot run here, or null. Under CI a missing browser is a failure, not a skip. */
export function chromiumMissing(): string | null {
  if (existsSync(CHROMIUM)) return null;
  const why = `${CHROMIUM} is missing: install Debian's chromium package to run the browser e2e.`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${why}`);
  return why;
}

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** `npm test` builds the renderer first; a direct `vitest run e2e` builds it here if it is stale. */
export function ensureRendererBuilt(): void {
  const index = path.join(REPO_ROOT, 'renderer', 'dist', 'index.html');
  const pub = path.join(REPO_ROOT, 'renderer', 'public');
  const src = Math.max(newestMtime(path.join(REPO_ROOT, 'renderer', 'src')), existsSync(pub) ? newestMtime(pub) : 0, statSync(path.join(REPO_ROOT, 'renderer', 'index.html')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= src) return;
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}\n${r.stderr}`);
}

export interface ServedHost {
  url: string;
  origin: string;
  token: string;
  proc: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts `node [nodeArgs] bin/sweepdeck.js serve --port 0 --data-dir DIR` with a clean environment (local
 * tracking, HOME in the temp dir; `extraEnv` adds to it, e.g. the Azure double's settings) and
 * resolves with the URL from its first line. */
export async function startServe(dataDir: string, home: string, extraArgs: string[] = [], extraEnv: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ServedHost> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8', ...extraEnv };
  const proc = spawn(process.execPath, [...nodeArgs, path.join(REPO_ROOT, 'bin', 'sweepdeck.js'), 'serve', '--port', '0', '--data-dir', dataDir, ...extraArgs], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`sweepdeck serve printed no URL in 30 s:\n${buf}${out}`)), 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      out += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl).trim());
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sweepdeck serve exited with ${code} before printing its URL:\n${out}`));
    });
  });
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    token: u.searchParams.get('token') ?? '',
    proc,
    output: () => out,
    // SIGTERM must stop it: a host that needs SIGKILL has cut its pages' event streams, and that
    // is a bug to report, not to paper over.
    stop: () =>
      new Promise<void>((resolve, reject) => {
        // Already gone (an exit code, or ended by a signal): no 'exit' event will come again.
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        let killed = false;
        const kill = setTimeout(() => {
          killed = true;
          proc.kill('SIGKILL');
        }, 15_000);
        proc.once('exit', () => {
          clearTimeout(kill);
          if (killed) reject(new Error(`sweepdeck serve did not stop within 15 s of SIGTERM and was killed:\n${out}`));
          else resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** A page the size the screenshots are taken at, with the tests' default wait; the page's uncaught
 * errors go to `errors` when given (a test then expects none). */
export async function appPage(browser: Browser, errors?: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 }, colorScheme: 'light' });
  page.setDefaultTimeout(20_000);
  if (errors) page.on('pageerror', (e) => errors.push(e.message));
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * Keeps the body of every reply `target` (a page, or every tab of a context) is sent, for tests that
 * look for secrets in what reached the browser. `exceptEvents` leaves out the event stream (a test
 * that records it another way). A body that cannot be read (the page closed first) is passed over.
 */
export function recordReplies(target: Page | BrowserContext, into: string[], opts: { exceptEvents?: boolean } = {}): void {
  target.on('response', (r) => {
    if (opts.exceptEvents && r.url().includes('/api/events')) return;
    void r.text().then(
      (t) => into.push(t),
      () => undefined,
    );
  });
}

/** Pixels of the open view's canvases that are clearly coloured (the views draw axes and grid in
 * grey), or of a red family. */
export async function colouredPixels(page: Page, pick: 'any' | 'red' = 'any'): Promise<number> {
  return page.evaluate((family) => {
    let n = 0;
    for (const c of document.querySelectorAll<HTMLCanvasElement>('#view-panel canvas')) {
      const g = c.getContext('2d');
      if (!g || c.width === 0 || c.height === 0) continue;
      const d = g.getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4) {
        const r = d[i]!;
        const gg = d[i + 1]!;
        const b = d[i + 2]!;
        if (d[i + 3]! < 80) continue;
        if (family === 'red' ? r > 180 && gg < 110 && b < 110 : Math.max(r, gg, b) - Math.min(r, gg, b) > 60) n++;
      }
    }
    return n;
  }, pick);
}

/** The browser host on `work`/data with these study files opened, and a page on it whose uncaught
 * errors and console errors (a CSP refusal among them; not the favicon's 404) go to `pageErrors`. */
export interface StudiesInBrowser {
  host: ServedHost;
  api: Client;
  browser: Browser;
  page: Page;
  pageErrors: string[];
  /** The sweeps each study file holds, as `sweeps.openStudyFile` listed them. */
  opened: SweepSummary[];
  close(): Promise<void>;
}

export async function studiesInBrowser(work: string, studyFiles: readonly string[]): Promise<StudiesInBrowser> {
  const host = await startServe(path.join(work, 'data'), work, ['--no-example']);
  const api = createClient(httpTransport(host.origin, host.token));
  const opened: SweepSummary[] = [];
  for (const file of studyFiles) opened.push(...(await api.get('sweeps.openStudyFile', { path: file })).sweeps);
  const browser = await launchChromium();
  const pageErrors: string[] = [];
  const page = await appPage(browser, pageErrors);
  page.on('console', (m) => {
    if (m.type() === 'error' && !/favicon/.test(m.text())) pageErrors.push(m.text());
  });
  return {
    host,
    api,
    browser,
    page,
    pageErrors,
    opened,
    close: async () => {
      api.close();
      await browser.close();
      await host.stop();
    },
  };
}
