// Where the token cache's encryption comes from, and that a missing, broken or hanging keyring
// means "memory only" (with the reason), never a hang or a refusal to start.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { safeStorageSecretStore, type SafeStorageLike } from '../../electron/core/azure/secretStore.ts';
import { openCliSecretStore } from '../../electron/core/azure/cliSecretStore.ts';
import { makeStandInBin, type StandInBin } from '../support/azureCliStandIn.ts';

let bin: StandInBin;
beforeEach(() => {
  bin = makeStandInBin();
});
afterEach(() => bin.remove());

function fakeSafeStorage(backend: string, available = true): SafeStorageLike {
  return {
    isEncryptionAvailable: () => available,
    encryptString: (s) => Buffer.from(`enc:${Buffer.from(s).toString('base64')}`),
    decryptString: (b) => Buffer.from(b.toString().slice(4), 'base64').toString(),
    getSelectedStorageBackend: () => backend,
  };
}

describe('Electron safeStorage', () => {
  it('is used when it really encrypts', async () => {
    const store = safeStorageSecretStore(fakeSafeStorage('gnome_libsecret'), 'linux');
    expect(store).toMatchObject({ encrypts: true, description: 'Electron safeStorage (gnome_libsecret)' });
    expect(await store.decrypt(await store.encrypt('cache'))).toBe('cache');
  });

  it('basic_text (a key baked into Chromium) and unavailable encryption count as no OS encryption', () => {
    expect(safeStorageSecretStore(fakeSafeStorage('basic_text'), 'linux')).toMatchObject({ encrypts: false, description: 'Electron safeStorage unavailable (backend basic_text)' });
    expect(safeStorageSecretStore(fakeSafeStorage('', false), 'darwin').encrypts).toBe(false);
  });
});

describe('the CLI keyring through secret-tool', () => {
  it('no secret-tool: memory only, saying so', async () => {
    expect(await openCliSecretStore({ PATH: bin.path })).toMatchObject({ encrypts: false, description: 'libsecret secret-tool not found' });
  });

  it('SWEEPDECK_AZURE_TOKEN_CACHE=memory forces memory only', async () => {
    bin.addSecretTool();
    expect((await openCliSecretStore({ PATH: bin.path, SWEEPDECK_AZURE_TOKEN_CACHE: 'memory' })).encrypts).toBe(false);
  });

  it('a keyring: the key is made once and reused; what one opening encrypts the next decrypts; tampering is refused', async () => {
    bin.addSecretTool();
    const a = await openCliSecretStore({ PATH: bin.path });
    expect(a).toMatchObject({ encrypts: true, description: 'libsecret (secret-tool)' });
    const sealed = await a.encrypt('{"RefreshToken":{}}');
    expect(sealed.toString('latin1')).not.toContain('RefreshToken');
    const b = await openCliSecretStore({ PATH: bin.path });
    expect(await b.decrypt(sealed)).toBe('{"RefreshToken":{}}');
    sealed[sealed.length - 1] = (sealed[sealed.length - 1] ?? 0) ^ 1;
    await expect(b.decrypt(sealed)).rejects.toThrow();
  });

  it('a keyring that never answers (locked, no D-Bus): memory only after the deadline, not a hang', async () => {
    fs.writeFileSync(path.join(bin.dir, 'secret-tool'), `#!${process.execPath}\nsetInterval(() => undefined, 1000);\n`, { mode: 0o755 });
    const store = await openCliSecretStore({ PATH: bin.path });
    expect(store).toMatchObject({ encrypts: false });
    expect(store.description).toMatch(/gave no answer within 5000 ms \(keyring locked or not running\?\)/);
  });

  it('a keyring that refuses to store: memory only with the reason', async () => {
    fs.writeFileSync(path.join(bin.dir, 'secret-tool'), `#!${process.execPath}\nprocess.exit(process.argv[2] === 'lookup' ? 1 : 3);\n`, { mode: 0o755 });
    expect((await openCliSecretStore({ PATH: bin.path })).description).toMatch(/secret-tool store failed \(exit 3\)/);
  });
});
