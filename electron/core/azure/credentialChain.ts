// The one credential chain Sweepdeck signs in with: the account signed in inside Sweepdeck first,
// then DefaultAzureCredential's links (environment, workload identity, managed identity, Azure
// CLI, Azure Developer CLI, Azure PowerShell), built from @azure/identity's own credentials. It is
// not DefaultAzureCredential itself because the status bar and `whoami` must name the link that
// answered, the environment is injected (tests, the app's settings), and on a workstation the
// managed and workload identity links are left out so start-up never waits on a metadata probe.
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import {
  AzureCliCredential,
  AzureDeveloperCliCredential,
  AzurePowerShellCredential,
  ClientCertificateCredential,
  ManagedIdentityCredential,
  WorkloadIdentityCredential,
} from '@azure/identity';
import { detectAzureCompute } from '../platform/azureCompute.ts';
import type { PlatformProbe } from '../platform/detectPlatform.ts';
import type { AzureCloudEndpoints, AzureCloudName, CredentialLinkName, CredentialSource } from './authTypes.ts';
import { AzureSetupError, redact } from './azureErrors.ts';
import { ServicePrincipalCredential } from './credentials.ts';
import { DEFAULT_TIMEOUT_MS } from './endpoints.ts';

type EnvLike = Record<string, string | undefined>;

export interface ChainLink {
  readonly name: CredentialLinkName;
  readonly credential: TokenCredential;
}

/** A link left out of the chain, and why (shown by `whoami` and in the NO_CREDENTIAL reason). */
export interface SkippedLink {
  readonly name: CredentialLinkName;
  readonly why: string;
}

/** Thrown by a link that cannot be used here; the chain then tries the next one. The name is
 * @azure/identity's, so its credentials' own "unavailable" errors are treated the same way. */
export class LinkUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialUnavailableError';
  }
}

const isUnavailable = (err: unknown): err is Error => err instanceof Error && err.name === 'CredentialUnavailableError';

/**
 * Tries its links in order. A link that is unavailable passes to the next; a link that answers
 * is kept for later calls (as DefaultAzureCredential does); a link that fails for real (refused
 * secret, network) stops the chain with that error, so its reason code is not hidden.
 */
export class CredentialChain implements TokenCredential {
  private selected: ChainLink | undefined;

  constructor(
    readonly links: readonly ChainLink[],
    readonly skipped: readonly SkippedLink[] = [],
  ) {}

  /** The link that answered last, once one has. */
  get activeLink(): CredentialLinkName | undefined {
    return this.selected?.name;
  }

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    if (this.selected) return await this.tokenFrom(this.selected, scopes, options);
    const unavailable: string[] = [];
    for (const link of this.links) {
      try {
        const token = await this.tokenFrom(link, scopes, options);
        this.selected = link;
        return token;
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        unavailable.push(`${link.name}: ${firstLine(err.message)}`);
      }
    }
    const all = [...unavailable, ...this.skipped.map((s) => `${s.name}: ${s.why}`)];
    throw new AzureSetupError(
      'NO_CREDENTIAL',
      `no Azure credential: ${all.join('; ')}. Sign in with \`sweepdeck azure login\` (or the app's Sign in), run \`az login\`, or set the service principal's AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET`,
    );
  }

  private async tokenFrom(link: ChainLink, scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    let token: AccessToken | null;
    try {
      token = await link.credential.getToken(scopes, options);
    } catch (err) {
      if (err instanceof AzureSetupError || isUnavailable(err)) throw err;
      const msg = err instanceof Error ? err.message : String(err);
      throw new AzureSetupError('TOKEN_REFUSED', redact(`${link.name} could not get a token: ${firstLine(msg)}`));
    }
    if (!token) throw new LinkUnavailableError('returned no token');
    return token;
  }
}

/** AZURE_TOKEN_CREDENTIALS values, as DefaultAzureCredential reads them (case-insensitive). */
const SINGLE_LINK: Record<string, CredentialLinkName> = {
  environmentcredential: 'environment',
  workloadidentitycredential: 'workload identity',
  managedidentitycredential: 'managed identity',
  azureclicredential: 'Azure CLI',
  azuredeveloperclicredential: 'Azure Developer CLI',
  azurepowershellcredential: 'Azure PowerShell',
};
const PROD_LINKS: CredentialLinkName[] = ['environment', 'workload identity', 'managed identity'];
const DEV_LINKS: CredentialLinkName[] = ['signed-in account', 'Azure CLI', 'Azure Developer CLI', 'Azure PowerShell'];
const ORDER: CredentialLinkName[] = ['signed-in account', ...PROD_LINKS, 'Azure CLI', 'Azure Developer CLI', 'Azure PowerShell'];

/** Which links AZURE_TOKEN_CREDENTIALS allows (all when unset), and whether it named them explicitly. */
export function linksAllowedBy(env: EnvLike): { allowed: Set<CredentialLinkName>; explicit: boolean } {
  const raw = env.AZURE_TOKEN_CREDENTIALS?.trim().toLowerCase();
  if (!raw) return { allowed: new Set(ORDER), explicit: false };
  if (raw === 'dev') return { allowed: new Set(DEV_LINKS), explicit: true };
  if (raw === 'prod') return { allowed: new Set(PROD_LINKS), explicit: true };
  const one = SINGLE_LINK[raw];
  if (one) return { allowed: new Set([one]), explicit: true };
  throw new AzureSetupError(
    'NO_CREDENTIAL',
    `AZURE_TOKEN_CREDENTIALS='${env.AZURE_TOKEN_CREDENTIALS}' is not understood; use dev, prod, or one of EnvironmentCredential, WorkloadIdentityCredential, ManagedIdentityCredential, AzureCliCredential, AzureDeveloperCliCredential, AzurePowerShellCredential (or unset it)`,
  );
}

export interface CredentialChainOptions {
  /** Environment the links read (service principal, AZURE_TOKEN_CREDENTIALS...). */
  env: EnvLike;
  endpoints: AzureCloudEndpoints;
  /** The account signed in inside Sweepdeck, when there is one (first link). */
  account?: TokenCredential | undefined;
  /** For Azure compute detection; default: the given env, no file checks. */
  platformProbe?: PlatformProbe;
  /** Deadline per request / per CLI call. */
  timeoutMs?: number;
  /** Extra trusted CA (PEM) for the service principal's requests. */
  ca?: string | undefined;
}

/** Builds the chain for this environment: which links exist, which were left out and why. */
export function buildCredentialChain(opts: CredentialChainOptions): CredentialChain {
  const env = opts.env;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const { allowed, explicit } = linksAllowedBy(env);
  const compute = detectAzureCompute(opts.platformProbe ?? { env, exists: () => false });
  const links: ChainLink[] = [];
  const skipped: SkippedLink[] = [];
  const notAllowed = (name: CredentialLinkName): void => {
    skipped.push({ name, why: `left out by AZURE_TOKEN_CREDENTIALS=${env.AZURE_TOKEN_CREDENTIALS ?? ''}` });
  };
  const authorityHost = opts.endpoints.authorityHost;
  const tenant = env.AZURE_TENANT_ID?.trim();
  const clientId = env.AZURE_CLIENT_ID?.trim();

  for (const name of ORDER) {
    if (!allowed.has(name)) {
      // Only worth reporting when the user narrowed the chain on purpose.
      if (explicit && name !== 'signed-in account') notAllowed(name);
      continue;
    }
    switch (name) {
      case 'signed-in account':
        if (opts.account) links.push({ name, credential: opts.account });
        else skipped.push({ name, why: 'nobody is signed in inside Sweepdeck' });
        break;
      case 'environment':
        links.push({ name, credential: environmentLink(env, authorityHost, timeoutMs, opts.ca) });
        break;
      case 'workload identity':
        if (compute.workloadIdentity || explicit) {
          links.push({
            name,
            credential: unavailableUntilConstructed(() => new WorkloadIdentityCredential({ authorityHost, ...(tenant ? { tenantId: tenant } : {}), ...(clientId ? { clientId } : {}) })),
          });
        } else skipped.push({ name, why: 'no AZURE_FEDERATED_TOKEN_FILE (not a workload-identity host)' });
        break;
      case 'managed identity':
        if (compute.managedIdentity || explicit) {
          links.push({ name, credential: new ManagedIdentityCredential(clientId ? { clientId } : {}) });
        } else skipped.push({ name, why: 'not on Azure compute (no Azure ML or managed identity endpoint in the environment), so the metadata endpoint is not probed' });
        break;
      case 'Azure CLI':
        links.push({ name, credential: new AzureCliCredential({ processTimeoutInMs: timeoutMs, additionallyAllowedTenants: ['*'] }) });
        break;
      case 'Azure Developer CLI':
        links.push({ name, credential: new AzureDeveloperCliCredential({ processTimeoutInMs: timeoutMs, additionallyAllowedTenants: ['*'] }) });
        break;
      case 'Azure PowerShell':
        links.push({ name, credential: new AzurePowerShellCredential({ processTimeoutInMs: timeoutMs, additionallyAllowedTenants: ['*'] }) });
        break;
    }
  }
  return new CredentialChain(links, skipped);
}

/**
 * The environment link: a service principal with a secret (the msal-node client-credentials
 * wrapper whose refused/unreachable/timed-out reasons the fallback codes rely on) or with a
 * certificate (@azure/identity's ClientCertificateCredential).
 */
function environmentLink(env: EnvLike, authorityHost: string, timeoutMs: number, ca: string | undefined): TokenCredential {
  const tenantId = env.AZURE_TENANT_ID?.trim();
  const clientId = env.AZURE_CLIENT_ID?.trim();
  const secret = env.AZURE_CLIENT_SECRET;
  const certPath = env.AZURE_CLIENT_CERTIFICATE_PATH?.trim();
  const missing = [!tenantId && 'AZURE_TENANT_ID', !clientId && 'AZURE_CLIENT_ID'].filter((x): x is string => !!x);
  if (!secret?.trim() && !certPath) missing.push('AZURE_CLIENT_SECRET');
  if (missing.length) {
    const list = missing.length === 1 ? `${missing[0]} is` : `${missing.slice(0, -1).join(', ')} and ${missing.at(-1)} are`;
    return unavailable(`${list} not set${missing.includes('AZURE_CLIENT_SECRET') ? ' (nor AZURE_CLIENT_CERTIFICATE_PATH)' : ''}`);
  }
  if (secret?.trim()) {
    return new ServicePrincipalCredential({ tenantId: tenantId ?? '', clientId: clientId ?? '', clientSecret: secret, authorityHost, timeoutMs, ...(ca ? { ca } : {}) });
  }
  const password = env.AZURE_CLIENT_CERTIFICATE_PASSWORD;
  return new ClientCertificateCredential(tenantId ?? '', clientId ?? '', { certificatePath: certPath ?? '', ...(password ? { certificatePassword: password } : {}) }, {
    authorityHost,
    sendCertificateChain: env.AZURE_CLIENT_SEND_CERTIFICATE_CHAIN === 'true' || env.AZURE_CLIENT_SEND_CERTIFICATE_CHAIN === '1',
  });
}

function unavailable(why: string): TokenCredential {
  return {
    getToken: () => Promise.reject(new LinkUnavailableError(why)),
  };
}

/** A credential whose constructor may throw (missing settings) becomes an unavailable link. */
function unavailableUntilConstructed(make: () => TokenCredential): TokenCredential {
  try {
    return make();
  } catch (err) {
    return unavailable(firstLine(err instanceof Error ? err.message : String(err)));
  }
}

function firstLine(s: string): string {
  return redact((s.split(/\r?\n/)[0] ?? '').trim().slice(0, 300));
}

/** The chain as a CredentialSource: one credential per tenant, all through the same chain. */
export class ChainCredentialSource implements CredentialSource {
  constructor(
    readonly cloud: AzureCloudName,
    readonly endpoints: AzureCloudEndpoints,
    readonly chain: CredentialChain,
  ) {}

  credentialFor(tenantId?: string): TokenCredential {
    if (!tenantId) return this.chain;
    return { getToken: (scopes, options) => this.chain.getToken(scopes, { ...options, tenantId }) };
  }
}
