// The one place that picks the CLI's token-cache encryption for the platform (the app uses
// Electron's safeStorage instead): the Linux keyring through secret-tool, the macOS Keychain
// through `security`, Windows DPAPI through PowerShell. Elsewhere, or when the OS tool fails,
// the store is memory-only and nothing secret is written.
import path from 'node:path';
import { defaultDataDir } from '../platform/dataDir.ts';
import { openDpapiStore } from './dpapiStore.ts';
import { openKeychainStore } from './keychainStore.ts';
import type { EnvLike } from './osTool.ts';
import { memoryOnlyStore, type SecretStore } from './secretStore.ts';
import { openSecretToolStore } from './secretToolStore.ts';

export interface CliSecretStoreOptions {
  /** Default process.platform; tests name one instead of faking the global. */
  platform?: NodeJS.Platform;
  /** The account folder (`<data folder>/azure`), where Windows keeps its DPAPI-protected key. */
  dir?: string;
}

/** SWEEPDECK_AZURE_TOKEN_CACHE=memory forces memory only on every platform. */
export async function openCliSecretStore(env: EnvLike = process.env, opts: CliSecretStoreOptions = {}): Promise<SecretStore> {
  if (env.SWEEPDECK_AZURE_TOKEN_CACHE?.trim().toLowerCase() === 'memory') return memoryOnlyStore('SWEEPDECK_AZURE_TOKEN_CACHE=memory');
  const platform = opts.platform ?? process.platform;
  switch (platform) {
    case 'linux':
      return openSecretToolStore(env);
    case 'darwin':
      return openKeychainStore(env);
    case 'win32':
      return openDpapiStore(env, opts.dir ?? path.join(defaultDataDir(env), 'azure'));
    default:
      return memoryOnlyStore(`no OS encryption for ${platform} in the CLI`);
  }
}
