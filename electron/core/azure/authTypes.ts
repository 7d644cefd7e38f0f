// The narrow seam between Azure sign-in (the credential chain, its cache) and the parts that only
// need tokens (ARM discovery, the MLflow REST store, sync). Types and constants only, no SDK
// imports, so discovery and sync never depend on how a person signed in.
import type { TokenCredential } from '@azure/core-auth';

export const AZURE_CLOUDS = ['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment'] as const;
export type AzureCloudName = (typeof AZURE_CLOUDS)[number];

export interface AzureCloudEndpoints {
  /** Entra ID authority host, e.g. https://login.microsoftonline.com */
  authorityHost: string;
  /** ARM endpoint, e.g. https://management.azure.com */
  armEndpoint: string;
  /** Scope for ARM and the Azure ML MLflow endpoint. */
  armScope: string;
}

/** Which link of the chain produced the working credential, for the status bar and `whoami`. */
export type CredentialLinkName =
  | 'signed-in account'
  | 'environment'
  | 'workload identity'
  | 'managed identity'
  | 'Azure CLI'
  | 'Azure Developer CLI'
  | 'Azure PowerShell';

/** Hands out a credential per tenant; the chain behind it is the sign-in module's business. */
export interface CredentialSource {
  readonly cloud: AzureCloudName;
  readonly endpoints: AzureCloudEndpoints;
  /** A credential for one tenant; the home tenant (or the chain's default) when omitted. */
  credentialFor(tenantId?: string): TokenCredential;
}
