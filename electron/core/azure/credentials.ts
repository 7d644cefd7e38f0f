// Headless Azure sign-in: a TokenCredential (the @azure/core-auth interface the ARM SDK takes)
// for a service principal, through msal-node's client-credentials flow. The authority host is
// injectable for sovereign clouds and for the local test double; msal-node's traffic goes
// through our transport so every request has a deadline and a refused/timed-out connection is
// told apart from a refused token.
import {
  AuthError,
  ConfidentialClientApplication,
  ServerError,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { AzureSetupError, redact } from './azureErrors.ts';
import { ARM_SCOPE, DEFAULT_AUTHORITY_HOST, DEFAULT_TIMEOUT_MS } from './endpoints.ts';
import { TransportError, sendRequest, type TransportFailureKind } from './httpTransport.ts';

export { ARM_SCOPE, DEFAULT_AUTHORITY_HOST, DEFAULT_TIMEOUT_MS };

/** Hosts msal-node already knows (instance discovery works for them); anything else must be
 * declared as a known authority or msal-node refuses it. */
export const MICROSOFT_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.microsoft.com',
  'login.windows.net',
  'sts.windows.net',
]);

export interface ServicePrincipalOptions {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** e.g. https://login.microsoftonline.us; default public cloud. Must be https (msal-node rule). */
  authorityHost?: string;
  timeoutMs?: number;
  /** Extra trusted CA (PEM), e.g. a TLS-inspecting proxy's or the test double's. */
  ca?: string;
}

type EnvLike = Record<string, string | undefined>;

const TENANT_RE = /^[A-Za-z0-9][A-Za-z0-9.-]{0,253}$/;

/**
 * The service principal credential for headless use. getToken() throws AzureSetupError with
 * reasonCode TOKEN_REFUSED (the authority answered no), NETWORK or TIMEOUT.
 */
export class ServicePrincipalCredential implements TokenCredential {
  readonly authority: string;
  private readonly app: ConfidentialClientApplication;
  private readonly net: DeadlineNetworkModule;
  private readonly secret: string;

  constructor(opts: ServicePrincipalOptions) {
    const missing = (['tenantId', 'clientId', 'clientSecret'] as const).filter((k) => !opts[k]?.trim());
    if (missing.length) {
      throw new AzureSetupError('NO_CREDENTIAL', `service principal is incomplete: ${missing.join(', ')} missing`);
    }
    if (!TENANT_RE.test(opts.tenantId)) {
      throw new AzureSetupError('NO_CREDENTIAL', `AZURE_TENANT_ID '${opts.tenantId}' is not a tenant id or domain; use the directory (tenant) GUID from the portal`);
    }
    const host = normaliseAuthorityHost(opts.authorityHost ?? DEFAULT_AUTHORITY_HOST);
    this.authority = `${host}/${opts.tenantId}`;
    this.secret = opts.clientSecret;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.net = new DeadlineNetworkModule(timeoutMs, opts.ca);
    const hostName = new URL(host).host;
    this.app = new ConfidentialClientApplication({
      auth: {
        clientId: opts.clientId,
        clientSecret: opts.clientSecret,
        authority: this.authority,
        // A non-Microsoft host (sovereign proxy, test double) must be declared, and then msal-node
        // builds its cloud metadata locally instead of calling Microsoft's instance discovery.
        knownAuthorities: MICROSOFT_AUTHORITY_HOSTS.has(hostName) ? [] : [hostName],
      },
      system: {
        networkClient: this.net,
        // Our caller decides about retrying; one bounded attempt keeps setup's total time bounded.
        disableInternalRetries: true,
      },
    });
  }

  async getToken(scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    const list = Array.isArray(scopes) ? scopes : [scopes];
    this.net.lastFailure = undefined;
    try {
      const res = await this.app.acquireTokenByClientCredential({ scopes: list });
      if (!res?.accessToken) {
        throw new AzureSetupError('TOKEN_REFUSED', `the token endpoint at ${this.authority} returned no access token`);
      }
      return {
        token: res.accessToken,
        expiresOnTimestamp: (res.expiresOn ?? new Date(Date.now() + 5 * 60_000)).getTime(),
        tokenType: 'Bearer',
      };
    } catch (err) {
      throw this.explain(err);
    }
  }

  private explain(err: unknown): AzureSetupError {
    if (err instanceof AzureSetupError) return err;
    const failure = this.net.lastFailure;
    if (failure) {
      return new AzureSetupError(failure.kind, `could not reach the Azure sign-in endpoint: ${failure.message}`);
    }
    if (err instanceof ServerError) {
      // AAD answers 400/401 with error + AADSTS text: wrong secret, unknown client or tenant.
      const status = typeof err.status === 'number' ? err.status : undefined;
      const detail = firstLine(err.errorMessage || err.message);
      return new AzureSetupError(
        'TOKEN_REFUSED',
        redact(`the Azure sign-in endpoint refused the service principal (${err.errorCode}${status ? `, HTTP ${status}` : ''}): ${detail}`, [this.secret]),
        status,
      );
    }
    if (err instanceof AuthError) {
      // Configuration/metadata failures (e.g. the tenant's OpenID configuration was refused).
      return new AzureSetupError('TOKEN_REFUSED', redact(`sign-in failed at ${this.authority} (${err.errorCode}): ${firstLine(err.errorMessage || err.message)}`, [this.secret]));
    }
    const msg = err instanceof Error ? err.message : String(err);
    return new AzureSetupError('TOKEN_REFUSED', redact(`sign-in failed at ${this.authority}: ${firstLine(msg)}`, [this.secret]));
  }
}

/** A credential from AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET, or why not. */
export function servicePrincipalFromEnv(
  env: EnvLike,
  opts: { authorityHost?: string; timeoutMs?: number; ca?: string } = {},
): { credential: ServicePrincipalCredential } | { missing: string[] } {
  const names = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET'] as const;
  const missing = names.filter((n) => !env[n]?.trim());
  if (missing.length) return { missing };
  return {
    credential: new ServicePrincipalCredential({
      tenantId: (env.AZURE_TENANT_ID ?? '').trim(),
      clientId: (env.AZURE_CLIENT_ID ?? '').trim(),
      clientSecret: env.AZURE_CLIENT_SECRET ?? '',
      ...opts,
    }),
  };
}

export function normaliseAuthorityHost(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new AzureSetupError('NO_CREDENTIAL', `authority host '${raw}' is not a URL; use e.g. ${DEFAULT_AUTHORITY_HOST}`);
  }
  if (u.protocol !== 'https:') {
    throw new AzureSetupError('NO_CREDENTIAL', `authority host '${raw}' must use https (msal-node refuses plain http authorities)`);
  }
  return `${u.protocol}//${u.host}`;
}

function firstLine(s: string): string {
  return (s.split(/\r?\n/)[0] ?? '').trim().slice(0, 400);
}

/**
 * msal-node's network module, over our transport: a deadline on every call (msal-node's own POST
 * has none) and the last transport failure kept so getToken() can say "refused" or "timed out".
 */
export class DeadlineNetworkModule implements INetworkModule {
  lastFailure: { kind: TransportFailureKind; message: string } | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly ca: string | undefined,
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    try {
      const res = await sendRequest(
        { method, url, headers: options?.headers ?? {}, ...(method === 'POST' ? { body: options?.body ?? '' } : {}) },
        { timeoutMs: timeout ? Math.min(timeout, this.timeoutMs) : this.timeoutMs, ca: this.ca },
      );
      let body: unknown;
      try {
        body = res.body ? JSON.parse(res.body) : {};
      } catch {
        // msal-node expects JSON; a proxy's HTML error page becomes an error msal can report.
        body = { error: 'invalid_response', error_description: `non-JSON answer (HTTP ${res.status}) from ${new URL(url).host}` };
      }
      return { status: res.status, headers: res.headers, body: body as T };
    } catch (err) {
      if (err instanceof TransportError) this.lastFailure = { kind: err.kind, message: err.message };
      throw err;
    }
  }
}
