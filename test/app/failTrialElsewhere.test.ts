// The app can fail on purpose a trial RUNNING elsewhere (no heartbeats, as Python Optuna leaves
// them), as `sweepdeck sweep fail-trial` can: the detail names such trials, sweeps.failTrial fails
// one (validated input; a trial with heartbeats or a finished one is refused) and can offer its
// params again.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelOutput } from '../../shared/contract.ts';
import { FAILED_BY_USER_IN_APP } from '../../electron/app/sweepsService.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { tempApp, type TempApp } from '../contract/support.ts';
import { tmpDir } from '../sweeps/support.ts';

let t: TempApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

const dist = { kind: 'float', low: 0, high: 1, step: null, log: false } as const;

/** A study with trial 0 COMPLETE, trial 1 RUNNING with a heartbeat (a Sweepdeck runner's) and
 * trial 2 RUNNING without one (running elsewhere). */
function studyWithElsewhereTrial(): string {
  const file = path.join(tmpDir('fail-elsewhere'), 'study.db');
  const s = openStudyStorage(file, { create: true });
  try {
    const studyId = s.createStudy('s', ['minimize']).studyId;
    const done = s.createTrial(studyId, { params: { x: { value: 0.1, distribution: dist } } });
    s.finishTrial(done.trialId, 'COMPLETE', 0.5);
    const ours = s.createTrial(studyId, { params: { x: { value: 0.2, distribution: dist } } });
    s.heartbeat(ours.trialId);
    const theirs = s.createTrial(studyId, { params: { x: { value: 0.3, distribution: dist } } });
    const raw = new Database(file);
    raw.prepare('DELETE FROM trial_heartbeats WHERE trial_id = ?').run(theirs.trialId);
    raw.close();
  } finally {
    s.close();
  }
  return file;
}

function trialsOf(file: string): Array<{ number: number; state: string; reason: unknown; x: unknown }> {
  const s = openStudyStorage(file, { readonly: true });
  try {
    return s.getTrials(s.getStudy('s')!.studyId).map((tr) => ({ number: tr.number, state: tr.state, reason: tr.systemAttrs.fail_reason, x: tr.params.x }));
  } finally {
    s.close();
  }
}

describe('failing a trial running elsewhere from the app', () => {
  it('the detail names it, bad input and other trials are refused, and it is failed with retry', async () => {
    t = await tempApp();
    const file = studyWithElsewhereTrial();
    const opened = await t.app.dispatch('sweeps.openStudyFile', { path: file });
    expect(opened.ok, JSON.stringify(opened)).toBe(true);
    if (!opened.ok) return;
    const id = (opened.value as ChannelOutput<'sweeps.openStudyFile'>).sweeps[0]!.id;

    const detail = await t.app.dispatch('sweeps.get', { id });
    expect(detail.ok && (detail.value as ChannelOutput<'sweeps.get'>).runningElsewhere).toEqual([2]);

    const bad = await t.app.dispatch('sweeps.failTrial', { id, trialNumber: -1 });
    expect(bad.ok ? null : bad.error.code).toBe('INVALID_INPUT');
    const finished = await t.app.dispatch('sweeps.failTrial', { id, trialNumber: 0 });
    expect(finished.ok ? null : [finished.error.code, finished.error.message]).toEqual(['CONFLICT', expect.stringMatching(/trial 0 .*is not RUNNING elsewhere: it is COMPLETE/i)]);
    const withHeartbeat = await t.app.dispatch('sweeps.failTrial', { id, trialNumber: 1 });
    expect(withHeartbeat.ok ? null : [withHeartbeat.error.code, withHeartbeat.error.message]).toEqual(['CONFLICT', expect.stringMatching(/has heartbeats/)]);
    const missing = await t.app.dispatch('sweeps.failTrial', { id, trialNumber: 9 });
    expect(missing.ok ? null : missing.error.code).toBe('NOT_FOUND');
    expect(trialsOf(file).map((x) => x.state)).toEqual(['COMPLETE', 'RUNNING', 'RUNNING']);

    const failed = await t.app.dispatch('sweeps.failTrial', { id, trialNumber: 2, retry: true });
    expect(failed.ok ? failed.value : failed.error).toEqual({ number: 2, state: 'FAIL', reofferedAs: 3 });
    const after = trialsOf(file);
    expect(after[2]).toEqual({ number: 2, state: 'FAIL', reason: FAILED_BY_USER_IN_APP, x: 0.3 });
    // Offered again: WAITING with the same params fixed for the next run.
    expect(after[3]?.state).toBe('WAITING');
    const again = await t.app.dispatch('sweeps.get', { id });
    expect(again.ok && (again.value as ChannelOutput<'sweeps.get'>).runningElsewhere).toEqual([]);
    const twice = await t.app.dispatch('sweeps.failTrial', { id, trialNumber: 2 });
    expect(twice.ok ? null : twice.error.code).toBe('CONFLICT');
  });
});
