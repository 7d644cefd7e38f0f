// What the `sweepdeck azure ...` commands share: the credential source and the discovery options
// from the environment. cliCredentialSource is the one place to swap the service principal for the
// sign-in chain's CredentialSource.
import type { CredentialSource } from '../core/azure/authTypes.ts';
import { AzureSetupError } from '../core/azure/azureErrors.ts';
import { Discovery } from '../core/azure/discovery.ts';
import { servicePrincipalSource } from '../core/azure/servicePrincipalSource.ts';
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

/** The credentials the azure commands use (today: the service principal in AZURE_TENANT_ID /
 * AZURE_CLIENT_ID / AZURE_CLIENT_SECRET). */
export function cliCredentialSource(env: EnvLike): CredentialSource {
  try {
    const timeoutMs = azureTimeoutMs(env);
    return servicePrincipalSource(env, timeoutMs !== undefined ? { timeoutMs } : {});
  } catch (err) {
    if (err instanceof AzureSetupError) throw new CliError(err.message, 1);
    throw err;
  }
}

export function cliDiscovery(env: EnvLike): Discovery {
  const timeoutMs = azureTimeoutMs(env);
  return new Discovery({ credentials: cliCredentialSource(env), ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
}

