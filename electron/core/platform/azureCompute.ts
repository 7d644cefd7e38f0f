// Whether this process runs on Azure compute where a managed or workload identity can exist.
// Decided from the environment only (no network): probing the instance metadata address from a
// workstation stalls start-up for seconds, which is what the credential chain must avoid.
import { detectPlatform, type PlatformProbe } from './detectPlatform.ts';

export interface AzureComputeSignals {
  /** A managed identity endpoint is plausible: Azure ML compute, App Service/Functions/Arc. */
  managedIdentity: string | undefined;
  /** Workload identity federation is configured (AKS, or any host given a federated token file). */
  workloadIdentity: string | undefined;
}

export function detectAzureCompute(probe: PlatformProbe): AzureComputeSignals {
  const { env } = probe;
  const platform = detectPlatform(probe);
  const miVar = ['IDENTITY_ENDPOINT', 'MSI_ENDPOINT', 'IMDS_ENDPOINT'].find((n) => (env[n] ?? '') !== '');
  const managedIdentity = platform.kind === 'azureml' ? `Azure ML compute (${platform.evidence})` : miVar ? `env ${miVar}` : undefined;
  const workloadIdentity = (env.AZURE_FEDERATED_TOKEN_FILE ?? '') !== '' ? 'env AZURE_FEDERATED_TOKEN_FILE' : undefined;
  return { managedIdentity, workloadIdentity };
}
