// `sweepdeck azure workspaces [--json]`: every Azure ML workspace the credentials reach, tenant by
// tenant (subscription, resource group, name, region, kind, MLflow tracking URI), the tenants that
// need sign-in, and which workspace new sweeps track to (and whether the environment or the
// remembered choice says so).
import { readChosenWorkspace } from '../../app/appState.ts';
import { defaultDataDir } from '../../core/platform/dataDir.ts';
import type { DiscoveredWorkspace, TenantDiscovery } from '../../core/azure/discovery.ts';
import { effectiveWorkspace, sameWorkspace, type EffectiveWorkspace } from '../../core/azure/workspaceChoice.ts';
import { cliDiscovery } from '../azureContext.ts';
import { CliError, parseCli, printedHelp } from '../cliSupport.ts';
import { oneLine, print } from '../terminalText.ts';

const USAGE = `Usage: sweepdeck azure workspaces [--json]

Lists the Azure ML workspaces (plain workspaces, hubs and projects) in every tenant and
subscription the credentials reach. A tenant that needs you to sign in again (multi-factor,
consent) is listed as "needs sign-in". The workspace new sweeps track to is marked with *.

  --json   print tenants, workspaces and the current choice as JSON

Choose one with: sweepdeck azure use SUBSCRIPTION/RESOURCE_GROUP/WORKSPACE`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCli(
    { args: argv, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } }, allowPositionals: false, strict: true },
    USAGE,
  );
  if (printedHelp(values, USAGE)) return 0;
  const env = process.env;
  const discovery = await cliDiscovery(env);
  let tenants: TenantDiscovery[];
  try {
    tenants = await discovery.all();
  } catch (err) {
    throw new CliError(`listing Azure tenants failed: ${(err as Error).message}`, 1);
  }
  const current = effectiveWorkspace(env, readChosenWorkspace(defaultDataDir(env)));
  const workspaces = tenants.flatMap((t) => t.workspaces.map((w) => ({ w, subscriptionName: t.subscriptions.find((s) => s.subscriptionId === w.subscriptionId)?.displayName ?? null })));

  if (values.json) {
    print(
      JSON.stringify(
        {
          tenants: tenants.map((t) => ({
            tenantId: t.tenant.tenantId,
            displayName: t.tenant.displayName,
            defaultDomain: t.tenant.defaultDomain,
            status: t.status,
            message: t.message,
            via: t.via,
            subscriptions: t.subscriptions,
            subscriptionErrors: t.subscriptionErrors,
          })),
          workspaces: workspaces.map(({ w, subscriptionName }) => ({ ...workspaceJson(w), subscriptionName, current: !!current && sameWorkspace(current, ref(w)) })),
          current: current ? { subscriptionId: current.subscriptionId, resourceGroup: current.resourceGroup, workspaceName: current.workspaceName, source: current.source } : null,
        },
        null,
        2,
      ),
    );
    return 0;
  }

  const lines: string[] = [];
  for (const t of tenants) {
    const name = oneLine(t.tenant.displayName ?? t.tenant.defaultDomain ?? t.tenant.tenantId);
    const state = t.status === 'ok' ? `${t.subscriptions.length} subscription(s), ${t.workspaces.length} workspace(s)` : t.status === 'needs-sign-in' ? 'needs sign-in' : 'error';
    lines.push(`tenant ${name} (${t.tenant.tenantId}): ${state}`);
    if (t.message) lines.push(`  ${oneLine(t.message)}`);
    for (const e of t.subscriptionErrors) lines.push(`  subscription ${e.subscriptionId}: ${oneLine(e.message)}`);
  }
  lines.push('');
  if (workspaces.length === 0) {
    lines.push('No Azure ML workspaces found.');
  } else {
    const rows = workspaces.map(({ w }) => [current && sameWorkspace(current, ref(w)) ? '*' : ' ', w.subscriptionId, w.resourceGroup, w.name, w.region, w.kind, w.mlflowTrackingUri ?? '(hub: tracked in its projects)']);
    lines.push(...table([[' ', 'SUBSCRIPTION', 'RESOURCE GROUP', 'NAME', 'REGION', 'KIND', 'MLFLOW URI'], ...rows.map((r) => r.map(oneLine))]));
  }
  lines.push('', currentLine(current));
  print(lines.join('\n'));
  return 0;
}

const ref = (w: DiscoveredWorkspace): { subscriptionId: string; resourceGroup: string; workspaceName: string } => ({ subscriptionId: w.subscriptionId, resourceGroup: w.resourceGroup, workspaceName: w.name });

function workspaceJson(w: DiscoveredWorkspace): Record<string, unknown> {
  return {
    tenantId: w.tenantId,
    subscriptionId: w.subscriptionId,
    resourceGroup: w.resourceGroup,
    name: w.name,
    region: w.region,
    kind: w.kind,
    hubId: w.hubId,
    mlflowTrackingUri: w.mlflowTrackingUri,
    restBase: w.restBase,
  };
}

export function currentLine(current: EffectiveWorkspace | null): string {
  if (!current) return 'New sweeps track to: no Azure workspace chosen (choose one with `sweepdeck azure use SUBSCRIPTION/RESOURCE_GROUP/WORKSPACE`).';
  const where = `${current.subscriptionId}/${current.resourceGroup}/${current.workspaceName}`;
  return current.source === 'environment'
    ? `New sweeps track to: ${where} (from AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP, AZURE_WORKSPACE_NAME in the environment; they win over a chosen workspace).`
    : `New sweeps track to: ${where} (chosen with \`sweepdeck azure use\` or in the app).`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd());
}
