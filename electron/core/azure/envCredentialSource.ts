// The credential source every headless caller uses (azure commands, sync, tracking setup's chosen
// tenant): the sign-in chain built from the environment, with the extra roots from
// SWEEPDECK_AZURE_CA_FILE. One function, so the CLI and the mirror never fall back to a narrower
// service-principal-only path.
import type { CredentialSource } from './authTypes.ts';
import { openCredentialSource } from './signInStatus.ts';
import { readCaFile } from './tlsAdvice.ts';

type EnvLike = Record<string, string | undefined>;

export async function credentialSourceFromEnv(env: EnvLike, opts: { ca?: string; timeoutMs?: number } = {}): Promise<CredentialSource> {
  const ca = opts.ca ?? (env.SWEEPDECK_AZURE_CA_FILE ? readCaFile(env.SWEEPDECK_AZURE_CA_FILE) : undefined);
  const { source } = await openCredentialSource({ env, ca, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) });
  return source;
}
