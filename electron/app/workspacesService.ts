// The workspace picker's service: tenants, their subscriptions and Azure ML workspaces through
// discovery (answers kept for a minute so moving around the picker does not re-ask Azure), the
// workspace in effect with where it comes from, and choosing one (checked with Azure, remembered
// in the state file, tracking re-targeted for new sweeps). Tokens stay in the credentials below
// this service; nothing here returns or logs one.
import type { ChannelOutput, CurrentWorkspace, ParsedInput } from '../../shared/contract.ts';
import type { CredentialSource } from '../core/azure/authTypes.ts';
import { AzureSetupError } from '../core/azure/azureErrors.ts';
import { Discovery, tenantFailure, type DiscoveredWorkspace, type DiscoveryOptions, type SubscriptionInfo, type TenantDiscovery, type TenantInfo, type TenantStatus } from '../core/azure/discovery.ts';
import { environmentNamesTarget } from '../core/azure/workspaceChoice.ts';
import { validateWorkspaceRef } from '../core/azure/workspaceRef.ts';
import { AppFault } from './appError.ts';
import type { AppAzureCredentials } from './azureCredentials.ts';
import type { AppState } from './appState.ts';
import type { TrackingService } from './trackingService.ts';

export interface WorkspacesServiceOptions {
  state: AppState;
  tracking: TrackingService;
  env?: NodeJS.ProcessEnv;
  credentials: AppAzureCredentials;
  /** Extra trusted CA (PEM) and per-request deadline for the ARM calls. */
  ca?: string;
  timeoutMs?: number;
}

const CACHE_MS = 60_000;

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

type SubscriptionsAnswer = { status: TenantStatus; message: string | null; subscriptions: SubscriptionInfo[] };

export class WorkspacesService {
  private discoveryInstance: Discovery | null = null;
  private tenantsCache: Cached<TenantInfo[]> | null = null;
  private readonly subsCache = new Map<string, Cached<SubscriptionsAnswer>>();
  private readonly listCache = new Map<string, Cached<TenantDiscovery>>();

  constructor(private readonly o: WorkspacesServiceOptions) {}

  /** Drops the discovery client and its answers (e.g. after new roots were imported), so the next
   * call connects again instead of repeating a TLS failure for a minute. */
  forgetAnswers(): void {
    this.discoveryInstance = null;
    this.tenantsCache = null;
    this.subsCache.clear();
    this.listCache.clear();
  }

  private env(): NodeJS.ProcessEnv {
    return this.o.env ?? process.env;
  }

  private async discovery(): Promise<Discovery> {
    if (this.discoveryInstance) return this.discoveryInstance;
    let credentials: CredentialSource;
    try {
      credentials = await this.o.credentials.source();
    } catch (err) {
      if (err instanceof AzureSetupError) throw new AppFault('NOT_AVAILABLE', `Listing Azure workspaces needs Azure credentials: ${err.message}`);
      throw err;
    }
    const opts: DiscoveryOptions = { credentials, ...(this.o.ca ? { ca: this.o.ca } : {}), ...(this.o.timeoutMs !== undefined ? { timeoutMs: this.o.timeoutMs } : {}) };
    this.discoveryInstance = new Discovery(opts);
    return this.discoveryInstance;
  }

  private cached<T>(entry: Cached<T> | null | undefined, make: () => Promise<T>, store: (c: Cached<T> | null) => void): Promise<T> {
    if (entry && Date.now() - entry.at < CACHE_MS) return entry.value;
    const value = make();
    const c = { at: Date.now(), value };
    store(c);
    // A failed answer is not kept: the next call asks again.
    value.catch(() => store(null));
    return value;
  }

  async tenants(input: ParsedInput<'workspaces.tenants'>): Promise<ChannelOutput<'workspaces.tenants'>> {
    if (input.refresh) {
      this.tenantsCache = null;
      this.subsCache.clear();
      this.listCache.clear();
    }
    const d = await this.discovery();
    let tenants: TenantInfo[];
    try {
      tenants = await this.cached(this.tenantsCache, () => d.tenants(), (c) => (this.tenantsCache = c));
    } catch (err) {
      throw new AppFault('STORE_UNAVAILABLE', `Listing Azure tenants failed: ${(err as Error).message}`);
    }
    const withStatus = await Promise.all(
      tenants.map(async (t) => {
        const subs = await this.subscriptionsOf(t.tenantId);
        return { ...t, status: subs.status, message: subs.message, subscriptionCount: subs.status === 'ok' ? subs.subscriptions.length : null };
      }),
    );
    return { tenants: withStatus };
  }

  private subscriptionsOf(tenantId: string): Promise<SubscriptionsAnswer> {
    return this.cached(
      this.subsCache.get(tenantId),
      async () => {
        const d = await this.discovery();
        try {
          return { status: 'ok' as const, message: null, subscriptions: await d.subscriptions(tenantId) };
        } catch (err) {
          return { ...tenantFailure(err), subscriptions: [] };
        }
      },
      (c) => (c ? this.subsCache.set(tenantId, c) : this.subsCache.delete(tenantId)),
    );
  }

  async subscriptions(input: ParsedInput<'workspaces.subscriptions'>): Promise<ChannelOutput<'workspaces.subscriptions'>> {
    return await this.subscriptionsOf(input.tenantId);
  }

  async list(input: ParsedInput<'workspaces.list'>): Promise<ChannelOutput<'workspaces.list'>> {
    const d = await this.discovery();
    const subs = await this.subscriptionsOf(input.tenantId);
    if (subs.status !== 'ok') return { status: subs.status, message: subs.message, via: null, workspaces: [], subscriptionErrors: [] };
    const names = new Map(subs.subscriptions.map((s) => [s.subscriptionId.toLowerCase(), s.displayName]));
    const toInfo = (w: DiscoveredWorkspace): ChannelOutput<'workspaces.list'>['workspaces'][number] => ({
      tenantId: w.tenantId,
      subscriptionId: w.subscriptionId,
      subscriptionName: names.get(w.subscriptionId.toLowerCase()) ?? null,
      resourceGroup: w.resourceGroup,
      name: w.name,
      id: w.id,
      region: w.region,
      kind: w.kind,
      hubId: w.hubId,
      mlflowTrackingUri: w.mlflowTrackingUri,
    });
    if (input.subscriptionId) {
      if (!names.has(input.subscriptionId.toLowerCase())) {
        throw new AppFault('NOT_FOUND', `Subscription ${input.subscriptionId} is not in tenant ${input.tenantId}; list the tenant's subscriptions again.`);
      }
      try {
        const ws = await d.workspacesOf(input.tenantId, input.subscriptionId);
        return { status: 'ok', message: null, via: 'arm', workspaces: ws.map(toInfo), subscriptionErrors: [] };
      } catch (err) {
        return { status: 'ok', message: null, via: 'arm', workspaces: [], subscriptionErrors: [{ subscriptionId: input.subscriptionId, message: (err as Error).message }] };
      }
    }
    const t = await this.cached(
      this.listCache.get(input.tenantId),
      () => d.tenant({ tenantId: input.tenantId, displayName: null, defaultDomain: null }),
      (c) => (c ? this.listCache.set(input.tenantId, c) : this.listCache.delete(input.tenantId)),
    );
    return { status: t.status, message: t.message, via: t.via, workspaces: t.workspaces.map(toInfo), subscriptionErrors: t.subscriptionErrors };
  }

  current(): ChannelOutput<'workspaces.current'> {
    const eff = this.o.tracking.currentWorkspace();
    const current: CurrentWorkspace | null = eff
      ? {
          subscriptionId: eff.subscriptionId,
          resourceGroup: eff.resourceGroup,
          workspaceName: eff.workspaceName,
          source: eff.source,
          tenantId: eff.chosen?.tenantId ?? null,
          region: eff.chosen?.region ?? null,
          kind: eff.chosen?.kind ?? null,
          chosenAt: eff.chosen && eff.chosen.chosenAt > 0 ? eff.chosen.chosenAt : null,
        }
      : null;
    return { current, environmentOverrides: environmentNamesTarget(this.env()) };
  }

  async choose(input: ParsedInput<'workspaces.choose'>): Promise<ChannelOutput<'workspaces.choose'>> {
    if (input.workspace === null) {
      this.o.state.chooseWorkspace(null);
    } else {
      const ref = input.workspace;
      try {
        validateWorkspaceRef(ref);
      } catch (err) {
        throw new AppFault('INVALID_INPUT', (err as Error).message);
      }
      const d = await this.discovery();
      const where = `workspace '${ref.workspaceName}' in resource group '${ref.resourceGroup}' (subscription ${ref.subscriptionId})`;
      let tenantId = input.tenantId;
      if (!tenantId) {
        let found: Awaited<ReturnType<Discovery['tenantOfSubscription']>>;
        try {
          found = await d.tenantOfSubscription(ref.subscriptionId);
        } catch (err) {
          throw new AppFault('STORE_UNAVAILABLE', `Could not list the Azure tenants to find subscription ${ref.subscriptionId}: ${(err as Error).message}`);
        }
        if (!found.tenant) {
          const signIn = found.unasked.filter((u) => u.status === 'needs-sign-in').map((u) => u.tenant.displayName ?? u.tenant.tenantId);
          throw new AppFault('NOT_FOUND', `Subscription ${ref.subscriptionId} is not in any tenant these credentials reach${signIn.length ? `; tenants that need you to sign in again: ${signIn.join(', ')}` : ''}.`);
        }
        tenantId = found.tenant.tenantId;
      }
      let ws: DiscoveredWorkspace | null;
      try {
        ws = await d.workspace(tenantId, ref);
      } catch (err) {
        throw new AppFault('STORE_UNAVAILABLE', `Could not check ${where} with Azure: ${(err as Error).message}`);
      }
      if (!ws) throw new AppFault('NOT_FOUND', `Azure has no ${where}; list the workspaces again.`);
      if (ws.kind === 'hub') throw new AppFault('INVALID_INPUT', `'${ws.name}' is a hub: runs are tracked in its projects. Choose one of its projects.`);
      if (!ws.mlflowTrackingUri) throw new AppFault('NOT_AVAILABLE', `${where} reports no MLflow tracking URI (it may still be provisioning).`);
      this.o.state.chooseWorkspace({
        subscriptionId: ws.subscriptionId,
        resourceGroup: ws.resourceGroup,
        workspaceName: ws.name,
        tenantId,
        region: ws.region || null,
        kind: ws.kind,
        mlflowTrackingUri: ws.mlflowTrackingUri,
        chosenAt: Date.now(),
      });
    }
    // New sweeps read the target when they start; running ones keep the one they started with.
    const tracking = await this.o.tracking.refresh();
    return { ...this.current(), tracking };
  }
}
