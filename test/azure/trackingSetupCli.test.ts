// `sweepdeck tracking setup` as a user runs it: a separate process (node bin/sweepdeck.js) with
// Azure settings in its environment, pointed at the local Azure test double through the
// documented overrides (SWEEPDECK_AZURE_AUTHORITY_HOST, SWEEPDECK_AZURE_ARM_ENDPOINT) and Node's
// standard NODE_EXTRA_CA_CERTS for the double's certificate.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/sweepdeckCli.ts';
import { startAzureDouble, type AzureDouble } from '../support/azureDouble.ts';

let double: AzureDouble;
let workDir: string;

beforeAll(async () => {
  double = await startAzureDouble();
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'setup-cli-'));
});
afterAll(async () => {
  await double.close();
  fs.rmSync(workDir, { recursive: true, force: true });
});
beforeEach(() => double.clearFaults());

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Async spawn: the double answers from this process's event loop, so spawnSync would deadlock. */
function cli(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  // A clean environment: nothing from the developer's shell (MLFLOW_*, AZURE_*) leaks in.
  const base = { PATH: process.env.PATH, HOME: process.env.HOME, SWEEPDECK_AZURE_TIMEOUT_MS: '5000' };
  return runCli(['tracking', 'setup', ...args], { ...base, ...env }, workDir);
}

function expectNoSecret(r: CliResult): void {
  const all = r.stdout + r.stderr;
  expect(all).not.toContain(double.clientSecret);
  for (const t of double.issuedTokens) expect(all).not.toContain(t);
}

const restBase = (): string =>
  `https://127.0.0.1:${double.port}/mlflow/v2.0/subscriptions/${double.subscriptionId}/resourceGroups/${double.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${double.workspaceName}`;

describe('sweepdeck tracking setup', () => {
  it('--json: reaches the workspace through the double and prints mode azure with the mapped URI', async () => {
    const r = await cli(['--experiment', 'resume_ner_baseline-hpo-distilbert', '--json'], double.env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ ok: true, mode: 'azure', trackingUri: restBase(), experimentName: 'resume_ner_baseline-hpo-distilbert' });
    expect(out.reasonCode).toBeUndefined();
    expect(out).toMatchObject({ azure: { workspaceName: double.workspaceName, location: double.location } });
    expectNoSecret(r);
  });

  it('wrong client secret: falls back to local with TOKEN_REFUSED, exit 0, secret never printed', async () => {
    const wrong = `${double.clientSecret}-rotated`;
    const r = await cli(['--experiment', 'e1', '--json'], { ...double.env(), AZURE_CLIENT_SECRET: wrong });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { mode: string; reasonCode: string; reason: string; trackingUri: string };
    expect(out.mode).toBe('local');
    expect(out.reasonCode).toBe('TOKEN_REFUSED');
    expect(out.reason).toMatch(/AADSTS7000215/);
    expect(out.trackingUri).toBe(`sqlite:///${fs.realpathSync(workDir)}/mlflow.db`);
    expectNoSecret(r);
    expect(r.stdout + r.stderr).not.toContain(wrong);
  });

  it('--no-fallback with a wrong secret: exit 1 with the reason on stderr, secret never printed', async () => {
    const wrong = `${double.clientSecret}-rotated`;
    const r = await cli(['--experiment', 'e1', '--no-fallback'], { ...double.env(), AZURE_CLIENT_SECRET: wrong });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/TOKEN_REFUSED/);
    expect(r.stdout).toBe('');
    expect(r.stdout + r.stderr).not.toContain(wrong);
    expectNoSecret(r);
  });

  it('--no-fallback --json with a missing workspace: exit 1, JSON carries WORKSPACE_NOT_FOUND', async () => {
    const r = await cli(['--experiment', 'e1', '--no-fallback', '--json'], { ...double.env(), AZURE_WORKSPACE_NAME: 'ws-gone' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, reasonCode: 'WORKSPACE_NOT_FOUND' });
    expect(r.stderr).toMatch(/ws-gone/);
    expectNoSecret(r);
  });

  it('--no-fallback when the tracking endpoint hangs: exit 1 with TIMEOUT within the configured deadline', async () => {
    double.inject('mlflow-hang');
    const asked = double.requests.length;
    const r = await cli(['--experiment', 'e1', '--no-fallback'], { ...double.env(), SWEEPDECK_AZURE_TIMEOUT_MS: '1500' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/TIMEOUT.*within 1500 ms/);
    // One deadline, not one per retry: the hung endpoint was asked once.
    expect(double.requests.slice(asked).filter((q) => q.part === 'mlflow')).toHaveLength(1);
    expectNoSecret(r);
  });

  it('text output without Azure settings: local store with NOT_CONFIGURED', async () => {
    const r = await cli(['--experiment', 'e1', '--local-dir', workDir], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('mode: local');
    expect(r.stdout).toContain(`tracking URI: sqlite:///${workDir}/mlflow.db`);
    expect(r.stdout).toMatch(/reason \(NOT_CONFIGURED\): Azure ML is not configured/);
  });

  it('without --experiment: exit 2 naming the option', async () => {
    const r = await cli([], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--experiment NAME is required/);
  });
});
