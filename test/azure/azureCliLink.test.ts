// The Azure CLI link of the credential chain, for real through @azure/identity's
// AzureCliCredential: a stand-in `az` on PATH answers `az account get-access-token --output json`
// as Azure CLI 2.54+ does. With only that and the three AZURE_* workspace variables (plus the
// overrides that point at the local double), `tracking setup` tracks to the double's workspace
// and `azure whoami` names the Azure CLI.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeStandInBin, type StandInBin } from '../support/azureCliStandIn.ts';
import { startIdentityDouble, type IdentityDouble } from '../support/azureIdentityDouble.ts';
import { runCli } from '../support/sweepdeckCli.ts';

let double: IdentityDouble;
let bin: StandInBin;
let home: string;

beforeAll(async () => {
  double = await startIdentityDouble();
  bin = makeStandInBin();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'azcli-home-'));
});
afterAll(async () => {
  await double.close();
  bin.remove();
  fs.rmSync(home, { recursive: true, force: true });
});
beforeEach(() => {
  double.requests.length = 0;
});

/** Only the workspace triple, the stand-in PATH, and the overrides aiming at the double. */
function env(): Record<string, string> {
  return {
    PATH: bin.path,
    HOME: home,
    AZURE_SUBSCRIPTION_ID: double.subscriptionId,
    AZURE_RESOURCE_GROUP: double.resourceGroup,
    AZURE_WORKSPACE_NAME: double.workspaceName,
    SWEEPDECK_AZURE_ARM_ENDPOINT: double.url,
    SWEEPDECK_AZURE_AUTHORITY_HOST: double.url,
    NODE_EXTRA_CA_CERTS: double.caFile,
    SWEEPDECK_AZURE_TIMEOUT_MS: '8000',
  };
}

function logIn(): string {
  const t = double.mintCliToken();
  bin.setAzToken({ ...t, tenant: double.tenantId, subscription: double.subscriptionId });
  return t.accessToken;
}

describe('Azure CLI link (az login users)', () => {
  it('tracking setup reaches the workspace with the token `az` hands out, and says it came from the Azure CLI', async () => {
    const token = logIn();
    const r = await runCli(['tracking', 'setup', '--experiment', 'az-users', '--json'], env(), home);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ mode: 'azure', credentialLink: 'Azure CLI', azure: { workspaceName: double.workspaceName } });
    // ARM and MLflow got the stand-in's token; the identity platform was never asked.
    const used = double.requests.filter((q) => q.part === 'arm' || q.part === 'mlflow');
    expect(used.map((q) => q.part)).toEqual(['arm', 'mlflow']);
    for (const q of used) expect(q.authorization).toBe(`Bearer ${token}`);
    expect(double.requests.filter((q) => q.part === 'token' || q.part === 'openid')).toEqual([]);
    // @azure/identity asked `az` for the ARM resource, in JSON.
    const call = bin.azCalls().at(-1) ?? [];
    expect(call.slice(0, 4)).toEqual(['account', 'get-access-token', '--output', 'json']);
    expect(call[call.indexOf('--resource') + 1]).toBe('https://management.azure.com');
    expect(r.stdout).not.toContain(token);
  });

  it('whoami names the Azure CLI, the account and the tenant, and prints no token', async () => {
    const token = logIn();
    const r = await runCli(['azure', 'whoami', '--json'], env(), home);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, link: 'Azure CLI', account: double.user.username, tenantId: double.tenantId, cloud: 'AzureCloud' });
    const text = await runCli(['azure', 'whoami'], env(), home);
    expect(text.stdout).toContain('signed in through: Azure CLI');
    expect(text.stdout + r.stdout).not.toContain(token);
  });

  it('after `az logout`: whoami exits 1 with NO_CREDENTIAL, naming each link and why, managed identity left out', async () => {
    bin.setAzToken('logged-out');
    const r = await runCli(['azure', 'whoami', '--json'], env(), home);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { reasonCode: string; reason: string };
    expect(out.reasonCode).toBe('NO_CREDENTIAL');
    expect(out.reason).toMatch(/Azure CLI: Please run 'az login'/);
    expect(out.reason).toMatch(/environment: AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET are not set/);
    expect(out.reason).toMatch(/managed identity: not on Azure compute/);
    expect(out.reason).toMatch(/Azure Developer CLI: /);
  });

  it('tracking setup without any credential falls back to local with NO_CREDENTIAL', async () => {
    bin.setAzToken('logged-out');
    const r = await runCli(['tracking', 'setup', '--experiment', 'az-users', '--json'], env(), home);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'local', reasonCode: 'NO_CREDENTIAL' });
  });
});
