// The app's Azure credentials: one CredentialSource for the workspace picker and for tracking a
// chosen workspace with a token of its own tenant. The app passes its sign-in (the account service's
// source: its signed-in account, then the chain); without one, the sign-in chain built from the
// environment (the same one the CLI uses).
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { CredentialSource } from '../core/azure/authTypes.ts';
import { credentialSourceFromEnv } from '../core/azure/envCredentialSource.ts';

export interface AzureCredentialOptions {
  /** The credentials to use; default the sign-in chain from the environment. */
  credentials?: () => CredentialSource | Promise<CredentialSource>;
  /** Extra trusted CA (PEM) and per-request deadline for Azure calls. */
  ca?: string;
  timeoutMs?: number;
}

export class AppAzureCredentials {
  private cached: Promise<CredentialSource> | null = null;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly o: AzureCredentialOptions = {},
  ) {}

  /** The source; rejects with AzureSetupError (naming what is wrong) when it cannot be built. */
  source(): Promise<CredentialSource> {
    this.cached ??= this.o.credentials
      ? Promise.resolve().then(() => this.o.credentials!())
      : credentialSourceFromEnv(this.env, { ...(this.o.timeoutMs !== undefined ? { timeoutMs: this.o.timeoutMs } : {}), ...(this.o.ca ? { ca: this.o.ca } : {}) });
    // A failed build is not kept: the next call tries again (a fixed account record, a keyring back).
    this.cached.catch(() => (this.cached = null));
    return this.cached;
  }

  /** A credential for one tenant. The chain is built on the first token request, so its failure
   * (NO_CREDENTIAL, naming every link) reaches tracking setup as that request's error. */
  credentialFor(tenantId: string): TokenCredential {
    return {
      getToken: async (scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> => (await this.source()).credentialFor(tenantId).getToken(scopes, options),
    };
  }
}
