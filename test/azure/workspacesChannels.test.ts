// The workspace picker's channels through the app's dispatch (zod input and output checks), over
// real app services against the Azure double with several tenants: tenants with their status,
// subscriptions, workspaces, choosing one (remembered, tracking re-targeted for new sweeps, the
// environment still winning), and a running sweep keeping the target it started with.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppServices, type AppServices } from '../../electron/app/appServices.ts';
import { loadCore, type CoreModules, type SweepTrackingArgs } from '../../electron/app/core.ts';
import type { ChannelOutput, Channel } from '../../shared/contract.ts';
import { addDiscovery, type DiscoveryDouble } from '../support/azureDiscoveryDouble.ts';
import { startAzureDouble, type AzureDouble } from '../support/azureDouble.ts';
import type { HpoConfig } from '../../shared/config.ts';
import { setupTrackingCrossPlatform } from '../../electron/core/tracking/setup.ts';

let double: AzureDouble;
let dd: DiscoveryDouble;
const dirs: string[] = [];

beforeAll(async () => {
  double = await startAzureDouble();
  dd = addDiscovery(double);
});
afterAll(async () => {
  await double.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** The double's credentials and hosts; the workspace variables only when asked for. */
function env(withWorkspaceVars = false): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _ca, AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP, AZURE_WORKSPACE_NAME, ...rest } = double.env();
  return { PATH: process.env.PATH, ...rest, ...(withWorkspaceVars ? { AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP, AZURE_WORKSPACE_NAME } : {}), SWEEPDECK_AZURE_TIMEOUT_MS: '5000' };
}

async function app(e: NodeJS.ProcessEnv, core?: CoreModules): Promise<AppServices> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ws-channels-'));
  dirs.push(dataDir);
  // In this process NODE_EXTRA_CA_CERTS cannot be set any more, so the tracking setup gets the
  // double's CA as its extra-CA option (what NODE_EXTRA_CA_CERTS does for the app and the CLI).
  const real = core ?? (await loadCore());
  const withCa: CoreModules = {
    ...real,
    setupTracking: async (a) => {
      const r = await setupTrackingCrossPlatform({ experimentName: a.experimentName, ...(a.azure || a.credential ? { azure: { ...a.azure, ...(a.credential ? { credential: a.credential } : {}) } } : {}), fallbackToLocal: a.fallbackToLocal, localDir: a.localDir, env: a.env ?? {}, ca: double.caPem, timeoutMs: 5_000 });
      return { mode: r.mode, uri: r.trackingUri, fallbackReason: r.reason ?? null };
    },
  };
  return await createAppServices({ dataDir, host: 'browser', exampleConfigPath: null, env: e, core: withCa, azure: { ca: double.caPem, timeoutMs: 5_000 } });
}

async function call<C extends Channel>(a: AppServices, ch: C, input: unknown): Promise<ChannelOutput<C>> {
  const r = await a.dispatch(ch, input);
  if (!r.ok) throw new Error(`${ch}: ${r.error.code}: ${r.error.message}`);
  return r.value as ChannelOutput<C>;
}

describe('workspace picker channels', () => {
  it('lists tenants (the MFA one as needs-sign-in), subscriptions and workspaces; rejects bad input', async () => {
    const a = await app(env());
    try {
      const { tenants } = await call(a, 'workspaces.tenants', {});
      expect(tenants.map((t) => [t.displayName, t.status, t.subscriptionCount])).toEqual([
        ['Contoso', 'ok', 5],
        ['Fabrikam', 'ok', 1],
        ['Woodgrove (MFA)', 'needs-sign-in', null],
      ]);
      expect(tenants[2]!.message).toMatch(/sign in again/);
      const fab = dd.tenants[1]!;
      const subs = await call(a, 'workspaces.subscriptions', { tenantId: fab.tenantId });
      expect(subs.subscriptions.map((s) => s.displayName)).toEqual(['Fabrikam Data Science']);
      const one = await call(a, 'workspaces.list', { tenantId: fab.tenantId, subscriptionId: fab.subscriptions[0]!.subscriptionId });
      expect(one.workspaces.map((w) => [w.name, w.region, w.resourceGroup, w.kind, w.subscriptionName])).toEqual([
        ['ws-fab-1', 'eastus', 'rg-fab', 'workspace', 'Fabrikam Data Science'],
        ['ws-fab-2', 'eastus2', 'rg-fab', 'workspace', 'Fabrikam Data Science'],
        ['ws-fab-3', 'westus3', 'rg-fab-west', 'workspace', 'Fabrikam Data Science'],
      ]);
      const all = await call(a, 'workspaces.list', { tenantId: double.tenantId });
      expect(all.via).toBe('resource-graph');
      expect(all.workspaces.map((w) => `${w.name}:${w.kind}`)).toEqual(['hub-contoso:hub', 'proj-ner:project', 'ws-research:workspace', `${double.workspaceName}:workspace`]);
      const mfa = await call(a, 'workspaces.list', { tenantId: dd.tenants[2]!.tenantId });
      expect(mfa).toMatchObject({ status: 'needs-sign-in', workspaces: [] });

      const bad = await a.dispatch('workspaces.list', { tenantId: 'x/../y' });
      expect(bad.ok === false && bad.error.code).toBe('INVALID_INPUT');
      const badSub = await a.dispatch('workspaces.list', { tenantId: fab.tenantId, subscriptionId: 'not-a-guid' });
      expect(badSub.ok === false && badSub.error.message).toMatch(/subscriptionId: a subscription id \(GUID\)/);
      const wrongTenant = await a.dispatch('workspaces.list', { tenantId: fab.tenantId, subscriptionId: double.subscriptionId });
      expect(wrongTenant.ok === false && wrongTenant.error.code).toBe('NOT_FOUND');
      const payloads = JSON.stringify([tenants, subs, one, all, mfa]);
      for (const t of double.issuedTokens) expect(payloads).not.toContain(t);
      expect(payloads).not.toContain(double.clientSecret);
    } finally {
      await a.close();
    }
  });

  it('choose: remembers the workspace, re-targets tracking, refuses a hub; env AZURE_* win and say so', async () => {
    const a = await app(env());
    try {
      expect(await call(a, 'workspaces.current', {})).toEqual({ current: null, environmentOverrides: false });
      const hub = await a.dispatch('workspaces.choose', { workspace: { subscriptionId: double.subscriptionId, resourceGroup: 'rg-ai', workspaceName: 'hub-contoso' } });
      expect(hub.ok === false && hub.error.message).toMatch(/is a hub: runs are tracked in its projects/);

      const chosen = await call(a, 'workspaces.choose', { workspace: { subscriptionId: double.subscriptionId, resourceGroup: double.resourceGroup, workspaceName: double.workspaceName } });
      expect(chosen.current).toMatchObject({ workspaceName: double.workspaceName, source: 'chosen', tenantId: double.tenantId, region: double.location, kind: 'workspace' });
      expect(chosen.tracking).toMatchObject({ mode: 'azure', azureSource: 'chosen', azure: { workspaceName: double.workspaceName } });
      expect(chosen.tracking.uri).toContain(`/mlflow/v2.0/subscriptions/${double.subscriptionId}/`);
      const stateText = fs.readFileSync(a.state.file, 'utf8');
      expect(JSON.parse(stateText).azureChoice).toMatchObject({ workspaceName: double.workspaceName, kind: 'workspace' });
      for (const t of double.issuedTokens) expect(stateText).not.toContain(t);
      expect(stateText).not.toContain(double.clientSecret);

      // Remembered: a new app on the same data folder starts on it.
      const again = await createAppServices({ dataDir: a.dataDir, host: 'browser', exampleConfigPath: null, env: env(), core: await loadCore(), azure: { ca: double.caPem } });
      try {
        expect((await call(again, 'workspaces.current', {})).current).toMatchObject({ workspaceName: double.workspaceName, source: 'chosen' });
      } finally {
        await again.close();
      }
      const forget = await call(a, 'workspaces.choose', { workspace: null });
      expect(forget.current).toBeNull();
      expect(forget.tracking.mode).toBe('local');
    } finally {
      await a.close();
    }

    const withEnv = await app(env(true));
    try {
      await call(withEnv, 'workspaces.choose', { workspace: { subscriptionId: dd.tenants[1]!.subscriptions[0]!.subscriptionId, resourceGroup: 'rg-fab', workspaceName: 'ws-fab-1' } });
      const cur = await call(withEnv, 'workspaces.current', {});
      expect(cur).toMatchObject({ environmentOverrides: true, current: { workspaceName: double.workspaceName, source: 'environment' } });
      expect((await call(withEnv, 'tracking.status', {})).azureSource).toBe('environment');
    } finally {
      await withEnv.close();
    }
  });

  it('a workspace chosen in a second tenant is set up with a token of that tenant', async () => {
    const a = await app(env());
    try {
      const fab = dd.tenants[1]!;
      double.requests.length = 0;
      const out = await call(a, 'workspaces.choose', { tenantId: fab.tenantId, workspace: { subscriptionId: fab.subscriptions[0]!.subscriptionId, resourceGroup: 'rg-fab', workspaceName: 'ws-fab-1' } });
      const tidOf = (auth: string | undefined): string | undefined =>
        (JSON.parse(Buffer.from((auth ?? '').replace(/^Bearer /, '').split('.')[1] ?? '', 'base64url').toString('utf8') || '{}') as { tid?: string }).tid;
      // The picker's check and the tracking setup's ARM read: both with a Fabrikam token.
      const reads = double.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/workspaces/ws-fab-1'));
      expect(reads.map((r) => r.query['api-version'])).toEqual(['2024-04-01', '2022-10-01']);
      for (const r of reads) expect(tidOf(r.authorization)).toBe(fab.tenantId);
      // The double serves no MLflow API for this workspace: local, and the reason says so (not a refused token).
      expect(out.tracking).toMatchObject({ mode: 'local', azureSource: 'chosen', azure: { workspaceName: 'ws-fab-1' } });
      expect(out.tracking.fallbackReason).toMatch(/MLflow endpoint of workspace 'ws-fab-1' is failing/);
    } finally {
      await a.close();
    }
  });

  it('a sweep keeps the target it started with; the next sweep gets the newly chosen one', async () => {
    const seen: SweepTrackingArgs[] = [];
    const real = await loadCore();
    const fake: CoreModules = {
      ...real,
      openSweepTracking: async (args) => {
        seen.push(args);
        return { hooks: {}, mode: 'azure', trackingUri: `target-of-${args.env?.AZURE_WORKSPACE_NAME ?? 'none'}`, fallbackReason: null, pending: () => 0, outbox: () => null, close: async () => undefined };
      },
    };
    const a = await app(env(), fake);
    try {
      await call(a, 'workspaces.choose', { workspace: { subscriptionId: double.subscriptionId, resourceGroup: double.resourceGroup, workspaceName: double.workspaceName } });
      const config = { experiment_name: 'e' } as unknown as HpoConfig;
      const first = await a.tracking.openForSweep(config);
      await call(a, 'workspaces.choose', { workspace: { subscriptionId: double.subscriptionId, resourceGroup: 'rg-ai', workspaceName: 'proj-ner' } });
      const second = await a.tracking.openForSweep(config);
      expect(first.trackingUri).toBe(`target-of-${double.workspaceName}`);
      expect(second.trackingUri).toBe('target-of-proj-ner');
      // The first sweep's arguments were a copy taken at its start: choosing again did not change them.
      expect(seen[0]!.env?.AZURE_WORKSPACE_NAME).toBe(double.workspaceName);
      expect(seen[1]!.env).toMatchObject({ AZURE_SUBSCRIPTION_ID: double.subscriptionId, AZURE_RESOURCE_GROUP: 'rg-ai', AZURE_WORKSPACE_NAME: 'proj-ner' });
    } finally {
      await a.close();
    }
  });
});
