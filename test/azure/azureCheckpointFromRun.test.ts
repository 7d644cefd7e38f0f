// A sweep parent run tracked to Azure still finds its checkpoint, from the CLI: `sweep run` tracked
// to the Azure double is interrupted (Ctrl-C) after a trial; `runs ls --store azure` shows the
// parent run with its checkpoint_path, on this machine; `sweep status` on that path shows the
// finished trial; the same `sweep run` resumes it to the end, continuing the same parent run in
// the workspace with one finished child run per complete trial.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTree, renderTree } from '../../electron/cli/commands/runs.ts';
import type { Run } from '../../electron/core/tracking/types.ts';
import { startAzureMlflowDouble, type AzureMlflowDouble } from '../support/azureMlflowDouble.ts';
import { quickConfig, quickTrial } from '../support/quickSweep.ts';
import { runCli, startCli } from '../support/sweepdeckCli.ts';
import { until } from '../support/until.ts';

let work: string;
let azure: AzureMlflowDouble;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'azure-checkpoint-'));
  azure = await startAzureMlflowDouble({ dbFile: path.join(work, 'workspace-mlflow.db') });
});
afterAll(async () => {
  await azure.close();
  fs.rmSync(work, { recursive: true, force: true });
});

function env(): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: work, SWEEPDECK_DATA_DIR: path.join(work, 'data'), SWEEPDECK_AZURE_TIMEOUT_MS: '10000', SWEEPDECK_KILL_GRACE_MS: '2000', ...azure.double.env() };
}

interface ListedRun {
  info: { run_id: string; status: string };
  data: { params?: { key: string; value: string }[]; tags?: { key: string; value: string }[] };
}

describe('a sweep tracked to Azure, interrupted, found from its Azure parent run and resumed (CLI)', () => {
  it('runs ls --store azure leads to the checkpoint on this machine, and sweep run resumes it into the same parent run', async () => {
    fs.writeFileSync(path.join(work, 'trial.mjs'), quickTrial(400));
    const config = path.join(work, 'hpo.yaml');
    fs.writeFileSync(config, quickConfig(4, 'azure-checkpoint'));
    const outDir = path.join(work, 'out');
    const checkpoint = path.join(outDir, 'tiny', 'study.db');

    const first = startCli(['sweep', 'run', config, '--output-dir', outDir], env(), work);
    await until('trial 1 to start', async () => /trial 1 started/.test(first.stdout), 60_000, 20);
    first.child.kill('SIGINT');
    const stopped = await first.done;
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(130);

    // From the workspace: the parent run, its checkpoint_path, and that the file is here.
    const text = await runCli(['runs', 'ls', '--store', 'azure', '--experiment', 'azure-checkpoint'], env(), work);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`checkpoint: ${checkpoint} (on this machine)`);
    const listed = await runCli(['runs', 'ls', '--store', 'azure', '--experiment', 'azure-checkpoint', '--json'], env(), work);
    expect(listed.code, listed.stderr).toBe(0);
    const trees = (JSON.parse(listed.stdout) as { experiments: { runs: { run: ListedRun }[] }[] }).experiments;
    expect(trees.length).toBe(1);
    expect(trees[0]!.runs.length).toBe(1);
    const parent = trees[0]!.runs[0]!.run;
    const found = parent.data.params?.find((p) => p.key === 'checkpoint_path')?.value;
    expect(found).toBe(checkpoint);

    const status = await runCli(['sweep', 'status', found!, '--json'], env(), work);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(status.stdout))).toMatch(/"COMPLETE"/);

    const resumed = await runCli(['sweep', 'run', config, '--output-dir', outDir], env(), work);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resuming: [1-3]\/4 finished/);

    // The same parent run, continued and finished; one FINISHED child run per complete trial.
    const run = await azure.store.getRun(parent.info.run_id);
    expect(run.info.status).toBe('FINISHED');
    expect(run.data.tags?.find((t) => t.key === 'resumed_from_checkpoint')?.value).toBe('true');
    const e = await azure.store.getExperimentByName('azure-checkpoint');
    const { items } = await azure.store.searchRuns({ experimentIds: [e!.experiment_id], maxResults: 100 });
    expect(items.filter((r) => !r.data.tags?.some((t) => t.key === 'mlflow.parentRunId')).map((r) => r.info.run_id)).toEqual([parent.info.run_id]);
    const finishedChildren = items.filter((r) => r.data.tags?.some((t) => t.key === 'mlflow.parentRunId' && t.value === parent.info.run_id) && r.info.status === 'FINISHED');
    expect(finishedChildren.length).toBe(4);
  }, 180_000);

  it('a parent run whose checkpoint is elsewhere says so', () => {
    const missing = path.join(work, 'elsewhere', 'study.db');
    const run: Run = {
      info: { run_id: 'r1', run_uuid: 'r1', run_name: 'sweep', experiment_id: '1', status: 'FINISHED', start_time: 1, end_time: 2, lifecycle_stage: 'active', artifact_uri: '', user_id: '' },
      data: { params: [{ key: 'checkpoint_path', value: missing }], metrics: [], tags: [] },
    };
    const tree = buildTree({ experiment_id: '1', name: 'e', lifecycle_stage: 'active', artifact_location: '', tags: [] }, [run]);
    expect(renderTree([tree], 'azureml://ws')).toContain(`checkpoint: ${missing} (not on this machine)`);
  });
});
