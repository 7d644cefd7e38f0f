// Resuming from the app with a config whose search space differs from the study's: sweeps.spaceDiff
// lists the difference; sweeps.resume refuses it unless acceptSpaceChange, and refuses a change of a
// param's kind always; a refused resume leaves the study byte-for-byte and the sweep as they were.
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChannelOutput } from '../../shared/contract.ts';
import { FIXTURE_STUDY_CONFIG } from '../support/fixtureStudy.ts';
import { FIXTURES } from '../support/peers.ts';
import { quickConfig, quickTrial } from '../support/quickSweep.ts';
import { until } from '../support/until.ts';
import { tempApp, type TempApp } from '../contract/support.ts';
import { readTrials, tmpDir } from '../sweeps/support.ts';

let t: TempApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

const sha = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex');

const WIDENED = FIXTURE_STUDY_CONFIG.replace('learning_rate: {type: loguniform, min: 1.0e-5, max: 5.0e-5}', 'learning_rate: {type: loguniform, min: 1.0e-6, max: 1.0e-1}').replace(
  '  weight_decay: {type: uniform, min: 0.0, max: 0.1}\n',
  '',
);
const EPOCHS_FLOAT = FIXTURE_STUDY_CONFIG.replace('epochs: {type: int, min: 2, max: 10, step: 2}', 'epochs: {type: uniform, min: 2, max: 10}');

describe('resuming with another search space from the app', () => {
  it('lists the difference, refuses it unless accepted, refuses a kind change always, and resumes on purpose', async () => {
    expect(WIDENED).not.toBe(FIXTURE_STUDY_CONFIG);
    expect(EPOCHS_FLOAT).not.toBe(FIXTURE_STUDY_CONFIG);
    t = await tempApp();
    const dir = tmpDir('space-app');
    const study = path.join(dir, 'study.db');
    copyFileSync(path.join(FIXTURES, 'optuna-3.1.0', 'study.db'), study);
    writeFileSync(path.join(dir, 'trial.mjs'), quickTrial(5));
    const same = path.join(dir, 'same.yaml');
    const widened = path.join(dir, 'widened.yaml');
    const kind = path.join(dir, 'kind.yaml');
    writeFileSync(same, FIXTURE_STUDY_CONFIG);
    writeFileSync(widened, WIDENED);
    writeFileSync(kind, EPOCHS_FLOAT);
    const opened = await t.app.dispatch('sweeps.openStudyFile', { path: study });
    if (!opened.ok) throw new Error(opened.error.message);
    const id = (opened.value as ChannelOutput<'sweeps.openStudyFile'>).sweeps[0]!.id;
    const before = sha(study);

    expect(await t.app.dispatch('sweeps.spaceDiff', { id, configPath: same })).toEqual({ ok: true, value: { studyPath: study, studyName: 'hpo_distilbert', changes: [], refused: false } });
    const diff = {
      studyPath: study,
      studyName: 'hpo_distilbert',
      changes: [
        { param: 'learning_rate', change: 'changed', text: 'learning_rate: range 1e-5..5e-5 → 1e-6..1e-1' },
        { param: 'weight_decay', change: 'removed', text: "weight_decay: removed — trials keep their values; new trials won't sample it" },
      ],
      refused: false,
    };
    expect(await t.app.dispatch('sweeps.spaceDiff', { id, configPath: widened })).toEqual({ ok: true, value: diff });
    const badInput = await t.app.dispatch('sweeps.spaceDiff', { id, configPath: 'widened.yaml' });
    expect(badInput.ok ? null : badInput.error.message).toMatch(/widened\.yaml.*absolute/);

    // Not accepted: refused with the difference; nothing changes, not even the sweep's config.
    const refused = await t.app.dispatch('sweeps.resume', { id, configPath: widened });
    expect(refused.ok ? null : refused.error).toEqual({ code: 'CONFLICT', message: expect.stringContaining('- learning_rate: range 1e-5..5e-5 → 1e-6..1e-1\n'), details: { spaceDiff: diff } });
    expect(sha(study)).toBe(before);
    const still = await t.app.dispatch('sweeps.get', { id });
    expect(still.ok && (still.value as ChannelOutput<'sweeps.get'>).configPath).toBeNull();

    // A kind change: refused even when accepted, naming the param and both kinds.
    const kindDiff = await t.app.dispatch('sweeps.spaceDiff', { id, configPath: kind });
    expect(kindDiff.ok && (kindDiff.value as ChannelOutput<'sweeps.spaceDiff'>).refused).toBe(true);
    const kindResume = await t.app.dispatch('sweeps.resume', { id, configPath: kind, acceptSpaceChange: true });
    expect(kindResume.ok ? null : [kindResume.error.code, kindResume.error.message]).toEqual([
      'CONFLICT',
      expect.stringContaining("epochs: the study holds it as int, the config makes it float (uniform / loguniform) — Optuna cannot change a param's kind within a study; keep it int in search_space, or set a new study_name"),
    ]);
    expect(sha(study)).toBe(before);

    // Accepted: the sweep resumes with the new space.
    const resumed = await t.app.dispatch('sweeps.resume', { id, configPath: widened, acceptSpaceChange: true });
    expect(resumed.ok, JSON.stringify(resumed)).toBe(true);
    await until('the resumed sweep to finish', async () => {
      const s = await t!.app.dispatch('sweeps.get', { id });
      return s.ok && (s.value as ChannelOutput<'sweeps.get'>).state === 'finished';
    });
    const added = readTrials(study, 'hpo_distilbert').filter((tr) => tr.number > 12 && tr.state === 'COMPLETE');
    expect(added.length).toBeGreaterThan(0);
    for (const tr of added) {
      expect(tr.distributions.learning_rate).toEqual({ kind: 'float', low: 1e-6, high: 1e-1, step: null, log: true });
      expect(Object.keys(tr.params)).not.toContain('weight_decay');
    }
    // The sweep's own (attached) config now matches what the study was last sampled with.
    const after = await t.app.dispatch('sweeps.spaceDiff', { id });
    expect(after.ok && (after.value as ChannelOutput<'sweeps.spaceDiff'>).changes).toEqual([]);
  }, 60_000);

  it("a sweep's own config, edited after a run: the same check when Resume is pressed", async () => {
    t = await tempApp();
    const dir = tmpDir('space-app-own');
    writeFileSync(path.join(dir, 'trial.mjs'), quickTrial(5));
    const cfg = path.join(dir, 'hpo.yaml');
    writeFileSync(cfg, quickConfig(1));
    const started = await t.app.dispatch('sweeps.start', { configPath: cfg });
    if (!started.ok) throw new Error(started.error.message);
    const id = (started.value as ChannelOutput<'sweeps.start'>).id;
    const finished = await until('the first run to finish', async () => {
      const s = await t!.app.dispatch('sweeps.get', { id });
      return s.ok && (s.value as ChannelOutput<'sweeps.get'>).state === 'finished' ? (s.value as ChannelOutput<'sweeps.get'>) : undefined;
    });
    const study = finished.studyPath;
    expect(await t.app.dispatch('sweeps.spaceDiff', { id })).toEqual({ ok: true, value: { studyPath: study, studyName: 'hpo_tiny', changes: [], refused: false } });

    writeFileSync(cfg, quickConfig(1).replace('x: {type: uniform, min: 0.0, max: 1.0}', 'x: {type: uniform, min: 0.0, max: 0.5}'));
    const before = sha(study);
    const changes = [{ param: 'x', change: 'changed', text: 'x: range 0..1 → 0..0.5' }];
    expect(await t.app.dispatch('sweeps.spaceDiff', { id })).toEqual({ ok: true, value: { studyPath: study, studyName: 'hpo_tiny', changes, refused: false } });
    const refused = await t.app.dispatch('sweeps.resume', { id, maxTrials: 2 });
    expect(refused.ok ? null : [refused.error.code, refused.error.details]).toEqual(['CONFLICT', { spaceDiff: { studyPath: study, studyName: 'hpo_tiny', changes, refused: false } }]);
    expect(sha(study)).toBe(before);

    const resumed = await t.app.dispatch('sweeps.resume', { id, maxTrials: 2, acceptSpaceChange: true });
    expect(resumed.ok, JSON.stringify(resumed)).toBe(true);
    await until('the resumed run to finish', async () => {
      const s = await t!.app.dispatch('sweeps.get', { id });
      return s.ok && (s.value as ChannelOutput<'sweeps.get'>).finishedTrials === 2 && (s.value as ChannelOutput<'sweeps.get'>).state === 'finished';
    });
    expect(readTrials(study, 'hpo_tiny').map((tr) => tr.distributions.x)).toEqual([
      { kind: 'float', low: 0, high: 1, step: null, log: false },
      { kind: 'float', low: 0, high: 0.5, step: null, log: false },
    ]);
  }, 60_000);
});
