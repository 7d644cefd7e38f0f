// The app's Azure credentials: one CredentialSource for the workspace picker and for tracking a
// chosen workspace with a token of its own tenant. The app passes its sign-in (the account service's
// source); without one, the service principal in the environment.
import type { TokenCredential } from '@azure/core-auth';
import type { CredentialSource } from '../core/azure/authTypes.ts';
import { servicePrincipalSource } from '../core/azure/servicePrincipalSource.ts';

export interface AzureCredentialOptions {
  /** The credentials to use; default the service principal in the environment. */
  credentials?: () => CredentialSource;
  /** Extra trusted CA (PEM) and per-request deadline for Azure calls. */
  ca?: string;
  timeoutMs?: number;
}

export class AppAzureCredentials {
  private cached: CredentialSource | null = null;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly o: AzureCredentialOptions = {},
  ) {}

  /** The source; throws AzureSetupError NO_CREDENTIAL (naming what is missing) when there is none. */
  source(): CredentialSource {
    this.cached ??= this.o.credentials
      ? this.o.credentials()
      : servicePrincipalSource(this.env, { ...(this.o.timeoutMs !== undefined ? { timeoutMs: this.o.timeoutMs } : {}), ...(this.o.ca ? { ca: this.o.ca } : {}) });
    return this.cached;
  }

  /** A credential for one tenant, or undefined when no credentials are configured (tracking setup
   * then reports that itself). */
  credentialFor(tenantId: string): TokenCredential | undefined {
    try {
      return this.source().credentialFor(tenantId);
    } catch (err) {
      if ((err as { name?: unknown }).name === 'AzureSetupError') return undefined;
      throw err;
    }
  }
}
