// "az login users", end to end: with the stand-in `az` as the only thing on PATH (beside `node` for
// the trials) and only the three AZURE_* workspace variables set (plus the SWEEPDECK_AZURE_*
// overrides and the CA that aim at the local double), `azure whoami` names the Azure CLI, and
// `tracking setup`, `sweep run` and the app (`sweepdeck serve`, driven through its HTTP API) all
// track to the double's workspace. The double keeps a real MLflow store, read back here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import type { TrackingStore } from '../../electron/core/tracking/types.ts';
import { makeStandInBin, type StandInBin } from '../support/azureCliStandIn.ts';
import { addDiscovery } from '../support/azureDiscoveryDouble.ts';
import { fakeJwt } from '../support/azureDouble.ts';
import { startAzureMlflowDouble, type AzureMlflowDouble } from '../support/azureMlflowDouble.ts';
import { quickConfig, quickTrial } from '../support/quickSweep.ts';
import { runCli, startCli, type CliRun } from '../support/sweepdeckCli.ts';
import { until } from '../support/until.ts';

let work: string;
let azure: AzureMlflowDouble;
let bin: StandInBin;
let token: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'az-users-'));
  azure = await startAzureMlflowDouble({ dbFile: path.join(work, 'workspace-mlflow.db') });
  bin = makeStandInBin();
  // Trials run `node trial.mjs`: node is the one other program on PATH.
  fs.symlinkSync(process.execPath, path.join(bin.dir, 'node'));
  const d = azure.double;
  const exp = Math.floor(Date.now() / 1000) + 3599;
  token = fakeJwt({ aud: 'https://management.azure.com', iss: `https://sts.windows.net/${d.tenantId}/`, tid: d.tenantId, upn: 'ada@contoso.example' });
  d.issuedTokens.push(token);
  bin.setAzToken({ accessToken: token, expiresOnEpoch: exp, tenant: d.tenantId, subscription: d.subscriptionId });
  fs.writeFileSync(path.join(work, 'trial.mjs'), quickTrial(20));
  addDiscovery(d);
});
afterAll(async () => {
  await azure.close();
  bin.remove();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Only the workspace triple, the stand-in PATH, and the overrides aiming at the double. */
function env(): Record<string, string> {
  const d = azure.double;
  return {
    PATH: bin.path,
    HOME: work,
    SWEEPDECK_DATA_DIR: path.join(work, 'data'),
    AZURE_SUBSCRIPTION_ID: d.subscriptionId,
    AZURE_RESOURCE_GROUP: d.resourceGroup,
    AZURE_WORKSPACE_NAME: d.workspaceName,
    SWEEPDECK_AZURE_ARM_ENDPOINT: d.url,
    SWEEPDECK_AZURE_AUTHORITY_HOST: d.url,
    NODE_EXTRA_CA_CERTS: d.caFile,
    SWEEPDECK_AZURE_TIMEOUT_MS: '10000',
  };
}

/** The experiment's parent run and its child runs, read from the double's store. */
async function sweepRuns(store: TrackingStore, experiment: string): Promise<{ parentId: string; children: { id: string; status: string; score: number[] }[] }> {
  const e = await store.getExperimentByName(experiment);
  expect(e, `experiment ${experiment} in the workspace`).toBeTruthy();
  const { items: runs } = await store.searchRuns({ experimentIds: [e!.experiment_id], maxResults: 100 });
  const parentOf = (r: (typeof runs)[number]): string | undefined => r.data.tags?.find((t) => t.key === 'mlflow.parentRunId')?.value;
  const parents = runs.filter((r) => !parentOf(r));
  expect(parents.length, 'one parent run').toBe(1);
  const parentId = parents[0]!.info.run_id;
  const children = await Promise.all(
    runs
      .filter((r) => parentOf(r) === parentId)
      .map(async (r) => ({ id: r.info.run_id, status: r.info.status, score: (await store.getMetricHistory(r.info.run_id, 'score')).items.map((m) => m.value) })),
  );
  return { parentId, children };
}

describe('az login users (Azure CLI link, only the workspace variables)', () => {
  it('azure whoami names the Azure CLI and the account, with no token printed', async () => {
    const r = await runCli(['azure', 'whoami', '--json'], env(), work);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, link: 'Azure CLI', account: 'ada@contoso.example', tenantId: azure.double.tenantId });
    expect(r.stdout).not.toContain(token);
  });

  it('tracking setup targets the workspace through the Azure CLI', async () => {
    const r = await runCli(['tracking', 'setup', '--experiment', 'az-users-setup', '--json'], env(), work);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'azure', credentialLink: 'Azure CLI', azure: { workspaceName: azure.double.workspaceName } });
    // Its probe reached the workspace's MLflow endpoint with the token `az` handed out.
    const probe = azure.traffic.filter((t) => t.params.experiment_name === 'az-users-setup');
    expect(probe.map((t) => t.status)).toEqual([404]);
    expect(azure.double.requests.filter((q) => q.part === 'mlflow').at(-1)?.authorization).toBe(`Bearer ${token}`);
  });

  it('sweep run tracks a parent run and one finished child run per trial, with metrics, to the workspace', async () => {
    fs.writeFileSync(path.join(work, 'cli.yaml'), quickConfig(3, 'az-users-cli'));
    const r = await runCli(['sweep', 'run', 'cli.yaml', '--output-dir', path.join(work, 'out-cli')], env(), work);
    const output = r.stdout + r.stderr;
    expect(r.code, output).toBe(0);
    expect(output).not.toMatch(/tracking hook \w+ failed|falling back|local store/i);
    const { children } = await sweepRuns(azure.store, 'az-users-cli');
    expect(children.map((c) => c.status)).toEqual(['FINISHED', 'FINISHED', 'FINISHED']);
    for (const c of children) expect(c.score.length, `score history of run ${c.id}`).toBe(3);
    // Every MLflow call carried the token `az` handed out.
    const mlflow = azure.double.requests.filter((q) => q.part === 'mlflow');
    expect(mlflow.length).toBeGreaterThan(0);
    for (const q of mlflow) expect(q.authorization).toBe(`Bearer ${token}`);
  }, 120_000);

  it('the app (sweepdeck serve) reports Azure tracking and a sweep started through it is tracked there', async () => {
    fs.writeFileSync(path.join(work, 'app.yaml'), quickConfig(2, 'az-users-app'));
    const hostToken = 'az-users-host-token-0123456789';
    const serve: CliRun = startCli(['serve', '--no-example', '--port', '0', '--data-dir', path.join(work, 'app-data'), '--token', hostToken], env(), work);
    let client: Client | undefined;
    try {
      const url = await until('serve to print its URL', async () => /^(http:\/\/127\.0\.0\.1:\d+)/m.exec(serve.stdout)?.[1]);
      client = createClient(httpTransport(url, hostToken, { reconnectMs: 50 }));
      const status = await client.get('tracking.status', {});
      expect(status).toMatchObject({ mode: 'azure', fallbackReason: null, azure: { workspaceName: azure.double.workspaceName }, azureSource: 'environment' });
      expect(status.uri).toContain(`127.0.0.1:${azure.double.port}`);
      const started = await client.get('sweeps.start', { configPath: path.join(work, 'app.yaml') });
      const done = await until('the sweep to finish', async () => {
        const s = await client!.get('sweeps.get', { id: started.id });
        return s.state === 'finished' || s.state === 'failed' ? s : undefined;
      }, 60_000);
      expect(done.state, done.message ?? '').toBe('finished');
      const { parentId, children } = await sweepRuns(azure.store, 'az-users-app');
      expect(done.tracking.parentRunId).toBe(parentId);
      expect(children.map((c) => c.status)).toEqual(['FINISHED', 'FINISHED']);
      for (const c of children) expect(c.score.length).toBe(3);
    } finally {
      client?.close();
      serve.child.kill('SIGINT');
      await serve.done;
    }
    expect(serve.stdout + serve.stderr).not.toContain(token);
  }, 120_000);

  it('the app with no workspace variables: the picker lists the tenant through the Azure CLI, and choosing the workspace tracks to it', async () => {
    const { AZURE_SUBSCRIPTION_ID: _s, AZURE_RESOURCE_GROUP: _r, AZURE_WORKSPACE_NAME: _w, ...noWorkspace } = env();
    const hostToken = 'az-users-picker-token-0123456789';
    const serve = startCli(['serve', '--no-example', '--port', '0', '--data-dir', path.join(work, 'picker-data'), '--token', hostToken], noWorkspace, work);
    let client: Client | undefined;
    try {
      const url = await until('serve to print its URL', async () => /^(http:\/\/127\.0\.0\.1:\d+)/m.exec(serve.stdout)?.[1]);
      client = createClient(httpTransport(url, hostToken, { reconnectMs: 50 }));
      const d = azure.double;
      const { tenants } = await client.get('workspaces.tenants', {});
      expect(tenants.find((t) => t.tenantId === d.tenantId)).toMatchObject({ status: 'ok' });
      const chosen = await client.get('workspaces.choose', { workspace: { subscriptionId: d.subscriptionId, resourceGroup: d.resourceGroup, workspaceName: d.workspaceName }, tenantId: d.tenantId });
      expect(chosen.tracking).toMatchObject({ mode: 'azure', fallbackReason: null, azureSource: 'chosen', azure: { workspaceName: d.workspaceName } });
    } finally {
      client?.close();
      serve.child.kill('SIGINT');
      await serve.done;
    }
    expect(serve.stdout + serve.stderr).not.toContain(token);
  }, 60_000);
});
