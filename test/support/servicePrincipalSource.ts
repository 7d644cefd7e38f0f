// A CredentialSource over the service principal in AZURE_TENANT_ID / AZURE_CLIENT_ID /
// AZURE_CLIENT_SECRET: one ServicePrincipalCredential per tenant (a multi-tenant app registration
// gets tokens in every tenant it was consented in). The app and CLI use the sign-in chain; tests of
// discovery use this narrower source so they exercise discovery alone.
import type { TokenCredential } from '@azure/core-auth';
import type { CredentialSource } from '../../electron/core/azure/authTypes.ts';
import { AzureSetupError } from '../../electron/core/azure/azureErrors.ts';
import { ServicePrincipalCredential } from '../../electron/core/azure/credentials.ts';
import { ARM_SCOPE, DEFAULT_ARM_ENDPOINT, DEFAULT_AUTHORITY_HOST, DEFAULT_TIMEOUT_MS } from '../../electron/core/azure/endpoints.ts';

type EnvLike = Record<string, string | undefined>;

export interface ServicePrincipalSourceOptions {
  timeoutMs?: number;
  ca?: string;
}

/** The source, or a NO_CREDENTIAL error naming the missing variables. The SWEEPDECK_AZURE_*
 * overrides (private clouds, the test double) pick the hosts, as tracking setup does. */
export function servicePrincipalSource(env: EnvLike, opts: ServicePrincipalSourceOptions = {}): CredentialSource {
  const names = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET'] as const;
  const missing = names.filter((n) => !env[n]?.trim());
  if (missing.length) {
    throw new AzureSetupError('NO_CREDENTIAL', `no Azure credential: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set. Set the service principal's AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET`);
  }
  const homeTenant = (env.AZURE_TENANT_ID ?? '').trim();
  const endpoints = {
    authorityHost: env.SWEEPDECK_AZURE_AUTHORITY_HOST || DEFAULT_AUTHORITY_HOST,
    armEndpoint: env.SWEEPDECK_AZURE_ARM_ENDPOINT || DEFAULT_ARM_ENDPOINT,
    armScope: env.SWEEPDECK_AZURE_TOKEN_SCOPE || ARM_SCOPE,
  };
  const byTenant = new Map<string, TokenCredential>();
  return {
    cloud: 'AzureCloud',
    endpoints,
    credentialFor(tenantId?: string): TokenCredential {
      const tenant = tenantId?.trim() || homeTenant;
      let c = byTenant.get(tenant);
      if (!c) {
        c = new ServicePrincipalCredential({
          tenantId: tenant,
          clientId: (env.AZURE_CLIENT_ID ?? '').trim(),
          clientSecret: env.AZURE_CLIENT_SECRET ?? '',
          authorityHost: endpoints.authorityHost,
          timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          ...(opts.ca ? { ca: opts.ca } : {}),
        });
        byTenant.set(tenant, c);
      }
      return c;
    },
  };
}
