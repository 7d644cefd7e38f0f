// Finds an Azure ML workspace's MLflow tracking endpoint: ARM `workspaces.get` through
// @azure/arm-machinelearning gives `mlFlowTrackingUri` (azureml://...), which maps to the REST
// base the MLflow REST store appends `/api/2.0/mlflow/...` to.
import { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { TokenCredential } from '@azure/core-auth';
// core-rest-pipeline is the SDK's own transport layer (a dependency of arm-machinelearning);
// we plug our transport in so ARM calls get the same deadline, CA and failure classes.
import {
  createHttpHeaders,
  isRestError,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import { AzureSetupError, redact } from './azureErrors.ts';
import { ARM_SCOPE, DEFAULT_ARM_ENDPOINT, DEFAULT_TIMEOUT_MS, mlflowRestBaseFromTrackingUri } from './endpoints.ts';
import { TransportError, sendRequest, type TransportFailureKind } from './httpTransport.ts';
import { validateWorkspaceRef, type WorkspaceRef } from './workspaceRef.ts';

export { DEFAULT_ARM_ENDPOINT, mlflowRestBaseFromTrackingUri, validateWorkspaceRef, type WorkspaceRef };

export interface ResolvedWorkspace extends WorkspaceRef {
  /** ARM resource id. */
  id?: string;
  location?: string;
  /** As ARM gives it: azureml://<region>.api.azureml.ms/mlflow/v1.0/subscriptions/... */
  mlflowTrackingUri: string;
  /** The MLflow REST base (https://...), for MLFLOW_TRACKING_URI / the REST store. */
  restBase: string;
}

export interface ResolveWorkspaceOptions {
  credential: TokenCredential;
  /** ARM endpoint; default public cloud. */
  armEndpoint?: string;
  /** Scope asked of the credential for ARM; default https://management.azure.com/.default. */
  scope?: string;
  timeoutMs?: number;
  ca?: string;
  /** Retries of 5xx/429 by the SDK's pipeline; default 1 (setup must stay bounded). */
  maxRetries?: number;
}

/**
 * ARM GET of the workspace. Throws AzureSetupError: WORKSPACE_NOT_FOUND (404), TOKEN_REFUSED
 * (credential failed, or ARM said 401/403), NETWORK, TIMEOUT, ENDPOINT_FAILING (ARM 5xx or no
 * mlFlowTrackingUri).
 */
export async function resolveWorkspace(ref: WorkspaceRef, opts: ResolveWorkspaceOptions): Promise<ResolvedWorkspace> {
  validateWorkspaceRef(ref);
  const armEndpoint = (opts.armEndpoint ?? DEFAULT_ARM_ENDPOINT).replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const httpClient = new DeadlineHttpClient(timeoutMs, opts.ca);
  const client = new AzureMachineLearningWorkspaces(opts.credential, ref.subscriptionId, {
    $host: armEndpoint,
    endpoint: armEndpoint,
    // The SDK would derive `${endpoint}/.default`; ARM's audience is fixed, so say it.
    credentialScopes: [opts.scope ?? ARM_SCOPE],
    httpClient,
    retryOptions: { maxRetries: opts.maxRetries ?? 1, retryDelayInMs: 200, maxRetryDelayInMs: 1000 },
  });
  const where = `workspace '${ref.workspaceName}' in resource group '${ref.resourceGroup}' (subscription ${ref.subscriptionId})`;
  let ws;
  try {
    // Each HTTP attempt has its own deadline (DeadlineHttpClient) and retries are capped, so the
    // call as a whole is bounded without a separate overall timer racing the per-request one.
    ws = await client.workspaces.get(ref.resourceGroup, ref.workspaceName);
  } catch (err) {
    if (err instanceof AzureSetupError) throw err;
    const cause = findSetupError(err);
    if (cause) throw cause;
    if (isRestError(err) && err.statusCode !== undefined) {
      const status = err.statusCode;
      const msg = redact(err.message.split('\n')[0] ?? '');
      if (status === 404) {
        throw new AzureSetupError('WORKSPACE_NOT_FOUND', `Azure Resource Manager found no ${where}: ${msg}. Check AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP and AZURE_WORKSPACE_NAME.`, status);
      }
      if (status === 401 || status === 403) {
        throw new AzureSetupError('TOKEN_REFUSED', `Azure Resource Manager refused the token for ${where} (HTTP ${status}): ${msg}. Give the service principal a role on the workspace (e.g. AzureML Data Scientist).`, status);
      }
      throw new AzureSetupError('ENDPOINT_FAILING', `Azure Resource Manager failed reading ${where} (HTTP ${status}): ${msg}`, status);
    }
    const failure = httpClient.lastFailure;
    if (failure) throw new AzureSetupError(failure.kind, `could not reach Azure Resource Manager at ${armEndpoint}: ${failure.message}`);
    throw new AzureSetupError('NETWORK', redact(`reading ${where} from Azure Resource Manager failed: ${err instanceof Error ? err.message : String(err)}`));
  }
  if (!ws.mlFlowTrackingUri) {
    throw new AzureSetupError('ENDPOINT_FAILING', `${where} has no mlFlowTrackingUri in its ARM properties; the workspace may be a hub or still provisioning`);
  }
  return {
    ...ref,
    ...(ws.id ? { id: ws.id } : {}),
    ...(ws.location ? { location: ws.location } : {}),
    mlflowTrackingUri: ws.mlFlowTrackingUri,
    restBase: mlflowRestBaseFromTrackingUri(ws.mlFlowTrackingUri),
  };
}

/** The credential's own AzureSetupError, wherever the SDK pipeline wrapped it. */
function findSetupError(err: unknown): AzureSetupError | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur; i++) {
    if (cur instanceof AzureSetupError) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** core-rest-pipeline HttpClient over our transport (deadline, extra CA, failure kinds). */
class DeadlineHttpClient implements HttpClient {
  lastFailure: { kind: TransportFailureKind; message: string } | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly ca: string | undefined,
  ) {}

  async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const headers: Record<string, string> = {};
    for (const [k, v] of request.headers) headers[k] = v;
    let body: string | undefined;
    if (typeof request.body === 'string') body = request.body;
    else if (request.body != null) throw new Error('DeadlineHttpClient only sends string bodies');
    try {
      const res = await sendRequest(
        { method: request.method as 'GET', url: request.url, headers, ...(body !== undefined ? { body } : {}), signal: request.abortSignal },
        { timeoutMs: request.timeout > 0 ? Math.min(request.timeout, this.timeoutMs) : this.timeoutMs, ca: this.ca },
      );
      return { request, status: res.status, headers: createHttpHeaders(res.headers), bodyAsText: res.body };
    } catch (err) {
      if (err instanceof TransportError) {
        this.lastFailure = { kind: err.kind, message: err.message };
        // No pipeline retry of a refused/timed-out connection: setup reports it at once.
      }
      throw err;
    }
  }
}
