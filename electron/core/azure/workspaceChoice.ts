// The workspace a person chose (the picker, `sweepdeck azure use`), remembered in the app state
// file (non-secret: ids, names, region, kind), and how it meets the environment: AZURE_SUBSCRIPTION_ID,
// AZURE_RESOURCE_GROUP and AZURE_WORKSPACE_NAME (or MLFLOW_TRACKING_URI) in the environment win
// over the remembered choice, as environment variables win over settings files elsewhere; the UI
// and CLI say which one is in effect.
import { z } from 'zod';
import { validateWorkspaceRef, type WorkspaceRef } from './workspaceRef.ts';

export const WORKSPACE_KINDS = ['workspace', 'hub', 'project', 'feature-store'] as const;

export const chosenWorkspaceSchema = z.object({
  subscriptionId: z.string().min(1),
  resourceGroup: z.string().min(1),
  workspaceName: z.string().min(1),
  /** The tenant whose token reaches it (null: the chain's default tenant). */
  tenantId: z.string().nullable().default(null),
  region: z.string().nullable().default(null),
  kind: z.enum(WORKSPACE_KINDS).nullable().default(null),
  mlflowTrackingUri: z.string().nullable().default(null),
  chosenAt: z.number(),
});
export type ChosenWorkspace = z.infer<typeof chosenWorkspaceSchema>;

export type WorkspaceSource = 'environment' | 'chosen';

export interface EffectiveWorkspace extends WorkspaceRef {
  source: WorkspaceSource;
  /** The remembered details, when the choice is what is in effect. */
  chosen: ChosenWorkspace | null;
}

type EnvLike = Record<string, string | undefined>;

const ENV_NAMES = ['AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP', 'AZURE_WORKSPACE_NAME'] as const;

/** True when the environment names a tracking target itself (any AZURE_* workspace variable, or MLFLOW_TRACKING_URI). */
export function environmentNamesTarget(env: EnvLike): boolean {
  return ENV_NAMES.some((n) => !!env[n]?.trim()) || !!env.MLFLOW_TRACKING_URI?.trim();
}

/** The workspace in effect: the environment's when all three AZURE_* are set, else the chosen one. */
export function effectiveWorkspace(env: EnvLike, chosen: ChosenWorkspace | null): EffectiveWorkspace | null {
  const [s, g, w] = ENV_NAMES.map((n) => env[n]?.trim() ?? '');
  if (s && g && w) return { subscriptionId: s, resourceGroup: g, workspaceName: w, source: 'environment', chosen: null };
  if (environmentNamesTarget(env)) return null;
  if (!chosen) return null;
  return { subscriptionId: chosen.subscriptionId, resourceGroup: chosen.resourceGroup, workspaceName: chosen.workspaceName, source: 'chosen', chosen };
}

/** The environment with the chosen workspace filled in, unless the environment names a target
 * itself (then it is returned as it is: the environment wins). */
export function envWithChosenWorkspace<E extends EnvLike>(env: E, chosen: ChosenWorkspace | null): E {
  if (!chosen || environmentNamesTarget(env)) return env;
  return { ...env, AZURE_SUBSCRIPTION_ID: chosen.subscriptionId, AZURE_RESOURCE_GROUP: chosen.resourceGroup, AZURE_WORKSPACE_NAME: chosen.workspaceName };
}

/** SUBSCRIPTION/RESOURCE_GROUP/WORKSPACE (what `sweepdeck azure use` takes), checked field by field. */
export function parseWorkspacePath(text: string): WorkspaceRef {
  const parts = text.trim().split('/');
  if (parts.length !== 3 || parts.some((p) => p.trim() === '')) {
    throw new Error(`'${text}' is not SUBSCRIPTION/RESOURCE_GROUP/WORKSPACE: give the subscription id, the resource group and the workspace name separated by '/', e.g. 11111111-2222-3333-4444-555555555555/rg-ml/ws-ml (\`sweepdeck azure workspaces\` lists them)`);
  }
  const [subscriptionId = '', resourceGroup = '', workspaceName = ''] = parts.map((p) => p.trim());
  const ref = { subscriptionId, resourceGroup, workspaceName };
  validateWorkspaceRef(ref);
  return ref;
}

export const sameWorkspace = (a: WorkspaceRef, b: WorkspaceRef): boolean =>
  a.subscriptionId.toLowerCase() === b.subscriptionId.toLowerCase() &&
  a.resourceGroup.toLowerCase() === b.resourceGroup.toLowerCase() &&
  a.workspaceName.toLowerCase() === b.workspaceName.toLowerCase();
