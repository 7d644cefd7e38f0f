// The account signed in inside Sweepdeck, in process against the identity double: device code
// (polling through authorization_pending), the browser flow with PKCE (the test plays the
// browser), cancel and timeout, refresh after expiry, the encrypted cache and the record, the
// MFA tenant as "needs sign-in", and a claims challenge answered once.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AccountSession, SignInError, SignInRequiredError } from '../../electron/core/azure/accountSession.ts';
import { fetchWithClaimsChallenge, sendWithClaimsChallenge, tokenGetter } from '../../electron/core/azure/claimsChallenge.ts';
import { createRestStore } from '../../electron/core/tracking/restStore.ts';
import { memoryOnlyStore, NO_OS_ENCRYPTION_NOTICE, type SecretStore } from '../../electron/core/azure/secretStore.ts';
import { listTenants } from '../../electron/core/azure/tenants.ts';
import { sendRequest } from '../../electron/core/azure/httpTransport.ts';
import { transportFetch } from '../support/transportFetch.ts';
import { startIdentityDouble, type IdentityDouble } from '../support/azureIdentityDouble.ts';
import { until } from '../support/until.ts';

let double: IdentityDouble;
let dir: string;

beforeAll(async () => {
  double = await startIdentityDouble();
});
afterAll(async () => {
  await double.close();
});
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'account-'));
  double.accessTokenLifetime = 3599;
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An OS-encryption stand-in: AES-GCM with a key only this test process knows. */
function testStore(): SecretStore {
  const key = crypto.randomBytes(32);
  return {
    description: 'test keyring',
    encrypts: true,
    encrypt: async (plain) => {
      const iv = crypto.randomBytes(12);
      const c = crypto.createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decrypt: async (data) => {
      const d = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      d.setAuthTag(data.subarray(12, 28));
      return Buffer.concat([d.update(data.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

function session(store: SecretStore, extra: Partial<ConstructorParameters<typeof AccountSession>[0]> = {}): AccountSession {
  return new AccountSession({
    dir,
    secretStore: store,
    env: { SWEEPDECK_AZURE_AUTHORITY_HOST: double.url, SWEEPDECK_AZURE_ARM_ENDPOINT: double.url },
    ca: double.caPem,
    timeoutMs: 5_000,
    ...extra,
  });
}

/** Plays the user at the device-login page once the code is shown and the app is polling. */
async function deviceSignIn(s: AccountSession, tenantId?: string, keepDefaultTenant?: boolean) {
  let code = '';
  const polls = double.counters.pendingPolls;
  const signedIn = s.signInWithDeviceCode({ ...(tenantId ? { tenantId } : {}), ...(keepDefaultTenant ? { keepDefaultTenant } : {}), onCode: (i) => (code = i.userCode) });
  await until('the device code to be polled', async () => code !== '' && double.counters.pendingPolls > polls);
  const res = await sendRequest({ method: 'POST', url: `${double.url}/devicelogin`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `otc=${code}` }, { timeoutMs: 5_000, ca: double.caPem });
  expect(res.status).toBe(200);
  return await signedIn;
}

/** The browser: GET the sign-in URL at the double, then POST its form to the loopback redirect. */
async function playBrowser(url: string): Promise<string> {
  expect(url.startsWith(`${double.url}/`)).toBe(true);
  const page = await sendRequest({ method: 'GET', url }, { timeoutMs: 5_000, ca: double.caPem });
  expect(page.status).toBe(200);
  const action = /action="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const fields = new URLSearchParams();
  for (const m of page.body.matchAll(/name="([^"]+)" value="([^"]*)"/g)) fields.set(m[1] ?? '', m[2] ?? '');
  const target = new URL(action);
  target.hostname = '127.0.0.1';
  const done = await sendRequest({ method: 'POST', url: target.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() }, { timeoutMs: 5_000 });
  return done.body;
}

function allTokens(): string[] {
  return [...double.issuedTokens, ...double.issuedRefreshTokens];
}

describe('device code', () => {
  it('shows the code, polls through authorization_pending, signs in, and keeps a record without tokens', async () => {
    const s = session(testStore());
    let shown = '';
    const polls = double.counters.pendingPolls;
    const p = s.signInWithDeviceCode({ onCode: (i) => (shown = `${i.message}|${i.verificationUri}`) });
    await until('polling', async () => double.counters.pendingPolls > polls);
    expect(shown).toContain(`${double.url}/devicelogin`);
    double.approveDeviceCode(/code (\S+) to/.exec(shown)?.[1] ?? '');
    const record = await p;
    expect(record).toMatchObject({ username: double.user.username, tenantId: double.tenantId, signedInVia: 'device code', clientId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46' });
    const recordFile = path.join(dir, 'account.json');
    expect(fs.statSync(recordFile).mode & 0o777).toBe(0o600);
    const cacheFile = path.join(dir, 'token-cache.bin');
    expect(fs.statSync(cacheFile).mode & 0o777).toBe(0o600);
    const onDisk = fs.readFileSync(recordFile, 'utf8') + fs.readFileSync(cacheFile).toString('latin1');
    for (const t of allTokens()) expect(onDisk).not.toContain(t);
    // The token works at ARM (the double's tenants endpoint).
    const token = await s.getToken(s.endpoints.armScope);
    expect(double.issuedTokens).toContain(token.token);
  });

  it('cancel stops the polling with a cancelled error', async () => {
    const s = session(testStore());
    const abort = new AbortController();
    const polls = double.counters.pendingPolls;
    const p = s.signInWithDeviceCode({ onCode: () => undefined, signal: abort.signal });
    await until('polling', async () => double.counters.pendingPolls > polls);
    abort.abort();
    await expect(p).rejects.toMatchObject({ name: 'SignInError', kind: 'cancelled' });
    expect(s.record).toBeUndefined();
  });
});

describe('browser (authorization code with PKCE)', () => {
  it('signs in through the loopback redirect; the page sends the user back to the app; the verifier is checked', async () => {
    const s = session(testStore());
    const verified = double.counters.pkceVerified;
    let page = '';
    const record = await s.signInWithBrowser({
      openBrowser: async (url) => {
        const u = new URL(url);
        expect(u.searchParams.get('code_challenge_method')).toBe('S256');
        expect(u.searchParams.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+$/);
        page = await playBrowser(url);
      },
    });
    expect(record).toMatchObject({ username: double.user.username, signedInVia: 'browser' });
    expect(page).toMatch(/go back to the Sweepdeck app/);
    expect(double.counters.pkceVerified).toBe(verified + 1);
    // msal declared the cp1 capability in the token request's claims.
    const last = double.userTokenRequests.at(-1);
    expect(last?.grant_type).toBe('authorization_code');
    expect(JSON.parse(last?.claims ?? '{}')).toMatchObject({ access_token: { xms_cc: { values: ['cp1'] } } });
  });

  it('cancel ends the wait (the loopback server gets an access_denied answer)', async () => {
    const s = session(testStore());
    const abort = new AbortController();
    const p = s.signInWithBrowser({ signal: abort.signal, openBrowser: async () => abort.abort() });
    await expect(p).rejects.toMatchObject({ name: 'SignInError', kind: 'cancelled' });
  });

  it('a browser that never comes back times out with a message saying so', async () => {
    const s = session(testStore());
    const p = s.signInWithBrowser({ timeoutMs: 300, openBrowser: async () => undefined });
    await expect(p).rejects.toThrow(/did not complete within/);
    await expect(p).rejects.toBeInstanceOf(SignInError);
  });
});

describe('silent sign-in, refresh, cache', () => {
  it('the next launch is silent (record + encrypted cache), and an expired token is refreshed', async () => {
    const store = testStore();
    double.accessTokenLifetime = 60; // under msal's 5-minute refresh margin: every call refreshes
    await deviceSignIn(session(store));
    const next = session(store);
    expect(next.record?.username).toBe(double.user.username);
    const refreshes = double.counters.refreshGrants;
    const a = await next.getToken(next.endpoints.armScope);
    expect(double.counters.refreshGrants).toBe(refreshes + 1);
    expect(double.issuedTokens).toContain(a.token);
    const b = await next.getToken(next.endpoints.armScope);
    expect(b.token).not.toBe(a.token);
    expect(next.notice).toBeUndefined();
  });

  it('without OS encryption: no file with anything secret is written, the notice shows, next launch must sign in', async () => {
    const s = session(memoryOnlyStore('no keyring'));
    await deviceSignIn(s);
    expect(s.notice).toBe(NO_OS_ENCRYPTION_NOTICE);
    expect(fs.readdirSync(dir)).toEqual(['account.json']);
    const record = fs.readFileSync(path.join(dir, 'account.json'), 'utf8');
    for (const t of allTokens()) expect(record).not.toContain(t);
    // Same launch: tokens in memory work.
    expect(double.issuedTokens).toContain((await s.getToken(s.endpoints.armScope)).token);
    // Next launch: the record is there, the tokens are not.
    const next = session(memoryOnlyStore('no keyring'));
    await expect(next.getToken(next.endpoints.armScope)).rejects.toThrow(/no OS encryption tokens are not kept/);
    await expect(next.credential.getToken(next.endpoints.armScope)).rejects.toMatchObject({ name: 'CredentialUnavailableError' });
  });

  it('sign-out removes the record and the cache file', async () => {
    const store = testStore();
    const s = session(store);
    await deviceSignIn(s);
    await s.signOut();
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(s.record).toBeUndefined();
    await expect(session(store).getToken('https://management.azure.com/.default')).rejects.toBeInstanceOf(SignInRequiredError);
  });
});

describe('several tenants', () => {
  it('lists every tenant; the MFA tenant shows as needs sign-in until signed in to, then as signed in', async () => {
    const s = session(testStore());
    await deviceSignIn(s);
    const opts = { credentialFor: (t?: string) => s.credentialFor(t), armEndpoint: s.endpoints.armEndpoint, armScope: s.endpoints.armScope, ca: double.caPem };
    const first = await listTenants(opts);
    const byId = new Map(first.map((t) => [t.tenantId, t]));
    expect(first).toHaveLength(3);
    expect(byId.get(double.tenantId)?.state).toBe('signed in');
    expect(byId.get(double.secondTenantId)?.state).toBe('signed in');
    expect(byId.get(double.mfaTenantId)).toMatchObject({ state: 'needs sign-in', displayName: 'Woodgrove (MFA)' });
    expect(byId.get(double.mfaTenantId)?.detail).toMatch(/interaction_required|AADSTS50076/);
    // A token per tenant: the second tenant's token is issued for that tenant.
    const second = await s.getToken(s.endpoints.armScope, { tenantId: double.secondTenantId });
    const tid = (JSON.parse(Buffer.from(second.token.split('.')[1] ?? '', 'base64url').toString()) as { tid: string }).tid;
    expect(tid).toBe(double.secondTenantId);
    // The one button: sign in to that tenant; the default tenant stays.
    await deviceSignIn(s, double.mfaTenantId, true);
    expect(s.record?.tenantId).toBe(double.tenantId);
    const after = await listTenants(opts);
    expect(after.find((t) => t.tenantId === double.mfaTenantId)?.state).toBe('signed in');
  });
});

describe('claims challenge', () => {
  it('a 401 insufficient_claims from ARM leads to one token request with those claims, then one retry', async () => {
    const s = session(testStore());
    await deviceSignIn(s);
    double.requireClaims('arm');
    const before = double.counters.claimsGrants;
    const calls = double.requests.length;
    const res = await sendWithClaimsChallenge({ method: 'GET', url: `${double.url}/tenants?api-version=2022-12-01` }, { timeoutMs: 5_000, ca: double.caPem }, tokenGetter(s.credentialFor(), s.endpoints.armScope));
    expect(res.status).toBe(200);
    expect(double.counters.claimsGrants).toBe(before + 1);
    const armCalls = double.requests.slice(calls).filter((q) => q.path === '/tenants');
    expect(armCalls).toHaveLength(2);
    const claimsReq = double.userTokenRequests.at(-1);
    expect(JSON.parse(claimsReq?.claims ?? '{}')).toMatchObject({ access_token: { nbf: { essential: true }, xms_cc: { values: ['cp1'] } } });
  });
});

describe('claims challenge on the MLflow endpoint', () => {
  it('the REST store, given the claims-aware fetch, answers the challenge once and gets its answer', async () => {
    const s = session(testStore());
    await deviceSignIn(s);
    double.experiments.set('cae-exp', { experiment_id: 'cae-0001', name: 'cae-exp' });
    double.requireClaims('mlflow');
    const getToken = tokenGetter(s.credentialFor(), s.endpoints.armScope);
    // Our transport under fetch, so the double's CA is trusted in process.
    const viaTransport = transportFetch(double.caPem);
    const restBase = `${double.url}/mlflow/v2.0/subscriptions/${double.subscriptionId}/resourceGroups/${double.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${double.workspaceName}`;
    const before = double.counters.claimsGrants;
    const plain = createRestStore(restBase, { token: () => getToken(), fetch: viaTransport, retries: 0 });
    await expect(plain.getExperimentByName('cae-exp')).rejects.toThrow(/Continuous access evaluation resulted in challenge/);
    await plain.close();
    const store = createRestStore(restBase, { token: () => getToken(), fetch: fetchWithClaimsChallenge(getToken, viaTransport), retries: 0 });
    try {
      expect((await store.getExperimentByName('cae-exp'))?.experiment_id).toBe('cae-0001');
    } finally {
      await store.close();
    }
    expect(double.counters.claimsGrants).toBe(before + 1);
  });
});

describe('the app wiring: its own chain (its own secret store) handed to tracking setup', () => {
  it('tracks to the workspace with the signed-in account and names that link', async () => {
    const s = session(testStore());
    await deviceSignIn(s);
    const { buildCredentialChain } = await import('../../electron/core/azure/credentialChain.ts');
    const { setupTrackingCrossPlatform } = await import('../../electron/core/tracking/setup.ts');
    const env = {
      AZURE_SUBSCRIPTION_ID: double.subscriptionId,
      AZURE_RESOURCE_GROUP: double.resourceGroup,
      AZURE_WORKSPACE_NAME: double.workspaceName,
      SWEEPDECK_AZURE_ARM_ENDPOINT: double.url,
      AZURE_TOKEN_CREDENTIALS: 'dev',
    };
    const chain = buildCredentialChain({ env, endpoints: s.endpoints, account: s.credential });
    // ARM (the SDK's own pipeline, through the chain) and the MLflow probe each meet a claims
    // challenge and answer it once.
    double.requireClaims('arm');
    double.requireClaims('mlflow');
    const grants = double.counters.claimsGrants;
    const r = await setupTrackingCrossPlatform({ experimentName: 'app-wired', env, platformProbe: { env, exists: () => false }, localDir: dir, ca: double.caPem, timeoutMs: 5_000, fallbackToLocal: false, azure: { credential: chain } });
    expect(r).toMatchObject({ mode: 'azure', credentialLink: 'signed-in account' });
    expect(double.counters.claimsGrants).toBe(grants + 2);
    expect(double.issuedTokens).toContain(await r.tokenProvider?.());
  });
});
