// A credential for the tenant of the workspace chosen with `sweepdeck azure use` (or in the app), for
// `tracking setup` and `sweep run`: a workspace in another tenant needs a token of that tenant.
// Loaded lazily: the sign-in libraries are only loaded when a chosen workspace is in effect.
import type { TokenCredential } from '@azure/core-auth';
import { effectiveWorkspace, type ChosenWorkspace } from '../core/azure/workspaceChoice.ts';

type EnvLike = Record<string, string | undefined>;

/** undefined when the environment names the target, the choice has no tenant, or no credentials
 * are configured (tracking setup then uses its own and reports what is missing). */
export async function chosenWorkspaceCredential(env: EnvLike, chosen: ChosenWorkspace | null): Promise<TokenCredential | undefined> {
  const eff = effectiveWorkspace(env, chosen);
  const tenantId = eff?.source === 'chosen' ? eff.chosen?.tenantId : null;
  if (!tenantId) return undefined;
  const { cliCredentialSource } = await import('./azureContext.ts');
  const { CliError } = await import('./cliSupport.ts');
  try {
    return (await cliCredentialSource(env)).credentialFor(tenantId);
  } catch (err) {
    if (err instanceof CliError) return undefined;
    throw err;
  }
}
