// Which links the credential chain has where, and how it walks them: managed and workload
// identity only on Azure compute or when AZURE_TOKEN_CREDENTIALS asks (so a workstation never
// probes the metadata endpoint), AZURE_TOKEN_CREDENTIALS narrowing, the answering link named
// and kept, real failures stopping the chain. No getToken here reaches any network.
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { describe, expect, it } from 'vitest';
import { AzureSetupError } from '../../electron/core/azure/azureErrors.ts';
import { CLOUD_ENDPOINTS, cloudEndpoints, parseCloudName } from '../../electron/core/azure/clouds.ts';
import { buildCredentialChain, CredentialChain, LinkUnavailableError } from '../../electron/core/azure/credentialChain.ts';
import { parseClaimsChallenge } from '../../electron/core/azure/claimsChallenge.ts';

const endpoints = CLOUD_ENDPOINTS.AzureCloud;
const names = (env: Record<string, string>, account?: TokenCredential) => buildCredentialChain({ env, endpoints, account }).links.map((l) => l.name);

const token = (t: string): AccessToken => ({ token: t, expiresOnTimestamp: Date.now() + 60_000 });
const answering = (t: string): TokenCredential => ({ getToken: async () => token(t) });
const unavailable = (why: string): TokenCredential => ({ getToken: async () => Promise.reject(new LinkUnavailableError(why)) });

describe('links present', () => {
  it('on a workstation: no managed or workload identity, each left out with its reason', () => {
    const chain = buildCredentialChain({ env: {}, endpoints });
    expect(chain.links.map((l) => l.name)).toEqual(['environment', 'Azure CLI', 'Azure Developer CLI', 'Azure PowerShell']);
    const skipped = Object.fromEntries(chain.skipped.map((s) => [s.name, s.why]));
    expect(skipped['managed identity']).toMatch(/not on Azure compute.*metadata endpoint is not probed/);
    expect(skipped['workload identity']).toMatch(/AZURE_FEDERATED_TOKEN_FILE/);
    expect(skipped['signed-in account']).toMatch(/nobody is signed in/);
  });

  it('the signed-in account comes first', () => {
    expect(names({}, answering('x'))[0]).toBe('signed-in account');
  });

  it('managed identity on Azure ML compute and where a managed identity endpoint is set; workload identity with a federated token file', () => {
    expect(names({ AZUREML_RUN_ID: 'job_1' })).toEqual(['environment', 'managed identity', 'Azure CLI', 'Azure Developer CLI', 'Azure PowerShell']);
    expect(names({ CI_WORKSPACE: 'ws', CI_RESOURCE_GROUP: 'rg' })).toContain('managed identity');
    expect(names({ IDENTITY_ENDPOINT: 'http://127.0.0.1:1/msi', IDENTITY_HEADER: 'h' })).toContain('managed identity');
    expect(names({ AZURE_FEDERATED_TOKEN_FILE: '/var/run/token', AZURE_CLIENT_ID: 'c', AZURE_TENANT_ID: 't' })).toEqual([
      'environment',
      'workload identity',
      'Azure CLI',
      'Azure Developer CLI',
      'Azure PowerShell',
    ]);
  });

  it('AZURE_TOKEN_CREDENTIALS narrows the chain as DefaultAzureCredential reads it', () => {
    expect(names({ AZURE_TOKEN_CREDENTIALS: 'AzureCliCredential' }, answering('x'))).toEqual(['Azure CLI']);
    expect(names({ AZURE_TOKEN_CREDENTIALS: 'prod' })).toEqual(['environment', 'workload identity', 'managed identity']);
    expect(names({ AZURE_TOKEN_CREDENTIALS: 'dev' }, answering('x'))).toEqual(['signed-in account', 'Azure CLI', 'Azure Developer CLI', 'Azure PowerShell']);
    expect(names({ AZURE_TOKEN_CREDENTIALS: 'managedidentitycredential' })).toEqual(['managed identity']);
    expect(() => names({ AZURE_TOKEN_CREDENTIALS: 'browser' })).toThrow(/AZURE_TOKEN_CREDENTIALS='browser' is not understood; use dev, prod, or one of/);
  });
});

describe('walking the chain', () => {
  it('skips unavailable links, names the one that answered, and keeps using it', async () => {
    let calls = 0;
    const first = { getToken: async () => (calls++, Promise.reject(new LinkUnavailableError('not here'))) };
    const chain = new CredentialChain([
      { name: 'signed-in account', credential: first },
      { name: 'Azure CLI', credential: answering('from-az') },
    ]);
    expect(chain.activeLink).toBeUndefined();
    expect((await chain.getToken('s/.default')).token).toBe('from-az');
    expect(chain.activeLink).toBe('Azure CLI');
    await chain.getToken('s/.default');
    expect(calls).toBe(1);
  });

  it('a link that fails for real stops the chain: its AzureSetupError as is, anything else as TOKEN_REFUSED naming the link', async () => {
    const refused = new AzureSetupError('TOKEN_REFUSED', 'the Azure sign-in endpoint refused the service principal');
    const stopped = new CredentialChain([
      { name: 'environment', credential: { getToken: async () => Promise.reject(refused) } },
      { name: 'Azure CLI', credential: answering('never') },
    ]);
    await expect(stopped.getToken('s')).rejects.toBe(refused);
    const other = new CredentialChain([{ name: 'Azure PowerShell', credential: { getToken: async () => Promise.reject(new Error('boom\nsecond line')) } }]);
    await expect(other.getToken('s')).rejects.toMatchObject({ reasonCode: 'TOKEN_REFUSED', message: 'Azure PowerShell could not get a token: boom' });
  });

  it('nothing available: NO_CREDENTIAL listing each link and each left-out link with why', async () => {
    const chain = new CredentialChain([{ name: 'Azure CLI', credential: unavailable("Please run 'az login'") }], [{ name: 'managed identity', why: 'not on Azure compute' }]);
    await expect(chain.getToken('s')).rejects.toMatchObject({ reasonCode: 'NO_CREDENTIAL', message: expect.stringMatching(/Azure CLI: Please run 'az login'; managed identity: not on Azure compute/) });
  });

  it('the environment link says which service principal variable is missing', async () => {
    const chain = buildCredentialChain({ env: { AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: 'c', AZURE_TOKEN_CREDENTIALS: 'EnvironmentCredential' }, endpoints });
    await expect(chain.getToken('s')).rejects.toThrow(/environment: AZURE_CLIENT_SECRET is not set \(nor AZURE_CLIENT_CERTIFICATE_PATH\)/);
  });
});

describe('clouds', () => {
  it('authority, ARM endpoint and scope follow the cloud; SWEEPDECK_AZURE_* overrides win', () => {
    expect(cloudEndpoints('AzureChinaCloud')).toEqual({ authorityHost: 'https://login.chinacloudapi.cn', armEndpoint: 'https://management.chinacloudapi.cn', armScope: 'https://management.chinacloudapi.cn/.default' });
    expect(cloudEndpoints('AzureUSGovernment')).toEqual({ authorityHost: 'https://login.microsoftonline.us', armEndpoint: 'https://management.usgovcloudapi.net', armScope: 'https://management.usgovcloudapi.net/.default' });
    expect(cloudEndpoints('AzureUSGovernment', { SWEEPDECK_AZURE_AUTHORITY_HOST: 'https://127.0.0.1:9/', SWEEPDECK_AZURE_ARM_ENDPOINT: 'https://127.0.0.1:9' })).toEqual({
      authorityHost: 'https://127.0.0.1:9',
      armEndpoint: 'https://127.0.0.1:9',
      armScope: 'https://management.usgovcloudapi.net/.default',
    });
    expect(parseCloudName('azurechinacloud')).toBe('AzureChinaCloud');
    expect(parseCloudName(undefined)).toBe('AzureCloud');
  });
});

describe('claims challenge header', () => {
  it('decodes the claims of an insufficient_claims challenge and ignores other 401s', () => {
    const claims = '{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}';
    const header = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="${Buffer.from(claims).toString('base64')}"`;
    expect(parseClaimsChallenge(header)).toBe(claims);
    expect(parseClaimsChallenge('Bearer authorization_uri="x", error="invalid_token", error_description="expired"')).toBeUndefined();
    expect(parseClaimsChallenge('Bearer error="insufficient_claims", claims="bm90IGpzb24="')).toBeUndefined();
    expect(parseClaimsChallenge(undefined)).toBeUndefined();
  });
});
