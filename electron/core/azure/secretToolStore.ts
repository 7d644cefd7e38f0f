// The CLI's token-cache encryption without native modules: a random key kept in the desktop
// keyring through libsecret's `secret-tool` command, and AES-256-GCM with that key for the cache
// file. (@azure/msal-node-extensions would need the native `keytar` build.) Every keyring call
// has a deadline: a locked or missing keyring means "no OS encryption", never a hang.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { memoryOnlyStore, type SecretStore } from './secretStore.ts';

type EnvLike = Record<string, string | undefined>;

const ATTRS = ['service', 'sweepdeck', 'purpose', 'azure-token-cache-key'];
const MAGIC = Buffer.from('SDK1');
const KEYRING_TIMEOUT_MS = 5_000;

interface ToolResult {
  code: number | null;
  stdout: string;
  failure?: string;
}

function runTool(tool: string, args: string[], input: string | undefined, env: EnvLike): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = execFile(tool, args, { timeout: KEYRING_TIMEOUT_MS, killSignal: 'SIGKILL', env: env as NodeJS.ProcessEnv, encoding: 'utf8' }, (err, stdout) => {
      const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: unknown }) | null;
      if (e?.killed) return resolve({ code: null, stdout: '', failure: `secret-tool gave no answer within ${KEYRING_TIMEOUT_MS} ms (keyring locked or not running?)` });
      if (e && typeof e.code === 'string') return resolve({ code: null, stdout: '', failure: `secret-tool could not run (${e.code})` });
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout });
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/** secret-tool on PATH, or undefined. */
export function findOnPath(name: string, env: EnvLike): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // Not in this folder: keep looking.
    }
  }
  return undefined;
}

/**
 * A SecretStore backed by the keyring, or a memory-only one (with the reason) when there is no
 * secret-tool, no keyring, or it does not answer. SWEEPDECK_AZURE_TOKEN_CACHE=memory forces memory.
 */
export async function openCliSecretStore(env: EnvLike = process.env): Promise<SecretStore> {
  if (env.SWEEPDECK_AZURE_TOKEN_CACHE?.trim().toLowerCase() === 'memory') return memoryOnlyStore('SWEEPDECK_AZURE_TOKEN_CACHE=memory');
  if (process.platform !== 'linux') return memoryOnlyStore(`no keyring support for ${process.platform} in the CLI yet`);
  const tool = findOnPath('secret-tool', env);
  if (!tool) return memoryOnlyStore('libsecret secret-tool not found');
  const found = await runTool(tool, ['lookup', ...ATTRS], undefined, env);
  if (found.failure) return memoryOnlyStore(found.failure);
  let keyB64 = found.code === 0 ? found.stdout.trim() : '';
  if (!keyB64) {
    keyB64 = crypto.randomBytes(32).toString('base64');
    const stored = await runTool(tool, ['store', '--label=Sweepdeck Azure token cache key', ...ATTRS], keyB64, env);
    if (stored.failure || stored.code !== 0) return memoryOnlyStore(stored.failure ?? `secret-tool store failed (exit ${stored.code}); is a keyring unlocked?`);
  }
  const key = Buffer.from(keyB64, 'base64');
  if (key.length !== 32) return memoryOnlyStore('the keyring entry for Sweepdeck is not a 256-bit key');
  return {
    description: 'libsecret (secret-tool)',
    encrypts: true,
    encrypt: async (plain) => {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([MAGIC, iv, cipher.getAuthTag(), body]);
    },
    decrypt: async (data) => {
      if (data.length < 32 || !data.subarray(0, 4).equals(MAGIC)) throw new Error('not a Sweepdeck encrypted cache');
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(4, 16));
      decipher.setAuthTag(data.subarray(16, 32));
      return Buffer.concat([decipher.update(data.subarray(32)), decipher.final()]).toString('utf8');
    },
    clear: async () => {
      await runTool(tool, ['clear', ...ATTRS], undefined, env);
    },
  };
}
