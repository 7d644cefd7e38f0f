// The Azure ML workspace the CLI commands that read or mirror a workspace act on: the environment's
// AZURE_* workspace, else the one chosen with `sweepdeck azure use` (or in the app).
import { readChosenWorkspace } from '../app/appState.ts';
import { AzureSetupError } from '../core/azure/azureErrors.ts';
import { workspaceFromEnv } from '../core/azure/mirror/workspaceMirror.ts';
import { envWithChosenWorkspace } from '../core/azure/workspaceChoice.ts';
import type { WorkspaceRef } from '../core/azure/workspaceRef.ts';
import { defaultDataDir } from '../core/platform/dataDir.ts';
import { CliError } from './cliSupport.ts';

type EnvLike = Record<string, string | undefined>;

/** No workspace named or chosen is a usage error (exit 2) with the setup message. */
export function chosenWorkspaceRef(env: EnvLike): WorkspaceRef {
  try {
    return workspaceFromEnv(envWithChosenWorkspace(env, readChosenWorkspace(defaultDataDir(env))));
  } catch (err) {
    if (err instanceof AzureSetupError) throw new CliError(err.message, 2);
    throw err;
  }
}
