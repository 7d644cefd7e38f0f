// The workspace's MLflow REST store as sync and browsing use it: the generic REST store with
// Azure's limits enforced by createAzureFetch (its own retries off, so there is one retry policy)
// and tokens from any TokenCredential (the sign-in chain, or the service principal).
import type { TokenCredential } from '@azure/core-auth';
import { createRestStore } from '../tracking/restStore.ts';
import type { TrackingStore } from '../tracking/types.ts';
import { AZURE_HISTORY_PAGE_MAX } from './mlflowRestrictions.ts';
import { createAzureFetch, type AzureFetchOptions } from './azureFetch.ts';
import { ARM_SCOPE } from './endpoints.ts';

export interface AzureMlflowStoreOptions extends AzureFetchOptions {
  credential: TokenCredential;
  /** Scope for the MLflow endpoint (default the ARM scope, which Azure ML's endpoint accepts). */
  scope?: string;
}

/** Refresh a token this long before it expires. */
const TOKEN_MARGIN_MS = 5 * 60_000;

/** Caches the access token until shortly before it expires: one getToken per hour, not per request. */
export function tokenProvider(credential: TokenCredential, scope: string, now: () => number = Date.now): () => Promise<string> {
  let cached: { token: string; expires: number } | undefined;
  let pending: Promise<string> | undefined;
  return async () => {
    if (cached && cached.expires - TOKEN_MARGIN_MS > now()) return cached.token;
    pending ??= credential
      .getToken(scope)
      .then((t) => {
        if (!t) throw new Error(`the credential gave no token for ${scope}`);
        cached = { token: t.token, expires: t.expiresOnTimestamp };
        return t.token;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

export function openAzureMlflowStore(restBase: string, opts: AzureMlflowStoreOptions): TrackingStore {
  const { credential, scope, ...fetchOpts } = opts;
  return createRestStore(restBase, {
    token: tokenProvider(credential, scope ?? ARM_SCOPE, fetchOpts.now),
    fetch: createAzureFetch(fetchOpts),
    retries: 0,
    timeoutMs: fetchOpts.timeoutMs ?? 30_000,
    historyPageSize: AZURE_HISTORY_PAGE_MAX,
    maxBatchMetrics: 200,
  });
}
