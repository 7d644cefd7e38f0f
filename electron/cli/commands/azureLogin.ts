// `sweepdeck azure login [--device-code] [--tenant ID] [--cloud NAME] [--client-id ID]`: signs a
// person in inside Sweepdeck (the first link of the credential chain). The browser way prints the
// URL and tries to open it; the device-code way prints the code and the URL to enter it at.
import { print, printError } from '../terminalText.ts';
import { CliError, parseCli, printedHelp } from '../cliSupport.ts';
import { caFromEnv, cloudOption, printAndOpen, timeoutFromEnv } from './azureCli.ts';

const USAGE = `Usage: sweepdeck azure login [--device-code] [--tenant ID] [--cloud AzureCloud|AzureChinaCloud|AzureUSGovernment] [--client-id ID]

Signs you in to Azure inside Sweepdeck; \`tracking setup\`, \`sweep run\` and the app then use this
account before any other credential.
  (default)         authorization code with PKCE in your browser, answer on http://localhost:<port>
  --device-code     prints a code to enter at the sign-in page from any device (no browser here)
  --tenant ID       directory (tenant) id or domain; default: your home tenant
  --cloud NAME      AzureCloud (default), AzureChinaCloud or AzureUSGovernment
  --client-id ID    your own app registration; default: the Azure CLI's public client id
  --timeout SECS    give up waiting after this long (default 300)
BROWSER=none only prints the URL.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCli(
    {
      args: argv,
      options: {
        'device-code': { type: 'boolean', default: false },
        tenant: { type: 'string' },
        cloud: { type: 'string' },
        'client-id': { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
      strict: true,
    },
    USAGE,
  );
  if (printedHelp(values, USAGE)) return 0;
  const cloud = await cloudOption(values.cloud);
  const tenant = values.tenant?.trim();
  if (tenant !== undefined && !/^[A-Za-z0-9][A-Za-z0-9.-]{0,253}$/.test(tenant)) {
    throw new CliError(`--tenant '${values.tenant}' is not a tenant id or domain; use the directory (tenant) GUID or e.g. contoso.onmicrosoft.com`);
  }
  let waitMs: number | undefined;
  if (values.timeout !== undefined) {
    const secs = Number(values.timeout);
    if (!Number.isFinite(secs) || secs <= 0) throw new CliError(`--timeout '${values.timeout}' is not a positive number of seconds`);
    waitMs = secs * 1000;
  }
  const [{ openAccountSession }, { SignInError }] = await Promise.all([import('../../core/azure/accountLink.ts'), import('../../core/azure/accountSession.ts')]);
  const session = await openAccountSession({
    env: process.env,
    ...(cloud ? { cloud } : {}),
    ...(values['client-id'] ? { clientId: values['client-id'] } : {}),
    timeoutMs: timeoutFromEnv(),
    ca: await caFromEnv(),
  }).catch((err: unknown) => {
    // A damaged account record: say which file and what to do.
    throw new CliError((err as Error).message, 1);
  });
  // Ctrl-C cancels the wait cleanly (the loopback server closes, device-code polling stops).
  const abort = new AbortController();
  const onSigint = (): void => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    const common = { ...(tenant ? { tenantId: tenant } : {}), signal: abort.signal, ...(waitMs ? { timeoutMs: waitMs } : {}) };
    const record = values['device-code']
      ? await session.signInWithDeviceCode({ ...common, onCode: (info) => print(info.message || `To sign in, open ${info.verificationUri} and enter the code ${info.userCode}`) })
      : await session.signInWithBrowser({ ...common, openBrowser: (url) => printAndOpen(url) });
    print(`Signed in as ${record.username} (tenant ${record.tenantId}, ${record.cloud}) through the ${record.signedInVia}.`);
    print(`Token cache: ${session.cacheDescription}`);
    if (session.notice) print(`Note: ${session.notice}`);
    return 0;
  } catch (err) {
    if (err instanceof SignInError) {
      printError(`sweepdeck azure login: ${err.message}`);
      return err.kind === 'cancelled' ? 130 : 1;
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
