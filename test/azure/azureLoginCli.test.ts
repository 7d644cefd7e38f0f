// `sweepdeck azure login|whoami|logout` end to end in separate processes against the identity
// double: device code (the test enters the code at the double's device-login page), the browser
// way (the test plays the browser from the printed URL), the encrypted cache across launches
// through a stand-in `secret-tool` keyring, and no OS encryption (nothing secret written, notice).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendRequest } from '../../electron/core/azure/httpTransport.ts';
import { makeStandInBin, type StandInBin } from '../support/azureCliStandIn.ts';
import { startIdentityDouble, type IdentityDouble } from '../support/azureIdentityDouble.ts';
import { runCli, startCli, type CliRun } from '../support/sweepdeckCli.ts';
import { until } from '../support/until.ts';

let double: IdentityDouble;
let bin: StandInBin;
let home: string;

beforeAll(async () => {
  double = await startIdentityDouble();
});
afterAll(async () => {
  await double.close();
});
beforeEach(() => {
  bin?.remove();
  if (home) fs.rmSync(home, { recursive: true, force: true });
  bin = makeStandInBin();
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'login-cli-'));
});

const azureDir = (): string => path.join(home, 'data', 'azure');

function env(): Record<string, string> {
  return {
    PATH: bin.path,
    HOME: home,
    SWEEPDECK_DATA_DIR: path.join(home, 'data'),
    SWEEPDECK_AZURE_AUTHORITY_HOST: double.url,
    SWEEPDECK_AZURE_ARM_ENDPOINT: double.url,
    NODE_EXTRA_CA_CERTS: double.caFile,
    SWEEPDECK_AZURE_TIMEOUT_MS: '8000',
    BROWSER: 'none',
  };
}

function allTokens(): string[] {
  return [...double.issuedTokens, ...double.issuedRefreshTokens];
}

function expectNoTokenIn(text: string): void {
  for (const t of allTokens()) expect(text).not.toContain(t);
}

/** Enters the printed code at the double's device-login page, as the user would in a browser. */
async function enterDeviceCode(run: CliRun): Promise<void> {
  const code = await until('the device code on stdout', async () => /enter the code (\S+) to authenticate/.exec(run.stdout)?.[1]);
  const res = await sendRequest({ method: 'POST', url: `${double.url}/devicelogin`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `otc=${code}` }, { timeoutMs: 5_000, ca: double.caPem });
  expect(res.status).toBe(200);
}

async function deviceLogin(extra: string[] = []) {
  const run = startCli(['azure', 'login', '--device-code', ...extra], env(), home);
  await enterDeviceCode(run);
  return await run.done;
}

describe('device code, with a keyring (stand-in secret-tool)', () => {
  it('signs in; the next launches are silent (whoami, tracking setup); logout forgets everything', async () => {
    bin.addSecretTool();
    const login = await deviceLogin();
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`Signed in as ${double.user.username} (tenant ${double.tenantId}, AzureCloud) through the device code.`);
    expect(login.stdout).toMatch(/Token cache: .*token-cache\.bin, encrypted by libsecret \(secret-tool\)/);
    expect(login.stdout).not.toMatch(/No OS encryption/);
    expect(fs.readdirSync(azureDir()).sort()).toEqual(['account.json', 'token-cache.bin']);
    for (const f of fs.readdirSync(azureDir())) {
      expect(fs.statSync(path.join(azureDir(), f)).mode & 0o777).toBe(0o600);
      expectNoTokenIn(fs.readFileSync(path.join(azureDir(), f)).toString('latin1'));
    }
    expectNoTokenIn(login.stdout + login.stderr);

    // Next launch: silent. No interactive grant: at most a refresh_token grant.
    const mark = double.userTokenRequests.length;
    const who = await runCli(['azure', 'whoami', '--json'], env(), home);
    expect(who.code).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ link: 'signed-in account', account: double.user.username, tenantId: double.tenantId, cloud: 'AzureCloud', notice: null });
    expect(double.userTokenRequests.slice(mark).filter((q) => q.grant_type !== 'refresh_token')).toEqual([]);

    const setup = await runCli(['tracking', 'setup', '--experiment', 'people', '--json', '--no-fallback'], { ...env(), AZURE_SUBSCRIPTION_ID: double.subscriptionId, AZURE_RESOURCE_GROUP: double.resourceGroup, AZURE_WORKSPACE_NAME: double.workspaceName }, home);
    expect(setup.stderr).toBe('');
    expect(JSON.parse(setup.stdout)).toMatchObject({ mode: 'azure', credentialLink: 'signed-in account' });
    expectNoTokenIn(who.stdout + setup.stdout);

    // Tenants: the MFA tenant is listed as needs sign-in, with the command that signs in to it.
    const tenants = await runCli(['azure', 'tenants', '--json'], env(), home);
    expect(tenants.code).toBe(0);
    const list = (JSON.parse(tenants.stdout) as { tenants: { tenantId: string; state: string }[] }).tenants;
    expect(Object.fromEntries(list.map((t) => [t.tenantId, t.state]))).toEqual({
      [double.tenantId]: 'signed in',
      [double.secondTenantId]: 'signed in',
      [double.mfaTenantId]: 'needs sign-in',
    });
    const text = await runCli(['azure', 'tenants'], env(), home);
    expect(text.stdout).toContain(`needs sign-in Woodgrove (MFA), woodgrove.example  (sweepdeck azure login --tenant ${double.mfaTenantId})`);
    expectNoTokenIn(tenants.stdout + text.stdout);

    const out = await runCli(['azure', 'logout'], env(), home);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`Signed out ${double.user.username}`);
    expect(fs.readdirSync(azureDir())).toEqual([]);
    const after = await runCli(['azure', 'whoami', '--json'], env(), home);
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toMatchObject({ reasonCode: 'NO_CREDENTIAL' });
    expect(JSON.parse(after.stdout).reason).toMatch(/signed-in account: nobody is signed in inside Sweepdeck/);
  });
});

describe('device code, with no OS encryption (no keyring)', () => {
  it('signs in for this launch only: only the record is written, the notice shows, the next launch says to sign in again', async () => {
    const login = await deviceLogin();
    expect(login.code).toBe(0);
    expect(login.stdout).toContain('Note: No OS encryption is available');
    expect(login.stdout).toMatch(/Token cache: memory only \(libsecret secret-tool not found\)/);
    expect(fs.readdirSync(azureDir())).toEqual(['account.json']);
    expectNoTokenIn(fs.readFileSync(path.join(azureDir(), 'account.json'), 'utf8'));
    const who = await runCli(['azure', 'whoami', '--json'], env(), home);
    expect(who.code).toBe(1);
    expect(JSON.parse(who.stdout).reason).toMatch(/signed-in account: ada@contoso\.example signed in before, but with no OS encryption tokens are not kept between launches; sign in again/);
  });
});

describe('browser (authorization code with PKCE)', () => {
  it('prints the URL; the browser signs in at the double and posts back to the loopback redirect', async () => {
    bin.addSecretTool();
    const verified = double.counters.pkceVerified;
    const run = startCli(['azure', 'login', '--tenant', double.tenantId], env(), home);
    const url = await until('the sign-in URL on stdout', async () => /Sign in with your browser: (\S+)/.exec(run.stdout)?.[1]);
    expect(url.startsWith(`${double.url}/${double.tenantId}/oauth2/v2.0/authorize?`)).toBe(true);
    const page = await sendRequest({ method: 'GET', url }, { timeoutMs: 5_000, ca: double.caPem });
    const action = new URL(/action="([^"]+)"/.exec(page.body)?.[1] ?? '');
    action.hostname = '127.0.0.1';
    const form = new URLSearchParams([...page.body.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
    const back = await sendRequest({ method: 'POST', url: action.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() }, { timeoutMs: 5_000 });
    expect(back.body).toMatch(/go back to the Sweepdeck app/);
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Signed in as ${double.user.username} (tenant ${double.tenantId}, AzureCloud) through the browser.`);
    expect(double.counters.pkceVerified).toBe(verified + 1);
  });

  it('--timeout: a browser that never comes back ends the wait with exit 1 and says why', async () => {
    const r = await runCli(['azure', 'login', '--timeout', '1'], env(), home);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/sign-in did not complete within 1 s; try again/);
    expect(fs.existsSync(path.join(azureDir(), 'account.json'))).toBe(false);
  });

  it('a cloud that does not exist is refused naming the valid ones', async () => {
    const r = await runCli(['azure', 'login', '--cloud', 'AzureGermany'], env(), home);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--cloud 'AzureGermany' is not an Azure cloud; use one of AzureCloud, AzureChinaCloud, AzureUSGovernment/);
  });
});

describe('a damaged account record', () => {
  it('is reported as NO_CREDENTIAL naming the file and what to do, by whoami and by tracking setup', async () => {
    fs.mkdirSync(azureDir(), { recursive: true });
    fs.writeFileSync(path.join(azureDir(), 'account.json'), '{"version":1,"cloud":"Mars"}');
    const who = await runCli(['azure', 'whoami', '--json'], env(), home);
    expect(who.code).toBe(1);
    const out = JSON.parse(who.stdout) as { reasonCode: string; reason: string };
    expect(out.reasonCode).toBe('NO_CREDENTIAL');
    expect(out.reason).toContain(`the Azure account record ${path.join(azureDir(), 'account.json')} is not valid`);
    expect(out.reason).toMatch(/sweepdeck azure logout/);
    const setup = await runCli(['tracking', 'setup', '--experiment', 'e', '--json'], { ...env(), AZURE_SUBSCRIPTION_ID: double.subscriptionId, AZURE_RESOURCE_GROUP: double.resourceGroup, AZURE_WORKSPACE_NAME: double.workspaceName }, home);
    expect(JSON.parse(setup.stdout)).toMatchObject({ mode: 'local', reasonCode: 'NO_CREDENTIAL' });
    const login = await runCli(['azure', 'login', '--device-code'], env(), home);
    expect(login.code).toBe(1);
    expect(login.stderr).toMatch(/sweepdeck azure: the Azure account record .* is not valid/);
    // Signing out still works, and clears it.
    const logout = await runCli(['azure', 'logout'], env(), home);
    expect(logout.code).toBe(0);
    expect(fs.readdirSync(azureDir())).toEqual([]);
  });
});
