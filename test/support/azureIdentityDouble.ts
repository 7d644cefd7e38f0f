// The identity side of the Azure test double for people (not robots): a user with a home tenant,
// a second tenant, and a tenant that demands MFA (`interaction_required` on silent refresh);
// authorization code with PKCE (the code_verifier is checked against the challenge), device code
// (authorization_pending until the "browser" approves), refresh tokens, ARM's tenant list, and
// claims challenges (401 + WWW-Authenticate insufficient_claims) on ARM and the MLflow endpoint.
// Everything hangs off startAzureDouble() through addRoute(), on the same loopback HTTPS server;
// access tokens go into the double's issuedTokens, so its ARM and MLflow parts accept them.
// Shapes follow the Microsoft identity platform's v2.0 protocol docs and ARM's Tenants - List.
import crypto from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { startAzureDouble, type AzureDouble, type AzureDoubleOptions } from './azureDouble.ts';

export interface DoubleTenant {
  tenantId: string;
  displayName: string;
  defaultDomain: string;
  /** Silent token requests for this tenant answer interaction_required until the user signs in to it. */
  mfa: boolean;
}

export interface IdentityDouble extends AzureDouble {
  readonly user: { oid: string; username: string; name: string };
  /** Home tenant (the double's tenantId), a second tenant, and an MFA-gated tenant. */
  readonly tenants: DoubleTenant[];
  readonly mfaTenantId: string;
  readonly secondTenantId: string;
  /** Refresh tokens handed out (to check none reaches a file or an output). */
  readonly issuedRefreshTokens: string[];
  /** Counts: device-code polls answered authorization_pending, PKCE checks passed. */
  readonly counters: { pendingPolls: number; pkceVerified: number; refreshGrants: number; claimsGrants: number };
  /** Form fields (minus secrets) of every user token request, in order. */
  readonly userTokenRequests: Record<string, string>[];
  /** Access-token lifetime for user grants, seconds (under 300 makes msal refresh on every call). */
  accessTokenLifetime: number;
  /** The next ARM / MLflow call whose token lacks the challenged claims answers 401 insufficient_claims. */
  requireClaims(part: 'arm' | 'mlflow'): void;
  /** Approves a device code as the user would at the verification page. */
  approveDeviceCode(userCode: string): boolean;
  /** Any Azure CLI-style token for `az` stand-ins: valid for the double's ARM and MLflow parts. */
  mintCliToken(): { accessToken: string; expiresOnEpoch: number };
}

interface CodeGrant {
  challenge: string;
  method: string;
  redirectUri: string;
  clientId: string;
  tenantId: string;
  scope: string;
}
interface DeviceGrant {
  userCode: string;
  tenantId: string;
  approved: boolean;
  scope: string;
}

/** `onto`: add the identity parts to a double already running (e.g. the MLflow double's), else start one. */
export async function startIdentityDouble(opts: AzureDoubleOptions = {}, onto?: AzureDouble): Promise<IdentityDouble> {
  const base = onto ?? (await startAzureDouble(opts));
  const url = base.url;
  const user = { oid: crypto.randomUUID(), username: 'ada@contoso.example', name: 'Ada Lovelace' };
  const secondTenantId = crypto.randomUUID();
  const mfaTenantId = crypto.randomUUID();
  const tenants: DoubleTenant[] = [
    { tenantId: base.tenantId, displayName: 'Contoso', defaultDomain: 'contoso.example', mfa: false },
    { tenantId: secondTenantId, displayName: 'Fabrikam', defaultDomain: 'fabrikam.example', mfa: false },
    { tenantId: mfaTenantId, displayName: 'Woodgrove (MFA)', defaultDomain: 'woodgrove.example', mfa: true },
  ];
  const knownTenant = (t: string): DoubleTenant | undefined => tenants.find((x) => x.tenantId === t);
  const codes = new Map<string, CodeGrant>();
  const devices = new Map<string, DeviceGrant>();
  const refreshTokens = new Map<string, string>(); // token -> user oid
  const mfaDone = new Set<string>();
  const claimsSatisfied = new Set<string>();
  const challenged = new Set<'arm' | 'mlflow'>();
  const challengeClaims = JSON.stringify({ access_token: { nbf: { essential: true, value: String(Math.floor(Date.now() / 1000)) } } });
  const issuedRefreshTokens: string[] = [];
  const counters = { pendingPolls: 0, pkceVerified: 0, refreshGrants: 0, claimsGrants: 0 };
  const userTokenRequests: Record<string, string>[] = [];

  const ext: IdentityDouble = Object.assign(base, {
    user,
    tenants,
    mfaTenantId,
    secondTenantId,
    issuedRefreshTokens,
    counters,
    userTokenRequests,
    accessTokenLifetime: 3599,
    requireClaims: (part: 'arm' | 'mlflow') => void challenged.add(part),
    approveDeviceCode: (userCode: string) => {
      for (const d of devices.values()) {
        if (d.userCode === userCode) {
          d.approved = true;
          return true;
        }
      }
      return false;
    },
    mintCliToken: () => {
      const exp = Math.floor(Date.now() / 1000) + 3599;
      const accessToken = jwt({ aud: 'https://management.azure.com', iss: `https://sts.windows.net/${base.tenantId}/`, tid: base.tenantId, oid: user.oid, upn: user.username, exp });
      base.issuedTokens.push(accessToken);
      return { accessToken, expiresOnEpoch: exp };
    },
  });

  const openidFor = (tenant: string): Record<string, unknown> => ({
    token_endpoint: `${url}/${tenant}/oauth2/v2.0/token`,
    authorization_endpoint: `${url}/${tenant}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${url}/${tenant}/oauth2/v2.0/devicecode`,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    jwks_uri: `${url}/${tenant}/discovery/v2.0/keys`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: `${url}/${tenant === 'organizations' || tenant === 'common' ? '{tenantid}' : tenant}/v2.0`,
    request_uri_parameter_supported: false,
    end_session_endpoint: `${url}/${tenant}/oauth2/v2.0/logout`,
    tenant_region_scope: 'EU',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
  });

  /** The tenant a request path names: a known tenant, or the home tenant for organizations/common. */
  const resolveTenant = (t: string): string | undefined => (t === 'organizations' || t === 'common' ? base.tenantId : knownTenant(t)?.tenantId);

  const issueUserTokens = (tenantId: string, scope: string, claims: string | undefined, clientId: string): Record<string, unknown> => {
    const now = Math.floor(Date.now() / 1000);
    const resource = scope.split(' ').find((s) => s.endsWith('/.default'))?.replace(/\/\.default$/, '') ?? 'https://management.azure.com';
    const access = jwt({ aud: resource, iss: `https://sts.windows.net/${tenantId}/`, tid: tenantId, oid: user.oid, upn: user.username, name: user.name, exp: now + ext.accessTokenLifetime, xms_cc: ['cp1'] });
    base.issuedTokens.push(access);
    if (claims && claimsAnswer(claims)) {
      claimsSatisfied.add(access);
      counters.claimsGrants += 1;
    }
    const refresh = `rt.${crypto.randomBytes(24).toString('base64url')}`;
    refreshTokens.set(refresh, user.oid);
    issuedRefreshTokens.push(refresh);
    const idToken = jwt({ aud: clientId, iss: `${url}/${tenantId}/v2.0`, tid: tenantId, oid: user.oid, sub: user.oid, preferred_username: user.username, name: user.name, ver: '2.0', exp: now + 3600 });
    return {
      token_type: 'Bearer',
      scope: `${resource}/user_impersonation ${resource}/.default`,
      expires_in: ext.accessTokenLifetime,
      ext_expires_in: ext.accessTokenLifetime,
      access_token: access,
      refresh_token: refresh,
      id_token: idToken,
      client_info: Buffer.from(JSON.stringify({ uid: user.oid, utid: base.tenantId })).toString('base64url'),
    };
  };

  /** True when requested claims answer the pending challenge (the nbf claim asked for). */
  const claimsAnswer = (claims: string): boolean => {
    try {
      const asked = (JSON.parse(challengeClaims) as { access_token: { nbf: unknown } }).access_token.nbf;
      const got = (JSON.parse(claims) as { access_token?: { nbf?: unknown } }).access_token?.nbf;
      return JSON.stringify(asked) === JSON.stringify(got);
    } catch {
      return false;
    }
  };

  base.addRoute(async ({ req, res, url: u, body, rec }) => {
    const p = u.pathname;
    const openid = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(p);
    if (openid && req.method === 'GET' && resolveTenant(openid[1] ?? '')) {
      rec.part = 'openid';
      json(res, 200, openidFor(openid[1] ?? ''));
      return true;
    }

    const authorize = /^\/([^/]+)\/oauth2\/v2\.0\/authorize$/.exec(p);
    if (authorize && req.method === 'GET') {
      rec.part = 'token';
      const q = u.searchParams;
      const tenantId = resolveTenant(authorize[1] ?? '');
      const redirectUri = q.get('redirect_uri') ?? '';
      if (!tenantId) return htmlError(res, `AADSTS90002: Tenant '${authorize[1]}' not found.`);
      if (!/^http:\/\/localhost:\d+\/?$/.test(redirectUri)) return htmlError(res, `AADSTS50011: The redirect URI '${redirectUri}' does not match a loopback URI of the application.`);
      if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
        return htmlError(res, 'AADSTS900144: response_type=code with an S256 code_challenge is required.');
      }
      const code = `code.${crypto.randomBytes(20).toString('base64url')}`;
      codes.set(code, { challenge: q.get('code_challenge') ?? '', method: 'S256', redirectUri, clientId: q.get('client_id') ?? '', tenantId, scope: q.get('scope') ?? '' });
      // The user signs in here (and does MFA where asked), then the page posts the answer back.
      if (knownTenant(tenantId)?.mfa) mfaDone.add(tenantId);
      const fields = { code, state: q.get('state') ?? '', client_info: Buffer.from(JSON.stringify({ uid: user.oid, utid: base.tenantId })).toString('base64url') };
      const inputs = Object.entries(fields)
        .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`)
        .join('');
      const page = `<!doctype html><html><body onload="document.forms[0].submit()"><form method="POST" action="${escapeHtml(redirectUri)}">${inputs}</form></body></html>`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
      return true;
    }

    const devicecode = /^\/([^/]+)\/oauth2\/v2\.0\/devicecode$/.exec(p);
    if (devicecode && req.method === 'POST') {
      rec.part = 'token';
      const form = Object.fromEntries(new URLSearchParams(body));
      const tenantId = resolveTenant(devicecode[1] ?? '');
      if (!tenantId) return aad(res, 400, 'invalid_request', `AADSTS90002: Tenant '${devicecode[1]}' not found.`, 90002);
      const deviceCode = `dc.${crypto.randomBytes(24).toString('base64url')}`;
      const userCode = crypto.randomBytes(5).toString('hex').toUpperCase().slice(0, 9);
      devices.set(deviceCode, { userCode, tenantId, approved: false, scope: form.scope ?? '' });
      json(res, 200, {
        user_code: userCode,
        device_code: deviceCode,
        verification_uri: `${url}/devicelogin`,
        expires_in: 900,
        interval: 1,
        message: `To sign in, use a web browser to open the page ${url}/devicelogin and enter the code ${userCode} to authenticate.`,
      });
      return true;
    }

    if (p === '/devicelogin' && req.method === 'POST') {
      const otc = new URLSearchParams(body).get('otc') ?? '';
      const ok = ext.approveDeviceCode(otc);
      res.writeHead(ok ? 200 : 400, { 'content-type': 'text/html; charset=utf-8' });
      res.end(ok ? '<p>You have signed in. You may now close this window.</p>' : '<p>That code is not valid.</p>');
      return true;
    }

    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(p);
    if (token && req.method === 'POST') {
      const form = Object.fromEntries(new URLSearchParams(body));
      // msal-node sends the short `device_code`; RFC 8628 names the URN. The platform takes both.
      const grant = form.grant_type === 'device_code' ? 'urn:ietf:params:oauth:grant-type:device_code' : (form.grant_type ?? '');
      if (!['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'].includes(grant)) return false; // client credentials: the base double
      rec.part = 'token';
      const { code_verifier: _v, refresh_token: _r, device_code: _d, code: _c, ...visible } = form;
      rec.form = visible;
      userTokenRequests.push(visible);
      const tenantId = resolveTenant(token[1] ?? '');
      if (!tenantId) return aad(res, 400, 'invalid_request', `AADSTS90002: Tenant '${token[1]}' not found.`, 90002);
      if (grant === 'authorization_code') {
        const g = codes.get(form.code ?? '');
        codes.delete(form.code ?? '');
        if (!g) return aad(res, 400, 'invalid_grant', 'AADSTS70008: The provided authorization code or refresh token has expired or was already used.', 70008);
        const expected = crypto.createHash('sha256').update(form.code_verifier ?? '').digest('base64url');
        if (!form.code_verifier || expected !== g.challenge) {
          return aad(res, 400, 'invalid_grant', 'AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.', 501481);
        }
        if (form.redirect_uri !== g.redirectUri || form.client_id !== g.clientId) {
          return aad(res, 400, 'invalid_grant', 'AADSTS50148: The code_verifier or redirect_uri does not match the authorization request.', 50148);
        }
        counters.pkceVerified += 1;
        json(res, 200, issueUserTokens(g.tenantId, form.scope ?? g.scope, form.claims, g.clientId));
        return true;
      }
      if (grant === 'urn:ietf:params:oauth:grant-type:device_code') {
        const d = devices.get(form.device_code ?? '');
        if (!d) return aad(res, 400, 'expired_token', 'AADSTS70019: Verification code expired.', 70019);
        if (!d.approved) {
          counters.pendingPolls += 1;
          return aad(res, 400, 'authorization_pending', 'AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.', 70016);
        }
        devices.delete(form.device_code ?? '');
        if (knownTenant(d.tenantId)?.mfa) mfaDone.add(d.tenantId);
        json(res, 200, issueUserTokens(d.tenantId, form.scope ?? d.scope, form.claims, form.client_id ?? ''));
        return true;
      }
      // refresh_token
      if (!refreshTokens.has(form.refresh_token ?? '')) {
        return aad(res, 400, 'invalid_grant', 'AADSTS700082: The refresh token has expired due to inactivity.', 700082);
      }
      if (knownTenant(tenantId)?.mfa && !mfaDone.has(tenantId)) {
        return aad(res, 400, 'interaction_required', `AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${tenantId}'.`, 50076, 'basic_action');
      }
      counters.refreshGrants += 1;
      json(res, 200, issueUserTokens(tenantId, form.scope ?? '', form.claims, form.client_id ?? ''));
      return true;
    }

    // ARM: the tenants the signed-in identity can reach.
    if (p === '/tenants' && req.method === 'GET') {
      rec.part = 'arm';
      if (!base.issuedTokens.includes(bearer(req.headers.authorization))) {
        json(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' } });
        return true;
      }
      if (challenge(res, 'arm', req.headers.authorization)) return true;
      json(res, 200, {
        value: tenants.map((t) => ({
          id: `/tenants/${t.tenantId}`,
          tenantId: t.tenantId,
          countryCode: 'NL',
          displayName: t.displayName,
          domains: [t.defaultDomain],
          tenantCategory: t.tenantId === base.tenantId ? 'Home' : 'ProjectedBy',
          defaultDomain: t.defaultDomain,
          tenantType: 'AAD',
        })),
      });
      return true;
    }

    // Claims challenges on the workspace (ARM) and the MLflow endpoint.
    const part = p.includes('/api/2.0/mlflow/') ? 'mlflow' : p.startsWith('/subscriptions/') ? 'arm' : undefined;
    if (part && challenge(res, part, req.headers.authorization)) {
      rec.part = part;
      return true;
    }
    return false;
  });

  function challenge(res: ServerResponse, part: 'arm' | 'mlflow', authorization: string | undefined): boolean {
    if (!challenged.has(part)) return false;
    if (claimsSatisfied.has(bearer(authorization))) return false;
    res.setHeader(
      'www-authenticate',
      `Bearer realm="", authorization_uri="${url}/${base.tenantId}/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims", claims="${Buffer.from(challengeClaims).toString('base64')}"`,
    );
    if (part === 'mlflow') json(res, 401, { error_code: 'UNAUTHENTICATED', message: 'Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp' });
    else json(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp' } });
    return true;
  }

  return ext;
}

function bearer(auth: string | undefined): string {
  return /^Bearer (.+)$/.exec(auth ?? '')?.[1] ?? '';
}

function jwt(claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ typ: 'JWT', alg: 'RS256' })}.${b64({ iat: now, nbf: now, ...claims })}.${crypto.randomBytes(32).toString('base64url')}`;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function aad(res: ServerResponse, status: number, error: string, description: string, code: number, suberror?: string): true {
  json(res, status, {
    error,
    error_description: `${description}\r\nTrace ID: ${crypto.randomUUID()}\r\nCorrelation ID: ${crypto.randomUUID()}`,
    error_codes: [code],
    ...(suberror ? { suberror } : {}),
    timestamp: new Date().toISOString(),
    trace_id: crypto.randomUUID(),
    correlation_id: crypto.randomUUID(),
  });
  return true;
}

function htmlError(res: ServerResponse, message: string): true {
  res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<p>${escapeHtml(message)}</p>`);
  return true;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
