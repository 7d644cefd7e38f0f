// A sweep tracked to Azure still finds its checkpoint: `sweep run` tracks one trial of three to the
// Azure double, then the app (`sweepdeck serve` with the same workspace) opens the workspace as a
// store, finds the sweep's parent run there, follows its checkpoint_path to the study on this
// machine, and resumes it to the end (the study made by the CLI needs its config, as the app asks).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import { startServe, type ServedHost } from '../../e2e/browser/support.ts';
import { startAzureMlflowDouble, type AzureMlflowDouble } from '../support/azureMlflowDouble.ts';
import { runCli } from '../support/sweepdeckCli.ts';
import { quickConfig, quickTrial } from '../support/quickSweep.ts';
import { until } from '../support/until.ts';

let work: string;
let azure: AzureMlflowDouble;
let host: ServedHost | undefined;
let api: Client | undefined;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'azure-resume-'));
  azure = await startAzureMlflowDouble({ dbFile: path.join(work, 'workspace-mlflow.db') });
});
afterAll(async () => {
  api?.close();
  await host?.stop();
  await azure.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Async spawn: the double answers from this process's event loop. */
async function sweepRun(args: string[]): Promise<{ code: number | null; out: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: work, SWEEPDECK_AZURE_TIMEOUT_MS: '10000', ...azure.double.env() };
  const r = await runCli(['sweep', 'run', ...args], env, work);
  return { code: r.code, out: r.stdout + r.stderr };
}

describe('a sweep tracked to Azure, found from its parent run in the app', () => {
  it('finds the checkpoint from the parent run and resumes the sweep from it', async () => {
    fs.writeFileSync(path.join(work, 'trial.mjs'), quickTrial(20));
    const config = path.join(work, 'hpo.yaml');
    fs.writeFileSync(config, quickConfig(3, 'azure-resume'));
    const outDir = path.join(work, 'out');
    const first = await sweepRun([config, '--output-dir', outDir, '--max-trials', '1']);
    expect(first.code, first.out).toBe(0);
    const checkpoint = path.join(outDir, 'tiny', 'study.db');
    expect(fs.existsSync(checkpoint)).toBe(true);

    host = await startServe(path.join(work, 'data'), work, ['--no-example'], { ...azure.double.env(), SWEEPDECK_AZURE_TIMEOUT_MS: '10000' });
    api = createClient(httpTransport(host.origin, host.token));
    const d = azure.double;
    const store = await api.get('stores.add', { kind: 'azure', workspace: { subscriptionId: d.subscriptionId, resourceGroup: d.resourceGroup, workspaceName: d.workspaceName } });
    const { experiments } = await api.get('experiments.list', { storeId: store.id });
    const experiment = experiments.find((e) => e.name === 'azure-resume');
    expect(experiment, JSON.stringify(experiments.map((e) => e.name))).toBeDefined();
    const { runs } = await api.get('runs.search', { storeId: store.id, experimentIds: [experiment!.experiment_id] });
    const parent = runs.find((r) => r.data.tags?.some((t) => t.key === 'sweepdeck.kind' && t.value === 'sweep'));
    expect(parent, JSON.stringify(runs.map((r) => r.info.run_name))).toBeDefined();

    const found = await api.get('runs.findSweep', { storeId: store.id, runId: parent!.info.run_id });
    expect(found.checkpointPath).toBe(checkpoint);
    expect(found.sweepId).not.toBeNull();
    const sweep = await api.get('sweeps.get', { id: found.sweepId! });
    expect(sweep).toMatchObject({ studyPath: checkpoint, finishedTrials: 1 });

    await api.get('sweeps.resume', { id: found.sweepId!, configPath: config });
    const done = await until(
      'the resumed sweep to finish',
      async () => {
        const s = await api!.get('sweeps.get', { id: found.sweepId! });
        return s.state === 'finished' || s.state === 'failed' ? s : undefined;
      },
      90_000,
    );
    expect(done, done.message ?? '').toMatchObject({ state: 'finished', finishedTrials: 3, counts: { COMPLETE: 3 } });
    // The resumed trials were tracked to the same workspace: one child run per trial in all.
    const inAzure = await azure.store.searchRuns({ experimentIds: [experiment!.experiment_id] });
    expect(inAzure.items.filter((r) => r.data.tags?.some((t) => t.key === 'mlflow.parentRunId')).length).toBe(3);
  }, 150_000);
});
