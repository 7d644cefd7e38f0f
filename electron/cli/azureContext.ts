// What the `sweepdeck azure ...` commands share: the credential source (the sign-in chain) and the
// discovery options from the environment.
import type { CredentialSource } from '../core/azure/authTypes.ts';
import { AzureSetupError } from '../core/azure/azureErrors.ts';
import { Discovery } from '../core/azure/discovery.ts';
import { credentialSourceFromEnv } from '../core/azure/envCredentialSource.ts';
import { CliError } from './cliSupport.ts';

type EnvLike = Record<string, string | undefined>;

/** Per-request deadline: SWEEPDECK_AZURE_TIMEOUT_MS, else the default. */
export function azureTimeoutMs(env: EnvLike): number | undefined {
  const raw = env.SWEEPDECK_AZURE_TIMEOUT_MS;
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`SWEEPDECK_AZURE_TIMEOUT_MS='${raw}' is not a positive number of milliseconds`);
  return n;
}

/** The credentials the azure commands use: the chain (signed-in account, service principal,
 * Azure CLI, ...). */
export async function cliCredentialSource(env: EnvLike): Promise<CredentialSource> {
  try {
    const timeoutMs = azureTimeoutMs(env);
    return await credentialSourceFromEnv(env, timeoutMs !== undefined ? { timeoutMs } : {});
  } catch (err) {
    if (err instanceof AzureSetupError) throw new CliError(err.message, 1);
    throw err;
  }
}

export async function cliDiscovery(env: EnvLike): Promise<Discovery> {
  const timeoutMs = azureTimeoutMs(env);
  return new Discovery({ credentials: await cliCredentialSource(env), ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
}

