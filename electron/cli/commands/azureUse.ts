// `sweepdeck azure use SUBSCRIPTION/RESOURCE_GROUP/WORKSPACE [--no-verify]` / `--none`: remembers
// the workspace new sweeps (CLI and app) track to, in the app's state file. It is checked first:
// the subscription must be in a tenant the credentials reach and the workspace must exist there
// and track runs (a hub does not; its projects do).
import { AppState } from '../../app/appState.ts';
import { defaultDataDir } from '../../core/platform/dataDir.ts';
import { AzureSetupError } from '../../core/azure/azureErrors.ts';
import type { DiscoveredWorkspace } from '../../core/azure/discovery.ts';
import { effectiveWorkspace, environmentNamesTarget, parseWorkspacePath, type ChosenWorkspace } from '../../core/azure/workspaceChoice.ts';
import type { WorkspaceRef } from '../../core/azure/workspaceRef.ts';
import { cliDiscovery } from '../azureContext.ts';
import { CliError, parseCli, printedHelp } from '../cliSupport.ts';
import { print, printError } from '../terminalText.ts';
import { currentLine } from './azureWorkspaces.ts';

const USAGE = `Usage: sweepdeck azure use SUBSCRIPTION/RESOURCE_GROUP/WORKSPACE [--no-verify]
       sweepdeck azure use --none

Remembers the Azure ML workspace new sweeps track to (\`sweep run\`, \`tracking setup\` and the app).
Running sweeps keep the workspace they started with. AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP,
AZURE_WORKSPACE_NAME (or MLFLOW_TRACKING_URI) in the environment win over this choice.

  --no-verify   remember it without asking Azure whether it exists (e.g. offline)
  --none        forget the chosen workspace (tracking goes to the local store)

\`sweepdeck azure workspaces\` lists the workspaces you can choose.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(
    {
      args: argv,
      options: {
        'no-verify': { type: 'boolean', default: false },
        none: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    },
    USAGE,
  );
  if (printedHelp(values, USAGE)) return 0;
  const env = process.env;
  const state = new AppState(defaultDataDir(env));

  if (values.none) {
    if (positionals.length) throw new CliError(`--none takes no workspace (got '${positionals.join(' ')}').\n\n${USAGE}`);
    state.chooseWorkspace(null);
    print(`Forgot the chosen Azure workspace (${state.file}).`);
    print(currentLine(effectiveWorkspace(env, null)));
    return 0;
  }
  if (positionals.length !== 1) throw new CliError(`give exactly one SUBSCRIPTION/RESOURCE_GROUP/WORKSPACE (got ${positionals.length}).\n\n${USAGE}`);
  let ref: WorkspaceRef;
  try {
    ref = parseWorkspacePath(positionals[0] ?? '');
  } catch (err) {
    throw new CliError((err as Error).message);
  }

  let choice: ChosenWorkspace;
  if (values['no-verify']) {
    choice = { ...ref, tenantId: null, region: null, kind: null, mlflowTrackingUri: null, chosenAt: Date.now() };
  } else {
    const ws = await verify(ref, env);
    choice = { ...ref, workspaceName: ws.name, tenantId: ws.tenantId, region: ws.region || null, kind: ws.kind, mlflowTrackingUri: ws.mlflowTrackingUri, chosenAt: Date.now() };
  }
  state.chooseWorkspace(choice);
  const what = [choice.kind, choice.region].filter(Boolean).join(', ');
  print(`Chosen: workspace '${choice.workspaceName}'${what ? ` (${what})` : ''} in resource group '${choice.resourceGroup}', subscription ${choice.subscriptionId}. New sweeps track there; running sweeps keep theirs.`);
  if (environmentNamesTarget(env)) {
    printError('note: AZURE_SUBSCRIPTION_ID / AZURE_RESOURCE_GROUP / AZURE_WORKSPACE_NAME or MLFLOW_TRACKING_URI are set in this environment and win over this choice until they are unset.');
  }
  print(currentLine(effectiveWorkspace(env, choice)));
  return 0;
}

async function verify(ref: WorkspaceRef, env: NodeJS.ProcessEnv): Promise<DiscoveredWorkspace> {
  const discovery = await cliDiscovery(env);
  const where = `${ref.subscriptionId}/${ref.resourceGroup}/${ref.workspaceName}`;
  try {
    const found = await discovery.tenantOfSubscription(ref.subscriptionId);
    if (!found.tenant) {
      const signIn = found.unasked.filter((u) => u.status === 'needs-sign-in').map((u) => `${u.tenant.displayName ?? u.tenant.tenantId} (${u.tenant.tenantId})`);
      const failed = found.unasked.filter((u) => u.status === 'error').map((u) => `${u.tenant.displayName ?? u.tenant.tenantId}: ${u.message}`);
      throw new CliError(
        [
          `subscription ${ref.subscriptionId} is not in any tenant these credentials reach.`,
          ...(signIn.length ? [`Tenants that need you to sign in again: ${signIn.join(', ')}.`] : []),
          ...(failed.length ? [`Tenants that could not be listed: ${failed.join('; ')}.`] : []),
          '`sweepdeck azure workspaces` lists what you can choose; --no-verify remembers it anyway.',
        ].join('\n'),
        1,
      );
    }
    const ws = await discovery.workspace(found.tenant.tenantId, ref);
    if (!ws) {
      throw new CliError(`there is no Azure ML workspace '${ref.workspaceName}' in resource group '${ref.resourceGroup}' of subscription ${ref.subscriptionId} (${found.subscription?.displayName ?? ''}). \`sweepdeck azure workspaces\` lists them.`, 1);
    }
    if (ws.kind === 'hub') {
      throw new CliError(`'${ws.name}' is a hub: runs are tracked in its projects, not in the hub. Choose one of its projects (\`sweepdeck azure workspaces\` shows them with kind project).`, 1);
    }
    if (!ws.mlflowTrackingUri) {
      throw new CliError(`workspace '${ws.name}' reports no MLflow tracking URI (it may still be provisioning); try again later or choose another.`, 1);
    }
    return ws;
  } catch (err) {
    if (err instanceof CliError) throw err;
    const msg = err instanceof AzureSetupError || err instanceof Error ? err.message : String(err);
    throw new CliError(`could not check ${where} with Azure: ${msg}\n(--no-verify remembers it without checking)`, 1);
  }
}
