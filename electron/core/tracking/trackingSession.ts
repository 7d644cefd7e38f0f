// One sweep's (or the app's) tracking session: decide the target (explicit URI, or the
// cross-platform setup with its fallback reason), open the store, put the outbox in front of a
// remote one, and serve the embedded MLflow endpoint trials log through.
import type { TokenCredential } from '@azure/core-auth';
import path from 'node:path';
import { startTrackingEndpoint, type TrackingEndpoint } from './endpoint/server.ts';
import { openTrackingStore, resolveStoreUri } from './openStore.ts';
import { createOutboxStore, type OutboxStore } from './outbox.ts';
import { createRestStore } from './restStore.ts';
import { fetchWithClaimsChallenge } from '../azure/claimsChallenge.ts';
import { proxyAwareFetch } from './proxyFetch.ts';
import { createAzureFetch } from '../azure/azureFetch.ts';
import { setupTrackingCrossPlatform, type SetupReasonCode, type TrackingMode } from './setup.ts';
import type { TrackingStore } from './types.ts';

type EnvLike = Record<string, string | undefined>;

export interface TrackingDecision {
  mode: TrackingMode;
  trackingUri: string;
  reason?: string;
  reasonCode?: SetupReasonCode;
  /** Where the decision came from. */
  source: 'explicit' | 'setup';
}

export interface TrackingSessionOptions {
  experimentName: string;
  /** Overrides the setup's choice (`--tracking-uri`): http(s)://, sqlite:///, a .db path or mlruns folder. */
  trackingUri?: string;
  /** Where the local store and the outbox go when the platform has no better place. */
  outputDir: string;
  fallbackToLocal?: boolean;
  env?: EnvLike;
  /** Where MLFLOW_TRACKING_URI came from, for messages (see SetupTrackingOptions). */
  trackingUriSource?: string;
  /** Token for the embedded endpoint; default SWEEPDECK_TRACKING_TOKEN or random. */
  endpointToken?: string;
  /** The Azure credential for the workspace (e.g. one for the chosen workspace's tenant); default
   * the setup's own. */
  credential?: TokenCredential;
  /** Extra trusted roots (PEM) for Azure, e.g. imported in the app's Settings: used by the setup and
   * by the store's requests to the workspace. Default: NODE_EXTRA_CA_CERTS and SWEEPDECK_AZURE_CA_FILE only. */
  ca?: string;
}

export interface TrackingSession {
  decision: TrackingDecision;
  store: TrackingStore;
  outbox?: OutboxStore;
  endpoint: TrackingEndpoint;
  close(): Promise<void>;
}

const isHttp = (uri: string) => /^https?:\/\//i.test(uri);

export async function openTrackingSession(opts: TrackingSessionOptions): Promise<TrackingSession> {
  const env = opts.env ?? process.env;
  let decision: TrackingDecision;
  let tokenProvider: (() => Promise<string>) | undefined;
  let claimsToken: ((claims?: string) => Promise<string>) | undefined;
  if (opts.trackingUri) {
    // Checked first: the decision's URI is shown in status lines.
    resolveStoreUri(opts.trackingUri);
    decision = { mode: isHttp(opts.trackingUri) ? 'remote' : 'local', trackingUri: opts.trackingUri, source: 'explicit' };
    const token = env.MLFLOW_TRACKING_TOKEN;
    if (token) tokenProvider = async () => token;
  } else {
    const setup = await setupTrackingCrossPlatform({
      experimentName: opts.experimentName,
      outputDir: opts.outputDir,
      fallbackToLocal: opts.fallbackToLocal ?? true,
      env,
      ...(opts.credential ? { azure: { credential: opts.credential } } : {}),
      ...(opts.trackingUriSource ? { trackingUriSource: opts.trackingUriSource } : {}),
      ...(opts.ca ? { ca: opts.ca } : {}),
    });
    decision = { mode: setup.mode, trackingUri: setup.trackingUri, reason: setup.reason, reasonCode: setup.reasonCode, source: 'setup' };
    tokenProvider = setup.tokenProvider;
    claimsToken = setup.claimsTokenProvider;
  }

  let store: TrackingStore;
  let outbox: OutboxStore | undefined;
  if (isHttp(decision.trackingUri)) {
    // Short retries: behind the outbox a dead remote should queue the write quickly rather than
    // hold a trial's request for minutes.
    // Extra roots reach Node's fetch only through NODE_EXTRA_CA_CERTS: Azure requests go through our
    // transport instead, one attempt each (the REST store retries, the outbox keeps what fails).
    const caFetch = opts.ca && decision.mode === 'azure' ? createAzureFetch({ ca: opts.ca, maxAttempts: 1, timeoutMs: 10_000 }) : undefined;
    const sweepFetch = proxyAwareFetch(env, caFetch ?? fetch, opts.ca);
    const remote = createRestStore(decision.trackingUri, {
      retries: 2,
      timeoutMs: 10_000,
      ...(tokenProvider ? { token: tokenProvider } : {}),
      // Azure: a 401 claims challenge (CAE, MFA step-up) is answered once with a new token.
      // HTTPS_PROXY / NO_PROXY of the sweep's environment apply to its MLflow writes too; extra roots
      // (imported in Settings) reach Node's fetch only through NODE_EXTRA_CA_CERTS, so with a CA the
      // direct requests go through our transport.
      fetch: claimsToken ? fetchWithClaimsChallenge(claimsToken, sweepFetch) : sweepFetch,
    });
    // Writes the remote cannot take wait here, on disk, and are replayed in order when it returns.
    outbox = createOutboxStore(remote, outboxPath(opts.outputDir));
    store = outbox;
  } else {
    store = await openTrackingStore(decision.trackingUri, { create: true });
  }
  let endpoint: TrackingEndpoint;
  try {
    endpoint = await startTrackingEndpoint({ store, token: opts.endpointToken ?? (env.SWEEPDECK_TRACKING_TOKEN || undefined) });
  } catch (err) {
    await store.close();
    throw err;
  }
  return {
    decision,
    store,
    outbox,
    endpoint,
    async close() {
      await endpoint.close();
      await store.close();
    },
  };
}

/** Where a sweep's outbox file lives, under its output folder. */
export function outboxPath(outputDir: string): string {
  return path.join(outputDir, '.sweepdeck', 'outbox.db');
}
