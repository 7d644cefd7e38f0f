// What the `sweepdeck azure` subcommands share: settings from the environment and opening the
// signed-in account the same way `tracking setup` does.
import { spawn } from 'node:child_process';
import { CliError } from '../cliSupport.ts';
import { print, printError } from '../terminalText.ts';
import { isWithheldFromTrials } from '../../core/sweeps/trialEnv.ts';
import type { AzureCloudName } from '../../core/azure/authTypes.ts';
import { DEFAULT_TIMEOUT_MS } from '../../core/azure/endpoints.ts';

export function timeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SWEEPDECK_AZURE_TIMEOUT_MS;
  if (!raw) return DEFAULT_TIMEOUT_MS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`SWEEPDECK_AZURE_TIMEOUT_MS='${raw}' is not a positive number of milliseconds`);
  return n;
}

/** Extra root certificate(s) from SWEEPDECK_AZURE_CA_FILE (NODE_EXTRA_CA_CERTS works on its own). */
export async function caFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (!env.SWEEPDECK_AZURE_CA_FILE) return undefined;
  const { readCaFile } = await import('../../core/azure/tlsAdvice.ts');
  try {
    return readCaFile(env.SWEEPDECK_AZURE_CA_FILE);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/**
 * How `azure whoami` and `azure tenants` end when signing in fails: an AzureSetupError is reported
 * (as JSON too with --json) with exit 1; an unreadable account record is the user's to fix (exit 1);
 * anything else is rethrown.
 */
export async function signInFailed(command: string, err: unknown, json: boolean): Promise<number> {
  const { AzureSetupError } = await import('../../core/azure/azureErrors.ts');
  if (err instanceof AzureSetupError) {
    if (json) print(JSON.stringify({ ok: false, reasonCode: err.reasonCode, reason: err.message }, null, 2));
    printError(`sweepdeck azure ${command}: ${err.reasonCode}: ${err.message}`);
    return 1;
  }
  if (err instanceof Error && /account record/.test(err.message)) throw new CliError(err.message, 1);
  throw err;
}

export async function cloudOption(raw: string | undefined): Promise<AzureCloudName | undefined> {
  if (raw === undefined) return undefined;
  const { parseCloudName } = await import('../../core/azure/clouds.ts');
  try {
    return parseCloudName(raw, '--cloud');
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

/**
 * Prints the URL and tries the desktop's opener. `BROWSER` names another opener, `BROWSER=none`
 * only prints (SSH sessions, tests). A failing opener is fine: the URL is on screen.
 */
export async function printAndOpen(url: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  print(`Sign in with your browser: ${url}`);
  const browser = env.BROWSER?.trim();
  if (browser === 'none') return;
  const opener = browser || (process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open');
  await new Promise<void>((resolve) => {
    try {
      // The opener (a browser) gets none of the app's credentials: the same policy trials follow.
      const openerEnv = Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== undefined && !isWithheldFromTrials(k)));
      const child = spawn(opener, [url], { stdio: 'ignore', detached: true, env: openerEnv });
      child.on('error', () => {
        print(`(could not start ${opener}; open the URL above yourself)`);
        resolve();
      });
      child.on('spawn', () => {
        child.unref();
        resolve();
      });
    } catch {
      print(`(could not start ${opener}; open the URL above yourself)`);
      resolve();
    }
  });
}
