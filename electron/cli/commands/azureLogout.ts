// `sweepdeck azure logout`: forgets the account signed in inside Sweepdeck (record, token cache,
// keyring key). Azure CLI and the other links of the chain are not touched.
import { parseCli, printedHelp } from '../cliSupport.ts';

const USAGE = `Usage: sweepdeck azure logout

Removes the account signed in with \`sweepdeck azure login\`: its record, its encrypted token cache
and the cache's key in the keyring. (\`az logout\` signs out of the Azure CLI.)`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCli({ args: argv, options: { help: { type: 'boolean', short: 'h', default: false } }, allowPositionals: false, strict: true }, USAGE);
  if (printedHelp(values, USAGE)) return 0;
  const { openAccountSession } = await import('../../core/azure/accountLink.ts');
  const session = await openAccountSession({ env: process.env });
  const who = session.record?.username;
  await session.signOut();
  console.log(who ? `Signed out ${who}: the account record and token cache are removed.` : 'Nobody was signed in inside Sweepdeck; nothing to remove.');
  return 0;
}
