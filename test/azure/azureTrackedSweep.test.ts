// `sweepdeck sweep run` tracked to the Azure double with Azure's metric-history limit in force (a
// page of 1,000 points or more is refused): every child run must end FINISHED holding the study's
// intermediate values. The double answers MLflow calls over a SQLite store with all of Azure's
// documented refusals (azureMlflowDouble.ts), and the test then reads that store.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { TRIAL_ATTR_RUN } from '../../electron/core/tracking/sweepTracking.ts';
import type { TrackingStore } from '../../electron/core/tracking/types.ts';
import { startAzureMlflowDouble, type AzureMlflowDouble } from '../support/azureMlflowDouble.ts';
import { runCli } from '../support/sweepdeckCli.ts';
import { quickConfig, quickTrial } from '../support/quickSweep.ts';

let workDir: string;
let store: TrackingStore;
let azure: AzureMlflowDouble;

beforeAll(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'azure-sweep-'));
  azure = await startAzureMlflowDouble({ dbFile: path.join(workDir, 'workspace-mlflow.db') });
  store = azure.store;
});
afterAll(async () => {
  await azure.stop();
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** Async spawn: the double answers from this process's event loop, so spawnSync would deadlock. */
function sweepRun(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // A clean environment: nothing from the developer's shell (MLFLOW_*, AZURE_*) leaks in.
  return runCli(['sweep', 'run', ...args], { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', SWEEPDECK_AZURE_TIMEOUT_MS: '10000', ...env }, workDir);
}

describe('sweep run tracked to Azure (the double, with its metric-history limit)', () => {
  it('ends with every child run FINISHED holding the study intermediate values, and no hook warning', async () => {
    fs.writeFileSync(path.join(workDir, 'trial.mjs'), quickTrial(20));
    fs.writeFileSync(path.join(workDir, 'hpo.yaml'), quickConfig(3, 'azure-limits'));
    const r = await sweepRun(['hpo.yaml', '--output-dir', path.join(workDir, 'out')], azure.double.env());
    const output = r.stdout + r.stderr;
    expect(r.code, output).toBe(0);
    expect(output).not.toMatch(/tracking hook \w+ failed/);
    // The history pages really went through the limit check.
    const pages = azure.double.requests.filter((q) => q.path.endsWith('/metrics/get-history'));
    expect(pages.length).toBeGreaterThan(0);
    for (const q of pages) expect(Number(q.query.max_results)).toBeLessThan(1000);

    const study = openStudyStorage(path.join(workDir, 'out', 'tiny', 'study.db'));
    try {
      const info = study.getStudy('hpo_tiny') ?? study.listStudies()[0]!;
      const trials = study.getTrials(info.studyId);
      expect(trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE']);
      for (const t of trials) {
        const runId = t.userAttrs[TRIAL_ATTR_RUN];
        expect(typeof runId, `trial ${t.number} run link`).toBe('string');
        const run = await store.getRun(runId as string);
        expect(run.info.status, `child run of trial ${t.number}`).toBe('FINISHED');
        const history = (await store.getMetricHistory(runId as string, 'score')).items.map((m) => [m.step, m.value]);
        expect(history, `score history of trial ${t.number}`).toEqual(t.intermediateValues);
      }
    } finally {
      study.close();
    }
  }, 120_000);
});
