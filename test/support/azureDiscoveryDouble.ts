// Workspace discovery on top of the Azure double (azureDouble.ts): several tenants (each with its
// own token from the double's token endpoint; one answers interaction_required as an MFA-gated
// tenant does), their subscriptions, Azure ML workspace lists (plain workspaces, hubs and
// projects) paged with nextLink, Azure Resource Graph queries paged with $skipToken, and the ARM
// GET of each listed workspace. Shapes follow the ARM REST specs (Subscriptions 2022-12-01,
// Machine Learning Services 2024-04-01, Resource Graph 2022-10-01).
import crypto from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { aadError, armError, fakeJwt, json, type AzureDouble } from './azureDouble.ts';

export interface WorkspaceSpec {
  resourceGroup: string;
  name: string;
  location: string;
  /** ARM kind: Default (plain workspace), Hub, Project. */
  kind?: 'Default' | 'Hub' | 'Project';
  /** For a project: its hub's name (same resource group). */
  hub?: string;
}
export interface SubscriptionSpec {
  subscriptionId: string;
  displayName: string;
  state?: 'Enabled' | 'Disabled' | 'Warned';
  workspaces: WorkspaceSpec[];
}
export interface TenantSpec {
  tenantId: string;
  displayName: string;
  defaultDomain: string;
  /** Its token endpoint answers interaction_required (AADSTS50076), as an MFA-gated tenant does. */
  needsInteraction?: boolean;
  subscriptions: SubscriptionSpec[];
}

export type DiscoveryFault = 'resource-graph-forbidden';

export interface DiscoveryDouble {
  readonly tenants: TenantSpec[];
  /** Items per page of every list (tenants, subscriptions, workspaces, Resource Graph). */
  pageSize: number;
  inject(...f: DiscoveryFault[]): void;
  /** The next n workspace-list or Resource Graph requests answer 429, with this Retry-After if given. */
  throttleNext(n: number, retryAfter?: string): void;
  /** Delay before answering each ARM request of this module, ms (to see requests overlap). */
  latencyMs: number;
  /** Most ARM requests of this module seen in flight at once. */
  readonly maxInFlight: number;
  /** The azureml:// tracking URI ARM reports for a workspace. */
  trackingUriOf(subscriptionId: string, resourceGroup: string, name: string): string;
}

const WS_PROVIDER = 'providers/Microsoft.MachineLearningServices/workspaces';

/** Three tenants: the double's own (its subscription with its workspace, a hub and a project, plus
 * four more subscriptions so Resource Graph is used), a second one with one subscription and three
 * workspaces, and an MFA-gated one. */
export function defaultDiscoverySpec(double: AzureDouble): TenantSpec[] {
  const guid = (): string => crypto.randomUUID();
  const extraSubs: SubscriptionSpec[] = ['Research', 'Staging', 'Sandbox', 'Archive'].map((n, i) => ({
    subscriptionId: guid(),
    displayName: n,
    workspaces: i === 0 ? [{ resourceGroup: 'rg-research', name: 'ws-research', location: 'northeurope' }] : [],
  }));
  return [
    {
      tenantId: double.tenantId,
      displayName: 'Contoso',
      defaultDomain: 'contoso.onmicrosoft.com',
      subscriptions: [
        {
          subscriptionId: double.subscriptionId,
          displayName: 'Contoso ML',
          workspaces: [
            { resourceGroup: double.resourceGroup, name: double.workspaceName, location: double.location },
            { resourceGroup: 'rg-ai', name: 'hub-contoso', location: 'swedencentral', kind: 'Hub' },
            { resourceGroup: 'rg-ai', name: 'proj-ner', location: 'swedencentral', kind: 'Project', hub: 'hub-contoso' },
          ],
        },
        ...extraSubs,
      ],
    },
    {
      tenantId: guid(),
      displayName: 'Fabrikam',
      defaultDomain: 'fabrikam.onmicrosoft.com',
      subscriptions: [
        {
          subscriptionId: guid(),
          displayName: 'Fabrikam Data Science',
          workspaces: [
            { resourceGroup: 'rg-fab', name: 'ws-fab-1', location: 'eastus' },
            { resourceGroup: 'rg-fab', name: 'ws-fab-2', location: 'eastus2' },
            { resourceGroup: 'rg-fab-west', name: 'ws-fab-3', location: 'westus3' },
          ],
        },
      ],
    },
    {
      tenantId: guid(),
      displayName: 'Woodgrove (MFA)',
      defaultDomain: 'woodgrove.onmicrosoft.com',
      needsInteraction: true,
      subscriptions: [{ subscriptionId: guid(), displayName: 'Woodgrove Prod', workspaces: [{ resourceGroup: 'rg-wg', name: 'ws-wg', location: 'uksouth' }] }],
    },
  ];
}

export function addDiscovery(double: AzureDouble, tenants: TenantSpec[] = defaultDiscoverySpec(double)): DiscoveryDouble {
  const faults = new Set<DiscoveryFault>();
  let throttle = { left: 0, retryAfter: undefined as string | undefined };
  const host = `127.0.0.1:${double.port}`;
  let inFlight = 0;
  let maxInFlight = 0;
  const dd: DiscoveryDouble = {
    tenants,
    pageSize: 2,
    latencyMs: 0,
    get maxInFlight() {
      return maxInFlight;
    },
    inject: (...f) => f.forEach((x) => faults.add(x)),
    throttleNext: (n, retryAfter) => {
      throttle = { left: n, retryAfter };
    },
    trackingUriOf: (sub, rg, name) =>
      sub === double.subscriptionId && name === double.workspaceName ? double.mlflowTrackingUri : `azureml://${host}/mlflow/v1.0/subscriptions/${sub}/resourceGroups/${rg}/${WS_PROVIDER}/${name}`,
  };

  const tenantOfToken = (auth: string | undefined): TenantSpec | undefined => {
    const token = /^Bearer (.+)$/.exec(auth ?? '')?.[1];
    if (!token || !double.issuedTokens.includes(token)) return undefined;
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { tid?: string };
    return tenants.find((t) => t.tenantId === payload.tid);
  };
  const findSub = (id: string): { tenant: TenantSpec; sub: SubscriptionSpec } | undefined => {
    for (const tenant of tenants) {
      const sub = tenant.subscriptions.find((s) => s.subscriptionId.toLowerCase() === id.toLowerCase());
      if (sub) return { tenant, sub };
    }
    return undefined;
  };
  const resource = (sub: SubscriptionSpec, w: WorkspaceSpec): Record<string, unknown> => {
    const rgId = `/subscriptions/${sub.subscriptionId}/resourceGroups/${w.resourceGroup}`;
    const kind = w.kind ?? 'Default';
    return {
      id: `${rgId}/${WS_PROVIDER}/${w.name}`,
      name: w.name,
      type: 'Microsoft.MachineLearningServices/workspaces',
      location: w.location,
      kind,
      tags: {},
      sku: { name: 'Basic', tier: 'Basic' },
      properties: {
        friendlyName: w.name,
        provisioningState: 'Succeeded',
        mlFlowTrackingUri: dd.trackingUriOf(sub.subscriptionId, w.resourceGroup, w.name),
        ...(kind === 'Project' && w.hub ? { hubResourceId: `${rgId}/${WS_PROVIDER}/${w.hub}` } : {}),
        workspaceId: crypto.randomUUID(),
      },
    };
  };
  /** One page of `items` from the offset in `$skiptoken`, with nextLink to the rest. */
  const page = (url: URL, items: unknown[]): Record<string, unknown> => {
    const from = Number(url.searchParams.get('$skiptoken') ?? '0') || 0;
    const next = from + dd.pageSize;
    const link = new URL(url.href);
    link.searchParams.set('$skiptoken', String(next));
    return { value: items.slice(from, next), ...(next < items.length ? { nextLink: link.href } : {}) };
  };
  const throttled = (res: ServerResponse): boolean => {
    if (throttle.left <= 0) return false;
    throttle.left--;
    json(res, 429, armError('TooManyRequests', 'The request is being throttled.'), throttle.retryAfter !== undefined ? { 'retry-after': throttle.retryAfter } : {});
    return true;
  };
  const unauthorized = (res: ServerResponse): true => {
    json(res, 401, armError('InvalidAuthenticationToken', 'The access token is invalid.'));
    return true;
  };

  const arm = /^\/(tenants|subscriptions|providers\/Microsoft\.ResourceGraph)(\/|$)/;
  double.addRoute(async (ctx) => {
    if (!arm.test(ctx.url.pathname)) return route(ctx);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      if (dd.latencyMs > 0) await new Promise((r) => setTimeout(r, dd.latencyMs));
      return await route(ctx);
    } finally {
      inFlight--;
    }
  });

  async function route({ req, res, url, body, rec }: Parameters<Parameters<AzureDouble['addRoute']>[0]>[0]): Promise<boolean> {
    const p = url.pathname;
    const method = req.method ?? '';
    const extraTenant = /^\/([^/]+)\//.exec(p)?.[1];
    const tenantSpec = extraTenant && extraTenant !== double.tenantId ? tenants.find((t) => t.tenantId === extraTenant) : undefined;

    // Identity platform for the extra tenants (the double answers for its own tenant).
    if (tenantSpec && method === 'GET' && p === `/${tenantSpec.tenantId}/v2.0/.well-known/openid-configuration`) {
      rec.part = 'openid';
      const t = `${double.url}/${tenantSpec.tenantId}`;
      json(res, 200, {
        token_endpoint: `${t}/oauth2/v2.0/token`,
        authorization_endpoint: `${t}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${t}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${t}/oauth2/v2.0/logout`,
        jwks_uri: `${t}/discovery/v2.0/keys`,
        issuer: `${t}/v2.0`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      });
      return true;
    }
    if (tenantSpec && method === 'POST' && p === `/${tenantSpec.tenantId}/oauth2/v2.0/token`) {
      rec.part = 'token';
      const form = Object.fromEntries(new URLSearchParams(body));
      const { client_secret: secret, ...rest } = form;
      rec.form = rest;
      if (form.client_id !== double.clientId || secret !== double.clientSecret) {
        json(res, 401, aadError('invalid_client', 'AADSTS7000215: Invalid client secret provided.', 7000215));
        return true;
      }
      if (tenantSpec.needsInteraction) {
        json(res, 400, {
          ...aadError('interaction_required', `AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${tenantSpec.tenantId}'.`, 50076),
          suberror: 'basic_action',
        });
        return true;
      }
      const access = fakeJwt({ aud: 'https://management.azure.com', iss: `${double.url}/${tenantSpec.tenantId}/`, appid: double.clientId, tid: tenantSpec.tenantId });
      double.issuedTokens.push(access);
      json(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: access });
      return true;
    }

    // Azure Resource Manager
    if (method === 'GET' && p === '/tenants') {
      rec.part = 'arm';
      if (!tenantOfToken(req.headers.authorization)) return unauthorized(res);
      json(res, 200, page(url, tenants.map((t) => ({ id: `/tenants/${t.tenantId}`, tenantId: t.tenantId, tenantCategory: 'Home', displayName: t.displayName, defaultDomain: t.defaultDomain, domains: [t.defaultDomain] }))));
      return true;
    }
    if (method === 'GET' && p === '/subscriptions') {
      rec.part = 'arm';
      const tenant = tenantOfToken(req.headers.authorization);
      if (!tenant) return unauthorized(res);
      json(res, 200, page(url, tenant.subscriptions.map((s) => ({ id: `/subscriptions/${s.subscriptionId}`, subscriptionId: s.subscriptionId, tenantId: tenant.tenantId, displayName: s.displayName, state: s.state ?? 'Enabled' }))));
      return true;
    }
    const list = new RegExp(`^/subscriptions/([^/]+)/${WS_PROVIDER}$`, 'i').exec(p);
    if (method === 'GET' && list) {
      rec.part = 'arm';
      const tenant = tenantOfToken(req.headers.authorization);
      if (!tenant) return unauthorized(res);
      if (throttled(res)) return true;
      const found = findSub(list[1] ?? '');
      if (!found) {
        json(res, 404, armError('SubscriptionNotFound', `The subscription '${list[1]}' could not be found.`));
        return true;
      }
      if (found.tenant !== tenant) {
        json(res, 401, armError('InvalidAuthenticationTokenTenant', `The access token is from the wrong issuer. It must match the tenant '${found.tenant.tenantId}' associated with this subscription.`));
        return true;
      }
      json(res, 200, page(url, found.sub.workspaces.map((w) => resource(found.sub, w))));
      return true;
    }
    const one = new RegExp(`^/subscriptions/([^/]+)/resourceGroups/([^/]+)/${WS_PROVIDER}/([^/]+)$`, 'i').exec(p);
    if (method === 'GET' && one) {
      const [, subId = '', rg = '', name = ''] = one;
      // The double's own workspace keeps its built-in route (and its faults).
      if (subId === double.subscriptionId && name.toLowerCase() === double.workspaceName.toLowerCase()) return false;
      const found = findSub(subId);
      const w = found?.sub.workspaces.find((x) => x.resourceGroup.toLowerCase() === rg.toLowerCase() && x.name.toLowerCase() === name.toLowerCase());
      if (!found || !w) return false;
      rec.part = 'arm';
      if (tenantOfToken(req.headers.authorization) !== found.tenant) return unauthorized(res);
      json(res, 200, resource(found.sub, w));
      return true;
    }
    if (method === 'POST' && p === '/providers/Microsoft.ResourceGraph/resources') {
      rec.part = 'arm';
      const tenant = tenantOfToken(req.headers.authorization);
      if (!tenant) return unauthorized(res);
      if (faults.has('resource-graph-forbidden')) {
        json(res, 403, armError('AuthorizationFailed', "The client does not have authorization to perform action 'Microsoft.ResourceGraph/resources/read'."));
        return true;
      }
      if (throttled(res)) return true;
      const q = JSON.parse(body || '{}') as { subscriptions?: string[]; query?: string; options?: { $skipToken?: string; $top?: number } };
      if (!/microsoft\.machinelearningservices\/workspaces/i.test(q.query ?? '')) {
        json(res, 400, armError('BadRequest', `The test double only answers queries over microsoft.machinelearningservices/workspaces; got: ${q.query}`));
        return true;
      }
      const subs = (q.subscriptions ?? []).map((id) => findSub(id)).filter((f) => f?.tenant === tenant);
      const rows = subs.flatMap((f) => f!.sub.workspaces.map((w) => ({ ...resource(f!.sub, w), subscriptionId: f!.sub.subscriptionId, resourceGroup: w.resourceGroup.toLowerCase(), tenantId: tenant.tenantId })));
      const from = Number(q.options?.$skipToken ?? '0') || 0;
      const size = Math.min(q.options?.$top ?? 1000, dd.pageSize);
      const data = rows.slice(from, from + size);
      json(res, 200, { totalRecords: rows.length, count: data.length, resultTruncated: 'false', data, ...(from + size < rows.length ? { $skipToken: String(from + size) } : {}) });
      return true;
    }
    return false;
  }
  return dd;
}
