// The CLI's token-cache encryption on macOS and Windows, tested as WIRING AGAINST STAND-INS of
// `security` and `powershell.exe`/`pwsh` (test/support/osKeyringStandIns.ts), NOT against the
// real Keychain or DPAPI, which this Linux machine does not have. What is checked is ours: the
// argv (the key never in it), what goes on stdin, quoting, exit codes, the files written, and the
// messages. The platform is passed to the chooser, never faked globally.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TokenCacheContext } from '@azure/msal-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCliSecretStore } from '../../electron/core/azure/cliSecretStore.ts';
import { DPAPI_KEY_FILE, dpapiScript } from '../../electron/core/azure/dpapiStore.ts';
import { securityInteractiveLine } from '../../electron/core/azure/keychainStore.ts';
import type { SecretStore } from '../../electron/core/azure/secretStore.ts';
import { CACHE_FILE, encryptedCachePlugin } from '../../electron/core/azure/tokenCachePlugin.ts';
import { makeStandInBin, type StandInBin } from '../support/azureCliStandIn.ts';
import { addPowerShellStandIn, addSecurityStandIn } from '../support/osKeyringStandIns.ts';

const TOKENS = '{"RefreshToken":{"rt":{"secret":"0.AVYA-refresh-token-plaintext"}}}';

let bin: StandInBin;
let dir: string;
beforeEach(() => {
  bin = makeStandInBin();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyring-data-'));
});
afterEach(() => {
  bin.remove();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every file under a folder, with its bytes. */
function allFiles(root: string): { file: string; bytes: Buffer }[] {
  return fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).flatMap((rel) => {
    const file = path.join(root, rel);
    return fs.statSync(file).isFile() ? [{ file, bytes: fs.readFileSync(file) }] : [];
  });
}

/** No file under `root` holds any of `needles` (the tokens, the key). */
function expectNoFileHolds(root: string, needles: string[]): void {
  for (const { file, bytes } of allFiles(root)) {
    for (const n of needles) expect(bytes.includes(Buffer.from(n)), `${file} holds ${n.slice(0, 12)}...`).toBe(false);
  }
}

/** Saves TOKENS through the real cache plugin, as msal does after a sign-in, and loads it back. */
async function saveAndLoad(store: SecretStore, again: SecretStore): Promise<string> {
  const file = path.join(dir, CACHE_FILE);
  await encryptedCachePlugin(file, store).afterCacheAccess({ cacheHasChanged: true, tokenCache: { serialize: () => TOKENS } } as unknown as TokenCacheContext);
  let loaded = '';
  const reader = encryptedCachePlugin(file, again);
  await reader.beforeCacheAccess({ tokenCache: { deserialize: (s: string) => (loaded = s) } } as unknown as TokenCacheContext);
  expect(reader.problem).toBeUndefined();
  return loaded;
}

describe('macOS Keychain: wiring against a stand-in of `security`, not the real Keychain', () => {
  const open = (): Promise<SecretStore> => openCliSecretStore({ PATH: bin.path }, { platform: 'darwin', dir });

  it('first launch: "not found" (exit 44) means no key yet; the new key goes in through `security -i` on stdin, never in argv', async () => {
    const security = addSecurityStandIn(bin);
    const store = await open();
    expect(store).toMatchObject({ encrypts: true, description: 'macOS Keychain (security)' });
    const key = security.items()['sweepdeck/azure-token-cache-key'];
    expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(security.calls()).toEqual([
      ['find-generic-password', '-s', 'sweepdeck', '-a', 'azure-token-cache-key', '-w'],
      ['-i'],
      ['find-generic-password', '-s', 'sweepdeck', '-a', 'azure-token-cache-key', '-w'],
    ]);
    for (const argv of security.calls()) expect(argv.join(' ')).not.toContain(key);
    // The label has spaces: it arrives as one argument, so the quoting is right.
    expect(security.stdinCommands()).toEqual([
      ['add-generic-password', '-U', '-s', 'sweepdeck', '-a', 'azure-token-cache-key', '-l', 'Sweepdeck Azure token cache key', '-w', key],
    ]);
  });

  it('round trip: what one launch saves the next reads with the same Keychain key; no file holds the tokens or the key', async () => {
    const security = addSecurityStandIn(bin);
    const first = await open();
    const second = await open();
    expect(await saveAndLoad(first, second)).toBe(TOKENS);
    expect(security.calls().filter((a) => a[0] === '-i')).toHaveLength(1);
    const key = security.items()['sweepdeck/azure-token-cache-key'] ?? '';
    expect(fs.readdirSync(dir)).toEqual([CACHE_FILE]);
    expectNoFileHolds(dir, [TOKENS, 'refresh-token-plaintext', key]);
    for (const argv of security.calls()) expect(argv.join(' ')).not.toContain(key);
  });

  it('a locked keychain (exit 36): memory only, with a message naming `security`, the exit code and what to do; nothing written', async () => {
    const security = addSecurityStandIn(bin);
    security.setMode('locked');
    const store = await open();
    expect(store.encrypts).toBe(false);
    expect(store.description).toBe(
      'macOS Keychain: `security find-generic-password` failed (exit 36: security: SecKeychainSearchCopyNext: User interaction is not allowed.); unlock the login keychain (Keychain Access, or `security unlock-keychain`), or set SWEEPDECK_AZURE_TOKEN_CACHE=memory to stop trying',
    );
    await expect(store.encrypt(TOKENS)).rejects.toThrow(/nothing secret is written/);
    expect(fs.readdirSync(dir)).toEqual([]);
    // Only "not found" makes a new key: a locked keychain's key must not be replaced (-U would).
    expect(security.calls()).toEqual([['find-generic-password', '-s', 'sweepdeck', '-a', 'azure-token-cache-key', '-w']]);
  });

  it('a refused add: memory only saying so, and the key is not in the message', async () => {
    const security = addSecurityStandIn(bin);
    security.setMode('refuse-add');
    const store = await open();
    expect(store.encrypts).toBe(false);
    expect(store.description).toMatch(/^macOS Keychain: `security add-generic-password` failed \(exit 36: security: SecKeychainItemCreateFromContent .*User interaction is not allowed\.\); unlock the login keychain/);
    const sent = security.stdinCommands()[0] ?? [];
    expect(store.description).not.toContain(sent[sent.length - 1]);
  });

  it('no `security` on PATH: memory only, naming it', async () => {
    expect(await open()).toMatchObject({ encrypts: false, description: 'macOS `security` tool not found on PATH (it is /usr/bin/security): the Keychain cannot be used' });
  });

  it('sign-out deletes the Keychain item; an item already gone is fine; a refused delete is an error naming the tool', async () => {
    const security = addSecurityStandIn(bin);
    const store = await open();
    await store.clear?.();
    expect(security.items()).toEqual({});
    expect(security.calls().at(-1)).toEqual(['delete-generic-password', '-s', 'sweepdeck', '-a', 'azure-token-cache-key']);
    await expect(store.clear?.()).resolves.toBeUndefined();
    const again = await open();
    security.setMode('refuse-delete');
    await expect(again.clear?.()).rejects.toThrow(/^macOS Keychain: `security delete-generic-password` failed \(exit 36: .*\); unlock the login keychain.*delete the item "sweepdeck" \/ "azure-token-cache-key" in Keychain Access$/);
  });

  it('an item that is not a 256-bit key: memory only, saying how to delete it', async () => {
    const security = addSecurityStandIn(bin);
    fs.writeFileSync(path.join(bin.dir, '.keychain.json'), JSON.stringify({ 'sweepdeck/azure-token-cache-key': 'not a key' }));
    const store = await open();
    expect(store.encrypts).toBe(false);
    expect(store.description).toMatch(/does not hold a 256-bit key; delete it \(`security delete-generic-password -s sweepdeck -a azure-token-cache-key`\)/);
    expect(security.items()).toEqual({ 'sweepdeck/azure-token-cache-key': 'not a key' });
  });

  it('the `security -i` line quotes every argument so spaces, quotes and backslashes survive, and refuses a line break', () => {
    const security = addSecurityStandIn(bin);
    const args = ['add-generic-password', '-l', 'a "quoted" label', '-j', 'back\\slash \\"x', '-w', `it's`];
    const line = securityInteractiveLine(args);
    expect(line).toBe(String.raw`"add-generic-password" "-l" "a \"quoted\" label" "-j" "back\\slash \\\"x" "-w" "it's"`);
    expect(() => securityInteractiveLine(['-w', 'a\nfind-generic-password'])).toThrow(/line break/);
    // The stand-in splits lines as `security -i` does: what it records is what the tool would get.
    security.setMode('refuse-add');
    expect(() => execFileSync(path.join(bin.dir, 'security'), ['-i'], { input: `${line}\n`, stdio: ['pipe', 'ignore', 'ignore'] })).toThrow(/status 36|Command failed/);
    expect(security.stdinCommands()).toEqual([args]);
  });
});

describe('Windows DPAPI: wiring against a stand-in of powershell.exe/pwsh, not the real DPAPI', () => {
  const open = (env: Record<string, string> = { PATH: bin.path }): Promise<SecretStore> => openCliSecretStore(env, { platform: 'win32', dir });
  const keyFile = (): string => path.join(dir, DPAPI_KEY_FILE);

  it('first launch: no key file means no key yet; the key is protected through `powershell.exe -NoProfile -NonInteractive -Command -` with the script and key on stdin', async () => {
    const ps = addPowerShellStandIn(bin);
    const store = await open();
    expect(store).toMatchObject({ encrypts: true, description: 'Windows DPAPI (powershell.exe)' });
    expect(ps.calls()).toEqual([['-NoProfile', '-NonInteractive', '-Command', '-']]);
    const script = ps.scripts()[0] ?? '';
    expect(script).toMatch(/::Protect\(\[Convert\]::FromBase64String\('[A-Za-z0-9+/]{43}='\), \$null, \[System\.Security\.Cryptography\.DataProtectionScope\]::CurrentUser\)/);
    const key = /FromBase64String\('([^']+)'\)/.exec(script)?.[1] ?? '';
    for (const argv of ps.calls()) expect(argv.join(' ')).not.toContain(key);
    expect(fs.statSync(keyFile()).mode & 0o777).toBe(0o600);
    // What is on disk is the DPAPI blob, not the key in any spelling.
    const onDisk = fs.readFileSync(keyFile());
    expect(onDisk.subarray(0, 14).toString()).toBe('STAND-IN-DPAPI');
    for (const spelling of [Buffer.from(key, 'base64'), Buffer.from(key), Buffer.from(Buffer.from(key, 'base64').toString('hex'))]) expect(onDisk.includes(spelling)).toBe(false);
  });

  it('round trip: the next launch unprotects the key file and reads what the first saved; no file holds the tokens or the key', async () => {
    const ps = addPowerShellStandIn(bin);
    const first = await open();
    const second = await open();
    expect(await saveAndLoad(first, second)).toBe(TOKENS);
    const scripts = ps.scripts();
    expect(scripts.map((s) => /ProtectedData\]::(\w+)/.exec(s)?.[1])).toEqual(['Protect', 'Unprotect']);
    const key = /FromBase64String\('([^']+)'\)/.exec(scripts[0] ?? '')?.[1] ?? '';
    expect(fs.readdirSync(dir).sort()).toEqual([CACHE_FILE, DPAPI_KEY_FILE].sort());
    expectNoFileHolds(dir, [TOKENS, 'refresh-token-plaintext', key]);
    expect(fs.readFileSync(keyFile()).includes(Buffer.from(key, 'base64'))).toBe(false);
    for (const argv of ps.calls()) expect(argv.join(' ')).not.toContain(key);
  });

  it('each script is one `& { ... }` statement and an empty line (how `-Command -` runs a whole statement), succeeding only with the marker', () => {
    const s = dpapiScript('Unprotect', 'AAAA');
    expect(s.endsWith('}\n\n')).toBe(true);
    expect(s.split('\n')).toHaveLength(3);
    expect(s.startsWith('& { try { ')).toBe(true);
    expect(() => dpapiScript('Protect', "x'); Remove-Item C:\\ -Recurse; ('")).toThrow(/base64/);
  });

  it('PowerShell 7 only (`pwsh`): used when powershell.exe is absent; a Windows environment spelling PATH as `Path` works', async () => {
    const ps = addPowerShellStandIn(bin, 'pwsh');
    const store = await open({ Path: bin.path });
    expect(store).toMatchObject({ encrypts: true, description: 'Windows DPAPI (pwsh)' });
    expect(ps.calls()).toHaveLength(1);
  });

  it('a PATH without PowerShell: Windows PowerShell is found where Windows installs it (%SystemRoot%)', async () => {
    const root = path.join(bin.dir, 'Windows');
    const ps1 = path.join(root, 'System32', 'WindowsPowerShell', 'v1.0');
    fs.mkdirSync(ps1, { recursive: true });
    const ps = addPowerShellStandIn(bin);
    fs.renameSync(path.join(bin.dir, 'powershell.exe'), path.join(ps1, 'powershell.exe'));
    expect(await open({ PATH: bin.path })).toMatchObject({ encrypts: false });
    expect(await open({ PATH: bin.path, SystemRoot: root })).toMatchObject({ encrypts: true, description: 'Windows DPAPI (powershell.exe)' });
    expect(ps.calls()).toHaveLength(1);
  });

  it('PowerShell refusing .NET (Constrained Language Mode): memory only, naming the tool and what to do; no key file', async () => {
    const ps = addPowerShellStandIn(bin);
    ps.setMode('constrained');
    const store = await open();
    expect(store.encrypts).toBe(false);
    expect(store.description).toBe(
      'Windows DPAPI: powershell.exe could not protect the key (exit 3: Cannot invoke method. Method invocation is supported only on core types in this language mode.); check that PowerShell can run .NET code for this user (a Constrained Language policy forbids it), or set SWEEPDECK_AZURE_TOKEN_CACHE=memory to stop trying',
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a key file DPAPI cannot open (damaged, or another user\'s): memory only naming the file, which stays byte for byte', async () => {
    addPowerShellStandIn(bin);
    const damaged = Buffer.from('not a DPAPI blob at all');
    fs.writeFileSync(keyFile(), damaged);
    const store = await open();
    expect(store.encrypts).toBe(false);
    expect(store.description).toContain('Windows DPAPI: powershell.exe could not unprotect the key (exit 3: Exception calling "Unprotect" with "3" argument(s): "The data is invalid.")');
    expect(store.description).toContain(`if ${keyFile()} is damaged or from another user, delete it and sign in again`);
    expect(fs.readFileSync(keyFile())).toEqual(damaged);
  });

  it('an empty key file: memory only naming it (not a crash), and it stays', async () => {
    const ps = addPowerShellStandIn(bin);
    fs.writeFileSync(keyFile(), '');
    expect(await open()).toMatchObject({ encrypts: false, description: `Windows DPAPI: ${keyFile()} is empty (an interrupted write?); delete it and sign in again` });
    expect(fs.readFileSync(keyFile()).length).toBe(0);
    expect(ps.calls()).toEqual([]);
  });

  it('PowerShell that never answers: memory only after the deadline, not a hang', async () => {
    const ps = addPowerShellStandIn(bin);
    ps.setMode('hang');
    const store = await open();
    expect(store).toMatchObject({ encrypts: false });
    expect(store.description).toMatch(/^Windows DPAPI: powershell\.exe gave no answer within 5000 ms \(PowerShell stuck or blocked\?\)/);
  });

  it('no PowerShell on PATH: memory only, naming it', async () => {
    expect(await open()).toMatchObject({ encrypts: false, description: 'Windows DPAPI: PowerShell (powershell.exe or pwsh) not found on PATH, so DPAPI cannot be used' });
  });

  it('sign-out removes the key file', async () => {
    addPowerShellStandIn(bin);
    const store = await open();
    expect(fs.existsSync(keyFile())).toBe(true);
    await store.clear?.();
    expect(fs.existsSync(keyFile())).toBe(false);
  });
});

describe('the platform chooser', () => {
  it('picks secret-tool on Linux, `security` on macOS, PowerShell DPAPI on Windows, and memory elsewhere', async () => {
    bin.addSecretTool();
    const security = addSecurityStandIn(bin);
    const ps = addPowerShellStandIn(bin);
    const env = { PATH: bin.path };
    expect((await openCliSecretStore(env, { platform: 'linux', dir })).description).toBe('libsecret (secret-tool)');
    expect((await openCliSecretStore(env, { platform: 'darwin', dir })).description).toBe('macOS Keychain (security)');
    expect((await openCliSecretStore(env, { platform: 'win32', dir })).description).toBe('Windows DPAPI (powershell.exe)');
    expect(await openCliSecretStore(env, { platform: 'freebsd', dir })).toMatchObject({ encrypts: false, description: 'no OS encryption for freebsd in the CLI' });
    expect(security.calls().length).toBeGreaterThan(0);
    expect(ps.calls()).toHaveLength(1);
  });

  it('SWEEPDECK_AZURE_TOKEN_CACHE=memory wins on every platform, and no OS tool is run', async () => {
    const security = addSecurityStandIn(bin);
    const ps = addPowerShellStandIn(bin);
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      expect(await openCliSecretStore({ PATH: bin.path, SWEEPDECK_AZURE_TOKEN_CACHE: 'memory' }, { platform, dir })).toMatchObject({ encrypts: false });
    }
    expect(security.calls()).toEqual([]);
    expect(ps.calls()).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
