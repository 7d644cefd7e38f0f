// sweeps.trialAttrs: a trial's user and system attributes from a copy of the Optuna 3.1.0 fixture
// (user attr trial_dir as Optuna wrote it; a system attr added to the copy with sqlite), an unknown
// trial named in the error. Values read from the fixture with sqlite3. A note saved here is a user attr
// that the real Python Optuna reads.
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempApp, type TempApp } from '../contract/support.ts';
import { FIXTURES, needOptuna, runPython } from '../support/peers.ts';

let t: TempApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

describe('sweeps.trialAttrs', () => {
  it("returns a trial's user and system attributes as stored", async () => {
    t = await tempApp();
    const study = path.join(mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-attrs-')), 'study.db');
    copyFileSync(path.join(FIXTURES, 'optuna-3.1.0', 'study.db'), study);
    const raw = new Database(study);
    // trial 5 has trial_id 6 in the fixture.
    raw.prepare('INSERT INTO trial_system_attributes (trial_id, "key", value_json) VALUES (6, ?, ?)').run('fail_reason', '"CUDA out of memory"');
    raw.prepare('INSERT INTO trial_system_attributes (trial_id, "key", value_json) VALUES (6, ?, ?)').run('constraints', '[0.5, -1]');
    raw.close();
    const opened = await t.app.dispatch('sweeps.openStudyFile', { path: study });
    if (!opened.ok) throw new Error(opened.error.message);
    const id = (opened.value as { sweeps: Array<{ id: string }> }).sweeps[0]!.id;
    expect(await t.app.dispatch('sweeps.trialAttrs', { id, trialNumber: 5 })).toEqual({
      ok: true,
      value: { number: 5, userAttrs: { trial_dir: 'outputs/hpo/distilbert/trial_5' }, systemAttrs: { fail_reason: 'CUDA out of memory', constraints: [0.5, -1] } },
    });
    expect(await t.app.dispatch('sweeps.trialAttrs', { id, trialNumber: 3 })).toEqual({ ok: true, value: { number: 3, userAttrs: { trial_dir: 'outputs/hpo/distilbert/trial_3' }, systemAttrs: {} } });
    const missing = await t.app.dispatch('sweeps.trialAttrs', { id, trialNumber: 99 });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: `Sweep '${id}' has no trial number 99.` } });
  });
});

describe('sweeps.setTrialNote', () => {
  it('saves a note on a finished trial as user attr note, which Python Optuna reads', async (ctx) => {
    needOptuna(ctx);
    t = await tempApp();
    const study = path.join(mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-note-')), 'study.db');
    copyFileSync(path.join(FIXTURES, 'optuna-3.1.0', 'study.db'), study);
    const opened = await t.app.dispatch('sweeps.openStudyFile', { path: study });
    if (!opened.ok) throw new Error(opened.error.message);
    const id = (opened.value as { sweeps: Array<{ id: string }> }).sweeps[0]!.id;
    // Read once first, so the app's reader has the trial cached before the note is written.
    await t.app.dispatch('sweeps.trialAttrs', { id, trialNumber: 3 });
    const note = 'lr too low — rerun with warmup «ß»';
    expect(await t.app.dispatch('sweeps.setTrialNote', { id, trialNumber: 3, note })).toEqual({ ok: true, value: { number: 3, note } });
    expect(await t.app.dispatch('sweeps.trialAttrs', { id, trialNumber: 3 })).toMatchObject({ ok: true, value: { userAttrs: { trial_dir: 'outputs/hpo/distilbert/trial_3', note } } });
    const fromPython = runPython(
      "import sys, optuna\noptuna.logging.set_verbosity(optuna.logging.ERROR)\ns = optuna.load_study(study_name='hpo_distilbert', storage='sqlite:///' + sys.argv[1])\nt = [x for x in s.trials if x.number == 3][0]\nsys.stdout.buffer.write((t.state.name + ' ' + t.user_attrs['note']).encode('utf-8'))",
      [study],
    );
    expect(fromPython).toBe(`COMPLETE ${note}`);
    const missing = await t.app.dispatch('sweeps.setTrialNote', { id, trialNumber: 99, note: 'x' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: `Study 'hpo_distilbert' in ${study} has no trial 99.` } });
    expect(await t.app.dispatch('sweeps.setTrialNote', { id, trialNumber: 3, note: 'x'.repeat(10_001) })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });
});
