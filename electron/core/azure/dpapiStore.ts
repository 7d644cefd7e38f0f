// The Windows CLI's token-cache key protected by DPAPI (CurrentUser scope) through PowerShell's
// access to .NET's ProtectedData: only this Windows user on this machine can unprotect it. The
// protected key is kept in a file of the data folder; no file means no key yet. The script, and
// the key inside it, reach PowerShell on stdin (`-Command -`), never on its command line.
import fs from 'node:fs';
import path from 'node:path';
import { removeFile, writePrivateFile } from './accountRecord.ts';
import { memoryOnlyStore, type SecretStore } from './secretStore.ts';
import { keySealedStore, newCacheKey, parseCacheKey } from './keySealedStore.ts';
import { findOnPath, firstLine, runOsTool, type EnvLike, type ToolResult } from './osTool.ts';

export const DPAPI_KEY_FILE = 'token-cache-key.dpapi';
/** Windows PowerShell 5.1 ships with Windows; PowerShell 7 (`pwsh`) is the fallback. */
const SHELLS = ['powershell.exe', 'pwsh.exe', 'pwsh'];
export const POWERSHELL_ARGS = ['-NoProfile', '-NonInteractive', '-Command', '-'];
const OK = 'SWEEPDECK-OK:';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const WHAT_TO_DO = 'check that PowerShell can run .NET code for this user (a Constrained Language policy forbids it), or set SWEEPDECK_AZURE_TOKEN_CACHE=memory to stop trying';

/**
 * The PowerShell input for Protect or Unprotect of base64 `data`. With `-Command -` PowerShell
 * runs stdin statement by statement, like a prompt: one `& { ... }` statement on one line, then an
 * empty line, runs as a whole. Success is the OK marker on stdout (a statement that did not parse
 * still exits 0, so the exit code alone proves nothing).
 */
export function dpapiScript(op: 'Protect' | 'Unprotect', data: string): string {
  if (!BASE64.test(data)) throw new Error('DPAPI input must be base64');
  const pd = '[System.Security.Cryptography.ProtectedData]';
  const body = [
    // Windows PowerShell 5.1 loads ProtectedData on demand; PowerShell 7 has it already.
    `if (-not ('System.Security.Cryptography.ProtectedData' -as [type])) { Add-Type -AssemblyName System.Security }`,
    `$out = ${pd}::${op}([Convert]::FromBase64String('${data}'), $null, [System.Security.Cryptography.DataProtectionScope]::CurrentUser)`,
    `[Console]::Out.Write('${OK}' + [Convert]::ToBase64String($out))`,
  ].join('; ');
  return `& { try { ${body} } catch { [Console]::Error.WriteLine($_.Exception.Message); exit 3 } }\n\n`;
}

/** Windows PowerShell where Windows installs it, for an environment whose PATH lost it. */
function windowsPowerShellInSystemRoot(env: EnvLike): { file: string; name: string } | undefined {
  const key = Object.keys(env).find((k) => k.toUpperCase() === 'SYSTEMROOT');
  const root = key ? env[key] : undefined;
  if (!root) return undefined;
  const file = path.join(root, 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe');
  return fs.existsSync(file) ? { file, name: 'powershell.exe' } : undefined;
}

/** A SecretStore whose key is protected by DPAPI in `dir`, or a memory-only one saying why. */
export async function openDpapiStore(env: EnvLike, dir: string): Promise<SecretStore> {
  let shell: { file: string; name: string } | undefined;
  for (const name of SHELLS) {
    const file = findOnPath(name, env);
    if (file) {
      shell = { file, name };
      break;
    }
  }
  shell ??= windowsPowerShellInSystemRoot(env);
  if (!shell) return memoryOnlyStore('Windows DPAPI: PowerShell (powershell.exe or pwsh) not found on PATH, so DPAPI cannot be used');
  const { file, name } = shell;

  /** Base64 out of Protect/Unprotect of base64 in, or the problem. */
  const dpapi = async (op: 'Protect' | 'Unprotect', data: string): Promise<{ data: string } | { problem: string }> => {
    const r: ToolResult = await runOsTool({ file, name, args: POWERSHELL_ARGS, input: dpapiScript(op, data), env, noAnswerHint: 'PowerShell stuck or blocked?' });
    if (r.failure) return { problem: `Windows DPAPI: ${r.failure}; ${WHAT_TO_DO}` };
    const m = new RegExp(`${OK}([A-Za-z0-9+/]+={0,2})`).exec(r.stdout);
    if (r.code === 0 && m?.[1]) return { data: m[1] };
    const said = firstLine(r.stderr).split(data).join('<redacted>');
    return { problem: `Windows DPAPI: ${name} could not ${op.toLowerCase()} the key (exit ${r.code}${said ? `: ${said}` : ''}); ${WHAT_TO_DO}` };
  };

  const keyFile = path.join(dir, DPAPI_KEY_FILE);
  let sealed: Buffer | undefined;
  try {
    sealed = fs.readFileSync(keyFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return memoryOnlyStore(`Windows DPAPI: cannot read ${keyFile} (${(err as Error).message}); fix its permissions or delete it`);
  }

  let key: Buffer | undefined;
  if (sealed?.length === 0) return memoryOnlyStore(`Windows DPAPI: ${keyFile} is empty (an interrupted write?); delete it and sign in again`);
  if (sealed) {
    const opened = await dpapi('Unprotect', sealed.toString('base64'));
    // The file stays as it is: it may be another Windows user's, or a profile restored later.
    if ('problem' in opened) return memoryOnlyStore(`${opened.problem}; if ${keyFile} is damaged or from another user, delete it and sign in again`);
    key = parseCacheKey(opened.data);
    if (!key) return memoryOnlyStore(`Windows DPAPI: ${keyFile} does not hold a 256-bit key; delete it and sign in again`);
  } else {
    // The key's 32 bytes are what DPAPI protects (base64 is only how they travel).
    const keyB64 = newCacheKey();
    const protectedKey = await dpapi('Protect', keyB64);
    if ('problem' in protectedKey) return memoryOnlyStore(protectedKey.problem);
    try {
      // Mode 0600 on POSIX; on Windows the folder's ACL (the user's own profile) is what guards it.
      writePrivateFile(keyFile, Buffer.from(protectedKey.data, 'base64'));
    } catch (err) {
      return memoryOnlyStore(`Windows DPAPI: cannot write ${keyFile} (${(err as Error).message}); check that the data folder is writable`);
    }
    key = parseCacheKey(keyB64);
  }
  if (!key) return memoryOnlyStore('Windows DPAPI: a new key is not 256 bits');
  return keySealedStore(key, `Windows DPAPI (${name})`, async () => removeFile(keyFile));
}
