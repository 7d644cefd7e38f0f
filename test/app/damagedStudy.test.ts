// The app on a damaged study file (three pages overwritten in the middle): Open study and Start /
// Resume answer STUDY_CORRUPT with a message naming the file and how to recover it, and the file
// stays byte-for-byte as it was (no side files either).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempApp, type TempApp } from '../contract/support.ts';
import { damagedStudy } from '../support/damagedFiles.ts';
import { configInput, tmpDir, writeConfig } from '../sweeps/support.ts';
import { sha256 } from '../tracking/stores/storeSupport.ts';

let t: TempApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

const sideFiles = (f: string): string[] => ['-wal', '-shm', '-journal'].filter((x) => existsSync(f + x));

function expectCorrupt(r: { ok: boolean; error?: { code: string; message: string } }, file: string): void {
  expect(r.ok).toBe(false);
  expect(r.error?.code, r.error?.message).toBe('STUDY_CORRUPT');
  expect(r.error?.message).toContain(file);
  expect(r.error?.message).toMatch(/integrity check/);
  expect(r.error?.message).toMatch(/backup/);
  expect(r.error?.message).toContain('.recover');
}

describe('a damaged study in the app', () => {
  it('Open study file is refused with STUDY_CORRUPT and the file is untouched', async () => {
    t = await tempApp();
    const file = damagedStudy(tmpDir('damaged'));
    const before = sha256(file);
    expectCorrupt(await t.app.dispatch('sweeps.openStudyFile', { path: file }), file);
    expect(sha256(file)).toBe(before);
    expect(sideFiles(file)).toEqual([]);
  });

  it('Start on a config whose checkpoint is the damaged study is refused and never writes it', async () => {
    t = await tempApp();
    const dir = tmpDir('damaged');
    const file = damagedStudy(dir);
    const before = sha256(file);
    const cfg = writeConfig(dir, configInput({ checkpoint: { enabled: true, storage_path: file, auto_resume: true } }));
    expectCorrupt(await t.app.dispatch('sweeps.start', { configPath: cfg, outputDir: path.join(dir, 'out') }), file);
    expect(sha256(file)).toBe(before);
    expect(sideFiles(file)).toEqual([]);
  });
});
