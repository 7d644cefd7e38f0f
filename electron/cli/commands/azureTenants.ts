// `sweepdeck azure tenants [--json]`: every tenant the signed-in identity reaches, each with
// whether a token for it comes without interaction. A tenant that demands MFA shows as
// "needs sign-in" with the command that signs in to it; none is dropped.
import { print } from '../terminalText.ts';
import { parseCli, printedHelp } from '../cliSupport.ts';
import { caFromEnv, signInFailed, timeoutFromEnv } from './azureCli.ts';

const USAGE = `Usage: sweepdeck azure tenants [--json]

Lists the tenants your Azure identity can reach (ARM Tenants - List) and whether Sweepdeck can get
a token for each without asking you. "needs sign-in": run sweepdeck azure login --tenant <id>.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCli(
    { args: argv, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } }, allowPositionals: false, strict: true },
    USAGE,
  );
  if (printedHelp(values, USAGE)) return 0;
  const [{ openCredentialSource }, { listTenants }] = await Promise.all([import('../../core/azure/signInStatus.ts'), import('../../core/azure/tenants.ts')]);
  const timeoutMs = timeoutFromEnv();
  const ca = await caFromEnv();
  try {
    const { source, chain } = await openCredentialSource({ env: process.env, timeoutMs, ca });
    // The first token picks the link; the tenants are then asked of that same link.
    await chain.getToken(source.endpoints.armScope);
    const tenants = await listTenants({ credentialFor: (t) => source.credentialFor(t), armEndpoint: source.endpoints.armEndpoint, armScope: source.endpoints.armScope, timeoutMs, ca });
    if (values.json) {
      print(JSON.stringify({ ok: true, link: chain.activeLink ?? null, tenants }, null, 2));
      return 0;
    }
    for (const t of tenants) {
      const name = [t.displayName, t.defaultDomain].filter(Boolean).join(', ');
      print(`${t.tenantId}  ${t.state.padEnd(13)} ${name}${t.state === 'needs sign-in' ? `  (sweepdeck azure login --tenant ${t.tenantId})` : ''}`);
    }
    return 0;
  } catch (err) {
    return await signInFailed('tenants', err, values.json);
  }
}
