// Decides where a sweep's tracking goes: the Azure ML workspace's MLflow endpoint when it can be
// reached, another MLflow server named by MLFLOW_TRACKING_URI, else a local SQLite MLflow store.
// Every fallback carries its own reason code and message; with fallbackToLocal=false the same
// reason is thrown instead. Nothing here opens a store: it only probes the chosen endpoint.
import path from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { hasUrlCredentials, URL_CREDENTIALS_ADVICE } from '../../../shared/urlCredentials.ts';
import { AzureSetupError, redact, type SetupReasonCode } from '../azure/azureErrors.ts';
import { ARM_SCOPE, DEFAULT_ARM_ENDPOINT, DEFAULT_TIMEOUT_MS, mlflowRestBaseFromTrackingUri } from '../azure/endpoints.ts';
import { TransportError, safeUrl, sendRequest } from '../azure/httpTransport.ts';
// Types only: msal-node and the ARM SDK are loaded when the Azure path is taken (about 1-3 s of
// module loading that the local-only path should not pay).
import type { ResolvedWorkspace, WorkspaceRef } from '../azure/workspace.ts';
import type { AzureCloudEndpoints, CredentialLinkName } from '../azure/authTypes.ts';
import type { CredentialChain } from '../azure/credentialChain.ts';
import { detectPlatform, nodeProbe, type PlatformInfo, type PlatformProbe } from '../platform/detectPlatform.ts';
import { localStoreDir } from '../platform/localPaths.ts';

export type { SetupReasonCode } from '../azure/azureErrors.ts';
export type TrackingMode = 'azure' | 'remote' | 'local';

type EnvLike = Record<string, string | undefined>;

export interface SetupTrackingOptions {
  /** Required, non-empty: the MLflow experiment the sweep logs to (probed on the endpoint). */
  experimentName: string;
  /** Azure ML workspace; fields default from AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP,
   * AZURE_WORKSPACE_NAME (and on Azure ML compute from AZUREML_ARM_*). The credential defaults to
   * the credential chain: the account signed in inside Sweepdeck, then the service principal in
   * AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET, workload/managed identity on Azure
   * compute, Azure CLI, Azure Developer CLI, Azure PowerShell. `accountDir` is where the signed-in
   * account is kept (default: the data folder's `azure/`); false leaves that link out. */
  azure?: Partial<WorkspaceRef> & { credential?: TokenCredential; accountDir?: string | false };
  /** Default true: any failure gives the local store plus the reason. False: it throws. */
  fallbackToLocal?: boolean;
  /** Explicit folder for the local store (mlflow.db); default depends on the platform. */
  localDir?: string;
  /** Output folder used on a workstation / Azure ML compute (the desktop app passes its data
   * folder); default the current directory. */
  outputDir?: string;
  /** Environment to read; default process.env. */
  env?: EnvLike;
  /** File-system view for platform detection; default the real one. */
  platformProbe?: PlatformProbe;
  /** Deadline per HTTP request, ms. Default SWEEPDECK_AZURE_TIMEOUT_MS or 10 s. */
  timeoutMs?: number;
  /** Default SWEEPDECK_AZURE_AUTHORITY_HOST or https://login.microsoftonline.com. */
  authorityHost?: string;
  /** Default SWEEPDECK_AZURE_ARM_ENDPOINT or https://management.azure.com. */
  armEndpoint?: string;
  /** Default SWEEPDECK_AZURE_TOKEN_SCOPE or https://management.azure.com/.default. */
  tokenScope?: string;
  /** Extra trusted CA (PEM) for these requests. Spawned processes use NODE_EXTRA_CA_CERTS. */
  ca?: string;
  /** Default true: call the tracking endpoint once before choosing it. */
  probe?: boolean;
}

export interface TrackingSetupResult {
  experimentName: string;
  /** What MLFLOW_TRACKING_URI / the store should use: https://... REST base, or sqlite:///... */
  trackingUri: string;
  mode: TrackingMode;
  /** Why the local store was chosen (absent when the preferred target was reached). */
  reason?: string;
  reasonCode?: SetupReasonCode;
  platform: PlatformInfo;
  /** Where the local store lives (or would live) and why. */
  localDir: string;
  localDirWhy: string;
  /** Set in azure mode. */
  azure?: ResolvedWorkspace;
  /** Azure mode: a token asking for given claims, for answering claims challenges
   * (fetchWithClaimsChallenge in ../azure/claimsChallenge.ts). */
  claimsTokenProvider?: (claims?: string) => Promise<string>;
  /** Azure mode with the credential chain: the link that gave the token. */
  credentialLink?: CredentialLinkName;
  /** A fresh bearer token per call (azure mode, or remote with MLFLOW_TRACKING_TOKEN). */
  tokenProvider?: () => Promise<string>;
}

/** Thrown when fallbackToLocal is false (or the input itself is wrong: reasonCode undefined). */
export class TrackingSetupError extends Error {
  constructor(
    message: string,
    readonly reasonCode?: SetupReasonCode,
  ) {
    super(message);
    this.name = 'TrackingSetupError';
  }
}

const MAX_EXPERIMENT_NAME = 500; // MLflow's limit (mlflow/utils/validation.py)

export async function setupTrackingCrossPlatform(opts: SetupTrackingOptions): Promise<TrackingSetupResult> {
  const experimentName = checkExperimentName(opts.experimentName);
  const env = opts.env ?? process.env;
  const probe = opts.platformProbe ?? nodeProbe(env);
  const platform = detectPlatform(probe);
  const store = opts.localDir
    ? { dir: path.resolve(opts.localDir), why: 'the folder given for the local store' }
    : localStoreDir(platform, probe, opts.outputDir ?? process.cwd());
  const localUri = sqliteUri(store.dir);
  const fallbackToLocal = opts.fallbackToLocal ?? true;
  const timeoutMs = opts.timeoutMs ?? envNumber(env, 'SWEEPDECK_AZURE_TIMEOUT_MS') ?? DEFAULT_TIMEOUT_MS;
  const secrets = [env.AZURE_CLIENT_SECRET, env.MLFLOW_TRACKING_TOKEN, env.MLFLOW_TRACKING_PASSWORD];
  const base = { experimentName, platform, localDir: store.dir, localDirWhy: store.why };

  const local = (err: AzureSetupError): TrackingSetupResult => {
    const message = redact(err.message, secrets);
    if (!fallbackToLocal) {
      throw new TrackingSetupError(`tracking setup failed (${err.reasonCode}): ${message}`, err.reasonCode);
    }
    return { ...base, trackingUri: localUri, mode: 'local', reason: message, reasonCode: err.reasonCode };
  };

  try {
    // Extra roots: the caller's PEM (Settings), else the file in SWEEPDECK_AZURE_CA_FILE.
    const ca = opts.ca ?? (env.SWEEPDECK_AZURE_CA_FILE ? (await import('../azure/tlsAdvice.ts')).readCaFile(env.SWEEPDECK_AZURE_CA_FILE) : undefined);
    const target = chooseTarget(opts, env, platform);
    if (target.kind === 'local-uri') return { ...base, trackingUri: target.uri, mode: 'local' };
    if (target.kind === 'none') throw new AzureSetupError('NOT_CONFIGURED', target.why);

    if (target.kind === 'remote') {
      const token = env.MLFLOW_TRACKING_TOKEN || undefined;
      const auth = token
        ? `Bearer ${token}`
        : env.MLFLOW_TRACKING_USERNAME && env.MLFLOW_TRACKING_PASSWORD
          ? `Basic ${Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD}`).toString('base64')}`
          : undefined;
      if (opts.probe !== false) await probeMlflow(target.base, experimentName, auth, timeoutMs, ca, 'the MLflow server in MLFLOW_TRACKING_URI');
      return { ...base, trackingUri: target.base, mode: 'remote', ...(token ? { tokenProvider: async () => token } : {}) };
    }

    // Azure: credential -> (ARM workspace -> mlFlowTrackingUri) -> token -> probe.
    const signIn = opts.azure?.credential ? undefined : await credentialFromEnv(env, { ...opts, ...(ca ? { ca } : {}) }, timeoutMs);
    const credential: TokenCredential = opts.azure?.credential ?? (signIn?.chain as CredentialChain);
    // A chain the caller built (the app, with its own secret store) still names its link.
    const chain = signIn?.chain ?? (isChain(opts.azure?.credential) ? opts.azure.credential : undefined);
    // The cloud's ARM endpoint and scope (the signed-in account's cloud, else SWEEPDECK_AZURE_CLOUD),
    // under the explicit options and SWEEPDECK_AZURE_* overrides.
    const scope = opts.tokenScope ?? signIn?.endpoints.armScope ?? (env.SWEEPDECK_AZURE_TOKEN_SCOPE || ARM_SCOPE);
    let workspace: ResolvedWorkspace;
    if (target.kind === 'azure-uri') {
      workspace = { ...target.ref, mlflowTrackingUri: target.uri, restBase: mlflowRestBaseFromTrackingUri(target.uri) };
    } else {
      const { resolveWorkspace } = await import('../azure/workspace.ts');
      workspace = await resolveWorkspace(target.ref, {
        credential,
        armEndpoint: opts.armEndpoint ?? signIn?.endpoints.armEndpoint ?? (env.SWEEPDECK_AZURE_ARM_ENDPOINT || DEFAULT_ARM_ENDPOINT),
        scope,
        timeoutMs,
        ...(ca ? { ca } : {}),
      });
    }
    const claimsTokenProvider = async (claims?: string): Promise<string> => {
      const t = await credential.getToken(scope, claims ? { claims } : {});
      if (!t) throw new AzureSetupError('TOKEN_REFUSED', 'the credential returned no token');
      return t.token;
    };
    const tokenProvider = (): Promise<string> => claimsTokenProvider();
    if (opts.probe !== false) {
      // A token getter rather than a header: a claims challenge on the probe is answered once.
      await probeMlflow(workspace.restBase, experimentName, claimsTokenProvider, timeoutMs, ca, `the MLflow endpoint of workspace '${workspace.workspaceName}'`);
    }
    return { ...base, trackingUri: workspace.restBase, mode: 'azure', azure: workspace, tokenProvider, claimsTokenProvider, ...(chain?.activeLink ? { credentialLink: chain.activeLink } : {}) };
  } catch (err) {
    if (err instanceof AzureSetupError) return local(err);
    if (err instanceof TrackingSetupError) throw err;
    // A credential supplied by the caller may throw anything; treat it as a refused token.
    return local(new AzureSetupError('TOKEN_REFUSED', `getting a token failed: ${err instanceof Error ? err.message : String(err)}`));
  }
}

function isChain(c: TokenCredential | undefined): c is TokenCredential & Pick<CredentialChain, 'activeLink'> {
  return !!c && 'activeLink' in c;
}

/** sqlite:/// + absolute path with forward slashes (so /abs gives sqlite:////abs, as MLflow writes it). */
export function sqliteUri(dir: string): string {
  return `sqlite:///${path.resolve(dir, 'mlflow.db').replace(/\\/g, '/')}`;
}

function checkExperimentName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new TrackingSetupError('experimentName is required: give the MLflow experiment name (e.g. --experiment resume_ner_baseline-hpo-distilbert)');
  }
  if (name.length > MAX_EXPERIMENT_NAME) {
    throw new TrackingSetupError(`experimentName is ${name.length} characters; MLflow allows at most ${MAX_EXPERIMENT_NAME}`);
  }
  return name;
}

type Target =
  | { kind: 'none'; why: string }
  | { kind: 'local-uri'; uri: string }
  | { kind: 'remote'; base: string }
  | { kind: 'azure-uri'; uri: string; ref: WorkspaceRef }
  | { kind: 'azure-arm'; ref: WorkspaceRef };

/**
 * Precedence: an explicit `azure` option, then MLFLOW_TRACKING_URI (MLflow's own convention; on
 * Azure ML compute the service sets it to the workspace's azureml:// URI), then AZURE_* env, then
 * the AZUREML_ARM_* workspace of an Azure ML job.
 */
function chooseTarget(opts: SetupTrackingOptions, env: EnvLike, platform: PlatformInfo): Target {
  const explicit = opts.azure && (opts.azure.subscriptionId || opts.azure.resourceGroup || opts.azure.workspaceName);
  const uri = env.MLFLOW_TRACKING_URI?.trim();
  if (!explicit && uri) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
    if (scheme === 'http' || scheme === 'https') {
      try {
        new URL(uri);
      } catch {
        throw new AzureSetupError('NOT_CONFIGURED', `MLFLOW_TRACKING_URI '${uri}' is not a valid URL`);
      }
      // The URL is shown in status lines and replies; a password in it would go with it.
      if (hasUrlCredentials(uri)) throw new AzureSetupError('NOT_CONFIGURED', `MLFLOW_TRACKING_URI: ${URL_CREDENTIALS_ADVICE}`);
      return { kind: 'remote', base: uri.replace(/\/+$/, '').replace(/\/(ajax-)?api\/2\.0\/mlflow$/, '') };
    }
    if (scheme === 'azureml') return { kind: 'azure-uri', uri, ref: workspaceRefFromAzuremlUri(uri) };
    if (scheme === 'sqlite' || scheme === 'file') return { kind: 'local-uri', uri };
    throw new AzureSetupError('NOT_CONFIGURED', `MLFLOW_TRACKING_URI '${uri}' has a scheme Sweepdeck cannot use; use http(s)://, azureml://, sqlite:/// or file:, or unset it`);
  }

  const fields: [keyof WorkspaceRef, string, string | undefined][] = [
    ['subscriptionId', 'AZURE_SUBSCRIPTION_ID', opts.azure?.subscriptionId || env.AZURE_SUBSCRIPTION_ID || platform.azureWorkspace?.subscriptionId],
    ['resourceGroup', 'AZURE_RESOURCE_GROUP', opts.azure?.resourceGroup || env.AZURE_RESOURCE_GROUP || platform.azureWorkspace?.resourceGroup],
    ['workspaceName', 'AZURE_WORKSPACE_NAME', opts.azure?.workspaceName || env.AZURE_WORKSPACE_NAME || platform.azureWorkspace?.workspaceName],
  ];
  const missing = fields.filter(([, , v]) => !v?.trim()).map(([, name]) => name);
  if (missing.length === fields.length) {
    return { kind: 'none', why: 'Azure ML is not configured (set AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP and AZURE_WORKSPACE_NAME, or MLFLOW_TRACKING_URI); using the local store' };
  }
  if (missing.length) {
    throw new AzureSetupError('NOT_CONFIGURED', `Azure ML workspace is only partly configured: ${missing.join(', ')} missing`);
  }
  const [sub, rg, ws] = fields.map(([, , v]) => (v ?? '').trim()) as [string, string, string];
  return { kind: 'azure-arm', ref: { subscriptionId: sub, resourceGroup: rg, workspaceName: ws } };
}

function workspaceRefFromAzuremlUri(uri: string): WorkspaceRef {
  const m = /\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/?#]+)/i.exec(uri);
  return { subscriptionId: m?.[1] ?? '', resourceGroup: m?.[2] ?? '', workspaceName: m?.[3] ?? '' };
}

/**
 * The credential chain (signed-in account, environment, workload/managed identity on Azure
 * compute, Azure CLI, Azure Developer CLI, Azure PowerShell) for this environment. Loaded lazily:
 * @azure/identity costs module-loading time the local-only path should not pay.
 */
async function credentialFromEnv(env: EnvLike, opts: SetupTrackingOptions, timeoutMs: number): Promise<{ chain: CredentialChain; endpoints: AzureCloudEndpoints }> {
  const [{ buildCredentialChain }, { cloudEndpoints, parseCloudName }, { signedInAccountCredential }] = await Promise.all([
    import('../azure/credentialChain.ts'),
    import('../azure/clouds.ts'),
    import('../azure/accountLink.ts'),
  ]);
  const account = opts.azure?.accountDir === false ? undefined : await signedInAccountCredential({ env, ...(opts.azure?.accountDir ? { dir: opts.azure.accountDir } : {}), timeoutMs, ...(opts.ca ? { ca: opts.ca } : {}) });
  const endpoints = cloudEndpoints(account?.cloud ?? parseCloudName(env.SWEEPDECK_AZURE_CLOUD, 'SWEEPDECK_AZURE_CLOUD'), env);
  const chain = buildCredentialChain({
    env,
    endpoints: { ...endpoints, authorityHost: opts.authorityHost ?? endpoints.authorityHost },
    account: account?.credential,
    ...(opts.platformProbe ? { platformProbe: opts.platformProbe } : {}),
    timeoutMs,
    ca: opts.ca,
  });
  return { chain, endpoints };
}

/**
 * One read against the MLflow REST API: get-by-name of the experiment. 200, or 404 with
 * RESOURCE_DOES_NOT_EXIST (the sweep will create it), means the endpoint works.
 */
async function probeMlflow(
  base: string,
  experimentName: string,
  auth: string | undefined | ((claims?: string) => Promise<string>),
  timeoutMs: number,
  ca: string | undefined,
  what: string,
): Promise<void> {
  const url = `${base}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(experimentName)}`;
  let res;
  try {
    const req = { method: 'GET' as const, url, headers: { accept: 'application/json' } };
    res =
      typeof auth === 'function'
        ? await (await import('../azure/claimsChallenge.ts')).sendWithClaimsChallenge(req, { timeoutMs, ca }, auth)
        : await sendRequest({ ...req, headers: { ...req.headers, ...(auth ? { authorization: auth } : {}) } }, { timeoutMs, ca });
  } catch (err) {
    if (err instanceof TransportError) throw new AzureSetupError(err.kind, `could not reach ${what}: ${err.message}`);
    throw err;
  }
  let errorCode: string | undefined;
  let message: string | undefined;
  try {
    const body = JSON.parse(res.body) as { error_code?: unknown; message?: unknown; Error?: { Message?: unknown } };
    if (typeof body.error_code === 'string') errorCode = body.error_code;
    if (typeof body.message === 'string') message = body.message;
    else if (typeof body.Error?.Message === 'string') message = body.Error.Message;
  } catch {
    // Not JSON (a proxy's page, or a plain 404 for a wrong path): judged by status below.
  }
  if (res.status === 200 || (res.status === 404 && errorCode === 'RESOURCE_DOES_NOT_EXIST')) return;
  const detail = `${safeUrl(url)} answered HTTP ${res.status}${errorCode ? ` ${errorCode}` : ''}${message ? `: ${message.slice(0, 300)}` : ''}`;
  if (res.status === 401 || res.status === 403) {
    throw new AzureSetupError('ENDPOINT_FAILING', `${what} refused the token (${detail}); the identity needs a role on the workspace such as AzureML Data Scientist`, res.status);
  }
  throw new AzureSetupError('ENDPOINT_FAILING', `${what} is failing (${detail})`, res.status);
}

function envNumber(env: EnvLike, name: string): number | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new TrackingSetupError(`${name}='${raw}' is not a positive number of milliseconds`);
  return n;
}
