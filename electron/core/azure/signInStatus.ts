// "Who am I signed in as, and through which link": what the status bar, Settings and
// `sweepdeck azure whoami` show. Only non-secret facts leave this module.
import type { AzureCloudName, CredentialLinkName } from './authTypes.ts';
import { signedInAccountCredential, type OpenAccountOptions } from './accountLink.ts';
import { cloudEndpoints, parseCloudName } from './clouds.ts';
import { buildCredentialChain, ChainCredentialSource, type SkippedLink } from './credentialChain.ts';
import type { PlatformProbe } from '../platform/detectPlatform.ts';

export interface SignInStatus {
  link: CredentialLinkName;
  /** User name, or the application id of a service principal / managed identity. */
  account: string | undefined;
  tenantId: string | undefined;
  cloud: AzureCloudName;
  authorityHost: string;
  armEndpoint: string;
  /** Where the signed-in account's tokens live (signed-in account only). */
  tokenCache: string | undefined;
  /** e.g. the no-OS-encryption notice. */
  notice: string | undefined;
  skipped: SkippedLink[];
}

export interface ResolveSignInOptions extends OpenAccountOptions {
  platformProbe?: PlatformProbe;
}

/** Builds the chain as `tracking setup` does and returns it with the account it may start with. */
export async function openCredentialSource(opts: ResolveSignInOptions) {
  const signedIn = await signedInAccountCredential(opts);
  const cloud = opts.cloud ?? signedIn?.cloud ?? parseCloudName(opts.env.SWEEPDECK_AZURE_CLOUD, 'SWEEPDECK_AZURE_CLOUD');
  const endpoints = cloudEndpoints(cloud, opts.env);
  const chain = buildCredentialChain({
    env: opts.env,
    endpoints,
    account: signedIn?.credential,
    ...(opts.platformProbe ? { platformProbe: opts.platformProbe } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ca: opts.ca,
  });
  return { source: new ChainCredentialSource(cloud, endpoints, chain), chain, session: signedIn?.session };
}

/** Gets one ARM token through the chain; throws AzureSetupError (NO_CREDENTIAL...) when none works. */
export async function currentSignIn(opts: ResolveSignInOptions): Promise<SignInStatus> {
  const { source, chain, session } = await openCredentialSource(opts);
  const token = await chain.getToken(source.endpoints.armScope);
  const link = chain.activeLink ?? 'environment';
  const claims = tokenClaims(token.token);
  const record = link === 'signed-in account' ? session?.record : undefined;
  return {
    link,
    account: record?.username ?? str(claims.upn) ?? str(claims.unique_name) ?? str(claims.preferred_username) ?? str(claims.appid) ?? str(claims.azp),
    tenantId: str(claims.tid) ?? record?.tenantId,
    cloud: source.cloud,
    authorityHost: source.endpoints.authorityHost,
    armEndpoint: source.endpoints.armEndpoint,
    tokenCache: link === 'signed-in account' ? session?.cacheDescription : undefined,
    notice: link === 'signed-in account' ? session?.notice : undefined,
    skipped: [...chain.skipped],
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** The payload of a JWT access token (not verified: only to name the account, never to trust it). */
function tokenClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    // Opaque (non-JWT) tokens exist; they just name nobody.
    return {};
  }
}
