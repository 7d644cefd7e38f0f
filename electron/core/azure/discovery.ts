// Workspace discovery for the picker and `sweepdeck azure workspaces`: the tenants the account can
// reach, each tenant's subscriptions (with that tenant's own token), and the Azure ML workspaces in
// them: through Azure Resource Graph when there are more than a few subscriptions (one query for
// all of them), else, or when Resource Graph is refused, by listing each subscription. A tenant
// whose token needs a person (MFA, consent) is reported as needing sign-in, never left out.
import type { CredentialSource } from './authTypes.ts';
import { ArmClient, ArmRequestError, type ArmClientOptions } from './armRequests.ts';
import { mlflowRestBaseFromTrackingUri, workspaceScopeOf } from './endpoints.ts';
import type { WorkspaceRef } from './workspaceRef.ts';

export const TENANTS_API_VERSION = '2022-12-01';
export const SUBSCRIPTIONS_API_VERSION = '2022-12-01';
/** First ML Services API version whose workspace list carries `kind` Hub/Project and hubResourceId. */
export const WORKSPACES_API_VERSION = '2024-04-01';
export const RESOURCE_GRAPH_API_VERSION = '2022-10-01';
/** More subscriptions than this in a tenant: one Resource Graph query instead of one list each. */
export const DEFAULT_RESOURCE_GRAPH_THRESHOLD = 3;

/** workspace: a plain Azure ML workspace; hub / project: Azure AI Foundry hubs and their projects. */
export type WorkspaceKind = 'workspace' | 'hub' | 'project' | 'feature-store';

export interface TenantInfo {
  tenantId: string;
  displayName: string | null;
  defaultDomain: string | null;
}

export interface SubscriptionInfo {
  subscriptionId: string;
  displayName: string;
  tenantId: string;
  state: string;
}

export interface DiscoveredWorkspace {
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  /** ARM resource id. */
  id: string;
  region: string;
  kind: WorkspaceKind;
  /** A project's hub (ARM id), when it has one. */
  hubId: string | null;
  /** azureml://... as ARM reports it; null for a hub (runs are tracked in its projects). */
  mlflowTrackingUri: string | null;
  /** The MLflow REST base it maps to, or null. */
  restBase: string | null;
}

export type TenantStatus = 'ok' | 'needs-sign-in' | 'error';

export interface TenantDiscovery {
  tenant: TenantInfo;
  status: TenantStatus;
  /** Why the tenant is not 'ok', in words (no token in it). */
  message: string | null;
  subscriptions: SubscriptionInfo[];
  workspaces: DiscoveredWorkspace[];
  /** How the workspaces were listed: 'resource-graph', 'arm' (per subscription), or null. */
  via: 'resource-graph' | 'arm' | null;
  /** Subscriptions whose workspaces could not be listed, with the reason. */
  subscriptionErrors: { subscriptionId: string; message: string }[];
}

export interface DiscoveryOptions extends ArmClientOptions {
  credentials: CredentialSource;
  /** Use Resource Graph when a tenant has more subscriptions than this; default 3. */
  resourceGraphThreshold?: number;
}

interface ArmTenant {
  tenantId?: string;
  displayName?: string;
  defaultDomain?: string;
}
interface ArmSubscription {
  subscriptionId?: string;
  displayName?: string;
  state?: string;
  tenantId?: string;
}
export interface ArmWorkspaceResource {
  id?: string;
  name?: string;
  location?: string;
  kind?: string;
  properties?: { mlFlowTrackingUri?: string; hubResourceId?: string | null };
}

export class Discovery {
  readonly arm: ArmClient;
  private readonly threshold: number;

  constructor(private readonly o: DiscoveryOptions) {
    this.arm = new ArmClient({ ...o, armEndpoint: o.armEndpoint ?? o.credentials.endpoints.armEndpoint, scope: o.scope ?? o.credentials.endpoints.armScope });
    this.threshold = o.resourceGraphThreshold ?? DEFAULT_RESOURCE_GRAPH_THRESHOLD;
  }

  /** The tenants the signed-in account (the chain's default credential) can reach. */
  async tenants(): Promise<TenantInfo[]> {
    const list = await this.arm.listAll<ArmTenant>(this.o.credentials.credentialFor(), `/tenants?api-version=${TENANTS_API_VERSION}`);
    return list
      .filter((t): t is ArmTenant & { tenantId: string } => typeof t.tenantId === 'string' && t.tenantId !== '')
      .map((t) => ({ tenantId: t.tenantId, displayName: t.displayName ?? null, defaultDomain: t.defaultDomain ?? null }));
  }

  /** A tenant's subscriptions, listed with that tenant's token. */
  async subscriptions(tenantId: string): Promise<SubscriptionInfo[]> {
    const list = await this.arm.listAll<ArmSubscription>(this.o.credentials.credentialFor(tenantId), `/subscriptions?api-version=${SUBSCRIPTIONS_API_VERSION}`);
    return list
      .filter((s): s is ArmSubscription & { subscriptionId: string } => typeof s.subscriptionId === 'string' && s.subscriptionId !== '')
      // A guest's view can list a subscription under another tenant; it belongs there.
      .filter((s) => !s.tenantId || s.tenantId.toLowerCase() === tenantId.toLowerCase())
      .map((s) => ({ subscriptionId: s.subscriptionId, displayName: s.displayName ?? s.subscriptionId, tenantId, state: s.state ?? 'Unknown' }));
  }

  /** Workspaces of one subscription (ARM list, all pages). */
  async workspacesOf(tenantId: string, subscriptionId: string): Promise<DiscoveredWorkspace[]> {
    const list = await this.arm.listAll<ArmWorkspaceResource>(
      this.o.credentials.credentialFor(tenantId),
      `/subscriptions/${encodeURIComponent(subscriptionId)}/providers/Microsoft.MachineLearningServices/workspaces?api-version=${WORKSPACES_API_VERSION}`,
    );
    return list.map((r) => toDiscoveredWorkspace(r, tenantId)).filter((w): w is DiscoveredWorkspace => w !== null);
  }

  /** Workspaces of many subscriptions of one tenant in one Resource Graph query (all pages). */
  async workspacesByResourceGraph(tenantId: string, subscriptionIds: string[]): Promise<DiscoveredWorkspace[]> {
    const credential = this.o.credentials.credentialFor(tenantId);
    const out: DiscoveredWorkspace[] = [];
    // Resource Graph takes at most 1000 subscriptions per request.
    for (let i = 0; i < subscriptionIds.length; i += 1000) {
      let skipToken: string | undefined;
      do {
        const page: { data?: ArmWorkspaceResource[]; $skipToken?: string } = await this.arm.json(
          credential,
          'POST',
          `/providers/Microsoft.ResourceGraph/resources?api-version=${RESOURCE_GRAPH_API_VERSION}`,
          {
            subscriptions: subscriptionIds.slice(i, i + 1000),
            query: WORKSPACES_KQL,
            options: { resultFormat: 'objectArray', $top: 1000, ...(skipToken ? { $skipToken: skipToken } : {}) },
          },
        );
        for (const r of page.data ?? []) {
          const w = toDiscoveredWorkspace(r, tenantId);
          if (w) out.push(w);
        }
        skipToken = page.$skipToken || undefined;
      } while (skipToken);
    }
    return out;
  }

  /** One tenant: its subscriptions and their workspaces; never throws. */
  async tenant(tenant: TenantInfo): Promise<TenantDiscovery> {
    const base: TenantDiscovery = { tenant, status: 'ok', message: null, subscriptions: [], workspaces: [], via: null, subscriptionErrors: [] };
    try {
      base.subscriptions = await this.subscriptions(tenant.tenantId);
    } catch (err) {
      return { ...base, ...tenantFailure(err) };
    }
    const ids = base.subscriptions.filter((s) => s.state !== 'Disabled').map((s) => s.subscriptionId);
    if (ids.length === 0) return base;
    if (ids.length > this.threshold) {
      try {
        return { ...base, workspaces: sortWorkspaces(await this.workspacesByResourceGraph(tenant.tenantId, ids)), via: 'resource-graph' };
      } catch (err) {
        // Needing sign-in is about the tenant, not about Resource Graph: listing would fail alike.
        if (err instanceof ArmRequestError && err.needsSignIn) return { ...base, ...tenantFailure(err) };
        // Otherwise (Resource Graph refused, e.g. not registered or no permission): list per subscription.
      }
    }
    type Listed = { id: string; workspaces: DiscoveredWorkspace[] } | { id: string; error: unknown };
    const results = await Promise.all(
      ids.map(async (id): Promise<Listed> => {
        try {
          return { id, workspaces: await this.workspacesOf(tenant.tenantId, id) };
        } catch (err) {
          return { id, error: err };
        }
      }),
    );
    const workspaces: DiscoveredWorkspace[] = [];
    let signIn: unknown;
    for (const r of results) {
      if ('workspaces' in r) {
        workspaces.push(...r.workspaces);
      } else {
        base.subscriptionErrors.push({ subscriptionId: r.id, message: errorMessage(r.error) });
        if (r.error instanceof ArmRequestError && r.error.needsSignIn) signIn ??= r.error;
      }
    }
    if (signIn && workspaces.length === 0) return { ...base, ...tenantFailure(signIn), via: 'arm' };
    return { ...base, workspaces: sortWorkspaces(workspaces), via: 'arm' };
  }

  /** One workspace by reference, read with the given tenant's token (null: ARM has no such workspace). */
  async workspace(tenantId: string, ref: WorkspaceRef): Promise<DiscoveredWorkspace | null> {
    try {
      const r = await this.arm.json<ArmWorkspaceResource>(
        this.o.credentials.credentialFor(tenantId),
        'GET',
        `/subscriptions/${encodeURIComponent(ref.subscriptionId)}/resourceGroups/${encodeURIComponent(ref.resourceGroup)}/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(ref.workspaceName)}?api-version=${WORKSPACES_API_VERSION}`,
      );
      return toDiscoveredWorkspace(r, tenantId);
    } catch (err) {
      if (err instanceof ArmRequestError && err.status === 404) return null;
      throw err;
    }
  }

  /** Which reachable tenant holds a subscription; also the tenants that could not be asked. */
  async tenantOfSubscription(subscriptionId: string): Promise<{ tenant: TenantInfo | null; subscription: SubscriptionInfo | null; unasked: { tenant: TenantInfo; status: TenantStatus; message: string }[] }> {
    const unasked: { tenant: TenantInfo; status: TenantStatus; message: string }[] = [];
    for (const tenant of await this.tenants()) {
      let subs: SubscriptionInfo[];
      try {
        subs = await this.subscriptions(tenant.tenantId);
      } catch (err) {
        const f = tenantFailure(err);
        unasked.push({ tenant, status: f.status, message: f.message ?? '' });
        continue;
      }
      const sub = subs.find((s) => s.subscriptionId.toLowerCase() === subscriptionId.toLowerCase());
      if (sub) return { tenant, subscription: sub, unasked };
    }
    return { tenant: null, subscription: null, unasked };
  }

  /** Every reachable tenant, each with its status, subscriptions and workspaces. */
  async all(): Promise<TenantDiscovery[]> {
    const tenants = await this.tenants();
    return await Promise.all(tenants.map((t) => this.tenant(t)));
  }
}

const WORKSPACES_KQL = [
  'resources',
  "| where type =~ 'microsoft.machinelearningservices/workspaces'",
  '| project id, name, location, kind, subscriptionId, resourceGroup, properties',
  '| order by id asc',
].join(' ');

/** A tenant's status from the error listing it gave: needs-sign-in, or error. */
export function tenantFailure(err: unknown): Pick<TenantDiscovery, 'status' | 'message'> {
  const signIn = err instanceof ArmRequestError && err.needsSignIn;
  return { status: signIn ? 'needs-sign-in' : 'error', message: signIn ? `This tenant needs you to sign in again (multi-factor or consent): ${errorMessage(err)}` : errorMessage(err) };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function workspaceKindOf(armKind: string | undefined): WorkspaceKind {
  switch ((armKind ?? '').toLowerCase()) {
    case 'hub':
      return 'hub';
    case 'project':
      return 'project';
    case 'featurestore':
      return 'feature-store';
    default:
      return 'workspace';
  }
}

/** The picker's view of one ARM workspace resource; null when it is not a workspace resource id. */
export function toDiscoveredWorkspace(r: ArmWorkspaceResource, tenantId: string): DiscoveredWorkspace | null {
  const scope = r.id ? workspaceScopeOf(r.id) : undefined;
  if (!r.id || !scope) return null;
  const kind = workspaceKindOf(r.kind);
  const uri = kind === 'hub' ? null : (r.properties?.mlFlowTrackingUri ?? null);
  let restBase: string | null = null;
  if (uri) {
    try {
      restBase = mlflowRestBaseFromTrackingUri(uri);
    } catch {
      // A URI we cannot map is shown as it is; choosing the workspace then reports why.
      restBase = null;
    }
  }
  return {
    tenantId,
    subscriptionId: scope.subscriptionId,
    resourceGroup: scope.resourceGroup,
    name: r.name ?? scope.workspaceName,
    id: r.id,
    region: r.location ?? '',
    kind,
    hubId: r.properties?.hubResourceId ?? null,
    mlflowTrackingUri: uri,
    restBase,
  };
}

function sortWorkspaces(list: DiscoveredWorkspace[]): DiscoveredWorkspace[] {
  const seen = new Set<string>();
  return list
    .filter((w) => {
      const k = w.id.toLowerCase();
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.resourceGroup.localeCompare(b.resourceGroup) || a.subscriptionId.localeCompare(b.subscriptionId));
}
