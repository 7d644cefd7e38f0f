// Workspace discovery against the Azure double with several tenants: tenants, subscriptions per
// tenant (each with its own token), workspace lists paged with nextLink, Resource Graph paged with
// $skipToken and its fallback, hubs and projects for what they are, the MFA tenant reported as
// needing sign-in, 429 with Retry-After honoured, and a bound on requests in flight.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CredentialSource } from '../../electron/core/azure/authTypes.ts';
import { ArmClient, limiter, needsInteraction } from '../../electron/core/azure/armRequests.ts';
import { Discovery, type DiscoveryOptions, type TenantDiscovery } from '../../electron/core/azure/discovery.ts';
import { servicePrincipalSource } from '../support/servicePrincipalSource.ts';
import { addDiscovery, type DiscoveryDouble } from '../support/azureDiscoveryDouble.ts';
import { startAzureDouble, type AzureDouble } from '../support/azureDouble.ts';

let double: AzureDouble;
let dd: DiscoveryDouble;
let source: CredentialSource;

beforeAll(async () => {
  double = await startAzureDouble();
  dd = addDiscovery(double);
  const { NODE_EXTRA_CA_CERTS: _ca, ...env } = double.env();
  source = servicePrincipalSource(env, { ca: double.caPem, timeoutMs: 5_000 });
});
afterAll(async () => {
  await double.close();
});
beforeEach(() => {
  double.requests.length = 0;
  dd.throttleNext(0);
});

const discovery = (extra: Partial<DiscoveryOptions> = {}): Discovery => new Discovery({ credentials: source, ca: double.caPem, timeoutMs: 5_000, ...extra });
const armPaths = (): string[] => double.requests.filter((r) => r.part === 'arm').map((r) => `${r.method} ${r.path}`);
const byName = (all: TenantDiscovery[], name: string): TenantDiscovery => {
  const t = all.find((x) => x.tenant.displayName === name);
  if (!t) throw new Error(`no tenant ${name}`);
  return t;
};

describe('discovery against the double', () => {
  it('lists every tenant, with the MFA tenant as needs-sign-in instead of dropped', async () => {
    const all = await discovery().all();
    expect(all.map((t) => t.tenant.displayName).sort()).toEqual(['Contoso', 'Fabrikam', 'Woodgrove (MFA)']);
    const mfa = byName(all, 'Woodgrove (MFA)');
    expect(mfa.status).toBe('needs-sign-in');
    expect(mfa.message).toMatch(/sign in again/);
    expect(mfa.message).toMatch(/AADSTS50076/);
    expect(byName(all, 'Contoso').status).toBe('ok');
    expect(byName(all, 'Fabrikam').status).toBe('ok');
    // The tenant list itself has three entries over two pages of two.
    expect(armPaths().filter((p) => p === 'GET /tenants')).toHaveLength(2);
    for (const t of double.issuedTokens) expect(JSON.stringify(all)).not.toContain(t);
  });

  it('lists each tenant\'s subscriptions with that tenant\'s token', async () => {
    const d = discovery();
    const fabrikam = dd.tenants[1]!;
    const subs = await d.subscriptions(fabrikam.tenantId);
    expect(subs).toEqual([{ subscriptionId: fabrikam.subscriptions[0]!.subscriptionId, displayName: 'Fabrikam Data Science', tenantId: fabrikam.tenantId, state: 'Enabled' }]);
    const home = await d.subscriptions(double.tenantId);
    expect(home.map((s) => s.displayName)).toEqual(['Contoso ML', 'Research', 'Staging', 'Sandbox', 'Archive']);
  });

  it('uses Resource Graph across many subscriptions, pages it, and shows hubs and projects for what they are', async () => {
    const contoso = byName(await discovery().all(), 'Contoso');
    expect(contoso.via).toBe('resource-graph');
    const rgCalls = armPaths().filter((p) => p === 'POST /providers/Microsoft.ResourceGraph/resources');
    // Four workspaces in pages of two.
    expect(rgCalls).toHaveLength(2);
    expect(armPaths().some((p) => p.endsWith('/providers/Microsoft.MachineLearningServices/workspaces') && p.includes(double.subscriptionId))).toBe(false);
    const rows = contoso.workspaces.map((w) => [w.name, w.kind, w.region, w.resourceGroup, w.subscriptionId]);
    expect(rows).toEqual([
      ['hub-contoso', 'hub', 'swedencentral', 'rg-ai', double.subscriptionId],
      ['proj-ner', 'project', 'swedencentral', 'rg-ai', double.subscriptionId],
      ['ws-research', 'workspace', 'northeurope', 'rg-research', dd.tenants[0]!.subscriptions[1]!.subscriptionId],
      [double.workspaceName, 'workspace', double.location, double.resourceGroup, double.subscriptionId],
    ]);
    const hub = contoso.workspaces.find((w) => w.kind === 'hub')!;
    const project = contoso.workspaces.find((w) => w.kind === 'project')!;
    expect(hub.mlflowTrackingUri).toBeNull();
    expect(project.hubId).toBe(hub.id);
    const own = contoso.workspaces.find((w) => w.name === double.workspaceName)!;
    expect(own.mlflowTrackingUri).toBe(double.mlflowTrackingUri);
    expect(own.restBase).toBe(`https://127.0.0.1:${double.port}/mlflow/v2.0/subscriptions/${double.subscriptionId}/resourceGroups/${double.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${double.workspaceName}`);
  });

  it('lists per subscription, following nextLink, when there are only a few subscriptions', async () => {
    const fabrikam = byName(await discovery().all(), 'Fabrikam');
    expect(fabrikam.via).toBe('arm');
    expect(fabrikam.workspaces.map((w) => `${w.resourceGroup}/${w.name}@${w.region}`)).toEqual(['rg-fab/ws-fab-1@eastus', 'rg-fab/ws-fab-2@eastus2', 'rg-fab-west/ws-fab-3@westus3']);
    const sub = dd.tenants[1]!.subscriptions[0]!.subscriptionId;
    expect(armPaths().filter((p) => p === `GET /subscriptions/${sub}/providers/Microsoft.MachineLearningServices/workspaces`)).toHaveLength(2);
  });

  it('falls back to listing per subscription when Resource Graph is refused', async () => {
    const local = await startAzureDouble();
    try {
      const ldd = addDiscovery(local);
      ldd.inject('resource-graph-forbidden');
      const { NODE_EXTRA_CA_CERTS: _ca, ...env } = local.env();
      const d = new Discovery({ credentials: servicePrincipalSource(env, { ca: local.caPem }), ca: local.caPem, timeoutMs: 5_000 });
      const contoso = byName(await d.all(), 'Contoso');
      expect(contoso.status).toBe('ok');
      expect(contoso.via).toBe('arm');
      expect(contoso.workspaces.map((w) => w.name).sort()).toEqual([local.workspaceName, 'hub-contoso', 'proj-ner', 'ws-research'].sort());
      const refused = local.requests.filter((r) => r.path === '/providers/Microsoft.ResourceGraph/resources');
      expect(refused).toHaveLength(1);
    } finally {
      await local.close();
    }
  });

  it('honours Retry-After on 429 and backs off when there is none', async () => {
    const waits: number[] = [];
    const d = discovery({ wait: async (ms) => void waits.push(ms) });
    const fabrikam = dd.tenants[1]!;
    dd.throttleNext(1, '2');
    const first = await d.workspacesOf(fabrikam.tenantId, fabrikam.subscriptions[0]!.subscriptionId);
    expect(first).toHaveLength(3);
    expect(waits).toEqual([2000]);
    dd.throttleNext(2);
    await d.workspacesOf(fabrikam.tenantId, fabrikam.subscriptions[0]!.subscriptionId);
    expect(waits).toHaveLength(3);
    // Backoff with jitter: 250..500 ms, then 500..1000 ms.
    expect(waits[1]).toBeGreaterThanOrEqual(250);
    expect(waits[1]).toBeLessThanOrEqual(500);
    expect(waits[2]).toBeGreaterThanOrEqual(500);
    expect(waits[2]).toBeLessThanOrEqual(1000);
  });

  it('gives up on a throttle longer than it will wait, and after its retries', async () => {
    const fabrikam = dd.tenants[1]!;
    const sub = fabrikam.subscriptions[0]!.subscriptionId;
    dd.throttleNext(1, '3600');
    await expect(discovery({ wait: async () => undefined }).workspacesOf(fabrikam.tenantId, sub)).rejects.toThrow(/asks to wait 3600 s; try again later/);
    dd.throttleNext(5);
    await expect(discovery({ wait: async () => undefined, maxRetries: 2 }).workspacesOf(fabrikam.tenantId, sub)).rejects.toThrow(/HTTP 429 TooManyRequests/);
  });

  it('keeps at most `concurrency` ARM requests in flight, and does overlap them', async () => {
    const local = await startAzureDouble();
    try {
      const ldd = addDiscovery(local);
      ldd.latencyMs = 30;
      const { NODE_EXTRA_CA_CERTS: _ca, ...env } = local.env();
      // Per-subscription lists for the five subscriptions of the home tenant (no Resource Graph).
      const d = new Discovery({ credentials: servicePrincipalSource(env, { ca: local.caPem }), ca: local.caPem, timeoutMs: 5_000, concurrency: 2, resourceGraphThreshold: 100 });
      const contoso = byName(await d.all(), 'Contoso');
      expect(contoso.via).toBe('arm');
      expect(ldd.maxInFlight).toBe(2);
    } finally {
      await local.close();
    }
  });

  it('gives every request a deadline', async () => {
    double.addRoute(({ url }) => url.pathname === '/hanging-list');
    const arm = new ArmClient({ armEndpoint: double.url, ca: double.caPem, timeoutMs: 300 });
    await expect(arm.listAll(source.credentialFor(), '/hanging-list')).rejects.toThrow(/could not reach Azure Resource Manager: no answer from https:\/\/127\.0\.0\.1:\d+\/hanging-list within 300 ms/);
  });

  it('never follows a nextLink to another host with the token', async () => {
    const cred = source.credentialFor();
    const arm = new ArmClient({ armEndpoint: double.url, ca: double.caPem, timeoutMs: 5_000 });
    // The double's own ARM error for a made-up path is fine: what matters is the nextLink check.
    double.addRoute(({ url, res }) => {
      if (url.pathname !== '/evil-list') return false;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ value: [1], nextLink: 'https://attacker.example/steal' }));
      return true;
    });
    await expect(arm.listAll(cred, '/evil-list')).rejects.toThrow(/nextLink on another host \(attacker\.example\)/);
  });
});

describe('pieces', () => {
  it('keeps at most n functions running', async () => {
    const limit = limiter(2);
    let active = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const runs = Array.from({ length: 6 }, () =>
      limit(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((r) => gates.push(r));
        active--;
      }),
    );
    // Release whatever is waiting until every run is done; never more than two at a time.
    for (let released = 0; released < 6; ) {
      await new Promise((r) => setImmediate(r));
      const g = gates.shift();
      if (g) {
        g();
        released++;
      }
    }
    await Promise.all(runs);
    expect(peak).toBe(2);
  });

  it('recognises the errors that mean "sign in again"', () => {
    const named = new Error('x');
    named.name = 'AuthenticationRequiredError';
    expect(needsInteraction(named)).toBe(true);
    expect(needsInteraction(new Error('refused (interaction_required, HTTP 400): AADSTS50076: use MFA'))).toBe(true);
    expect(needsInteraction(new Error('outer', { cause: new Error('AADSTS50079: enrol in MFA') }))).toBe(true);
    expect(needsInteraction(new Error('AADSTS7000215: Invalid client secret provided.'))).toBe(false);
  });
});
