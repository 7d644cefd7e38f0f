// The app's Azure account channels through the contract's dispatch, against the identity double:
// status before and after sign-in (the link named), device code with the code in the reply and on
// the event stream, browser sign-in through the injected openExternal, cancel, the MFA tenant as
// "needs sign-in" and signing in to it, the memory-only notice, sign-out clearing the record; and
// no reply or event holds a token the double issued.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountStatus, SignInAttempt } from '../../shared/azureAccount.ts';
import type { Result } from '../../shared/result.ts';
import { AzureAccountService } from '../../electron/app/azureAccountService.ts';
import { createDispatch, type Dispatch } from '../../electron/app/dispatch.ts';
import { EventBus } from '../../electron/app/eventBus.ts';
import { sendRequest } from '../../electron/core/azure/httpTransport.ts';
import { memoryOnlyStore, NO_OS_ENCRYPTION_NOTICE } from '../../electron/core/azure/secretStore.ts';
import { startIdentityDouble, type IdentityDouble } from '../support/azureIdentityDouble.ts';
import { until } from '../support/until.ts';

let double: IdentityDouble;
let dir: string;
let service: AzureAccountService;
let dispatch: Dispatch;
let seen: string[];
let opened: string[];

// A double per test: a tenant signed in to (MFA done) stays so at the double.
beforeEach(async () => {
  double = await startIdentityDouble();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'account-app-'));
  seen = [];
  opened = [];
  const bus = new EventBus();
  bus.subscribe((m) => seen.push(JSON.stringify(m)));
  service = new AzureAccountService({
    dataDir: dir,
    // No service principal and no `az` on PATH: only the account signed in here can answer.
    env: { SWEEPDECK_AZURE_AUTHORITY_HOST: double.url, SWEEPDECK_AZURE_ARM_ENDPOINT: double.url, PATH: '', HOME: dir },
    bus,
    secretStore: memoryOnlyStore('test: no keyring'),
    openExternal: (url) => void opened.push(url),
    ca: double.caPem,
    timeoutMs: 5_000,
  });
  dispatch = createDispatch({
    'azure.account.status': (i) => service.status(i),
    'azure.account.signIn': (i) => service.signIn(i),
    'azure.account.cancel': async () => service.cancel(),
    'azure.account.signOut': () => service.signOut(),
    'azure.account.tenants': () => service.tenants(),
  });
});
afterEach(async () => {
  service.close();
  await double.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function call<T>(channel: string, input: unknown = {}): Promise<T> {
  const r = (await dispatch(channel, input)) as Result<T>;
  seen.push(JSON.stringify(r));
  if (!r.ok) throw new Error(`${channel}: ${r.error.code}: ${r.error.message}`);
  return r.value;
}

function expectNoToken(): void {
  const all = seen.join('\n');
  expect(double.issuedTokens.length + double.issuedRefreshTokens.length).toBeGreaterThan(0);
  for (const t of [...double.issuedTokens, ...double.issuedRefreshTokens]) expect(all).not.toContain(t);
}

/** The device-code sign-in as the user does it: the code from the reply, approved at the double. */
async function deviceSignIn(input: Record<string, unknown> = {}): Promise<AccountStatus> {
  const attempt = await call<SignInAttempt>('azure.account.signIn', { method: 'device-code', ...input });
  expect(attempt.state).toBe('waiting');
  expect(attempt.verificationUri).toBe(`${double.url}/devicelogin`);
  const res = await sendRequest({ method: 'POST', url: `${double.url}/devicelogin`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `otc=${attempt.userCode}` }, { timeoutMs: 5_000, ca: double.caPem });
  expect(res.status).toBe(200);
  return await until('the sign-in to end', async () => {
    const s = await call<AccountStatus>('azure.account.status');
    return s.signIn?.id === attempt.id && s.signIn.state === 'signed-in' ? s : undefined;
  });
}

describe('azure.account channels', () => {
  it('signed out: no link answers, the reason says how to sign in, and the memory-only notice shows', async () => {
    const s = await call<AccountStatus>('azure.account.status');
    expect(s).toMatchObject({ signedIn: false, link: null, account: null, notice: NO_OS_ENCRYPTION_NOTICE, signIn: null });
    expect(s.problem).toMatch(/no Azure credential/);
  });

  it('device code: the reply and the event carry the code; then the account, its tenant and the link; sign-out forgets it', async () => {
    const status = await deviceSignIn();
    expect(status).toMatchObject({ signedIn: true, account: double.user.username, tenantId: double.tenantId, link: 'signed-in account', signedInVia: 'device code', cloud: 'AzureCloud' });
    expect(status.tokenCache).toMatch(/memory only/);
    expect(seen.some((m) => m.includes('"event":"azure.account"') && m.includes('"state":"waiting"') && m.includes(`${double.url}/devicelogin`))).toBe(true);
    expect(seen.some((m) => m.includes('"event":"azure.account"') && m.includes('"signedIn":true'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'azure', 'account.json'))).toBe(true);
    // Memory only: nothing secret was written.
    expect(fs.existsSync(path.join(dir, 'azure', 'token-cache.bin'))).toBe(false);

    const out = await call<AccountStatus>('azure.account.signOut');
    expect(out).toMatchObject({ signedIn: false, link: null, account: null });
    expect(fs.existsSync(path.join(dir, 'azure', 'account.json'))).toBe(false);
    expectNoToken();
  });

  it('browser: the sign-in page goes to openExternal; following it signs in', async () => {
    const attempt = await call<SignInAttempt>('azure.account.signIn', { method: 'browser' });
    expect(attempt).toMatchObject({ state: 'waiting', openedExternally: true });
    expect(opened).toEqual([attempt.browserUrl]);
    const url = new URL(attempt.browserUrl ?? '');
    expect(url.origin).toBe(double.url);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    // The browser: the double's page posts the code to the loopback redirect.
    const page = await sendRequest({ method: 'GET', url: url.toString() }, { timeoutMs: 5_000, ca: double.caPem });
    const action = new URL(/action="([^"]+)"/.exec(page.body)?.[1] ?? '');
    action.hostname = '127.0.0.1';
    const fields = new URLSearchParams([...page.body.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
    const back = await sendRequest({ method: 'POST', url: action.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() }, { timeoutMs: 5_000 });
    expect(back.body).toMatch(/go back to the Sweepdeck app/);
    const s = await until('signed in', async () => {
      const st = await call<AccountStatus>('azure.account.status');
      return st.signedIn ? st : undefined;
    });
    expect(s).toMatchObject({ account: double.user.username, link: 'signed-in account', signedInVia: 'browser' });
    expectNoToken();
  });

  it('cancel ends a device-code sign-in as cancelled; a second sign-in meanwhile is refused', async () => {
    const attempt = await call<SignInAttempt>('azure.account.signIn', { method: 'device-code' });
    const again = await dispatch('azure.account.signIn', { method: 'browser' });
    expect(again).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await call('azure.account.cancel')).toEqual({ cancelled: true });
    const s = await until('cancelled', async () => {
      const st = await call<AccountStatus>('azure.account.status');
      return st.signIn?.id === attempt.id && st.signIn.state === 'cancelled' ? st : undefined;
    });
    expect(s.signedIn).toBe(false);
    expect(await call('azure.account.cancel')).toEqual({ cancelled: false });
  });

  it('tenants: the MFA tenant needs sign-in, and signing in to it (keeping the default tenant) makes it signed in', async () => {
    await deviceSignIn();
    const before = await call<{ tenants: { tenantId: string; state: string }[] }>('azure.account.tenants');
    expect(before.tenants.map((t) => [t.tenantId, t.state]).sort()).toEqual(
      [
        [double.tenantId, 'signed in'],
        [double.secondTenantId, 'signed in'],
        [double.mfaTenantId, 'needs sign-in'],
      ].sort(),
    );
    const after = await deviceSignIn({ tenantId: double.mfaTenantId, addTenant: true });
    expect(after.tenantId).toBe(double.tenantId);
    const now = await call<{ tenants: { tenantId: string; state: string }[] }>('azure.account.tenants');
    expect(now.tenants.find((t) => t.tenantId === double.mfaTenantId)?.state).toBe('signed in');
    expectNoToken();
  });

  it('credentialSource: the chain for the workspace picker; per tenant, the MFA tenant needs sign-in until signed in to', async () => {
    const before = service.credentialSource();
    expect(before.endpoints.armEndpoint).toBe(double.url);
    await expect(before.credentialFor(double.tenantId).getToken(before.endpoints.armScope)).rejects.toThrow(/no Azure credential/);
    await deviceSignIn();
    const src = service.credentialSource();
    const second = await src.credentialFor(double.secondTenantId).getToken(src.endpoints.armScope);
    const tid = (t: string): unknown => (JSON.parse(Buffer.from(t.split('.')[1] ?? '', 'base64url').toString('utf8')) as { tid?: unknown }).tid;
    expect(tid(second?.token ?? '')).toBe(double.secondTenantId);
    await expect(src.credentialFor(double.mfaTenantId).getToken(src.endpoints.armScope)).rejects.toMatchObject({ name: 'SignInRequiredError' });
    await deviceSignIn({ tenantId: double.mfaTenantId, addTenant: true });
    const mfa = await src.credentialFor(double.mfaTenantId).getToken(src.endpoints.armScope);
    expect(tid(mfa?.token ?? '')).toBe(double.mfaTenantId);
    // Without a tenant: the chain's default, i.e. the account's home tenant.
    expect(tid((await src.credentialFor().getToken(src.endpoints.armScope))?.token ?? '')).toBe(double.tenantId);
  });

  it('cloud: the sign-in goes to the cloud chosen (the SWEEPDECK_AZURE_* hosts still win), and another cloud needs a sign-out first', async () => {
    const status = await deviceSignIn({ cloud: 'AzureUSGovernment' });
    expect(status).toMatchObject({ signedIn: true, cloud: 'AzureUSGovernment' });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'azure', 'account.json'), 'utf8'))).toMatchObject({ cloud: 'AzureUSGovernment' });
    const other = await dispatch('azure.account.signIn', { method: 'browser', cloud: 'AzureChinaCloud' });
    expect(other).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(JSON.stringify(other)).toMatch(/sign out before signing in to AzureChinaCloud/);
    await call('azure.account.signOut');
    const china = await call<SignInAttempt>('azure.account.signIn', { method: 'device-code', cloud: 'AzureChinaCloud' });
    expect(china.state).toBe('waiting');
    await call('azure.account.cancel');
  });

  it('refuses bad input with the field named, and adding a tenant while signed out', async () => {
    const bad = await dispatch('azure.account.signIn', { method: 'device-code', tenantId: 'not a tenant!' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(JSON.stringify(bad)).toMatch(/tenantId/);
    const cloud = await dispatch('azure.account.signIn', { method: 'browser', cloud: 'Mars' });
    expect(cloud).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const add = await dispatch('azure.account.signIn', { method: 'device-code', tenantId: double.mfaTenantId, addTenant: true });
    expect(add).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });
});
