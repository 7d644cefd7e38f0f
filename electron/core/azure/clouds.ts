// The three Azure clouds a person can pick, and the endpoints that follow from the choice. The
// SWEEPDECK_AZURE_* overrides (private clouds, the local test double) win over the table.
import { AZURE_CLOUDS, type AzureCloudEndpoints, type AzureCloudName } from './authTypes.ts';
import { AzureSetupError } from './azureErrors.ts';

type EnvLike = Record<string, string | undefined>;

// Public values from Microsoft's national-cloud documentation (and @azure/identity's
// AzureAuthorityHosts); ARM and the Azure ML MLflow endpoint accept the ARM `.default` scope.
export const CLOUD_ENDPOINTS: Readonly<Record<AzureCloudName, AzureCloudEndpoints>> = {
  AzureCloud: {
    authorityHost: 'https://login.microsoftonline.com',
    armEndpoint: 'https://management.azure.com',
    armScope: 'https://management.azure.com/.default',
  },
  AzureChinaCloud: {
    authorityHost: 'https://login.chinacloudapi.cn',
    armEndpoint: 'https://management.chinacloudapi.cn',
    armScope: 'https://management.chinacloudapi.cn/.default',
  },
  AzureUSGovernment: {
    authorityHost: 'https://login.microsoftonline.us',
    armEndpoint: 'https://management.usgovcloudapi.net',
    armScope: 'https://management.usgovcloudapi.net/.default',
  },
};

/** The cloud name as given (case-insensitive), or a NOT_CONFIGURED error listing the valid ones. */
export function parseCloudName(raw: string | undefined, where = 'cloud'): AzureCloudName {
  if (!raw?.trim()) return 'AzureCloud';
  const hit = AZURE_CLOUDS.find((c) => c.toLowerCase() === raw.trim().toLowerCase());
  if (!hit) throw new AzureSetupError('NOT_CONFIGURED', `${where} '${raw}' is not an Azure cloud; use one of ${AZURE_CLOUDS.join(', ')}`);
  return hit;
}

/**
 * The endpoints of a cloud, with SWEEPDECK_AZURE_AUTHORITY_HOST, SWEEPDECK_AZURE_ARM_ENDPOINT and
 * SWEEPDECK_AZURE_TOKEN_SCOPE applied on top (they win: private clouds and tests use them).
 */
export function cloudEndpoints(cloud: AzureCloudName, env: EnvLike = {}): AzureCloudEndpoints {
  const base = CLOUD_ENDPOINTS[cloud];
  const trim = (s: string): string => s.replace(/\/+$/, '');
  return {
    authorityHost: trim(env.SWEEPDECK_AZURE_AUTHORITY_HOST?.trim() || base.authorityHost),
    armEndpoint: trim(env.SWEEPDECK_AZURE_ARM_ENDPOINT?.trim() || base.armEndpoint),
    armScope: env.SWEEPDECK_AZURE_TOKEN_SCOPE?.trim() || base.armScope,
  };
}
