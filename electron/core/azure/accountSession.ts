// The account a person signs in with inside Sweepdeck: device code or the system browser
// (authorization code with PKCE, loopback redirect), then silent tokens per tenant from msal's
// cache. This uses @azure/msal-node's PublicClientApplication directly rather than
// @azure/identity's InteractiveBrowserCredential, because the latter opens the browser itself
// (the `open` package) where Sweepdeck must inject it (Electron shell.openExternal, the CLI's
// print-and-open), and it offers no cancel. It is the same library @azure/identity wraps.
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import {
  AuthError,
  InteractionRequiredAuthError,
  PublicClientApplication,
  ServerError,
  type AccountInfo,
  type AuthenticationResult,
} from '@azure/msal-node';
import path from 'node:path';
import type { AzureCloudEndpoints, AzureCloudName, CredentialSource } from './authTypes.ts';
import { RECORD_FILE, readAccountRecord, removeFile, writeAccountRecord, type AccountRecord } from './accountRecord.ts';
import { AzureSetupError, redact } from './azureErrors.ts';
import { cloudEndpoints } from './clouds.ts';
import { LinkUnavailableError } from './credentialChain.ts';
import { DeadlineNetworkModule, MICROSOFT_AUTHORITY_HOSTS, normaliseAuthorityHost } from './credentials.ts';
import { DEFAULT_TIMEOUT_MS } from './endpoints.ts';
import { NO_OS_ENCRYPTION_NOTICE, type SecretStore } from './secretStore.ts';
import { CACHE_FILE, encryptedCachePlugin, type EncryptedCachePlugin } from './tokenCachePlugin.ts';

type EnvLike = Record<string, string | undefined>;

/**
 * Azure CLI's public client id, which @azure/identity also uses by default for its interactive
 * and developer sign-ins (DeveloperSignOnClientId): it is pre-consented in every tenant, so a
 * user needs no app registration of their own.
 */
export const DEFAULT_PUBLIC_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
/** Work and school accounts (what ARM accepts); the home tenant is learnt at sign-in. */
export const DEFAULT_SIGN_IN_TENANT = 'organizations';
/** Continuous access evaluation: lets ARM send claims challenges instead of failing. */
const CLIENT_CAPABILITIES = ['cp1'];

export const SUCCESS_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Signed in to Sweepdeck</title></head>
<body style="font-family:sans-serif;margin:3em"><h1>You are signed in to Sweepdeck.</h1>
<p>You can close this tab and go back to the Sweepdeck app (or the terminal).</p></body></html>`;
export const ERROR_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Sweepdeck sign-in failed</title></head>
<body style="font-family:sans-serif;margin:3em"><h1>Sign-in to Sweepdeck did not complete.</h1>
<p>Go back to the Sweepdeck app (or the terminal) to see why and try again.</p></body></html>`;

export type SignInFailureKind = 'cancelled' | 'timeout' | 'refused' | 'network';

export class SignInError extends Error {
  constructor(
    readonly kind: SignInFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'SignInError';
  }
}

/** Silent sign-in is not possible: nobody signed in, the session expired, or the tenant demands MFA. */
export class SignInRequiredError extends Error {
  constructor(
    message: string,
    readonly tenantId?: string,
  ) {
    super(message);
    this.name = 'SignInRequiredError';
  }
}

export interface DeviceCodeInfo {
  userCode: string;
  verificationUri: string;
  /** The identity platform's own sentence ("To sign in, use a web browser to open ..."). */
  message: string;
  expiresInSeconds: number;
}

export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface SignInCommon {
  /** Tenant to sign in to; default the record's tenant, else "organizations". */
  tenantId?: string;
  signal?: AbortSignalLike;
  /** Give up after this long (default 5 minutes for the browser; the code's own expiry for device code). */
  timeoutMs?: number;
  /** Signing in to one more tenant of the same account: the default tenant stays as it is. */
  keepDefaultTenant?: boolean;
}

export interface AccountSessionOptions {
  /** Folder of account.json and the encrypted token cache. */
  dir: string;
  secretStore: SecretStore;
  /** Default: the record's cloud, else AzureCloud. */
  cloud?: AzureCloudName;
  /** SWEEPDECK_AZURE_* overrides are read from here. */
  env?: EnvLike;
  /** Default: the record's, else DEFAULT_PUBLIC_CLIENT_ID. */
  clientId?: string;
  timeoutMs?: number;
  /** Extra trusted CA (PEM) for the identity platform. */
  ca?: string | undefined;
}

export class AccountSession implements CredentialSource {
  readonly cloud: AzureCloudName;
  readonly endpoints: AzureCloudEndpoints;
  readonly clientId: string;
  private current: AccountRecord | undefined;
  private readonly app: PublicClientApplication;
  private readonly cache: EncryptedCachePlugin;
  private readonly net: DeadlineNetworkModule;

  constructor(private readonly opts: AccountSessionOptions) {
    this.current = readAccountRecord(opts.dir);
    this.cloud = opts.cloud ?? this.current?.cloud ?? 'AzureCloud';
    this.endpoints = cloudEndpoints(this.cloud, opts.env ?? {});
    this.clientId = opts.clientId ?? this.current?.clientId ?? DEFAULT_PUBLIC_CLIENT_ID;
    const host = normaliseAuthorityHost(this.endpoints.authorityHost);
    const hostName = new URL(host).host;
    this.cache = encryptedCachePlugin(path.join(opts.dir, CACHE_FILE), opts.secretStore);
    this.net = new DeadlineNetworkModule(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, opts.ca);
    this.app = new PublicClientApplication({
      auth: {
        clientId: this.clientId,
        authority: `${host}/${this.current?.tenantId ?? DEFAULT_SIGN_IN_TENANT}`,
        // A host msal-node does not know (private cloud, test double) must be declared; msal then
        // builds its metadata locally instead of calling Microsoft's instance discovery.
        knownAuthorities: MICROSOFT_AUTHORITY_HOSTS.has(hostName) ? [] : [hostName],
        clientCapabilities: CLIENT_CAPABILITIES,
      },
      cache: { cachePlugin: this.cache },
      system: { networkClient: this.net },
    });
  }

  /** Who is signed in (non-secret), or undefined. */
  get record(): AccountRecord | undefined {
    return this.current;
  }

  /** A one-line notice for the status bar / CLI when tokens cannot outlive this launch. */
  get notice(): string | undefined {
    if (!this.opts.secretStore.encrypts) return NO_OS_ENCRYPTION_NOTICE;
    return this.cache.problem;
  }

  /** Where the token cache is stored (encrypted), or undefined when it is memory-only. */
  get cacheDescription(): string {
    return this.opts.secretStore.encrypts ? `${path.join(this.opts.dir, CACHE_FILE)}, encrypted by ${this.opts.secretStore.description}` : `memory only (${this.opts.secretStore.description})`;
  }

  private authority(tenantId: string | undefined): string {
    return `${this.endpoints.authorityHost}/${tenantId ?? this.current?.tenantId ?? DEFAULT_SIGN_IN_TENANT}`;
  }

  /** Device code: `onCode` gets the code and URL to show; resolves once the user approved. */
  async signInWithDeviceCode(opts: SignInCommon & { onCode: (info: DeviceCodeInfo) => void }): Promise<AccountRecord> {
    const request = {
      scopes: [this.endpoints.armScope],
      authority: this.authority(opts.tenantId),
      deviceCodeCallback: (r: { userCode: string; verificationUri: string; message: string; expiresIn: number }) =>
        opts.onCode({ userCode: r.userCode, verificationUri: r.verificationUri, message: r.message, expiresInSeconds: r.expiresIn }),
      cancel: false,
      ...(opts.timeoutMs ? { timeout: Math.ceil(opts.timeoutMs / 1000) } : {}),
    };
    // msal-node checks `cancel` between polls.
    const onAbort = (): void => {
      request.cancel = true;
    };
    opts.signal?.addEventListener('abort', onAbort);
    try {
      if (opts.signal?.aborted) throw new SignInError('cancelled', 'sign-in was cancelled');
      const result = await this.app.acquireTokenByDeviceCode(request);
      return this.remember(result, 'device code', opts);
    } catch (err) {
      throw this.explain(err, opts.signal?.aborted ? 'cancelled' : undefined);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Authorization code with PKCE in the system browser: `openBrowser` gets the sign-in URL, the
   * answer comes back to a loopback server on http://localhost:<free port>, whose page tells the
   * user to go back to the app. Cancel (signal) and timeout end the wait at once.
   */
  async signInWithBrowser(opts: SignInCommon & { openBrowser: (url: string) => Promise<void> }): Promise<AccountRecord> {
    const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
    let pending: { redirectUri: string; state: string } | undefined;
    let ended: 'cancelled' | 'timeout' | undefined;
    // msal-node's loopback server has no cancel of its own: end the wait by delivering an
    // error response to it, as the identity platform would when the user gives up.
    const end = (why: 'cancelled' | 'timeout'): void => {
      if (ended) return;
      ended = why;
      if (pending) void deliverError(pending.redirectUri, pending.state, why).catch(() => undefined);
    };
    const onAbort = (): void => end('cancelled');
    opts.signal?.addEventListener('abort', onAbort);
    const timer = setTimeout(() => end('timeout'), timeoutMs);
    try {
      if (opts.signal?.aborted) throw new SignInError('cancelled', 'sign-in was cancelled');
      const result = await this.app.acquireTokenInteractive({
        scopes: [this.endpoints.armScope],
        authority: this.authority(opts.tenantId),
        successTemplate: SUCCESS_PAGE,
        errorTemplate: ERROR_PAGE,
        openBrowser: async (url: string) => {
          const u = new URL(url);
          pending = { redirectUri: u.searchParams.get('redirect_uri') ?? '', state: u.searchParams.get('state') ?? '' };
          if (ended) {
            await deliverError(pending.redirectUri, pending.state, ended);
            return;
          }
          await opts.openBrowser(url);
        },
      });
      return this.remember(result, 'browser', opts);
    } catch (err) {
      throw this.explain(err, ended, timeoutMs);
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** A token without interaction, for the signed-in account in `tenantId` (default tenant if omitted). */
  async getToken(scopes: string | string[], options: { tenantId?: string | undefined; claims?: string | undefined } = {}): Promise<AccessToken> {
    const found = await this.account();
    const list = Array.isArray(scopes) ? scopes : [scopes];
    const tenant = options.tenantId ?? this.current?.tenantId;
    // msal looks tokens up by the account's tenant: another tenant of the same person is asked
    // for with the account re-labelled to that tenant (msal's multi-tenant account model).
    const account = tenant && tenant !== found.tenantId ? { ...found, tenantId: tenant } : found;
    try {
      const r = await this.app.acquireTokenSilent({
        account,
        scopes: list,
        authority: this.authority(tenant),
        ...(options.claims ? { claims: options.claims } : {}),
      });
      return { token: r.accessToken, expiresOnTimestamp: (r.expiresOn ?? new Date(Date.now() + 5 * 60_000)).getTime(), tokenType: 'Bearer' };
    } catch (err) {
      if (err instanceof InteractionRequiredAuthError) {
        throw new SignInRequiredError(
          `tenant ${tenant ?? ''} needs you to sign in again (${err.errorCode}${err.subError ? `/${err.subError}` : ''}): ${firstLine(err.errorMessage)}`,
          tenant,
        );
      }
      throw this.explain(err);
    }
  }

  /** The signed-in account as a chain link: unavailable (the chain moves on) when silent sign-in is not possible. */
  readonly credential: TokenCredential = {
    getToken: async (scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> => {
      try {
        return await this.getToken(scopes, { tenantId: options?.tenantId, claims: options?.claims });
      } catch (err) {
        if (err instanceof SignInRequiredError) throw new LinkUnavailableError(err.message);
        throw err;
      }
    },
  };

  /**
   * The signed-in account in one tenant (CredentialSource): getToken throws SignInRequiredError
   * when that tenant needs an interaction (MFA), for listTenants() to show "needs sign-in".
   */
  credentialFor(tenantId?: string): TokenCredential {
    return { getToken: (scopes, options) => this.getToken(scopes, { tenantId: options?.tenantId ?? tenantId, claims: options?.claims }) };
  }

  /** Forgets the account: the token cache (memory and file), the keyring key and the record. */
  async signOut(): Promise<void> {
    const cache = this.app.getTokenCache();
    for (const a of await cache.getAllAccounts()) await cache.removeAccount(a);
    this.cache.clear();
    await this.opts.secretStore.clear?.();
    removeFile(path.join(this.opts.dir, RECORD_FILE));
    this.current = undefined;
  }

  private async account(): Promise<AccountInfo> {
    if (!this.current) throw new SignInRequiredError('nobody is signed in inside Sweepdeck (run `sweepdeck azure login`)');
    const found = await this.app.getTokenCache().getAccountByHomeId(this.current.homeAccountId);
    if (!found) {
      throw new SignInRequiredError(
        this.opts.secretStore.encrypts
          ? `the sign-in of ${this.current.username} is no longer in the token cache; sign in again`
          : `${this.current.username} signed in before, but with no OS encryption tokens are not kept between launches; sign in again`,
      );
    }
    return found;
  }

  private remember(result: AuthenticationResult | null, via: AccountRecord['signedInVia'], opts: SignInCommon): AccountRecord {
    const account = result?.account;
    if (!result?.accessToken || !account) throw new SignInError('refused', 'the identity platform returned no account');
    // msal-node 7.2 does not find, in the same process, the refresh token an interactive or
    // device-code sign-in just stored (silent calls fail with no_tokens_found) while the same
    // cache read back from its serialization works: re-read it so silent refresh works at once.
    const cache = this.app.getTokenCache();
    cache.deserialize(cache.serialize());
    if (opts.keepDefaultTenant && this.current && this.current.homeAccountId === account.homeAccountId) return this.current;
    const record: AccountRecord = {
      version: 1,
      cloud: this.cloud,
      authorityHost: this.endpoints.authorityHost,
      tenantId: opts.tenantId && opts.tenantId !== DEFAULT_SIGN_IN_TENANT ? opts.tenantId : account.tenantId,
      clientId: this.clientId,
      homeAccountId: account.homeAccountId,
      username: account.username,
      signedInVia: via,
      signedInAt: new Date().toISOString(),
    };
    writeAccountRecord(this.opts.dir, record);
    this.current = record;
    return record;
  }

  private explain(err: unknown, ended?: 'cancelled' | 'timeout', timeoutMs?: number): Error {
    if (err instanceof SignInError || err instanceof SignInRequiredError || err instanceof AzureSetupError) return err;
    if (ended === 'cancelled') return new SignInError('cancelled', 'sign-in was cancelled');
    if (ended === 'timeout') return new SignInError('timeout', `sign-in did not complete within ${Math.round((timeoutMs ?? 0) / 1000)} s; try again`);
    const failure = this.net.lastFailure;
    if (failure) return new SignInError('network', `could not reach the Azure sign-in endpoint ${this.endpoints.authorityHost}: ${failure.message}`);
    if (err instanceof AuthError) {
      const code = err.errorCode;
      if (code === 'device_code_polling_cancelled') return new SignInError('cancelled', 'sign-in was cancelled');
      if (code === 'device_code_expired' || code === 'expired_token' || code === 'user_timeout_reached') {
        return new SignInError('timeout', 'the device code expired before it was used; run the sign-in again');
      }
      const kind = err instanceof ServerError && code === 'access_denied' ? 'cancelled' : 'refused';
      return new SignInError(kind, redact(`sign-in failed at ${this.endpoints.authorityHost} (${code}): ${firstLine(err.errorMessage || err.message)}`));
    }
    return new SignInError('refused', redact(`sign-in failed: ${firstLine(err instanceof Error ? err.message : String(err))}`));
  }
}

/** Posts an OAuth error answer to our own loopback redirect, which ends msal-node's wait. */
async function deliverError(redirectUri: string, state: string, why: 'cancelled' | 'timeout'): Promise<void> {
  const { sendRequest } = await import('./httpTransport.ts');
  // msal-node listens on 127.0.0.1 while naming the redirect "localhost" (which may resolve to ::1).
  const url = new URL(redirectUri);
  if (url.hostname === 'localhost') url.hostname = '127.0.0.1';
  await sendRequest(
    {
      method: 'POST',
      url: url.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ error: 'access_denied', error_description: `sign-in ${why === 'cancelled' ? 'was cancelled' : 'timed out'} in Sweepdeck`, state }).toString(),
    },
    { timeoutMs: 5_000 },
  );
}

function firstLine(s: string): string {
  return (s.split(/\r?\n/)[0] ?? '').trim().slice(0, 300);
}
