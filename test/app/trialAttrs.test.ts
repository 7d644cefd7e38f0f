// sweeps.trialAttrs: a trial's user and system attributes from a copy of the Optuna 3.1.0 fixture
// (user attr trial_dir as Optuna wrote it; a system attr added to the copy with sqlite), an unknown
// trial named in the error. Values read from the fixture with sqlite3.
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempApp, type TempApp } from '../contract/support.ts';
import { FIXTURES } from '../support/peers.ts';

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
