// The token cache sealed with AES-256-GCM under a random 256-bit key that the OS keeps safe (the
// Linux keyring, the macOS Keychain or Windows DPAPI): one OS call per launch for the key, none
// per cache write, and the same file format on every platform.
import crypto from 'node:crypto';
import type { SecretStore } from './secretStore.ts';

const MAGIC = Buffer.from('SDK1');
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A new random key, base64 (what the OS stores: printable, no quoting trouble). */
export function newCacheKey(): string {
  return crypto.randomBytes(32).toString('base64');
}

/** The key from its base64 text, or undefined when it is not a 256-bit key. */
export function parseCacheKey(b64: string): Buffer | undefined {
  const text = b64.trim();
  if (!BASE64.test(text)) return undefined;
  const key = Buffer.from(text, 'base64');
  return key.length === 32 ? key : undefined;
}

export function keySealedStore(key: Buffer, description: string, clear: () => Promise<void>): SecretStore {
  return {
    description,
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
    clear,
  };
}
