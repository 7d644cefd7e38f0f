// The macOS CLI's token-cache key kept in the login Keychain as a generic password, through
// Apple's own `security` tool. The key is read with `find-generic-password -w` (printed on stdout)
// and written through `security -i`, which reads its command line from stdin: passed as an
// argument (`-w KEY`) the key would show in every process listing.
import { memoryOnlyStore, type SecretStore } from './secretStore.ts';
import { keySealedStore, newCacheKey, parseCacheKey } from './keySealedStore.ts';
import { findOnPath, firstLine, runOsTool, type EnvLike, type ToolResult } from './osTool.ts';

const SERVICE = 'sweepdeck';
const ACCOUNT = 'azure-token-cache-key';
const LABEL = 'Sweepdeck Azure token cache key';
/** `security` exits with the low byte of the OSStatus: errSecItemNotFound (-25300) gives 44. */
export const SECURITY_ITEM_NOT_FOUND = 44;
const WHAT_TO_DO = 'unlock the login keychain (Keychain Access, or `security unlock-keychain`), or set SWEEPDECK_AZURE_TOKEN_CACHE=memory to stop trying';

/**
 * One line for `security -i`: each argument in double quotes, with `\` and `"` escaped by a
 * backslash (how its line splitter reads quotes and escapes). A line break would end the command
 * and start another, so it is refused.
 */
export function securityInteractiveLine(args: string[]): string {
  for (const a of args) {
    if (/[\r\n\0]/.test(a)) throw new Error('a `security -i` argument cannot hold a line break or NUL');
  }
  return args.map((a) => `"${a.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(' ');
}

/** Never let the key into a message, even if a tool echoes what it was given. */
function scrub(text: string, secret: string): string {
  return secret ? text.split(secret).join('<redacted>') : text;
}

function failureText(step: string, r: ToolResult, secret = ''): string {
  if (r.failure) return `macOS Keychain: ${r.failure}; ${WHAT_TO_DO}`;
  const said = scrub(firstLine(r.stderr), secret);
  return `macOS Keychain: \`security ${step}\` failed (exit ${r.code}${said ? `: ${said}` : ''}); ${WHAT_TO_DO}`;
}

/** A SecretStore whose key lives in the Keychain, or a memory-only one saying why. */
export async function openKeychainStore(env: EnvLike): Promise<SecretStore> {
  const file = findOnPath('security', env);
  if (!file) return memoryOnlyStore('macOS `security` tool not found on PATH (it is /usr/bin/security): the Keychain cannot be used');
  const run = (args: string[], input?: string): Promise<ToolResult> =>
    runOsTool({ file, name: 'security', args, env, noAnswerHint: 'keychain locked, or waiting for a password dialog?', ...(input !== undefined ? { input } : {}) });
  const item = ['-s', SERVICE, '-a', ACCOUNT];

  /** The stored key's text, '' when there is none, or the failure. */
  const read = async (): Promise<{ text: string } | { problem: string }> => {
    const r = await run(['find-generic-password', ...item, '-w']);
    if (r.code === 0) return { text: r.stdout.trim() };
    if (r.code === SECURITY_ITEM_NOT_FOUND) return { text: '' };
    return { problem: failureText('find-generic-password', r) };
  };

  const found = await read();
  if ('problem' in found) return memoryOnlyStore(found.problem);
  let keyB64 = found.text;
  if (!keyB64) {
    keyB64 = newCacheKey();
    // -U: replace an item another Sweepdeck made meanwhile, rather than fail as a duplicate.
    const line = securityInteractiveLine(['add-generic-password', '-U', ...item, '-l', LABEL, '-w', keyB64]);
    const added = await run(['-i'], `${line}\n`);
    if (added.failure || added.code !== 0) return memoryOnlyStore(failureText('add-generic-password', added, keyB64));
    // Read it back: a key that cannot be read next launch would make the cache unreadable then.
    const back = await read();
    if ('problem' in back) return memoryOnlyStore(back.problem);
    if (back.text !== keyB64) return memoryOnlyStore(`macOS Keychain: the key Sweepdeck stored could not be read back from the Keychain; ${WHAT_TO_DO}`);
  }
  const key = parseCacheKey(keyB64);
  if (!key) {
    return memoryOnlyStore(
      `macOS Keychain: the item "${SERVICE}" / "${ACCOUNT}" does not hold a 256-bit key; delete it (\`security delete-generic-password -s ${SERVICE} -a ${ACCOUNT}\`) and sign in again`,
    );
  }
  return keySealedStore(key, 'macOS Keychain (security)', async () => {
    const r = await run(['delete-generic-password', ...item]);
    if (r.code === 0 || r.code === SECURITY_ITEM_NOT_FOUND) return;
    throw new Error(`${failureText('delete-generic-password', r)}; or delete the item "${SERVICE}" / "${ACCOUNT}" in Keychain Access`);
  });
}
