// The tenants an account can reach, each with whether a token for it can be had silently. A
// tenant that demands MFA or another interaction is listed as "needs sign-in" (never dropped),
// so the UI can offer its one button and the CLI can say which `--tenant` to log in to.
import type { TokenCredential } from '@azure/core-auth';
import { z } from 'zod';
import { AzureSetupError, redact } from './azureErrors.ts';
import { sendWithClaimsChallenge, tokenGetter } from './claimsChallenge.ts';
import { DEFAULT_TIMEOUT_MS } from './endpoints.ts';
import { TransportError, safeUrl } from './httpTransport.ts';

export const TENANTS_API_VERSION = '2022-12-01';

export type TenantSignInState = 'signed in' | 'needs sign-in' | 'error';

export interface TenantStatus {
  tenantId: string;
  displayName: string | undefined;
  defaultDomain: string | undefined;
  /** ARM's tenantCategory: Home, ProjectedBy (guest), ManagedBy. */
  category: string | undefined;
  state: TenantSignInState;
  /** Why not signed in (no token or secret in it). */
  detail: string | undefined;
}

const tenantListSchema = z.object({
  value: z.array(
    z.object({
      tenantId: z.string(),
      displayName: z.string().optional(),
      defaultDomain: z.string().optional(),
      tenantCategory: z.string().optional(),
    }),
  ),
  nextLink: z.string().optional(),
});

export interface ListTenantsOptions {
  /** A credential per tenant; the home tenant's when called without one (CredentialSource.credentialFor). */
  credentialFor: (tenantId?: string) => TokenCredential;
  armEndpoint: string;
  armScope: string;
  timeoutMs?: number;
  ca?: string | undefined;
}

/** Errors meaning "this tenant wants the user to sign in (again)", by name so any link's fits. */
const NEEDS_SIGN_IN = new Set(['SignInRequiredError', 'InteractionRequiredAuthError', 'AuthenticationRequiredError', 'CredentialUnavailableError']);

export async function listTenants(opts: ListTenantsOptions): Promise<TenantStatus[]> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const home = tokenGetter(opts.credentialFor(), opts.armScope);
  const found: z.infer<typeof tenantListSchema>['value'] = [];
  let next: string | undefined = `${opts.armEndpoint.replace(/\/+$/, '')}/tenants?api-version=${TENANTS_API_VERSION}`;
  for (let page = 0; next && page < 50; page++) {
    let res;
    try {
      res = await sendWithClaimsChallenge({ method: 'GET', url: next, headers: { accept: 'application/json' } }, { timeoutMs, ca: opts.ca }, home);
    } catch (err) {
      if (err instanceof TransportError) throw new AzureSetupError(err.kind, `could not list tenants at ${safeUrl(next)}: ${err.message}`);
      throw err;
    }
    if (res.status !== 200) {
      throw new AzureSetupError(res.status === 401 || res.status === 403 ? 'TOKEN_REFUSED' : 'ENDPOINT_FAILING', redact(`listing tenants at ${safeUrl(next)} answered HTTP ${res.status}: ${res.body.slice(0, 300)}`), res.status);
    }
    const parsed = tenantListSchema.safeParse(JSON.parse(res.body));
    if (!parsed.success) throw new AzureSetupError('ENDPOINT_FAILING', `the tenant list from ${safeUrl(next)} is not in ARM's shape: ${parsed.error.issues[0]?.message ?? ''}`);
    found.push(...parsed.data.value);
    next = parsed.data.nextLink;
  }
  return await Promise.all(
    found.map(async (t): Promise<TenantStatus> => {
      const base = { tenantId: t.tenantId, displayName: t.displayName, defaultDomain: t.defaultDomain, category: t.tenantCategory };
      try {
        await opts.credentialFor(t.tenantId).getToken(opts.armScope, { tenantId: t.tenantId });
        return { ...base, state: 'signed in', detail: undefined };
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        return { ...base, state: NEEDS_SIGN_IN.has(e.name) ? 'needs sign-in' : 'error', detail: redact(e.message.split('\n')[0] ?? '') };
      }
    }),
  );
}
