// Wiring test, not an Electron test: the bundled preload (dist/electron/preload.cjs) under plain Node
// with a recording stand-in for electron. It checks what OUR preload does with Electron's API: it
// exposes one object, forwards only contract channels, and hands listeners the payload, never the
// IPC event. What the stand-in itself answers proves nothing and is not asserted; the real bridge
// is covered by the Electron e2e (e2e/electron/) where a binary exists.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/peers.ts';

const RUN = String.raw`
const Module = require('node:module');
const exposed = {}; const invoked = []; const listeners = {};
const stub = {
  contextBridge: { exposeInMainWorld(k, v) { exposed[k] = v; } },
  ipcRenderer: {
    invoke(ch, input) { invoked.push([ch, input]); return Promise.resolve(null); },
    on(ch, fn) { (listeners[ch] ??= []).push(fn); },
    removeListener(ch, fn) { listeners[ch] = (listeners[ch] ?? []).filter((f) => f !== fn); },
  },
};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (req, ...rest) { return req === 'electron' ? 'electron-stub' : resolve.call(this, req, ...rest); };
require.cache['electron-stub'] = { id: 'electron-stub', filename: 'electron-stub', loaded: true, exports: stub };
require(process.env.PRELOAD_PATH);
(async () => {
  const api = exposed.sweepdeck;
  const out = { keys: Object.keys(exposed), apiKeys: Object.keys(api).sort() };
  await api.invoke('sweeps.list', {});
  out.unknown = await api.invoke('fs.readFile', '/etc/passwd');
  out.proto = await api.invoke('__proto__', {});
  out.invoked = invoked;
  try { api.on('not.an.event', () => {}); out.badEvent = 'accepted'; } catch (e) { out.badEvent = e.message; }
  const got = [];
  const off = api.on('outbox.pending', (...args) => got.push(args));
  for (const fn of listeners['sweepdeck:event'] ?? []) { fn({ sender: 'secret' }, 'outbox.pending', { pending: 2 }); fn({ sender: 'secret' }, 'sweeps.changed', { reason: 'x' }); }
  off();
  out.afterOff = (listeners['sweepdeck:event'] ?? []).length;
  out.got = got;
  process.stdout.write(JSON.stringify(out));
})();
`;

let tmp: string;
let out: Record<string, unknown>;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-preload-'));
  const built = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs'), '--electron', '--outdir', path.join(tmp, 'dist')], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`build failed:\n${built.stderr}`);
  writeFileSync(path.join(tmp, 'run.cjs'), RUN);
  const r = spawnSync(process.execPath, [path.join(tmp, 'run.cjs')], { encoding: 'utf8', env: { PATH: process.env.PATH, PRELOAD_PATH: path.join(tmp, 'dist', 'preload.cjs') } });
  if (r.status !== 0) throw new Error(`preload under the stand-in failed:\n${r.stderr}`);
  out = JSON.parse(r.stdout) as Record<string, unknown>;
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('preload wiring (bundled preload.cjs under a recording electron stand-in)', () => {
  it('exposes one object with invoke and on', () => {
    expect(out.keys).toEqual(['sweepdeck']);
    expect(out.apiKeys).toEqual(['invoke', 'on']);
  });

  it('forwards contract channels and refuses others before IPC', () => {
    expect(out.unknown).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(out.proto).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(out.invoked).toEqual([['sweeps.list', {}]]);
  });

  it('gives listeners only their event\'s payload, and unsubscribes', () => {
    expect(out.badEvent).toMatch(/not an event/);
    expect(out.got).toEqual([[{ pending: 2 }]]);
    expect(out.afterOff).toBe(0);
  });
});
