// MLflow and the study agree on every trial, pruned ones included: a tracked sweep with the median
// pruner whose trial prints each step on stdout and then logs it to its child run over MLflow REST
// (the example trainer's own client), as the example trainer does. A pruned trial is stopped right
// after printing a step, before it logs that step itself; its child run must still hold exactly
// the study's intermediate values, each step once.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../electron/core/config/loadConfig.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { searchComponents } from '../../electron/core/sweeps/searchComponents.ts';
import { startTrackedSweep } from '../../electron/core/sweeps/trackedSweep.ts';
import { openTrackingStore } from '../../electron/core/tracking/openStore.ts';
import { TRIAL_ATTR_RUN } from '../../electron/core/tracking/sweepTracking.ts';
import { REPO_ROOT } from '../support/peers.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-pruned-mlflow-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const trainerUrl = pathToFileURL(path.join(REPO_ROOT, 'resources/examples/resume-ner/train.mjs')).href;

/** Six steps; x sets the curve, so low-x trials fall under the median and are pruned. */
const trialScript = `
import { mlflowLogger } from ${JSON.stringify(trainerUrl)};
const params = JSON.parse(process.env.SWEEPDECK_PARAMS);
const x = Number(params.x);
const mlflow = mlflowLogger(process.env);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (let step = 0; step < 6; step++) {
  await sleep(40);
  const score = Number((x * (step + 1) / 6).toFixed(6));
  const loss = Number((1 - score).toFixed(6));
  process.stdout.write('loss=' + loss + ' step=' + step + '\\nscore=' + score + ' step=' + step + '\\n');
  await mlflow.logMetrics({ score, loss }, step);
}
`;

const config = `
experiment_name: pruned-agree
backbone: tiny
search_space:
  x: {type: uniform, min: 0.0, max: 1.0}
sampling: {algorithm: random, max_trials: 14, max_concurrent_trials: 1, seed: 3}
objective: {metric: score, goal: maximize}
early_termination: {policy: median, evaluation_interval: 1, delay_evaluation: 1}
trial:
  command: ["node", "trial.mjs"]
checkpoint: {enabled: true, storage_path: "{backbone}/study.db", auto_resume: true}
`;

describe('a tracked sweep with pruning', () => {
  it('child run metric history equals the study intermediate values for COMPLETE and PRUNED trials, each step once', async () => {
    writeFileSync(path.join(tmp, 'trial.mjs'), trialScript);
    writeFileSync(path.join(tmp, 'hpo.yaml'), config);
    const env = { PATH: process.env.PATH, HOME: process.env.HOME }; // no Azure, no MLFLOW_* from the host
    const handle = await startTrackedSweep(
      { config: loadConfigFile(path.join(tmp, 'hpo.yaml')), outputDir: path.join(tmp, 'out'), configDir: tmp, heartbeatIntervalMs: 500 },
      { env },
    );
    const result = await handle.done;
    expect(result.status).toBe('completed');
    expect(handle.decision.mode).toBe('local');

    const store = await openTrackingStore(`sqlite:///${path.join(tmp, 'out', 'mlflow.db')}`);
    const study = openStudyStorage(path.join(tmp, 'out', 'tiny', 'study.db'));
    try {
      const info = study.getStudy('hpo_tiny')!;
      const trials = study.getTrials(info.studyId);
      const pruned = trials.filter((t) => t.state === 'PRUNED');
      const complete = trials.filter((t) => t.state === 'COMPLETE');
      expect(pruned.length, 'pruned trials').toBeGreaterThanOrEqual(2);
      expect(complete.length, 'complete trials').toBeGreaterThanOrEqual(5);
      expect(pruned.length + complete.length).toBe(trials.length);
      for (const t of trials) {
        const runId = t.userAttrs[TRIAL_ATTR_RUN] as string;
        const run = await store.getRun(runId);
        expect(run.info.status, `child run of trial ${t.number}`).toBe(t.state === 'COMPLETE' ? 'FINISHED' : 'KILLED');
        const history = (await store.getMetricHistory(runId, 'score')).items.map((m) => [m.step, m.value]).sort((a, b) => Number(a[0]) - Number(b[0]));
        // Same steps, same values, each step once: the study's intermediate values are the reference.
        expect(history, `score history of trial ${t.number} (${t.state})`).toEqual(t.intermediateValues);
        // The latest score MLflow shows is the study's last intermediate value (the pruned trial's value).
        const latest = (run.data.metrics ?? []).find((m) => m.key === 'score');
        expect(latest?.value, `latest score of trial ${t.number}`).toBe(t.intermediateValues.at(-1)?.[1]);
        // The trial's other metric keeps one point per step too, up to the last step it printed.
        const loss = (await store.getMetricHistory(runId, 'loss')).items.map((m) => Number(m.step)).sort((a, b) => a - b);
        expect(loss, `loss steps of trial ${t.number}`).toEqual(t.intermediateValues.map(([s]) => s));
      }
    } finally {
      study.close();
      await store.close();
    }
  }, 180_000);

  it('a step printed after the prune decision, before the stop lands, is kept by the study and the child run alike', async () => {
    const dir = mkdtempSync(path.join(tmp, 'late-'));
    // Steps 1 and 2 arrive in one write: the runner reads step 2 after deciding to prune at step 1.
    writeFileSync(
      path.join(dir, 'trial.mjs'),
      `
import { mlflowLogger } from ${JSON.stringify(trainerUrl)};
const mlflow = mlflowLogger(process.env);
process.stdout.write('score=0.1 step=0\\n');
await mlflow.logMetrics({ score: 0.1 }, 0);
process.stdout.write('score=0.2 step=1\\nscore=0.3 step=2\\n');
await new Promise((r) => setTimeout(r, 60_000));
`,
    );
    writeFileSync(path.join(dir, 'hpo.yaml'), config.replace('max_trials: 14', 'max_trials: 1'));
    const cfg = loadConfigFile(path.join(dir, 'hpo.yaml'));
    // A pruner that stops every trial once it has two steps.
    const components = { ...searchComponents(cfg), pruner: { name: 'median' as const, shouldPrune: (t: { intermediateValues: ReadonlyArray<[number, number]> }) => t.intermediateValues.length >= 2 } };
    const env = { PATH: process.env.PATH, HOME: process.env.HOME };
    const handle = await startTrackedSweep({ config: cfg, outputDir: path.join(dir, 'out'), configDir: dir, components, killGraceMs: 2000 }, { env });
    expect((await handle.done).status).toBe('completed');

    const store = await openTrackingStore(`sqlite:///${path.join(dir, 'out', 'mlflow.db')}`);
    const study = openStudyStorage(path.join(dir, 'out', 'tiny', 'study.db'));
    try {
      const [t] = study.getTrials(study.getStudy('hpo_tiny')!.studyId);
      expect(t!.state).toBe('PRUNED');
      expect(t!.intermediateValues).toEqual([[0, 0.1], [1, 0.2], [2, 0.3]]);
      // Optuna's rule: a pruned trial's value is its last intermediate value.
      expect(t!.value).toBe(0.3);
      const history = (await store.getMetricHistory(t!.userAttrs[TRIAL_ATTR_RUN] as string, 'score')).items.map((m) => [m.step, m.value]).sort((a, b) => Number(a[0]) - Number(b[0]));
      expect(history).toEqual(t!.intermediateValues);
    } finally {
      study.close();
      await store.close();
    }
  }, 120_000);
});
