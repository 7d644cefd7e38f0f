// Paths the user types (Open study, New sweep's config path, Add folder, Add store, the local
// store, Resume's config) get messages naming the path and what to do: never Node's raw ENOENT /
// EISDIR text, and never a relative path resolved against the host's working folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempApp, type TempApp } from '../contract/support.ts';
import { makeReadOnly, readOnlyUnsupported } from '../support/readOnlyPlace.ts';
import { configInput, tmpDir, writeConfig } from '../sweeps/support.ts';

let t: TempApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

const RAW = /ENOENT|EISDIR|ENOTDIR|EACCES|EROFS|no such file or directory|illegal operation|readonly database/;

async function refused(ch: Parameters<TempApp['app']['dispatch']>[0], input: unknown, ...says: Array<string | RegExp>): Promise<string> {
  const r = await t!.app.dispatch(ch, input as never);
  expect(r.ok, `${ch} ${JSON.stringify(input)} was accepted`).toBe(false);
  const message = r.ok ? '' : r.error.message;
  expect(r.ok ? '' : r.error.code, message).not.toBe('INTERNAL');
  expect(message).not.toMatch(RAW);
  for (const s of says) {
    if (typeof s === 'string') expect(message).toContain(s);
    else expect(message).toMatch(s);
  }
  return message;
}

describe('messages for paths the user gives', () => {
  it('relative paths are refused, saying to give an absolute path', async () => {
    t = await tempApp();
    const absolute = /relative path; give an absolute path/;
    await refused('sweeps.openStudyFile', { path: 'outputs/study.db' }, "'outputs/study.db'", absolute);
    await refused('config.read', { path: 'hpo.yaml' }, "'hpo.yaml'", absolute);
    await refused('sweeps.register', { configPath: 'hpo.yaml' }, "'hpo.yaml'", absolute);
    await refused('sweeps.start', { configPath: 'sub/hpo.yaml' }, "'sub/hpo.yaml'", absolute);
    await refused('folders.add', { path: 'outputs' }, "'outputs'", absolute);
    await refused('stores.add', { kind: 'sqlite', path: 'mlflow.db' }, "'mlflow.db'", absolute);
    await refused('stores.add', { kind: 'mlruns', path: 'mlruns' }, "'mlruns'", absolute);
    await refused('tracking.configure', { localStorePath: 'store' }, "'store'", absolute);
    await refused('sweeps.openStudyFile', { path: '~/study.db' }, /starts with ~/);
  });

  it('a missing file or a folder where a file belongs is named, with what to give instead', async () => {
    t = await tempApp();
    const dir = tmpDir('paths');
    const gone = path.join(dir, 'gone.db');
    await refused('sweeps.openStudyFile', { path: gone }, gone, /does not exist/);
    await refused('sweeps.openStudyFile', { path: dir }, dir, /is a folder; give the file inside it/);
    await refused('config.read', { path: dir }, dir, /is a folder/);
    await refused('config.read', { path: path.join(dir, 'hpo.yaml') }, path.join(dir, 'hpo.yaml'), /does not exist/);
    await refused('sweeps.register', { configPath: dir }, dir, /is a folder/);
    await refused('sweeps.start', { configPath: path.join(dir, 'nope.yaml') }, path.join(dir, 'nope.yaml'), /does not exist/);
    await refused('stores.add', { kind: 'sqlite', path: dir }, dir, /is a folder/);
    await refused('stores.add', { kind: 'sqlite', path: gone }, gone, /does not exist/);
    const file = path.join(dir, 'plain.txt');
    writeFileSync(file, 'x');
    await refused('folders.add', { path: file }, file, /not a folder/);
    await refused('stores.add', { kind: 'mlruns', path: file }, file, /not a folder/);
    // An output folder that is a file.
    const cfgDir = tmpDir('cfg');
    const configPath = writeConfig(cfgDir, configInput());
    await refused('sweeps.register', { configPath, outputDir: file }, file, /not a folder/);
    await refused('sweeps.register', { configPath, outputDir: 'out' }, "'out'", /absolute path/);
  });

  const roSkip = readOnlyUnsupported();
  if (roSkip) console.warn(`read-only store test skipped: ${roSkip}`);
  it.skipIf(roSkip !== null)('a local store folder that cannot be written is named with the remedy', async () => {
    t = await tempApp();
    const dir = tmpDir('ro-store');
    mkdirSync(path.join(dir, 'store'));
    const place = makeReadOnly(path.join(dir, 'store'));
    try {
      await refused('tracking.configure', { localStorePath: path.join(dir, 'store') }, path.join(dir, 'store'), /cannot be written/, /pick a folder you can write to/);
    } finally {
      place.release();
    }
  });
});
