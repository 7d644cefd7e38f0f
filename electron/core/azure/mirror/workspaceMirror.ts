// From "the chosen workspace" to the pieces sync and browsing need: the mirror file, the
// workspace's MLflow REST base (ARM), and the Azure-limited MLflow store. Without a credential
// from the caller, credentialFromEnvironment() gives the sign-in chain built from the environment.
import type { TokenCredential } from '@azure/core-auth';
import { AzureSetupError } from '../azureErrors.ts';
import { ARM_SCOPE, DEFAULT_ARM_ENDPOINT, DEFAULT_TIMEOUT_MS } from '../endpoints.ts';
import type { AzureFetchOptions } from '../azureFetch.ts';
import { openAzureMlflowStore } from '../azureMlflowStore.ts';
import type { WorkspaceRef } from '../workspace.ts';
import type { TrackingStore } from '../../tracking/types.ts';
import { MirrorDb, mirrorPathFor } from './mirrorDb.ts';
import { openBrowseStore, type BrowseStore } from './browseStore.ts';

type EnvLike = Record<string, string | undefined>;

/** The workspace chosen through AZURE_SUBSCRIPTION_ID / AZURE_RESOURCE_GROUP / AZURE_WORKSPACE_NAME. */
export function workspaceFromEnv(env: EnvLike): WorkspaceRef {
  const ref = {
    subscriptionId: env.AZURE_SUBSCRIPTION_ID?.trim() ?? '',
    resourceGroup: env.AZURE_RESOURCE_GROUP?.trim() ?? '',
    workspaceName: env.AZURE_WORKSPACE_NAME?.trim() ?? '',
  };
  const missing = (
    [
      ['AZURE_SUBSCRIPTION_ID', ref.subscriptionId],
      ['AZURE_RESOURCE_GROUP', ref.resourceGroup],
      ['AZURE_WORKSPACE_NAME', ref.workspaceName],
    ] as const
  )
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length) {
    throw new AzureSetupError('NOT_CONFIGURED', `no Azure ML workspace chosen: set ${missing.join(', ')} (the workspace's subscription id, resource group and name from the Azure portal), or choose one with \`sweepdeck azure use SUBSCRIPTION/RESOURCE_GROUP/WORKSPACE\``);
  }
  return ref;
}

/** The credential sync and browsing use: the sign-in chain from the environment. */
export async function credentialFromEnvironment(env: EnvLike, opts: { ca?: string; timeoutMs?: number } = {}): Promise<TokenCredential> {
  const { credentialSourceFromEnv } = await import('../envCredentialSource.ts');
  return (await credentialSourceFromEnv(env, opts)).credentialFor();
}

export interface ConnectOptions {
  ref: WorkspaceRef;
  credential: TokenCredential;
  env?: EnvLike;
  ca?: string;
  timeoutMs?: number;
  /** Passed to the Azure fetch (sleep, random, concurrency, signal, counters). */
  fetch?: AzureFetchOptions;
}

/** ARM lookup of the workspace, then its MLflow store with Azure's limits. */
export async function connectWorkspace(o: ConnectOptions): Promise<{ restBase: string; store: TrackingStore }> {
  const env = o.env ?? process.env;
  const { resolveWorkspace } = await import('../workspace.ts');
  const ws = await resolveWorkspace(o.ref, {
    credential: o.credential,
    armEndpoint: env.SWEEPDECK_AZURE_ARM_ENDPOINT || DEFAULT_ARM_ENDPOINT,
    scope: env.SWEEPDECK_AZURE_TOKEN_SCOPE || ARM_SCOPE,
    timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(o.ca ? { ca: o.ca } : {}),
  });
  const store = openAzureMlflowStore(ws.restBase, {
    credential: o.credential,
    scope: env.SWEEPDECK_AZURE_TOKEN_SCOPE || ARM_SCOPE,
    ca: o.ca,
    ...o.fetch,
  });
  return { restBase: ws.restBase, store };
}

export function openMirrorFor(dataDir: string, ref: WorkspaceRef, opts: { readOnly?: boolean } = {}): MirrorDb {
  const db = MirrorDb.open(mirrorPathFor(dataDir, ref), { create: !opts.readOnly, readOnly: !!opts.readOnly });
  if (!opts.readOnly && !db.workspace()) db.setWorkspace(ref);
  return db;
}

/** Browsing the workspace with the mirror behind it; when the workspace cannot be reached at all
 * (no credential, ARM down), the store serves the mirror and says why. */
export async function openWorkspaceBrowser(
  o: Omit<ConnectOptions, 'credential'> & { dataDir: string; credential?: TokenCredential; deadlineMs?: number; offline?: boolean; offlineReason?: string },
): Promise<BrowseStore> {
  const mirror = openMirrorFor(o.dataDir, o.ref);
  const uri = `azureml://${o.ref.subscriptionId}/${o.ref.resourceGroup}/${o.ref.workspaceName}`;
  if (o.offline) return openBrowseStore({ azure: null, unavailableReason: o.offlineReason ?? 'offline mode was asked for', mirror, uri });
  try {
    const credential = o.credential ?? (await credentialFromEnvironment(o.env ?? process.env, { ca: o.ca, timeoutMs: o.deadlineMs }));
    // Browsing must answer within its deadline: one quick retry, no waiting out a long
    // Retry-After (the mirror answers instead), and no request outliving the deadline (a hung
    // one would hold one of the host's few request slots).
    const { restBase, store } = await connectWorkspace({ ...o, credential, timeoutMs: o.deadlineMs ?? o.timeoutMs, fetch: { maxAttempts: 2, maxDelayMs: 1_000, timeoutMs: o.deadlineMs ?? 3_000, ...o.fetch } });
    mirror.setWorkspace({ ...o.ref, restBase });
    return openBrowseStore({ azure: store, mirror, uri, ...(o.deadlineMs ? { deadlineMs: o.deadlineMs } : {}) });
  } catch (err) {
    if (!(err instanceof AzureSetupError)) throw err;
    return openBrowseStore({ azure: null, unavailableReason: err.message, mirror, uri });
  }
}
