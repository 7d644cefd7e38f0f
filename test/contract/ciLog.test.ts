// The CI log says in one line whether the Electron e2e ran: without a binary its suite is skipped,
// and the skip must not read as a pass.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/peers.ts';

const STATUS = path.join(REPO_ROOT, '.ci', 'electron-e2e-status');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-ci-log-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function status(env: Record<string, string>): string[] {
  const r = spawnSync(STATUS, [], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trimEnd().split('\n');
}

describe('the CI log line about the Electron e2e', () => {
  it('says it did not run, and why, when no binary is given', () => {
    expect(status({})).toEqual(['Electron e2e: not run: ELECTRON_OVERRIDE_DIST_PATH is not set (no Electron binary can be downloaded here)']);
  });

  it('says it failed when the folder has no binary, and that it ran when it has one', () => {
    expect(status({ ELECTRON_OVERRIDE_DIST_PATH: tmp })).toEqual([`Electron e2e: failed: ELECTRON_OVERRIDE_DIST_PATH is ${tmp}, but ${tmp}/electron is not an executable file`]);
    writeFileSync(path.join(tmp, 'electron'), '#!/bin/sh\n');
    chmodSync(path.join(tmp, 'electron'), 0o755);
    expect(status({ ELECTRON_OVERRIDE_DIST_PATH: tmp })).toEqual([`Electron e2e: ran with ${tmp}/electron`]);
  });

  it('is printed by .ci/run after the tests', () => {
    const lines = readFileSync(path.join(REPO_ROOT, '.ci', 'run'), 'utf8').split('\n');
    const at = lines.findIndex((l) => l.trim() === '.ci/electron-e2e-status');
    expect(at).toBeGreaterThan(lines.findIndex((l) => l.includes('npm test')));
  });
});
