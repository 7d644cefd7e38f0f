// `sweepdeck azure whoami [--json]`: the account, tenant, cloud and the link of the credential
// chain that answered. Never prints a token.
import { print } from '../terminalText.ts';
import { parseCli, printedHelp } from '../cliSupport.ts';
import { caFromEnv, signInFailed, timeoutFromEnv } from './azureCli.ts';

const USAGE = `Usage: sweepdeck azure whoami [--json]

Gets one Azure Resource Manager token through Sweepdeck's credential chain (the account signed in
with \`sweepdeck azure login\`, then the service principal in AZURE_*, workload/managed identity on
Azure compute, Azure CLI, Azure Developer CLI, Azure PowerShell) and says who it is for.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCli(
    { args: argv, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } }, allowPositionals: false, strict: true },
    USAGE,
  );
  if (printedHelp(values, USAGE)) return 0;
  const { currentSignIn } = await import('../../core/azure/signInStatus.ts');
  try {
    const s = await currentSignIn({ env: process.env, timeoutMs: timeoutFromEnv(), ca: await caFromEnv() });
    if (values.json) {
      print(JSON.stringify({ ok: true, link: s.link, account: s.account ?? null, tenantId: s.tenantId ?? null, cloud: s.cloud, authorityHost: s.authorityHost, armEndpoint: s.armEndpoint, tokenCache: s.tokenCache ?? null, notice: s.notice ?? null }, null, 2));
      return 0;
    }
    const lines = [`signed in through: ${s.link}`, `account: ${s.account ?? 'unknown'}`, `tenant: ${s.tenantId ?? 'unknown'}`, `cloud: ${s.cloud} (${s.authorityHost})`];
    if (s.tokenCache) lines.push(`token cache: ${s.tokenCache}`);
    if (s.notice) lines.push(`note: ${s.notice}`);
    print(lines.join('\n'));
    return 0;
  } catch (err) {
    return await signInFailed('whoami', err, values.json);
  }
}
