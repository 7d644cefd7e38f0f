// Azure endpoints, scopes and the tracking-URI mapping: constants and pure functions with no SDK
// imports, so callers that may never touch Azure (the local-only path) load nothing heavy.
import { AzureSetupError } from './azureErrors.ts';

/** The scope the Azure ML MLflow endpoint and ARM both accept (public cloud). */
export const ARM_SCOPE = 'https://management.azure.com/.default';
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
export const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';
/** Per-request deadline for sign-in, ARM and the probe. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * azureml://host/path -> https://host/path. https:// input (already a REST base) is kept. Plain
 * http is kept only for loopback hosts (a local MLflow server in front of a test).
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
  if (u.protocol === 'azureml:' || u.protocol === 'https:') return `https://${u.host}${path}`;
  if (u.protocol === 'http:' && isLoopback(u.hostname)) return `http://${u.host}${path}`;
  throw new AzureSetupError('ENDPOINT_FAILING', `the workspace's mlFlowTrackingUri '${trackingUri}' has scheme '${u.protocol}'; expected azureml:// or https://`);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}
