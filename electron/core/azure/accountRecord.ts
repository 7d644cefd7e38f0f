// The non-secret record of who signed in (like @azure/identity's AuthenticationRecord), kept in a
// file readable by the user only, so the next launch can sign in silently. No token ever goes here.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AZURE_CLOUDS } from './authTypes.ts';

export const accountRecordSchema = z.object({
  version: z.literal(1),
  cloud: z.enum(AZURE_CLOUDS),
  authorityHost: z.string().url(),
  /** The tenant signed in to (home tenant unless --tenant was given). */
  tenantId: z.string().min(1),
  clientId: z.string().min(1),
  /** msal's account key (objectId.tenantId), not a secret. */
  homeAccountId: z.string().min(1),
  username: z.string(),
  signedInVia: z.enum(['device code', 'browser']),
  signedInAt: z.string(),
});
export type AccountRecord = z.infer<typeof accountRecordSchema>;

export const RECORD_FILE = 'account.json';

/** The record, or undefined when nobody signed in. A malformed file is reported, not trusted. */
export function readAccountRecord(dir: string): AccountRecord | undefined {
  const file = path.join(dir, RECORD_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the Azure account record ${file}: ${(err as Error).message}`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`the Azure account record ${file} is not JSON; sign out (sweepdeck azure logout) and sign in again`);
  }
  const parsed = accountRecordSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`the Azure account record ${file} is not valid (${issue?.path.join('.') || 'root'}: ${issue?.message}); sign out (sweepdeck azure logout) and sign in again`);
  }
  return parsed.data;
}

export function writeAccountRecord(dir: string, record: AccountRecord): void {
  writePrivateFile(path.join(dir, RECORD_FILE), `${JSON.stringify(accountRecordSchema.parse(record), null, 2)}\n`);
}

/** Writes atomically (temp + rename) with mode 0600 in a 0700 folder. */
export function writePrivateFile(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function removeFile(file: string): void {
  fs.rmSync(file, { force: true });
}
