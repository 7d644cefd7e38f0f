// The Azure account as the renderer sees it: who is signed in, through which link of the
// credential chain, and a sign-in in progress (device code or browser). Never a token: these
// shapes have no field that could carry one. Bundled by the renderer, so zod only.
import { z } from 'zod';

export const AZURE_CLOUD_NAMES = ['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment'] as const;
export const azureCloudSchema = z.enum(AZURE_CLOUD_NAMES);
export type AzureCloud = z.infer<typeof azureCloudSchema>;

/** A directory (tenant) GUID or a domain such as contoso.onmicrosoft.com. */
export const signInTenantSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, 'a tenant id (GUID) or a domain such as contoso.onmicrosoft.com');

export const signInMethodSchema = z.enum(['browser', 'device-code']);
export type SignInMethod = z.infer<typeof signInMethodSchema>;

/** A sign-in in progress, or the way the last one ended. */
export const signInAttemptSchema = z.object({
  id: z.string(),
  method: signInMethodSchema,
  /** Signing in to one more tenant of the signed-in account (e.g. one that demands MFA). */
  tenantId: z.string().nullable(),
  state: z.enum(['starting', 'waiting', 'signed-in', 'cancelled', 'timeout', 'failed']),
  /** Device code: what the user types at verificationUri. */
  userCode: z.string().nullable(),
  verificationUri: z.string().nullable(),
  /** Device code: the identity platform's own sentence. */
  message: z.string().nullable(),
  expiresAt: z.number().nullable(),
  /** Browser: the sign-in page. The desktop app opened it itself (openedExternally); the browser
   * host leaves it to the page to open in a new tab. It holds a PKCE challenge, no secret. */
  browserUrl: z.string().nullable(),
  openedExternally: z.boolean(),
  /** Why it failed, was cancelled or timed out. */
  error: z.string().nullable(),
});
export type SignInAttempt = z.infer<typeof signInAttemptSchema>;

export const accountStatusSchema = z.object({
  /** Someone is signed in inside Sweepdeck (the chain's first link). */
  signedIn: z.boolean(),
  /** The account signed in inside Sweepdeck, else the one the answering link names. */
  account: z.string().nullable(),
  tenantId: z.string().nullable(),
  cloud: azureCloudSchema,
  /** The link of the credential chain that answered (e.g. 'signed-in account', 'Azure CLI'); null: none did. */
  link: z.string().nullable(),
  signedInVia: z.enum(['device code', 'browser']).nullable(),
  /** Where the signed-in account's tokens live (a path and how it is encrypted, or "memory only"). */
  tokenCache: z.string().nullable(),
  /** e.g. "No OS encryption ... kept in memory only". */
  notice: z.string().nullable(),
  /** Why no link answered, when none did. */
  problem: z.string().nullable(),
  signIn: signInAttemptSchema.nullable(),
  checkedAt: z.number(),
});
export type AccountStatus = z.infer<typeof accountStatusSchema>;

export const accountTenantSchema = z.object({
  tenantId: z.string(),
  displayName: z.string().nullable(),
  defaultDomain: z.string().nullable(),
  /** Home, ProjectedBy (guest), ManagedBy. */
  category: z.string().nullable(),
  state: z.enum(['signed in', 'needs sign-in', 'error']),
  detail: z.string().nullable(),
});
export type AccountTenant = z.infer<typeof accountTenantSchema>;
