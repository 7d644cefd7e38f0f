// Claims challenges (continuous access evaluation, MFA step-up): ARM or the Azure ML MLflow
// endpoint answers 401 with `WWW-Authenticate: Bearer ... error="insufficient_claims",
// claims="<base64 JSON>"`. The caller then gets one new token asking for those claims (the
// sign-in declares the `cp1` capability so such challenges are sent at all) and retries once.
// The ARM SDK's own pipeline already does this through TokenCredential.getToken({ claims });
// these wrappers give the same to plain fetch (the MLflow REST store) and to our transport.
import type { TokenCredential } from '@azure/core-auth';
import { sendRequest, type TransportOptions, type TransportRequest, type TransportResponse } from './httpTransport.ts';
import { proxyAwareFetch } from '../tracking/proxyFetch.ts';

/** The decoded claims JSON of an insufficient_claims challenge, or undefined. */
export function parseClaimsChallenge(wwwAuthenticate: string | null | undefined): string | undefined {
  if (!wwwAuthenticate) return undefined;
  const params = new Map<string, string>();
  for (const m of wwwAuthenticate.matchAll(/([A-Za-z_]+)="([^"]*)"/g)) params.set((m[1] ?? '').toLowerCase(), m[2] ?? '');
  if (params.get('error') !== 'insufficient_claims') return undefined;
  const raw = params.get('claims');
  if (!raw) return undefined;
  try {
    const decoded = Buffer.from(raw, 'base64').toString('utf8');
    JSON.parse(decoded); // must be JSON, or it is not a usable challenge
    return decoded;
  } catch {
    return undefined;
  }
}

/** Gets a bearer token for `scope`, asking for `claims` when given. */
export type ClaimsTokenGetter = (claims?: string) => Promise<string>;

export function tokenGetter(credential: TokenCredential, scope: string, tenantId?: string): ClaimsTokenGetter {
  return async (claims) => {
    const t = await credential.getToken(scope, { ...(claims ? { claims } : {}), ...(tenantId ? { tenantId } : {}) });
    if (!t) throw new Error(`the credential returned no token for ${scope}`);
    return t.token;
  };
}

/**
 * A fetch that answers a claims challenge once: on 401 insufficient_claims it gets a token with
 * the claims and repeats the request with it. Other answers pass through untouched.
 */
export function fetchWithClaimsChallenge(getToken: ClaimsTokenGetter, baseFetch: typeof fetch = proxyAwareFetch()): typeof fetch {
  return async (input, init) => {
    const res = await baseFetch(input, init);
    if (res.status !== 401) return res;
    const claims = parseClaimsChallenge(res.headers.get('www-authenticate'));
    if (!claims) return res;
    const token = await getToken(claims);
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${token}`);
    return baseFetch(input, { ...init, headers });
  };
}

/** sendRequest with a bearer token and one claims-challenge round. */
export async function sendWithClaimsChallenge(req: TransportRequest, opts: TransportOptions, getToken: ClaimsTokenGetter): Promise<TransportResponse> {
  const withToken = (token: string): TransportRequest => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } });
  const res = await sendRequest(withToken(await getToken()), opts);
  if (res.status !== 401) return res;
  const claims = parseClaimsChallenge(res.headers['www-authenticate']);
  if (!claims) return res;
  return sendRequest(withToken(await getToken(claims)), opts);
}
