// The Linux CLI's token-cache key kept in the desktop keyring through libsecret's `secret-tool`
// command (no native modules: @azure/msal-node-extensions would need the native `keytar` build).
// The key seals the cache file (keySealedStore.ts). A locked or missing keyring means memory only.
import { memoryOnlyStore, type SecretStore } from './secretStore.ts';
import { keySealedStore, newCacheKey, parseCacheKey } from './keySealedStore.ts';
import { findOnPath, runOsTool, type EnvLike, type ToolResult } from './osTool.ts';

const ATTRS = ['service', 'sweepdeck', 'purpose', 'azure-token-cache-key'];

/** A SecretStore backed by the keyring, or a memory-only one (with the reason). */
export async function openSecretToolStore(env: EnvLike): Promise<SecretStore> {
  const file = findOnPath('secret-tool', env);
  if (!file) return memoryOnlyStore('libsecret secret-tool not found');
  const run = (args: string[], input?: string): Promise<ToolResult> =>
    runOsTool({ file, name: 'secret-tool', args, env, noAnswerHint: 'keyring locked or not running?', ...(input !== undefined ? { input } : {}) });
  const found = await run(['lookup', ...ATTRS]);
  if (found.failure) return memoryOnlyStore(found.failure);
  let keyB64 = found.code === 0 ? found.stdout.trim() : '';
  if (!keyB64) {
    keyB64 = newCacheKey();
    const stored = await run(['store', '--label=Sweepdeck Azure token cache key', ...ATTRS], keyB64);
    if (stored.failure || stored.code !== 0) return memoryOnlyStore(stored.failure ?? `secret-tool store failed (exit ${stored.code}); is a keyring unlocked?`);
  }
  const key = parseCacheKey(keyB64);
  if (!key) return memoryOnlyStore('the keyring entry for Sweepdeck is not a 256-bit key');
  return keySealedStore(key, 'libsecret (secret-tool)', async () => {
    await run(['clear', ...ATTRS]);
  });
}
