// setupTrackingCrossPlatform against the local Azure test double (token endpoint + ARM + the
// workspace's MLflow endpoint over HTTPS): the success path, and every failure mode falling back
// to the local store with its own reason, or throwing that reason with fallbackToLocal=false.
// msal-node and @azure/arm-machinelearning run unmodified; only hosts and the trusted CA differ.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SetupReasonCode } from '../../electron/core/azure/azureErrors.ts';
import { transportFetch } from '../support/transportFetch.ts';
import { createRestStore } from '../../electron/core/tracking/restStore.ts';
import { setupTrackingCrossPlatform, type SetupTrackingOptions, type TrackingSetupResult } from '../../electron/core/tracking/setup.ts';
import { closedPortUrl, startAzureDouble, type AzureDouble } from '../support/azureDouble.ts';

let double: AzureDouble;
let localDir: string;

beforeAll(async () => {
  double = await startAzureDouble();
  localDir = fs.mkdtempSync(path.join(os.tmpdir(), 'setup-azure-'));
});
afterAll(async () => {
  await double.close();
  fs.rmSync(localDir, { recursive: true, force: true });
});
beforeEach(() => {
  double.clearFaults();
  double.requests.length = 0;
});

/** Azure configured through the environment, as a user would, pointed at the double. */
function azureEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const { NODE_EXTRA_CA_CERTS: _ca, ...env } = double.env();
  return { ...env, ...overrides };
}

function options(env: Record<string, string | undefined>, extra: Partial<SetupTrackingOptions> = {}): SetupTrackingOptions {
  return {
    experimentName: 'resume_ner_baseline-hpo-distilbert',
    env,
    platformProbe: { env, exists: () => false },
    localDir,
    ca: double.caPem,
    // Generous: the 2-core CI machine may be busy. Hang cases set their own short deadline.
    timeoutMs: 5_000,
    ...extra,
  };
}

/** Computed from the double's own settings, not from our mapping code. */
function expectedRestBase(): string {
  return `https://127.0.0.1:${double.port}/mlflow/v2.0/subscriptions/${double.subscriptionId}/resourceGroups/${double.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${double.workspaceName}`;
}

function expectNoSecrets(r: TrackingSetupResult | Error): void {
  const text = r instanceof Error ? `${r.message}\n${r.stack ?? ''}` : JSON.stringify({ ...r, tokenProvider: undefined });
  expect(text).not.toContain(double.clientSecret);
  for (const t of double.issuedTokens) expect(text).not.toContain(t);
}

describe('Azure success path', () => {
  it('resolves the workspace through ARM, maps azureml:// to https://, probes MLflow with the token: mode azure', async () => {
    const r = await setupTrackingCrossPlatform(options(azureEnv()));
    expect(r.mode).toBe('azure');
    expect(r.reasonCode).toBeUndefined();
    expect(r.trackingUri).toBe(expectedRestBase());
    expect(r.azure).toMatchObject({ location: double.location, mlflowTrackingUri: double.mlflowTrackingUri, workspaceName: double.workspaceName });

    const parts = double.requests.map((q) => q.part);
    expect(parts).toEqual(['openid', 'token', 'arm', 'mlflow']);
    const tokenReq = double.requests[1];
    expect(tokenReq?.form).toMatchObject({ grant_type: 'client_credentials', client_id: double.clientId });
    expect(tokenReq?.form?.scope?.split(' ')).toContain('https://management.azure.com/.default');
    const armReq = double.requests[2];
    expect(armReq?.query['api-version']).toMatch(/^\d{4}-\d{2}-\d{2}/);
    expect(armReq?.authorization).toBe(`Bearer ${double.issuedTokens[0]}`);
    const probe = double.requests[3];
    expect(probe?.path).toBe(`${new URL(expectedRestBase()).pathname}/api/2.0/mlflow/experiments/get-by-name`);
    expect(probe?.query.experiment_name).toBe('resume_ner_baseline-hpo-distilbert');

    // The token provider hands out a token the workspace accepts (msal-node caches it).
    const token = await r.tokenProvider?.();
    expect(double.issuedTokens).toContain(token);
    expectNoSecrets(r);
  });

  it('accepts an existing experiment on the probe (200) as well as a missing one (404 RESOURCE_DOES_NOT_EXIST)', async () => {
    double.experiments.set('already-there', { experiment_id: 'a1b2c3d4-0000-0000-0000-000000000001', name: 'already-there' });
    const r = await setupTrackingCrossPlatform(options(azureEnv(), { experimentName: 'already-there' }));
    expect(r.mode).toBe('azure');
  });

  it("hands the REST store a base and token provider it can use on the workspace's MLflow endpoint", async () => {
    double.experiments.set('hpo-exp', { experiment_id: '5f2c1a9e-0000-4000-8000-000000000002', name: 'hpo-exp' });
    const r = await setupTrackingCrossPlatform(options(azureEnv(), { experimentName: 'hpo-exp' }));
    expect(r.mode).toBe('azure');
    // The REST store's fetch, routed through our transport so the double's CA is trusted in-process.
    const viaTransport = transportFetch(double.caPem);
    const store = createRestStore(r.trackingUri, { token: r.tokenProvider, fetch: viaTransport, retries: 0 });
    try {
      const exp = await store.getExperimentByName('hpo-exp');
      expect(exp?.experiment_id).toBe('5f2c1a9e-0000-4000-8000-000000000002');
      expect(await store.getExperimentByName('no-such-exp')).toBeNull();
      const page = await store.searchExperiments({ maxResults: 10 });
      expect(page.items.map((e) => e.name)).toContain('hpo-exp');
    } finally {
      await store.close();
    }
    const mlflowCalls = double.requests.filter((q) => q.part === 'mlflow');
    expect(mlflowCalls.length).toBeGreaterThanOrEqual(4);
    for (const c of mlflowCalls) expect(double.issuedTokens.map((t) => `Bearer ${t}`)).toContain(c.authorization);
  });

  it('takes the workspace of an Azure ML job from AZUREML_ARM_* when AZURE_* workspace variables are absent', async () => {
    const env = azureEnv({
      AZURE_SUBSCRIPTION_ID: undefined,
      AZURE_RESOURCE_GROUP: undefined,
      AZURE_WORKSPACE_NAME: undefined,
      AZUREML_RUN_ID: 'hpo_job_7',
      AZUREML_ARM_SUBSCRIPTION: double.subscriptionId,
      AZUREML_ARM_RESOURCEGROUP: double.resourceGroup,
      AZUREML_ARM_WORKSPACE_NAME: double.workspaceName,
    });
    const r = await setupTrackingCrossPlatform(options(env));
    expect(r.platform.kind).toBe('azureml');
    expect(r).toMatchObject({ mode: 'azure', trackingUri: expectedRestBase() });
  });

  it('uses an azureml:// MLFLOW_TRACKING_URI directly (no ARM call), as Azure ML compute provides it', async () => {
    const env = azureEnv({ MLFLOW_TRACKING_URI: double.mlflowTrackingUri, AZURE_SUBSCRIPTION_ID: undefined, AZURE_RESOURCE_GROUP: undefined, AZURE_WORKSPACE_NAME: undefined });
    const r = await setupTrackingCrossPlatform(options(env));
    expect(r).toMatchObject({ mode: 'azure', trackingUri: expectedRestBase() });
    expect(double.requests.map((q) => q.part)).not.toContain('arm');
  });

  it('accepts a caller-supplied TokenCredential instead of the service principal variables', async () => {
    const env = azureEnv({ AZURE_CLIENT_ID: undefined, AZURE_CLIENT_SECRET: undefined, AZURE_TENANT_ID: undefined });
    // A credential that hands out a token the double issued to someone else earlier.
    const first = await setupTrackingCrossPlatform(options(azureEnv()));
    const token = await first.tokenProvider?.();
    const calls: string[] = [];
    const credential = {
      getToken: async (scopes: string | string[]) => {
        calls.push(([] as string[]).concat(scopes).join(' '));
        return { token: token ?? '', expiresOnTimestamp: Date.now() + 60_000 };
      },
    };
    const r = await setupTrackingCrossPlatform(options(env, { azure: { credential } }));
    expect(r.mode).toBe('azure');
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((s) => s === 'https://management.azure.com/.default')).toBe(true);
  });
});

interface FailureCase {
  name: string;
  code: SetupReasonCode;
  /** Regex the reason must match: says what failed. */
  reason: RegExp;
  /** Also run with fallbackToLocal=false (one case per reason code, to keep the file fast). */
  offToo?: true;
  /** The part that never answers, in the timeout cases. */
  hung?: 'token' | 'arm' | 'mlflow';
  arrange: () => Promise<{ env: Record<string, string | undefined>; extra?: Partial<SetupTrackingOptions> }>;
}

const FAILURES: FailureCase[] = [
  {
    name: 'no Azure configuration',
    offToo: true,
    code: 'NOT_CONFIGURED',
    reason: /AZURE_SUBSCRIPTION_ID/,
    arrange: async () => ({ env: {} }),
  },
  {
    name: 'workspace only partly configured',
    code: 'NOT_CONFIGURED',
    reason: /AZURE_WORKSPACE_NAME missing/,
    arrange: async () => ({ env: azureEnv({ AZURE_WORKSPACE_NAME: undefined }) }),
  },
  {
    name: 'no credential (client secret not set)',
    offToo: true,
    code: 'NO_CREDENTIAL',
    reason: /AZURE_CLIENT_SECRET is not set/,
    arrange: async () => ({ env: azureEnv({ AZURE_CLIENT_SECRET: undefined }) }),
  },
  {
    name: 'token refused: wrong client secret (401 invalid_client)',
    offToo: true,
    code: 'TOKEN_REFUSED',
    reason: /invalid_client.*HTTP 401.*AADSTS7000215/,
    arrange: async () => ({ env: azureEnv({ AZURE_CLIENT_SECRET: `${double.clientSecret}-old` }) }),
  },
  {
    name: 'token refused: unknown application (400 unauthorized_client)',
    code: 'TOKEN_REFUSED',
    reason: /unauthorized_client.*AADSTS700016/,
    arrange: async () => ({ env: azureEnv({ AZURE_CLIENT_ID: '00000000-0000-0000-0000-00000000dead' }) }),
  },
  {
    name: 'token refused: unknown tenant (OpenID configuration 400)',
    code: 'TOKEN_REFUSED',
    reason: /sign-in failed/,
    arrange: async () => ({ env: azureEnv({ AZURE_TENANT_ID: '00000000-0000-0000-0000-00000000beef' }) }),
  },
  {
    name: 'token refused by injected fault',
    offToo: true,
    code: 'TOKEN_REFUSED',
    reason: /refused the service principal/,
    arrange: async () => {
      double.inject('token-refused');
      return { env: azureEnv() };
    },
  },
  {
    name: 'ARM refuses the token (403 AuthorizationFailed)',
    code: 'TOKEN_REFUSED',
    reason: /HTTP 403.*AuthorizationFailed|HTTP 403.*does not have authorization/,
    arrange: async () => {
      double.inject('arm-forbidden');
      return { env: azureEnv() };
    },
  },
  {
    name: 'workspace not found (ARM 404 ResourceNotFound)',
    offToo: true,
    code: 'WORKSPACE_NOT_FOUND',
    reason: /no workspace 'ws-missing'.*was not found/,
    arrange: async () => ({ env: azureEnv({ AZURE_WORKSPACE_NAME: 'ws-missing' }) }),
  },
  {
    name: 'resource group not found (ARM 404 ResourceGroupNotFound)',
    code: 'WORKSPACE_NOT_FOUND',
    reason: /Resource group 'rg-other' could not be found/,
    arrange: async () => ({ env: azureEnv({ AZURE_RESOURCE_GROUP: 'rg-other' }) }),
  },
  {
    name: 'network refused at the sign-in endpoint',
    code: 'NETWORK',
    reason: /sign-in endpoint.*connection refused/,
    arrange: async () => ({ env: azureEnv({ SWEEPDECK_AZURE_AUTHORITY_HOST: await closedPortUrl() }) }),
  },
  {
    name: 'network refused at ARM',
    offToo: true,
    code: 'NETWORK',
    reason: /Azure Resource Manager.*connection refused/,
    arrange: async () => ({ env: azureEnv({ SWEEPDECK_AZURE_ARM_ENDPOINT: await closedPortUrl() }) }),
  },
  {
    name: 'network refused at the workspace MLflow endpoint',
    code: 'NETWORK',
    reason: /MLflow endpoint.*connection refused/,
    arrange: async () => {
      double.inject('mlflow-refused');
      return { env: azureEnv() };
    },
  },
  {
    name: 'timed out at the token endpoint',
    code: 'TIMEOUT',
    hung: 'token',
    reason: /sign-in endpoint.*within 2000 ms/,
    arrange: async () => {
      double.inject('token-hang');
      return { env: azureEnv(), extra: { timeoutMs: 2_000 } };
    },
  },
  {
    name: 'timed out at ARM',
    code: 'TIMEOUT',
    hung: 'arm',
    reason: /Azure Resource Manager.*within 2000 ms/,
    arrange: async () => {
      double.inject('arm-hang');
      return { env: azureEnv(), extra: { timeoutMs: 2_000 } };
    },
  },
  {
    name: 'timed out at the workspace MLflow endpoint',
    offToo: true,
    code: 'TIMEOUT',
    hung: 'mlflow',
    reason: /MLflow endpoint.*within 2000 ms/,
    arrange: async () => {
      double.inject('mlflow-hang');
      return { env: azureEnv(), extra: { timeoutMs: 2_000 } };
    },
  },
  {
    name: 'tracking endpoint failing (500)',
    offToo: true,
    code: 'ENDPOINT_FAILING',
    reason: /HTTP 500 INTERNAL_ERROR/,
    arrange: async () => {
      double.inject('mlflow-5xx');
      return { env: azureEnv() };
    },
  },
  {
    name: 'tracking endpoint refusing the token (401)',
    code: 'ENDPOINT_FAILING',
    reason: /refused the token.*HTTP 401 UNAUTHENTICATED/,
    arrange: async () => {
      double.inject('mlflow-401');
      return { env: azureEnv() };
    },
  },
  {
    name: 'ARM failing (500)',
    code: 'ENDPOINT_FAILING',
    reason: /Azure Resource Manager failed.*HTTP 500/,
    arrange: async () => {
      double.inject('arm-5xx');
      return { env: azureEnv() };
    },
  },
];

describe.each(FAILURES)('failure: $name', (c) => {
  it(`falls back to the local store with ${c.code} and its own reason`, async () => {
    const { env, extra } = await c.arrange();
    const r = await setupTrackingCrossPlatform(options(env, extra));
    expect(r.mode).toBe('local');
    expect(r.trackingUri).toBe(`sqlite:///${localDir}/mlflow.db`);
    expect(r.reasonCode).toBe(c.code);
    expect(r.reason).toMatch(c.reason);
    expect(r.tokenProvider).toBeUndefined();
    // Bounded: a hang costs one deadline, not one per retry: the hung part was asked once.
    if (c.hung) expect(double.requests.filter((q) => q.part === c.hung)).toHaveLength(1);
    expectNoSecrets(r);
  });
});

describe.each(FAILURES.filter((f) => f.offToo))('fallback off: $name', (c) => {
  it(`throws TrackingSetupError with ${c.code}`, async () => {
    const { env, extra } = await c.arrange();
    const err = await setupTrackingCrossPlatform(options(env, { ...extra, fallbackToLocal: false })).then(
      () => null,
      (e: unknown) => e as Error & { reasonCode?: string },
    );
    expect(err).not.toBeNull();
    expect(err?.name).toBe('TrackingSetupError');
    expect(err?.reasonCode).toBe(c.code);
    expect(err?.message).toMatch(c.reason);
    expectNoSecrets(err as Error);
  });
});

describe('reasons are distinct', () => {
  it('each failure mode of the issue maps to its own code, and each code is also checked with fallback off', () => {
    const all = ['ENDPOINT_FAILING', 'NETWORK', 'NOT_CONFIGURED', 'NO_CREDENTIAL', 'TIMEOUT', 'TOKEN_REFUSED', 'WORKSPACE_NOT_FOUND'];
    expect([...new Set(FAILURES.map((f) => f.code))].sort()).toEqual(all);
    expect([...new Set(FAILURES.filter((f) => f.offToo).map((f) => f.code))].sort()).toEqual(all);
  });
});
