// msal-node's token cache kept between launches, encrypted by the OS through a SecretStore. With
// no OS encryption the cache lives in memory only and no file is written at all (a plain-text
// token cache is exactly what users of other Azure tools complain about finding on disk).
import fs from 'node:fs';
import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import { removeFile, writePrivateFile } from './accountRecord.ts';
import type { SecretStore } from './secretStore.ts';

export const CACHE_FILE = 'token-cache.bin';

export interface EncryptedCachePlugin extends ICachePlugin {
  /** Why the last load or save did not happen, when it did not (for a one-line notice). */
  readonly problem: string | undefined;
  /** Deletes the file (sign-out). */
  clear(): void;
}

export function encryptedCachePlugin(file: string, store: SecretStore): EncryptedCachePlugin {
  let loaded = false;
  let problem: string | undefined;
  return {
    get problem() {
      return problem;
    },
    async beforeCacheAccess(ctx: TokenCacheContext): Promise<void> {
      // Loaded once per process: later changes are this process's own, already in memory.
      if (loaded || !store.encrypts) return;
      loaded = true;
      let data: Buffer;
      try {
        data = fs.readFileSync(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') problem = `cannot read the token cache ${file}: ${(err as Error).message}`;
        return;
      }
      try {
        ctx.tokenCache.deserialize(await store.decrypt(data));
      } catch (err) {
        // Another key (keyring reset) or a damaged file: start empty, the user signs in again.
        problem = `the token cache ${file} could not be decrypted (${(err as Error).message}); sign in again`;
      }
    },
    async afterCacheAccess(ctx: TokenCacheContext): Promise<void> {
      if (!ctx.cacheHasChanged || !store.encrypts) return;
      try {
        writePrivateFile(file, await store.encrypt(ctx.tokenCache.serialize()));
        problem = undefined;
      } catch (err) {
        problem = `the token cache could not be saved to ${file} (${(err as Error).message}); the sign-in lasts for this session only`;
      }
    },
    clear(): void {
      removeFile(file);
    },
  };
}
