// End to end on the embedded default: the example résumé-NER sweep with tracking to a local
// SQLite MLflow store. The trial program logs its own metrics through MLflow's REST API (the
// embedded endpoint); the runner adds the parent run and the child runs around them.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../electron/core/config/loadConfig.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { startTrackedSweep } from '../../electron/core/sweeps/trackedSweep.ts';
import { openTrackingStore } from '../../electron/core/tracking/openStore.ts';
import { TRIAL_ATTR_RUN } from '../../electron/core/tracking/sweepTracking.ts';
import { REPO_ROOT } from '../support/peers.ts';

const exampleDir = path.join(REPO_ROOT, 'resources/examples/resume-ner');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-tracked-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const env = { PATH: process.env.PATH, HOME: process.env.HOME }; // no Azure, no MLFLOW_* from the host

async function sweep(maxTrials: number) {
  const config = loadConfigFile(path.join(exampleDir, 'hpo.yaml'));
  // Short trainings keep the test quick; the search space stays the example's own.
  config.search_space.epochs = { type: 'int', min: 2, max: 4, step: 2, log: false } as (typeof config.search_space)[string];
  const handle = await startTrackedSweep({ config, outputDir: tmp, configDir: exampleDir, maxTrials, heartbeatIntervalMs: 500 }, { env });
  const result = await handle.done;
  return { handle, result, parent: await handle.parentRun };
}

describe('example sweep tracked in the local SQLite store', () => {
  let firstParent = '';

  it('gives one parent run with the checkpoint params and one child per trial with metrics the trainer logged itself', async () => {
    const { handle, result, parent } = await sweep(3);
    expect(result.status).toBe('completed');
    expect(handle.decision.mode).toBe('local');
    expect(handle.decision.reasonCode).toBe('NOT_CONFIGURED');
    firstParent = parent.runId;

    const store = await openTrackingStore(`sqlite:///${path.join(tmp, 'mlflow.db')}`);
    try {
      const run = await store.getRun(parent.runId);
      expect(run.info.run_name).toMatch(/^hpo_distilbert_\d{8}_\d{6}$/);
      const params = Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
      expect(params).toMatchObject({
        backbone: 'distilbert',
        max_trials: '3',
        study_name: 'hpo_distilbert',
        checkpoint_path: path.join(tmp, 'distilbert', 'study.db'),
        checkpoint_enabled: 'true',
        checkpoint_storage_type: 'sqlite',
      });
      const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
      expect(tags.resumed_from_checkpoint).toBe('false');
      const metrics = Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value]));
      expect(metrics.n_trials).toBe(3);
      expect(metrics.best_value).toBeCloseTo(result.best!.value, 6);

      const children = await store.searchRuns({
        experimentIds: [parent.experimentId],
        filter: `tags.\`mlflow.parentRunId\` = '${parent.runId}'`,
      });
      expect(children.items).toHaveLength(3);

      // Both sides of the trial <-> run link, and the trainer's own MLflow history per epoch.
      const study = openStudyStorage(path.join(tmp, 'distilbert', 'study.db'));
      try {
        const info = study.getStudy('hpo_distilbert')!;
        expect(info.userAttrs.mlflow_parent_run_id).toBe(parent.runId);
        for (const trial of study.getTrials(info.studyId, ['COMPLETE'])) {
          const runId = trial.userAttrs[TRIAL_ATTR_RUN] as string;
          const child = children.items.find((r) => r.info.run_id === runId);
          expect(child, `child run of trial ${trial.number}`).toBeDefined();
          expect(child!.info.status).toBe('FINISHED');
          const history = (await store.getMetricHistory(runId, 'macro-f1')).items;
          expect(history.length).toBe(trial.params.epochs); // one point per epoch, not duplicated by the stdout relay
          expect(history.at(-1)!.value).toBeCloseTo(trial.value!, 6);
        }
      } finally {
        study.close();
      }
    } finally {
      await store.close();
    }
    // The file stays at MLflow's head, so the real `mlflow ui` opens it.
    const db = new Database(path.join(tmp, 'mlflow.db'), { readonly: true });
    expect(db.prepare('SELECT version_num FROM alembic_version').pluck().get()).toBe('0584bdc529eb');
    db.close();
  });

  it('a resume continues the same parent run, tagged resumed_from_checkpoint=true with a resume count', async () => {
    const { result, parent } = await sweep(5);
    expect(result.status).toBe('completed');
    expect(parent.runId).toBe(firstParent);
    expect(parent.continued).toBe(true);
    const store = await openTrackingStore(`sqlite:///${path.join(tmp, 'mlflow.db')}`);
    try {
      const run = await store.getRun(parent.runId);
      const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
      expect(tags.resumed_from_checkpoint).toBe('true');
      expect(tags['sweepdeck.resume_count']).toBe('1');
      const children = await store.searchRuns({ experimentIds: [parent.experimentId], filter: `tags.\`mlflow.parentRunId\` = '${parent.runId}'` });
      expect(children.items).toHaveLength(5);
      expect(run.info.status).toBe('FINISHED');
    } finally {
      await store.close();
    }
  });
});
