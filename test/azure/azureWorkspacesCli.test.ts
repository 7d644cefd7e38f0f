// `sweepdeck azure workspaces` and `sweepdeck azure use` as a user runs them (node bin/sweepdeck.js,
// a separate process) against the Azure double with several tenants, and `tracking setup` then
// targeting the chosen workspace, with the environment still winning over the choice.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/sweepdeckCli.ts';
import { addDiscovery, type DiscoveryDouble } from '../support/azureDiscoveryDouble.ts';
import { startAzureDouble, type AzureDouble } from '../support/azureDouble.ts';

let double: AzureDouble;
let dd: DiscoveryDouble;
let workDir: string;
let dataDir: string;

beforeAll(async () => {
  double = await startAzureDouble();
  dd = addDiscovery(double);
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'azure-cli-'));
  dataDir = path.join(workDir, 'data');
});
afterAll(async () => {
  await double.close();
  fs.rmSync(workDir, { recursive: true, force: true });
});

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The double's credentials and hosts, without the workspace variables (those come from `azure use`). */
function credentialsEnv(): Record<string, string> {
  const { AZURE_SUBSCRIPTION_ID: _s, AZURE_RESOURCE_GROUP: _g, AZURE_WORKSPACE_NAME: _w, ...env } = double.env();
  return env;
}

/** Async spawn: the double answers from this process's event loop. A clean environment. */
function cli(args: string[], env: Record<string, string | undefined> = credentialsEnv()): Promise<CliResult> {
  const base = { PATH: process.env.PATH, HOME: workDir, SWEEPDECK_DATA_DIR: dataDir, SWEEPDECK_AZURE_TIMEOUT_MS: '5000' };
  return runCli(args, { ...base, ...env }, workDir);
}

function expectNoSecret(r: CliResult): void {
  const all = r.stdout + r.stderr;
  expect(all).not.toContain(double.clientSecret);
  for (const t of double.issuedTokens) expect(all).not.toContain(t);
}

interface WorkspacesJson {
  tenants: { displayName: string; status: string; message: string | null; via: string | null }[];
  workspaces: { subscriptionId: string; resourceGroup: string; name: string; region: string; kind: string; mlflowTrackingUri: string | null; current: boolean }[];
  current: { subscriptionId: string; resourceGroup: string; workspaceName: string; source: string } | null;
}

describe('sweepdeck azure workspaces / use', () => {
  it('workspaces --json: every tenant, the MFA one as needs-sign-in, workspaces with region, kind and MLflow URI', async () => {
    const r = await cli(['azure', 'workspaces', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectNoSecret(r);
    const out = JSON.parse(r.stdout) as WorkspacesJson;
    expect(out.tenants.map((t) => [t.displayName, t.status])).toEqual([
      ['Contoso', 'ok'],
      ['Fabrikam', 'ok'],
      ['Woodgrove (MFA)', 'needs-sign-in'],
    ]);
    expect(out.tenants[0]!.via).toBe('resource-graph');
    expect(out.tenants[1]!.via).toBe('arm');
    expect(out.workspaces.map((w) => `${w.name}:${w.kind}:${w.region}`).sort()).toEqual(
      [`${double.workspaceName}:workspace:${double.location}`, 'hub-contoso:hub:swedencentral', 'proj-ner:project:swedencentral', 'ws-research:workspace:northeurope', 'ws-fab-1:workspace:eastus', 'ws-fab-2:workspace:eastus2', 'ws-fab-3:workspace:westus3'].sort(),
    );
    const own = out.workspaces.find((w) => w.name === double.workspaceName)!;
    expect(own).toMatchObject({ subscriptionId: double.subscriptionId, resourceGroup: double.resourceGroup, mlflowTrackingUri: double.mlflowTrackingUri, current: false });
    expect(out.current).toBeNull();
  });

  it('use: refuses a malformed path, a hub, and a subscription only an MFA tenant holds, each with what to do', async () => {
    const bad = await cli(['azure', 'use', 'not-a-path']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/'not-a-path' is not SUBSCRIPTION\/RESOURCE_GROUP\/WORKSPACE/);
    const badSub = await cli(['azure', 'use', 'my-sub/rg/ws']);
    expect(badSub.code).toBe(2);
    expect(badSub.stderr).toMatch(/subscriptionId .*'my-sub' is not a valid Azure subscription id/);

    const hub = await cli(['azure', 'use', `${double.subscriptionId}/rg-ai/hub-contoso`]);
    expect(hub.code).toBe(1);
    expect(hub.stderr).toMatch(/'hub-contoso' is a hub: runs are tracked in its projects/);

    const mfaSub = dd.tenants[2]!.subscriptions[0]!.subscriptionId;
    const mfa = await cli(['azure', 'use', `${mfaSub}/rg-wg/ws-wg`]);
    expect(mfa.code).toBe(1);
    expect(mfa.stderr).toMatch(new RegExp(`subscription ${mfaSub} is not in any tenant these credentials reach`));
    expect(mfa.stderr).toMatch(/Tenants that need you to sign in again: Woodgrove \(MFA\)/);

    const missing = await cli(['azure', 'use', `${double.subscriptionId}/rg-ai/nope-ws`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/there is no Azure ML workspace 'nope-ws' in resource group 'rg-ai'/);
    for (const r of [bad, hub, mfa, missing]) expectNoSecret(r);
    expect(fs.existsSync(path.join(dataDir, 'state.json')) ? JSON.parse(fs.readFileSync(path.join(dataDir, 'state.json'), 'utf8')).azureChoice : null).toBeNull();
  });

  it('use, then tracking setup targets the chosen workspace; AZURE_* in the environment still win', async () => {
    const use = await cli(['azure', 'use', `${double.subscriptionId}/${double.resourceGroup}/${double.workspaceName}`]);
    expect(use.stderr).toBe('');
    expect(use.code).toBe(0);
    expect(use.stdout).toMatch(new RegExp(`Chosen: workspace '${double.workspaceName}' \\(workspace, ${double.location}\\)`));
    const state = JSON.parse(fs.readFileSync(path.join(dataDir, 'state.json'), 'utf8')) as { azureChoice: Record<string, unknown>; tracking: { azure: unknown } };
    expect(state.azureChoice).toMatchObject({ subscriptionId: double.subscriptionId, resourceGroup: double.resourceGroup, workspaceName: double.workspaceName, tenantId: double.tenantId, region: double.location, kind: 'workspace' });
    expect(JSON.stringify(state)).not.toContain(double.clientSecret);

    const setup = await cli(['tracking', 'setup', '--experiment', 'exp-chosen', '--json']);
    expect(setup.code).toBe(0);
    const out = JSON.parse(setup.stdout) as { mode: string; trackingUri: string; workspaceSource: string };
    expect(out).toMatchObject({
      mode: 'azure',
      workspaceSource: 'chosen',
      trackingUri: `https://127.0.0.1:${double.port}/mlflow/v2.0/subscriptions/${double.subscriptionId}/resourceGroups/${double.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${double.workspaceName}`,
    });

    const list = await cli(['azure', 'workspaces']);
    expect(list.code).toBe(0);
    const mine = list.stdout.split('\n').find((l) => l.includes(double.workspaceName) && l.includes(double.resourceGroup));
    expect(mine?.startsWith('*')).toBe(true);
    expect(list.stdout).toMatch(/chosen with `sweepdeck azure use`/);
    expect(list.stdout).toMatch(/tenant Woodgrove \(MFA\) .*: needs sign-in/);

    // The environment names another workspace: it wins (and says so), the choice stays remembered.
    const envWins = await cli(['tracking', 'setup', '--experiment', 'exp-chosen', '--json'], {
      ...credentialsEnv(),
      AZURE_SUBSCRIPTION_ID: double.subscriptionId,
      AZURE_RESOURCE_GROUP: double.resourceGroup,
      AZURE_WORKSPACE_NAME: 'ws-from-env',
    });
    const fromEnv = JSON.parse(envWins.stdout) as { mode: string; reasonCode: string; workspaceSource: string };
    expect(fromEnv).toMatchObject({ mode: 'local', reasonCode: 'WORKSPACE_NOT_FOUND', workspaceSource: 'environment' });

    const none = await cli(['azure', 'use', '--none']);
    expect(none.code).toBe(0);
    const after = await cli(['tracking', 'setup', '--experiment', 'exp-chosen', '--json']);
    expect(JSON.parse(after.stdout)).toMatchObject({ mode: 'local', workspaceSource: null });
  });

  it('a workspace chosen in a second tenant is read with a token of that tenant by tracking setup', async () => {
    const fab = dd.tenants[1]!;
    const use = await cli(['azure', 'use', `${fab.subscriptions[0]!.subscriptionId}/rg-fab/ws-fab-2`]);
    expect(use.code).toBe(0);
    const setup = await cli(['tracking', 'setup', '--experiment', 'exp-fab', '--json']);
    // ARM answers for Fabrikam's subscription only with a Fabrikam token; the double serves no MLflow
    // API for this workspace, so setup falls back at the probe, not at ARM.
    expect(JSON.parse(setup.stdout)).toMatchObject({ mode: 'local', reasonCode: 'ENDPOINT_FAILING', workspaceSource: 'chosen' });
    expect(JSON.parse(setup.stdout).reason).toMatch(/MLflow endpoint of workspace 'ws-fab-2'/);
    await cli(['azure', 'use', '--none']);
  });

  it('the offline mirror commands follow the chosen workspace too (use --no-verify, then runs ls --store azure --offline)', async () => {
    const none = await cli(['runs', 'ls', '--store', 'azure', '--offline']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no Azure ML workspace chosen: .*or choose one with `sweepdeck azure use/);
    const sub = '11111111-2222-3333-4444-555555555555';
    const use = await cli(['azure', 'use', `${sub}/rg-offline/ws-offline`, '--no-verify']);
    expect(use.code).toBe(0);
    const ls = await cli(['runs', 'ls', '--store', 'azure', '--offline']);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain(`Store: azureml://${sub}/rg-offline/ws-offline`);
    await cli(['azure', 'use', '--none']);
  });
});
