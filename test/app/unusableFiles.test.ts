// The API on files it cannot use answers with its own error code and a message naming the file,
// never INTERNAL: a YAML alias bomb, a study locked by another process, a read-only study file.
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempApp, type TempApp } from '../contract/support.ts';
import { aliasBomb, holdExclusiveLock } from '../support/damagedFiles.ts';
import { FIXTURES, requirePeer } from '../support/peers.ts';
import { makeReadOnly, readOnlyUnsupported } from '../support/readOnlyPlace.ts';
import { configInput, tmpDir, writeConfig } from '../sweeps/support.ts';
import { sha256 } from '../tracking/stores/storeSupport.ts';

let t: TempApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

function expectError(r: { ok: boolean; error?: { code: string; message: string } }, code: string, ...says: Array<string | RegExp>): void {
  expect(r.ok).toBe(false);
  expect(r.error?.code, r.error?.message).toBe(code);
  for (const s of says) {
    if (typeof s === 'string') expect(r.error?.message).toContain(s);
    else expect(r.error?.message).toMatch(s);
  }
}

/** A config in its own folder whose checkpoint is `file`. */
function configFor(file: string): { configPath: string; outputDir: string } {
  const dir = tmpDir('cfg');
  return { configPath: writeConfig(dir, configInput({ checkpoint: { enabled: true, storage_path: file, auto_resume: true } })), outputDir: path.join(dir, 'out') };
}

function studyCopy(): string {
  const file = path.join(tmpDir('study'), 'study.db');
  copyFileSync(path.join(FIXTURES, 'optuna-3.1.0/study.db'), file);
  return file;
}

describe('files the app cannot use', () => {
  it('a YAML alias bomb: config.validate lists the problem, register answers CONFIG_TOO_LARGE', async () => {
    t = await tempApp();
    const v = await t.app.dispatch('config.validate', { text: aliasBomb() });
    expect(v.ok, JSON.stringify(v)).toBe(true);
    if (v.ok) expect(JSON.stringify(v.value)).toMatch(/"valid":false.*billion laughs/);
    expectError(await t.app.dispatch('sweeps.register', { configText: aliasBomb(), basedOn: '/tmp/bomb.yaml' }), 'CONFIG_TOO_LARGE', '/tmp/bomb.yaml', /aliases/);
  });

  it('a study locked by another process: STUDY_LOCKED, the file unchanged', async () => {
    t = await tempApp();
    const file = studyCopy();
    const before = sha256(file);
    const lock = await holdExclusiveLock(file);
    try {
      expectError(await t.app.dispatch('sweeps.start', configFor(file)), 'STUDY_LOCKED', file, /locked by another process/);
    } finally {
      await lock.release();
    }
    expect(sha256(file)).toBe(before);
  }, 60_000);

  const roUnsupported = readOnlyUnsupported();
  it.runIf(requirePeer('a read-only location', roUnsupported === null, roUnsupported ?? ''))('a read-only study file and a study in a read-only folder: STUDY_READ_ONLY', async () => {
    t = await tempApp();
    const file = studyCopy();
    const before = sha256(file);
    for (const target of [file, path.dirname(file)]) {
      const ro = makeReadOnly(target);
      try {
        // A read-only mount over the folder makes the file in it read-only too (said first); with
        // permission bits only the folder is, and the message names it.
        expectError(await t.app.dispatch('sweeps.start', configFor(file)), 'STUDY_READ_ONLY', file, target === file ? /read-only/ : /read-only|cannot be written/);
      } finally {
        ro.release();
      }
    }
    expect(sha256(file)).toBe(before);
  }, 60_000);
});
