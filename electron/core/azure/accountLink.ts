// Opens the signed-in account for headless use (CLI, `tracking setup`, `sweep run`): the record
// and token cache in the data folder's `azure/`, encrypted by the OS when it can (cliSecretStore.ts).
import path from 'node:path';
import { defaultDataDir } from '../platform/dataDir.ts';
import type { AzureCloudName } from './authTypes.ts';
import { readAccountRecord } from './accountRecord.ts';
import { AzureSetupError } from './azureErrors.ts';
import { AccountSession } from './accountSession.ts';
import type { TokenCredential } from '@azure/core-auth';
import type { SecretStore } from './secretStore.ts';
import { openCliSecretStore } from './cliSecretStore.ts';

type EnvLike = Record<string, string | undefined>;

/**
 * `<data folder>/azure`. An environment naming no home or data folder at all (a synthetic one,
 * as tests pass) has no signed-in account: the real user's sign-in is never picked up by accident.
 */
export function accountDirFromEnv(env: EnvLike): string | undefined {
  if (!env.SWEEPDECK_DATA_DIR && !env.XDG_DATA_HOME && !env.HOME && !env.APPDATA) return undefined;
  return path.join(defaultDataDir(env), 'azure');
}

export interface OpenAccountOptions {
  env: EnvLike;
  /** Default accountDirFromEnv(env). */
  dir?: string;
  cloud?: AzureCloudName;
  clientId?: string;
  timeoutMs?: number;
  ca?: string | undefined;
  /** Default: the CLI's (the OS's keyring, Keychain or DPAPI, else memory only). The app passes safeStorage. */
  secretStore?: SecretStore;
}

export async function openAccountSession(opts: OpenAccountOptions): Promise<AccountSession> {
  const dir = opts.dir ?? accountDirFromEnv(opts.env);
  if (!dir) throw new Error('no data folder: set SWEEPDECK_DATA_DIR (or HOME) so the Azure sign-in has somewhere to live');
  return new AccountSession({
    dir,
    secretStore: opts.secretStore ?? (await openCliSecretStore(opts.env, { dir })),
    env: opts.env,
    ...(opts.cloud ? { cloud: opts.cloud } : {}),
    ...(opts.clientId ? { clientId: opts.clientId } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.ca ? { ca: opts.ca } : {}),
  });
}

/** The app's one live session (see shareAppAccountSession), or undefined in the CLI. */
let appSession: AccountSession | undefined;

/**
 * The app keeps one session for its whole run: with no OS encryption its tokens exist only in that
 * session's memory. Lookups in the same process that name no folder of their own (tracking setup
 * for the app's sweeps, the status bar's chain) then use it instead of opening a second one.
 */
export function shareAppAccountSession(session: AccountSession | undefined): void {
  appSession = session;
}

/** The signed-in account as the chain's first link, or undefined when nobody signed in (no keyring touched then). */
export async function signedInAccountCredential(
  opts: OpenAccountOptions,
): Promise<{ credential: TokenCredential; cloud: AzureCloudName; session: AccountSession } | undefined> {
  if (appSession && !opts.dir) return appSession.record ? { credential: appSession.credential, cloud: appSession.cloud, session: appSession } : undefined;
  const dir = opts.dir ?? accountDirFromEnv(opts.env);
  if (!dir) return undefined;
  try {
    if (!readAccountRecord(dir)) return undefined;
  } catch (err) {
    // A damaged record is not a refused token: say which file and what to do.
    throw new AzureSetupError('NO_CREDENTIAL', (err as Error).message);
  }
  const session = await openAccountSession({ ...opts, dir });
  return { credential: session.credential, cloud: session.cloud, session };
}
