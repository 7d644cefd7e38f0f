// A study locked by another process answers STUDY_LOCKED at once in the app, instead of holding the
// request thread (better-sqlite3 waits synchronously) for the storage's 10 s default. Told apart by
// what is answered, not by timing: the lock holder lets go by itself a few seconds in, so a reader
// that waits that long gets in and answers with data; the app must answer STUDY_LOCKED while the
// lock is still held, and answer other channels meanwhile.
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newestRunningHeartbeat } from '../../electron/app/sweepCatalog.ts';
import { tempApp, type TempApp } from '../contract/support.ts';
import type { ChannelOutput } from '../../shared/contract.ts';
import { holdExclusiveLock } from '../support/damagedFiles.ts';
import { FIXTURES } from '../support/peers.ts';
import { tmpDir } from '../sweeps/support.ts';
import { sha256 } from '../tracking/stores/storeSupport.ts';

let t: TempApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

function studyCopy(): string {
  const file = path.join(tmpDir('locked-read'), 'study.db');
  copyFileSync(path.join(FIXTURES, 'optuna-3.1.0/study.db'), file);
  return file;
}

// Well under the storage's 10 s default, well over the app's short wait.
const HOLDER_GIVES_UP_MS = 5000;

describe('reading a study another process has locked', () => {
  it('answers STUDY_LOCKED while the lock is held, for a known study and a newly opened one, and other channels meanwhile', async () => {
    t = await tempApp();
    const known = studyCopy();
    const opened = await t.app.dispatch('sweeps.openStudyFile', { path: known });
    if (!opened.ok) throw new Error(`opening ${known}: ${opened.error.message}`);
    const id = (opened.value as ChannelOutput<'sweeps.openStudyFile'>).sweeps[0]!.id;
    const other = studyCopy();
    const before = sha256(other);

    const lockKnown = await holdExclusiveLock(known, HOLDER_GIVES_UP_MS);
    const lockOther = await holdExclusiveLock(other, HOLDER_GIVES_UP_MS);
    try {
      const trials = await t.app.dispatch('sweeps.trials', { id });
      expect(trials.ok ? 'answered with data' : trials.error.code, JSON.stringify(trials).slice(0, 300)).toBe('STUDY_LOCKED');
      expect(await lockKnown.stillHeld()).toBe(true);

      const add = await t.app.dispatch('sweeps.openStudyFile', { path: other });
      expect(add.ok ? 'answered with data' : [add.error.code, add.error.message.includes(other)]).toEqual(['STUDY_LOCKED', true]);
      expect(await lockOther.stillHeld()).toBe(true);

      // The app still serves other requests while the locks are held.
      expect((await t.app.dispatch('app.info', {})).ok).toBe(true);
      expect(await lockKnown.stillHeld()).toBe(true);
    } finally {
      await lockKnown.release();
      await lockOther.release();
    }
    expect(sha256(other)).toBe(before);
    // Once the lock is gone the same read works.
    expect((await t.app.dispatch('sweeps.trials', { id })).ok).toBe(true);
  });

  it('the heartbeat read says the study is locked, instead of "no heartbeat" (which shows a live sweep as interrupted)', async () => {
    const file = studyCopy();
    expect(newestRunningHeartbeat(file, 1)).toBeNull(); // the fixture has no RUNNING trial
    const lock = await holdExclusiveLock(file);
    try {
      let thrown: unknown;
      try {
        newestRunningHeartbeat(file, 1);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toMatchObject({ name: 'StudyError', code: 'LOCKED', message: expect.stringContaining(file) });
    } finally {
      await lock.release();
    }
  });
});
