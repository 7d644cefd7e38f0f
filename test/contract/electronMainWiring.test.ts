// Wiring test, not an Electron test: the bundled main process (dist/electron/main.cjs, as `npm start`
// builds it) under plain Node with a recording stand-in for the `electron` module, since no Electron
// binary can run here. It checks what OUR main asks Electron for and how its handlers decide: the
// window's web preferences, the app scheme, one handler per contract channel that refuses foreign
// senders and bad input, denied window.open and navigation. The stand-in's own canned values are
// not asserted; the real app is covered by the Electron e2e (e2e/electron/) where a binary exists.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_NAMES } from '../../shared/channels.ts';
import { NO_OS_ENCRYPTION_NOTICE } from '../../electron/core/azure/secretStore.ts';
import { REPO_ROOT } from '../support/peers.ts';

// The stand-in: records every call main makes, then drives the handlers it registered.
const STUB = String.raw`
const calls = { windows: [], handlers: {}, schemes: [], protocolHandled: [], opened: [], appEvents: {}, permissions: 0 };
globalThis.__calls = calls;
class WebContents {
  constructor(id) { this.id = id; this.events = {}; this.sent = []; }
  setWindowOpenHandler(fn) { this.openHandler = fn; }
  on(ev, fn) { this.events[ev] = fn; return this; }
  once(ev, fn) { this.events[ev] = fn; return this; }
  send(...a) { this.sent.push(a); }
  isDestroyed() { return false; }
}
let nextId = 1;
class BrowserWindow {
  constructor(opts) { this.opts = opts; this.webContents = new WebContents(nextId++); calls.windows.push(this);
    for (const fn of calls.appEvents['web-contents-created'] ?? []) fn({}, this.webContents); }
  once() {} on() {}
  loadURL(u) { this.url = u; return Promise.resolve(); }
  static getAllWindows() { return calls.windows; }
}
module.exports = {
  app: {
    getAppPath: () => process.env.STUB_APP_ROOT, isPackaged: false, getVersion: () => '9.9.9',
    requestSingleInstanceLock: () => true, whenReady: () => Promise.resolve(),
    on(ev, fn) { (calls.appEvents[ev] ??= []).push(fn); }, quit() {}, exit(c) { calls.exit = c; },
  },
  BrowserWindow,
  ipcMain: { handle(ch, fn) { calls.handlers[ch] = fn; }, removeHandler(ch) { delete calls.handlers[ch]; } },
  protocol: { registerSchemesAsPrivileged(l) { calls.schemes.push(...l); }, handle(s, fn) { calls.protocolHandled.push(s); calls.protocolFn = fn; } },
  session: { defaultSession: { setPermissionRequestHandler() { calls.permissions++; }, setPermissionCheckHandler() { calls.permissions++; } } },
  shell: { openExternal(u) { calls.opened.push(u); return Promise.resolve(); }, showItemInFolder() {} },
  dialog: { showErrorBox(t, m) { calls.errorBox = [t, m]; } },
  // Linux with no keyring: Chromium falls back to a hard-coded key ("basic_text").
  safeStorage: { isEncryptionAvailable: () => true, getSelectedStorageBackend: () => 'basic_text',
    encryptString() { throw new Error('basic_text must not be used'); }, decryptString() { throw new Error('basic_text must not be used'); } },
};
`;

const RUN = String.raw`
const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (req, ...rest) {
  return req === 'electron' ? process.env.STUB_PATH : resolve.call(this, req, ...rest);
};
require(process.env.STUB_PATH);
require(process.env.MAIN_PATH);
const calls = globalThis.__calls;
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  for (let i = 0; i < 100 && calls.windows.length === 0; i++) await wait(50);
  const win = calls.windows[0];
  const wc = win.webContents;
  const frame = (url, parent = null) => ({ url, parent });
  const ev = (url, id = wc.id, parent = null) => ({ sender: { id }, senderFrame: frame(url, parent) });
  const h = calls.handlers;
  const out = {
    channels: Object.keys(h).sort(),
    webPreferences: win.opts.webPreferences,
    url: win.url,
    schemes: calls.schemes,
    protocolHandled: calls.protocolHandled,
    permissions: calls.permissions,
    trusted: await h['app.info'](ev('sweepdeck://app/index.html'), {}),
    otherWindow: await h['app.info'](ev('sweepdeck://app/index.html', 999), {}),
    subframe: await h['app.info'](ev('sweepdeck://app/index.html', wc.id, {}), {}),
    webPage: await h['app.info'](ev('https://evil.example/'), {}),
    badInput: await h['sweeps.get'](ev('sweepdeck://app/index.html'), { id: 7 }),
    openHttps: wc.openHandler({ url: 'https://mlflow.org/' }),
    openFile: wc.openHandler({ url: 'file:///etc/passwd' }),
    azureAccount: await h['azure.account.status'](ev('sweepdeck://app/index.html'), {}),
  };
  let prevented = 0;
  wc.events['will-navigate']({ preventDefault: () => prevented++ }, 'https://evil.example/');
  wc.events['will-navigate']({ preventDefault: () => prevented++ }, 'sweepdeck://app/index.html#/sweeps');
  out.navigationsPrevented = prevented;
  out.opened = calls.opened;
  const page = await calls.protocolFn({ url: 'sweepdeck://app/index.html' });
  out.pageCsp = page.headers.get('content-security-policy');
  const escape = await calls.protocolFn({ url: 'sweepdeck://app/../../package.json' });
  out.escapeBody = (await escape.text()).slice(0, 40);
  out.exit = calls.exit ?? null;
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
`;

let tmp: string;
let result: Record<string, unknown>;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-main-'));
  // Into a folder of its own, so test files building at the same time do not race.
  const built = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs'), '--electron', '--outdir', path.join(tmp, 'dist')], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`build failed:\n${built.stderr}`);
  writeFileSync(path.join(tmp, 'electron-stub.cjs'), STUB);
  writeFileSync(path.join(tmp, 'run.cjs'), RUN);
  const r = spawnSync(process.execPath, [path.join(tmp, 'run.cjs')], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env.PATH,
      HOME: tmp,
      STUB_PATH: path.join(tmp, 'electron-stub.cjs'),
      STUB_APP_ROOT: REPO_ROOT,
      MAIN_PATH: path.join(tmp, 'dist', 'main.cjs'),
      // The bundle keeps better-sqlite3 external; here it comes from the repo's node_modules.
      NODE_PATH: path.join(REPO_ROOT, 'node_modules'),
      SWEEPDECK_DATA_DIR: path.join(tmp, 'data'),
    },
  });
  if (r.status !== 0) throw new Error(`main.cjs under the stand-in failed (${r.status}):\n${r.stderr}`);
  result = JSON.parse(r.stdout) as Record<string, unknown>;
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('Electron main wiring (bundled main.cjs under a recording electron stand-in)', () => {
  it("gives the Azure sign-in Electron's safeStorage, and refuses its basic_text backend: tokens in memory, with the notice", () => {
    expect(result.azureAccount).toMatchObject({ ok: true, value: { signedIn: false, notice: NO_OS_ENCRYPTION_NOTICE } });
  });

  it('binds exactly the contract channels', () => {
    expect(result.channels).toEqual([...CHANNEL_NAMES].sort());
  });

  it('opens one sandboxed, isolated window on the app scheme, with a preload and no node', () => {
    expect(result.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(String((result.webPreferences as { preload: string }).preload)).toMatch(/preload\.cjs$/);
    expect(result.url).toBe('sweepdeck://app/index.html');
    expect(result.schemes).toEqual([{ scheme: 'sweepdeck', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(result.protocolHandled).toEqual(['sweepdeck']);
    expect(result.permissions).toBe(2);
    expect(result.exit).toBeNull();
  });

  it('answers our window, refuses other senders, and validates input', () => {
    expect(result.trusted).toMatchObject({ ok: true, value: { host: 'electron' } });
    for (const k of ['otherWindow', 'subframe', 'webPage']) expect(result[k], k).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(result.badInput).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('denies window.open (http(s) goes to the OS browser) and navigation away', () => {
    expect(result.openHttps).toEqual({ action: 'deny' });
    expect(result.openFile).toEqual({ action: 'deny' });
    // A followed http(s) link leaves the window alone and opens in the OS browser; file: never does.
    expect(result.opened).toEqual(['https://mlflow.org/', 'https://evil.example/']);
    expect(result.navigationsPrevented).toBe(1);
  });

  it('serves the renderer with the strict CSP and nothing outside it', () => {
    expect(String(result.pageCsp)).toContain("script-src 'self'");
    expect(String(result.pageCsp)).not.toContain('unsafe-inline');
    expect(String(result.escapeBody)).not.toContain('"name"');
  });
});
