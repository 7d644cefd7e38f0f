// `sweepdeck tracking setup --experiment NAME [--no-fallback] [--json]`: runs the same decision
// the app makes (Azure ML, another MLflow server, or the local store) and prints it with the
// reason for any fallback. Azure settings and the service principal come from the environment.
import { CliError, parseCli, printedHelp } from '../cliSupport.ts';
import { TrackingSetupError, setupTrackingCrossPlatform, type TrackingSetupResult } from '../../core/tracking/setup.ts';
import { print, printError } from '../terminalText.ts';

const USAGE = `Usage: sweepdeck tracking setup --experiment NAME [--no-fallback] [--json] [--local-dir DIR]

Decides where tracking goes and prints the decision:
  azure   the Azure ML workspace's MLflow endpoint (AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP,
          AZURE_WORKSPACE_NAME), signed in through the credential chain: \`sweepdeck azure login\`,
          service principal (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET), managed or
          workload identity on Azure compute, Azure CLI, Azure Developer CLI, Azure PowerShell
  remote  the MLflow server in MLFLOW_TRACKING_URI (http/https)
  local   sqlite:///<dir>/mlflow.db, with the reason Azure/remote was not used

Options:
  --experiment NAME   MLflow experiment name (required)
  --no-fallback       fail (exit 1) with the reason instead of falling back to the local store
  --json              print the decision as JSON
  --local-dir DIR     folder for the local store (default: per platform; here the current folder)

Overrides (sovereign clouds, tests): SWEEPDECK_AZURE_AUTHORITY_HOST, SWEEPDECK_AZURE_ARM_ENDPOINT,
SWEEPDECK_AZURE_TOKEN_SCOPE, SWEEPDECK_AZURE_TIMEOUT_MS; extra CA via NODE_EXTRA_CA_CERTS.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCli(
    {
      args: argv,
      options: {
        experiment: { type: 'string' },
        'no-fallback': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'local-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
      strict: true,
    },
    USAGE,
  );
  if (printedHelp(values, USAGE)) return 0;
  if (!values.experiment?.trim()) throw new CliError(`--experiment NAME is required (the MLflow experiment to track into).\n\n${USAGE}`);

  let result: TrackingSetupResult;
  try {
    result = await setupTrackingCrossPlatform({
      experimentName: values.experiment,
      fallbackToLocal: !values['no-fallback'],
      ...(values['local-dir'] ? { localDir: values['local-dir'] } : {}),
    });
  } catch (err) {
    if (!(err instanceof TrackingSetupError)) throw err;
    if (!err.reasonCode) throw new CliError(err.message);
    if (values.json) print(JSON.stringify({ ok: false, reasonCode: err.reasonCode, reason: err.message }, null, 2));
    printError(`sweepdeck tracking setup: ${err.message}`);
    return 1;
  }

  if (values.json) {
    print(JSON.stringify(toJson(result), null, 2));
    return 0;
  }
  const lines = [`mode: ${result.mode}`, `tracking URI: ${result.trackingUri}`];
  if (result.reasonCode) lines.push(`reason (${result.reasonCode}): ${result.reason ?? ''}`);
  if (result.azure) lines.push(`workspace: ${result.azure.workspaceName} (${result.azure.location ?? 'unknown region'}), resource group ${result.azure.resourceGroup}`);
  if (result.credentialLink) lines.push(`signed in through: ${result.credentialLink}`);
  lines.push(`experiment: ${result.experimentName}`);
  lines.push(`platform: ${result.platform.kind} (${result.platform.evidence})`);
  if (result.mode === 'local') lines.push(`local store folder: ${result.localDir} (${result.localDirWhy})`);
  print(lines.join('\n'));
  return 0;
}

/** The decision without the token provider (a function, and nothing secret goes to stdout). */
function toJson(r: TrackingSetupResult): Record<string, unknown> {
  return {
    ok: true,
    mode: r.mode,
    trackingUri: r.trackingUri,
    ...(r.reasonCode ? { reasonCode: r.reasonCode, reason: r.reason } : {}),
    ...(r.credentialLink ? { credentialLink: r.credentialLink } : {}),
    experimentName: r.experimentName,
    platform: r.platform,
    localDir: r.localDir,
    localDirWhy: r.localDirWhy,
    ...(r.azure
      ? {
          azure: {
            subscriptionId: r.azure.subscriptionId,
            resourceGroup: r.azure.resourceGroup,
            workspaceName: r.azure.workspaceName,
            location: r.azure.location,
            mlflowTrackingUri: r.azure.mlflowTrackingUri,
          },
        }
      : {}),
  };
}
