// A workspace reference (subscription, resource group, name) and its checks: no SDK imports, so
// the CLI and the app can check one without loading the ARM client.
import { AzureSetupError } from './azureErrors.ts';

export interface WorkspaceRef {
  subscriptionId: string;
  resourceGroup: string;
  workspaceName: string;
}

const NAME_RE: Record<keyof WorkspaceRef, RegExp> = {
  // A subscription id is a GUID.
  subscriptionId: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  resourceGroup: /^[-\w._()]{1,90}$/,
  workspaceName: /^[A-Za-z0-9][\w-]{1,32}$/,
};
const ENV_NAME: Record<keyof WorkspaceRef, string> = {
  subscriptionId: 'AZURE_SUBSCRIPTION_ID',
  resourceGroup: 'AZURE_RESOURCE_GROUP',
  workspaceName: 'AZURE_WORKSPACE_NAME',
};

/** Throws NOT_CONFIGURED naming the bad field when a workspace reference is malformed. */
export function validateWorkspaceRef(ref: WorkspaceRef): void {
  for (const key of Object.keys(NAME_RE) as (keyof WorkspaceRef)[]) {
    if (!NAME_RE[key].test(ref[key])) {
      throw new AzureSetupError('NOT_CONFIGURED', `${key} (${ENV_NAME[key]}) '${ref[key]}' is not a valid Azure ${key === 'subscriptionId' ? 'subscription id (a GUID)' : 'name'}; check the workspace settings in the Azure portal`);
    }
  }
}

