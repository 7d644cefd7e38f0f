// `sweepdeck azure logout`: forgets the account signed in inside Sweepdeck (record, token cache,
// keyring key). Azure CLI and the other links of the chain are not touched.
import { print } from '../terminalText.ts';
import path from 'node:path';
import { CliError, parseCli, printedHelp } from '../cliSupport.ts';

const USAGE = `Usage: sweepdeck azure logout

Removes the account signed in with \`sweepdeck azure login\`: its record, its encrypted token cache
and the cache's key in the keyring. (\`az logout\` signs out of the Azure CLI.)`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCli({ args: argv, options: { help: { type: 'boolean', short: 'h', default: false } }, allowPositionals: false, strict: true }, USAGE);
  if (printedHelp(values, USAGE)) return 0;
  const { openAccountSession, accountDirFromEnv } = await import('../../core/azure/accountLink.ts');
  let session;
  try {
    session = await openAccountSession({ env: process.env });
  } catch (err) {
    // A damaged record must not block signing out: remove what is there.
    const dir = accountDirFromEnv(process.env);
    if (!dir) throw new CliError((err as Error).message);
    const [{ RECORD_FILE, removeFile }, { CACHE_FILE }] = await Promise.all([import('../../core/azure/accountRecord.ts'), import('../../core/azure/tokenCachePlugin.ts')]);
    removeFile(path.join(dir, RECORD_FILE));
    removeFile(path.join(dir, CACHE_FILE));
    print(`Removed the damaged Azure account record and token cache in ${dir}.`);
    return 0;
  }
  const who = session.record?.username;
  await session.signOut();
  print(who ? `Signed out ${who}: the account record and token cache are removed.` : 'Nobody was signed in inside Sweepdeck; nothing to remove.');
  return 0;
}
