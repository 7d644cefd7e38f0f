// The app side of Azure sign-in: one account session for the app's whole run (its tokens stay in
// this process), the status the status bar and Settings show, device-code and browser sign-in with
// cancel, more tenants, sign-out. Replies and events carry names, tenants, links and the device code;
// never a token (the shapes in shared/azureAccount.ts have no field for one).
import crypto from 'node:crypto';
import path from 'node:path';
import type { AccountStatus, AccountTenant, AzureCloud, SignInAttempt } from '../../shared/azureAccount.ts';
import type { ParsedInput } from '../../shared/contract.ts';
import { openAccountSession, shareAppAccountSession } from '../core/azure/accountLink.ts';
import type { AccountSession } from '../core/azure/accountSession.ts';
import { AzureSetupError, redact } from '../core/azure/azureErrors.ts';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { CredentialSource } from '../core/azure/authTypes.ts';
import { cloudEndpoints, parseCloudName } from '../core/azure/clouds.ts';
import type { SecretStore } from '../core/azure/secretStore.ts';
import { openCliSecretStore } from '../core/azure/cliSecretStore.ts';
import { currentSignIn, openCredentialSource } from '../core/azure/signInStatus.ts';
import { listTenants } from '../core/azure/tenants.ts';
import { AppFault } from './appError.ts';
import type { EventBus } from './eventBus.ts';

type EnvLike = Record<string, string | undefined>;

export interface AzureAccountServiceOptions {
  /** The app's data folder; the account record and token cache go in its `azure/`. */
  dataDir: string;
  env: EnvLike;
  bus: EventBus;
  /** The token cache's encryption: Electron safeStorage in the desktop app; default the CLI's
   * (the OS's keyring, Keychain or DPAPI through cliSecretStore, else memory only). */
  secretStore?: SecretStore;
  /** Opens the browser sign-in page in the system browser (desktop app). Absent (browser host):
   * the page opens it in a new tab. */
  openExternal?: (url: string) => Promise<void> | void;
  /** Deadline per request to Azure. */
  timeoutMs?: number;
  /** Extra trusted CA (PEM) for Azure's endpoints (spawned hosts use NODE_EXTRA_CA_CERTS). */
  ca?: string;
  /** Called after a sign-in or sign-out, e.g. to re-run tracking setup. */
  onAccountChanged?: () => void;
}

interface Attempt {
  info: SignInAttempt;
  abort: AbortController;
}

const ACTIVE: ReadonlySet<SignInAttempt['state']> = new Set(['starting', 'waiting']);

export class AzureAccountService {
  private session: AccountSession | undefined;
  private secretStore: Promise<SecretStore> | undefined;
  private attempt: Attempt | undefined;
  private last: AccountStatus | undefined;
  private checking: Promise<AccountStatus> | undefined;
  /** The chain behind credentialSource(), built again after a sign-in or sign-out. */
  private chain: ReturnType<typeof openCredentialSource> | undefined;
  private closed = false;

  constructor(private readonly o: AzureAccountServiceOptions) {}

  private net(): { timeoutMs?: number; ca?: string } {
    return { ...(this.o.timeoutMs ? { timeoutMs: this.o.timeoutMs } : {}), ...(this.o.ca ? { ca: this.o.ca } : {}) };
  }

  /** New trusted roots: the session and chain built with the old ones are dropped and built again on
   * the next call (kept while a sign-in is under way, which finishes with what it started with). */
  trustChanged(): void {
    this.chain = undefined;
    this.last = undefined;
    if (!this.attempt || !ACTIVE.has(this.attempt.info.state)) this.session = undefined;
  }

  private get dir(): string {
    return path.join(this.o.dataDir, 'azure');
  }

  private store(): Promise<SecretStore> {
    this.secretStore ??= this.o.secretStore ? Promise.resolve(this.o.secretStore) : openCliSecretStore(this.o.env, { dir: this.dir });
    return this.secretStore;
  }

  /** The cloud a new sign-in goes to when none is named: the environment's choice. */
  private defaultCloud(): AzureCloud {
    try {
      return parseCloudName(this.o.env.SWEEPDECK_AZURE_CLOUD, 'SWEEPDECK_AZURE_CLOUD');
    } catch {
      // A bad SWEEPDECK_AZURE_CLOUD is reported by the chain's status (problem); sign-in stays possible.
      return 'AzureCloud';
    }
  }

  /** The app's session, opened once (and again for another cloud while nobody is signed in). */
  private async open(cloud?: AzureCloud): Promise<AccountSession> {
    if (this.session && (!cloud || cloud === this.session.cloud)) return this.session;
    const session = await openAccountSession({
      env: this.o.env,
      dir: this.dir,
      secretStore: await this.store(),
      ...(cloud ? { cloud } : {}),
      ...this.net(),
    });
    this.session = session;
    shareAppAccountSession(session);
    return session;
  }

  /** What the renderer may see; the last answer unless refresh is asked for or something changed. */
  async status(input: ParsedInput<'azure.account.status'> = {}): Promise<AccountStatus> {
    if (this.last && !input.refresh) return { ...this.last, signIn: this.attempt?.info ?? this.last.signIn };
    return await this.check();
  }

  private check(): Promise<AccountStatus> {
    this.checking ??= this.computeStatus().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /** What the record alone says, before the chain is asked. */
  private baseStatus(session: AccountSession): AccountStatus {
    const record = session.record;
    return {
      signedIn: false,
      account: record?.username ?? null,
      tenantId: record?.tenantId ?? null,
      cloud: record?.cloud ?? session.cloud,
      link: null,
      signedInVia: record?.signedInVia ?? null,
      tokenCache: record ? session.cacheDescription : null,
      notice: session.notice ?? null,
      problem: null,
      signIn: this.attempt?.info ?? null,
      checkedAt: Date.now(),
    };
  }

  private async computeStatus(): Promise<AccountStatus> {
    const session = await this.open();
    const record = session.record;
    const status = this.baseStatus(session);
    try {
      // Nobody signed in here: the chain's other links answer in the cloud the environment names.
      const s = await currentSignIn({ env: this.o.env, ...(record ? {} : { cloud: session.cloud }), ...this.net() });
      status.link = s.link;
      status.signedIn = record !== undefined && s.link === 'signed-in account';
      if (!status.signedIn) {
        status.account = s.account ?? null;
        status.tenantId = s.tenantId ?? null;
        status.cloud = s.cloud;
        if (record) status.problem = `${record.username} signed in before but cannot get a token silently now; sign in again.`;
      }
    } catch (err) {
      status.problem = explain(err);
      if (record) status.problem = `${record.username} signed in before but cannot get a token silently now; sign in again. (${status.problem})`;
    }
    this.last = status;
    return status;
  }

  private emit(status: AccountStatus): void {
    if (!this.closed) this.o.bus.emit('azure.account', status);
  }

  /** The last status with the attempt as it is now, at once (no chain call). */
  private emitAttempt(): void {
    const base = this.last ?? (this.session ? this.baseStatus(this.session) : undefined);
    if (base) this.emit({ ...base, signIn: this.attempt?.info ?? null });
  }

  async signIn(input: ParsedInput<'azure.account.signIn'>): Promise<SignInAttempt> {
    if (this.attempt && ACTIVE.has(this.attempt.info.state)) {
      throw new AppFault('CONFLICT', `A ${this.attempt.info.method === 'browser' ? 'browser' : 'device-code'} sign-in is already in progress; finish or cancel it first.`);
    }
    const current = await this.open();
    const record = current.record;
    if (input.addTenant && !record) throw new AppFault('CONFLICT', 'Signing in to one more tenant needs an account signed in first; sign in, then add the tenant.');
    if (input.addTenant && !input.tenantId) throw new AppFault('INVALID_INPUT', 'addTenant needs the tenantId of the tenant to sign in to.');
    const cloud = input.cloud ?? (record ? record.cloud : this.defaultCloud());
    if (record && cloud !== record.cloud) {
      throw new AppFault('CONFLICT', `${record.username} is signed in to ${record.cloud}; sign out before signing in to ${cloud}.`);
    }
    const session = await this.open(cloud);
    const abort = new AbortController();
    const attempt: Attempt = {
      abort,
      info: {
        id: crypto.randomUUID(),
        method: input.method,
        tenantId: input.addTenant ? (input.tenantId ?? null) : null,
        state: 'starting',
        userCode: null,
        verificationUri: null,
        message: null,
        expiresAt: null,
        browserUrl: null,
        openedExternally: false,
        error: null,
      },
    };
    this.attempt = attempt;
    const update = (patch: Partial<SignInAttempt>): void => {
      attempt.info = { ...attempt.info, ...patch };
      if (this.attempt === attempt) this.emitAttempt();
    };

    let shown: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (shown = resolve));
    const common = {
      ...(input.tenantId ? { tenantId: input.tenantId } : {}),
      ...(input.addTenant ? { keepDefaultTenant: true } : {}),
      signal: abort.signal,
    };
    const flow =
      input.method === 'device-code'
        ? session.signInWithDeviceCode({
            ...common,
            onCode: (c) => {
              update({ state: 'waiting', userCode: c.userCode, verificationUri: c.verificationUri, message: c.message, expiresAt: Date.now() + c.expiresInSeconds * 1000 });
              shown();
            },
          })
        : session.signInWithBrowser({
            ...common,
            openBrowser: async (url) => {
              let opened = false;
              if (this.o.openExternal) {
                await this.o.openExternal(url);
                opened = true;
              }
              update({ state: 'waiting', browserUrl: url, openedExternally: opened });
              shown();
            },
          });
    const done = flow.then(
      async () => {
        update({ state: 'signed-in' });
        this.last = undefined;
        this.chain = undefined;
        this.emit(await this.check());
        this.o.onAccountChanged?.();
      },
      async (err: unknown) => {
        const kind = err instanceof Error && 'kind' in err ? String((err as { kind: unknown }).kind) : 'failed';
        update({ state: kind === 'cancelled' ? 'cancelled' : kind === 'timeout' ? 'timeout' : 'failed', error: explain(err) });
      },
    );
    // Reply once there is a code or a page to show, or the attempt already ended.
    await Promise.race([ready, done]);
    return attempt.info;
  }

  cancel(): { cancelled: boolean } {
    const a = this.attempt;
    if (!a || !ACTIVE.has(a.info.state)) return { cancelled: false };
    a.abort.abort();
    return { cancelled: true };
  }

  async signOut(): Promise<AccountStatus> {
    this.cancel();
    const session = await this.open();
    await session.signOut();
    this.attempt = undefined;
    this.last = undefined;
    this.chain = undefined;
    const status = await this.check();
    this.emit(status);
    this.o.onAccountChanged?.();
    return status;
  }

  /**
   * The app's credential chain (the account signed in here first, then the environment, Azure CLI,
   * ...) as a CredentialSource, for the workspace picker's discovery and for tracking a chosen
   * workspace with its tenant's token. A tenant that needs an interaction fails with the account's
   * SignInRequiredError ("needs sign-in"). Cloud and endpoints are those of the account signed in
   * here, else of SWEEPDECK_AZURE_CLOUD.
   */
  credentialSource(): CredentialSource {
    const cloud = this.session?.record?.cloud ?? this.session?.cloud ?? this.defaultCloud();
    const chain = (): ReturnType<typeof openCredentialSource> => {
      this.chain ??= (async () => {
        await this.open();
        return await openCredentialSource({ env: this.o.env, cloud, ...this.net() });
      })();
      // A failed build (e.g. a damaged record) is not kept: the next call tries again.
      this.chain.catch(() => (this.chain = undefined));
      return this.chain;
    };
    const forTenant = (tenantId: string | undefined): TokenCredential => ({
      getToken: async (scopes, options): Promise<AccessToken | null> => {
        const { source, session } = await chain();
        // The signed-in account answers per tenant itself, so a tenant demanding MFA says so
        // instead of being answered by the next link.
        if (session?.record && tenantId) return await session.credentialFor(tenantId).getToken(scopes, options);
        return await source.credentialFor(tenantId).getToken(scopes, options);
      },
    });
    return { cloud, endpoints: cloudEndpoints(cloud, this.o.env), credentialFor: forTenant };
  }

  async tenants(): Promise<{ tenants: AccountTenant[] }> {
    const session = await this.open();
    const timeout = this.net();
    try {
      const list = session.record
        ? await listTenants({ credentialFor: (t) => session.credentialFor(t), armEndpoint: session.endpoints.armEndpoint, armScope: session.endpoints.armScope, ...timeout })
        : await (async () => {
            // Not signed in here: the tenants whichever link of the chain answers can reach.
            const { source } = await openCredentialSource({ env: this.o.env, cloud: session.cloud, ...timeout });
            return await listTenants({ credentialFor: (t) => source.credentialFor(t), armEndpoint: source.endpoints.armEndpoint, armScope: source.endpoints.armScope, ...timeout });
          })();
      return {
        tenants: list.map((t) => ({
          tenantId: t.tenantId,
          displayName: t.displayName ?? null,
          defaultDomain: t.defaultDomain ?? null,
          category: t.category ?? null,
          state: t.state,
          detail: t.detail ?? null,
        })),
      };
    } catch (err) {
      if (err instanceof AzureSetupError) throw new AppFault('STORE_UNAVAILABLE', `The Azure tenants could not be listed: ${explain(err)}`);
      throw err;
    }
  }

  close(): void {
    this.closed = true;
    this.cancel();
    shareAppAccountSession(undefined);
  }
}

/** One line for the user, with anything token-like taken out. */
function explain(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return redact((msg.split(/\r?\n/)[0] ?? '').slice(0, 500));
}
