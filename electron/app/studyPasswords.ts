// Passwords of PostgreSQL study URLs opened in the app. The registry keeps each URL without its
// password; a password typed into the URL is kept here, encrypted by the OS (Electron safeStorage,
// else the CLI's store for the platform, core/azure/cliSecretStore.ts) in study-passwords.json, or
// only in memory for this session when the OS offers no encryption. URLs without one rely on
// PGPASSWORD or ~/.pgpass, which the database client reads itself. No password leaves this module
// except inside a connection string.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { SecretStore } from '../core/azure/secretStore.ts';
import { ownerOnly } from './appState.ts';

const fileSchema = z.object({ version: z.literal(1), passwords: z.record(z.string(), z.string()) });

export interface KeptPassword {
  /** Where it is kept: encrypted on disk, or in memory until the app quits. */
  kept: 'encrypted' | 'memory';
  /** What the user should know (memory only), or null. */
  notice: string | null;
}

export class StudyPasswords {
  readonly file: string;
  private readonly memory = new Map<string, string>();
  private store: Promise<SecretStore> | undefined;

  constructor(
    dataDir: string,
    private readonly openStore: () => Promise<SecretStore>,
  ) {
    this.file = path.join(dataDir, 'study-passwords.json');
  }

  private secretStore(): Promise<SecretStore> {
    this.store ??= this.openStore();
    return this.store;
  }

  private readFile(): Record<string, string> {
    if (!existsSync(this.file)) return {};
    try {
      return fileSchema.parse(JSON.parse(readFileSync(this.file, 'utf8'))).passwords;
    } catch (e) {
      // Never echo the content: it is ciphertext of passwords.
      console.error(`sweepdeck: ${this.file} could not be read (${(e as Error).name}); study URLs whose password it held need it again (Open study with the password in the URL, PGPASSWORD or ~/.pgpass).`);
      return {};
    }
  }

  private writeFile(passwords: Record<string, string>): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, passwords }, null, 2), { mode: 0o600 });
    ownerOnly(tmp);
    renameSync(tmp, this.file);
  }

  /** Keeps the password of the study URL `redacted` (the URL without it). */
  async remember(redacted: string, password: string): Promise<KeptPassword> {
    this.memory.set(redacted, password);
    const store = await this.secretStore();
    if (!store.encrypts) {
      return {
        kept: 'memory',
        notice: `No OS encryption is available (${store.description}), so the password of ${redacted} is kept in memory only: give it again after a restart, or use PGPASSWORD or ~/.pgpass.`,
      };
    }
    const all = this.readFile();
    all[redacted] = (await store.encrypt(password)).toString('base64');
    this.writeFile(all);
    return { kept: 'encrypted', notice: null };
  }

  /** The password kept for the URL, or null (the client then uses PGPASSWORD or ~/.pgpass). */
  async passwordFor(redacted: string): Promise<string | null> {
    const inMemory = this.memory.get(redacted);
    if (inMemory !== undefined) return inMemory;
    const sealed = this.readFile()[redacted];
    if (sealed === undefined) return null;
    const store = await this.secretStore();
    if (!store.encrypts) return null;
    try {
      const plain = await store.decrypt(Buffer.from(sealed, 'base64'));
      this.memory.set(redacted, plain);
      return plain;
    } catch (e) {
      console.error(`sweepdeck: the kept password of ${redacted} could not be decrypted (${(e as Error).name}); open the study again with the password in the URL, or use PGPASSWORD or ~/.pgpass.`);
      return null;
    }
  }

  /** The URL to connect with: `redacted` with its kept password put back, if there is one. */
  async connectionString(redacted: string): Promise<string> {
    const pw = await this.passwordFor(redacted);
    if (pw === null) return redacted;
    const u = new URL(redacted);
    u.password = encodeURIComponent(pw);
    return u.href;
  }

  /** Replaces every kept password in a text with ***: a last guard for messages from libraries. */
  scrub(text: string): string {
    let out = text;
    for (const pw of this.memory.values()) if (pw) out = out.split(pw).join('***').split(encodeURIComponent(pw)).join('***');
    return out;
  }

  forget(redacted: string): void {
    this.memory.delete(redacted);
    const all = this.readFile();
    if (!(redacted in all)) return;
    delete all[redacted];
    this.writeFile(all);
  }
}
