// The trainer as a trial of a tracked sweep: the orchestrator's side is played by the project's own
// embedded MLflow endpoint over a fresh MLflow SQLite store. The child run the orchestrator made
// must end up with the trainer's per-epoch metrics and params, logged through MLflow REST with the
// endpoint's bearer token, while the run stays the orchestrator's to end.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTrackingEndpoint, type TrackingEndpoint } from '../../electron/core/tracking/endpoint/server.ts';
import { openSqliteStore } from '../../electron/core/tracking/sqliteStore/sqliteStore.ts';
import type { TrackingStore } from '../../electron/core/tracking/types.ts';
import { runTrainer, tempDir } from './exampleSupport.ts';

const open: Array<{ endpoint: TrackingEndpoint; store: TrackingStore }> = [];
afterEach(async () => {
  for (const { endpoint, store } of open.splice(0)) {
    await endpoint.close();
    await store.close();
  }
});

async function setup() {
  const store = openSqliteStore(path.join(tempDir('mlflow'), 'mlflow.db'), { create: true });
  const endpoint = await startTrackingEndpoint({ store });
  open.push({ endpoint, store });
  const experimentId = await store.createExperiment('resume_ner_baseline-hpo-distilbert');
  const parent = await store.createRun({ experimentId, runName: 'hpo_distilbert_20260101_000000' });
  const child = await store.createRun({
    experimentId, runName: 'trial_0', tags: [{ key: 'mlflow.parentRunId', value: parent.info.run_id }],
  });
  return { store, endpoint, runId: child.info.run_id };
}

describe('resume-ner trainer → embedded MLflow endpoint', () => {
  it('logs every epoch into the child run it is given, beside the params the orchestrator logged', async () => {
    const { store, endpoint, runId } = await setup();
    // The orchestrator logs the trial's params first, formatted its own way.
    await store.logBatch(runId, { params: [{ key: 'learning_rate', value: '0.00003' }, { key: 'epochs', value: '4' }] });
    const r = await runTrainer(
      ['--learning-rate', '3e-5', '--batch-size', '16', '--dropout', '0.2', '--epochs', '4', '--warmup-steps', '100'],
      { MLFLOW_TRACKING_URI: endpoint.url, MLFLOW_TRACKING_TOKEN: endpoint.token, MLFLOW_RUN_ID: runId },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/.*warning.*/g)?.join('\n') ?? null).toBeNull();

    const history = (await store.getMetricHistory(runId, 'macro-f1')).items;
    expect(history.map((m) => m.step)).toEqual([0, 1, 2, 3]);
    expect(history.map((m) => m.value)).toEqual(r.f1);
    expect((await store.getMetricHistory(runId, 'loss')).items.map((m) => m.value)).toEqual(r.loss);

    const run = await store.getRun(runId);
    const params = new Map((run.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params.get('learning_rate')).toBe('0.00003'); // the orchestrator's value stands
    expect(params.get('trainer.model')).toMatch(/perceptron/);
    expect(run.info.status).toBe('RUNNING'); // not ended by the trial
  });

  it('warns and still trains when the token is wrong; nothing reaches the run', async () => {
    const { store, endpoint, runId } = await setup();
    const r = await runTrainer(['--epochs', '2'], {
      MLFLOW_TRACKING_URI: endpoint.url, MLFLOW_TRACKING_TOKEN: 'not-the-token', MLFLOW_RUN_ID: runId,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.f1).toHaveLength(2);
    expect(r.stderr).toMatch(/warning: MLflow .*failed \(401/);
    expect((await store.getMetricHistory(runId, 'macro-f1')).items).toEqual([]);
  });
});
