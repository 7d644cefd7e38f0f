// Azure endpoints, scopes and the tracking-URI mapping: constants and pure functions with no SDK
// imports, so callers that may never touch Azure (the local-only path) load nothing heavy.
import { AzureSetupError } from './azureErrors.ts';

/** The scope the Azure ML MLflow endpoint and ARM both accept (public cloud). */
export const ARM_SCOPE = 'https://management.azure.com/.default';
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';
/** Per-request deadline for sign-in, ARM and the probe. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The REST path version real MLflow 2.x/3.x clients use through the azureml-mlflow plugin (the
 * plugin uses v1.0 only for MLflow 1.x clients); docs/AZURE.md, "Workspaces and the tracking URI". */
export const AZUREML_MLFLOW_API_PATH = '/mlflow/v2.0';

const WORKSPACE_SCOPE_RE = /\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.MachineLearningServices\/workspaces\/([^/?#]+)/i;

/** The workspace an azureml:// (or REST) URI names, or undefined when it names none. */
export function workspaceScopeOf(uri: string): { subscriptionId: string; resourceGroup: string; workspaceName: string; scope: string } | undefined {
  const m = WORKSPACE_SCOPE_RE.exec(uri);
  if (!m) return undefined;
  const [scope, subscriptionId = '', resourceGroup = '', workspaceName = ''] = m;
  return { subscriptionId, resourceGroup, workspaceName, scope };
}

/**
 * The MLflow REST base (what `/api/2.0/mlflow/...` is appended to) for a tracking URI.
 * azureml://HOST/mlflow/v1.0/subscriptions/.../workspaces/NAME -> https://HOST/mlflow/v2.0/subscriptions/.../workspaces/NAME:
 * like the azureml-mlflow plugin, only the host and the workspace scope are read from the URI;
 * its `/mlflow/v1.0` is not the path real clients call. https:// input (already a REST base) is
 * kept; plain http only for loopback hosts (a local MLflow server in front of a test).
 */
export function mlflowRestBaseFromTrackingUri(trackingUri: string): string {
  let u: URL;
  try {
    u = new URL(trackingUri.trim());
  } catch {
    throw new AzureSetupError('ENDPOINT_FAILING', `the workspace's mlFlowTrackingUri '${trackingUri}' is not a URI`);
  }
  const path = u.pathname.replace(/\/+$/, '');
  if (!u.host) throw new AzureSetupError('ENDPOINT_FAILING', `the workspace's mlFlowTrackingUri '${trackingUri}' has no host`);
  if (u.protocol === 'azureml:') {
    const ws = workspaceScopeOf(path);
    if (!ws) {
      throw new AzureSetupError('ENDPOINT_FAILING', `the tracking URI '${trackingUri}' names no workspace (expected azureml://HOST/mlflow/v1.0/subscriptions/ID/resourceGroups/RG/providers/Microsoft.MachineLearningServices/workspaces/NAME); copy it from the workspace's MLflow tracking URI in Azure ML studio`);
    }
    return `https://${u.host}${AZUREML_MLFLOW_API_PATH}${ws.scope}`;
  }
  if (u.protocol === 'https:') return `https://${u.host}${path}`;
  if (u.protocol === 'http:' && isLoopback(u.hostname)) return `http://${u.host}${path}`;
  throw new AzureSetupError('ENDPOINT_FAILING', `the workspace's mlFlowTrackingUri '${trackingUri}' has scheme '${u.protocol}'; expected azureml:// or https://`);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}
