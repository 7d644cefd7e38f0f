// The Azure workspaces the app browses, each through its offline mirror: one browsing store per
// workspace (Azure first, the mirror when Azure cannot be used), and sync on demand, for "make
// available offline", and when connectivity returns, with progress as events. Tokens stay in
// this process: nothing here puts one in a status, an event or an error.
import type { TokenCredential } from '@azure/core-auth';
import { AzureSetupError, redact } from '../core/azure/azureErrors.ts';
import type { BrowseStore } from '../core/azure/mirror/browseStore.ts';
import { makeAvailableOffline, syncWorkspace, type SyncEvent } from '../core/azure/mirror/sync.ts';
import { connectWorkspace, credentialFromEnvironment, openMirrorFor, openWorkspaceBrowser } from '../core/azure/mirror/workspaceMirror.ts';
import type { WorkspaceRef } from '../core/azure/workspace.ts';
import type { EventBus } from './eventBus.ts';

export interface MirrorProgress {
  phase: 'experiments' | 'runs' | 'histories';
  experiment: string | null;
  done: number;
  total: number | null;
  runs: number;
}

export interface MirrorStatus {
  storeId: string;
  offline: boolean;
  reason: string | null;
  lastSyncAt: number | null;
  syncing: boolean;
  progress: MirrorProgress | null;
  lastError: string | null;
  runs: number;
  experiments: number;
}

export interface AzureMirrorServiceOptions {
  dataDir: string;
  bus: EventBus;
  env?: NodeJS.ProcessEnv;
  /** Where tokens come from; default the service principal in the environment (the sign-in chain
   * replaces it). */
  credential?: () => Promise<TokenCredential>;
  /** Per-read deadline before the mirror answers (default 3 s). */
  deadlineMs?: number;
  ca?: string;
}

interface SyncJob {
  abort: AbortController;
  progress: MirrorProgress | null;
  done: Promise<void>;
}

const keyOf = (ws: WorkspaceRef): string => `${ws.subscriptionId}/${ws.resourceGroup}/${ws.workspaceName}`;

export class AzureMirrorService {
  private readonly browsers = new Map<string, Promise<BrowseStore>>();
  private readonly jobs = new Map<string, SyncJob>();
  private readonly lastErrors = new Map<string, string>();
  /** storeId -> workspace, for events and status. */
  private readonly storeIds = new Map<string, WorkspaceRef>();

  constructor(private readonly o: AzureMirrorServiceOptions) {}

  private credential(): Promise<TokenCredential> {
    return this.o.credential ? this.o.credential() : credentialFromEnvironment(this.o.env ?? process.env, { ca: this.o.ca });
  }

  /** The browsing store of a workspace (kept open; reopened after it could not reach Azure at all). */
  browser(storeId: string, ws: WorkspaceRef): Promise<BrowseStore> {
    this.storeIds.set(storeId, ws);
    const key = keyOf(ws);
    let p = this.browsers.get(key);
    if (!p) {
      p = this.credential()
        .then((credential) => ({ credential }))
        .catch((err: unknown) => {
          // No credential: browse the mirror and say why.
          if (err instanceof AzureSetupError) return { reason: err.message };
          throw err;
        })
        .then((c) =>
          openWorkspaceBrowser({
            ref: ws,
            dataDir: this.o.dataDir,
            env: this.o.env ?? process.env,
            ...('credential' in c ? { credential: c.credential } : { offline: true, offlineReason: c.reason }),
            ...(this.o.ca ? { ca: this.o.ca } : {}),
            ...(this.o.deadlineMs ? { deadlineMs: this.o.deadlineMs } : {}),
          }),
        );
      this.browsers.set(key, p);
      p.catch(() => this.browsers.delete(key));
    }
    return p;
  }

  async status(storeId: string, ws: WorkspaceRef): Promise<MirrorStatus> {
    const b = await this.browser(storeId, ws);
    const s = b.state();
    const job = this.jobs.get(keyOf(ws));
    const c = b.mirror.counts();
    return {
      storeId,
      offline: s.offline,
      reason: s.reason ?? null,
      lastSyncAt: s.lastSyncAt,
      syncing: !!job,
      progress: job?.progress ?? null,
      lastError: this.lastErrors.get(keyOf(ws)) ?? null,
      runs: c.runs,
      experiments: c.experiments,
    };
  }

  private async emit(storeId: string, ws: WorkspaceRef): Promise<void> {
    try {
      this.o.bus.emit('azure.syncProgress', await this.status(storeId, ws));
    } catch (err) {
      console.error(`sweepdeck: azure mirror status: ${(err as Error).message}`);
    }
  }

  /** Starts a sync in the background (one per workspace at a time) and returns at once; progress
   * and the end come as 'azure.syncProgress' events. `experimentIds` with `histories` is "make
   * available offline". */
  async startSync(storeId: string, ws: WorkspaceRef, opts: { experimentIds?: readonly string[]; histories?: boolean } = {}): Promise<MirrorStatus> {
    const key = keyOf(ws);
    if (!this.jobs.has(key)) {
      const abort = new AbortController();
      const job: SyncJob = { abort, progress: { phase: 'experiments', experiment: null, done: 0, total: null, runs: 0 }, done: Promise.resolve() };
      this.jobs.set(key, job);
      job.done = this.runSync(storeId, ws, job, opts).finally(() => {
        this.jobs.delete(key);
        void this.emit(storeId, ws);
      });
    }
    return this.status(storeId, ws);
  }

  private async runSync(storeId: string, ws: WorkspaceRef, job: SyncJob, opts: { experimentIds?: readonly string[]; histories?: boolean }): Promise<void> {
    const key = keyOf(ws);
    const mirror = openMirrorFor(this.o.dataDir, ws);
    let runs = 0;
    const onEvent = (e: SyncEvent): void => {
      if (e.kind === 'page') {
        runs += e.runs;
        job.progress = { phase: 'runs', experiment: e.experiment, done: e.page, total: null, runs };
      } else if (e.kind === 'history') job.progress = { phase: 'histories', experiment: e.experiment, done: e.done, total: e.total, runs };
      else return;
      void this.emit(storeId, ws);
    };
    try {
      const { store } = await connectWorkspace({ ref: ws, credential: await this.credential(), env: this.o.env ?? process.env, ...(this.o.ca ? { ca: this.o.ca } : {}), fetch: { signal: job.abort.signal, ...(this.o.ca ? { ca: this.o.ca } : {}) } });
      try {
        const names = opts.experimentIds?.map((id) => mirror.experiment(id)?.experiment.name).filter((n): n is string => !!n);
        const s = await syncWorkspace({ store, mirror, signal: job.abort.signal, onEvent, ...(names?.length ? { experimentNames: names } : {}) });
        if (opts.histories && opts.experimentIds) {
          for (const id of opts.experimentIds) {
            const e = mirror.experiment(id);
            if (e) await makeAvailableOffline(store, mirror, e.experiment, { signal: job.abort.signal, onEvent });
          }
        }
        if (s.errors.length) this.lastErrors.set(key, s.errors.map((x) => `${x.experiment}: ${x.message}`).join('; '));
        else this.lastErrors.delete(key);
      } finally {
        await store.close();
      }
      // A browser opened while Azure was out of reach has no connection: open it again.
      const b = await this.browsers.get(key)?.catch(() => undefined);
      if (b && !b.connected) await this.reopen(storeId, ws, b);
      else if (b) await b.reconnect();
    } catch (err) {
      const message = job.abort.signal.aborted ? 'sync cancelled; what was synced is kept' : redact(err instanceof Error ? err.message : String(err));
      this.lastErrors.set(key, message);
    } finally {
      mirror.close();
    }
  }

  cancelSync(ws: WorkspaceRef): boolean {
    const job = this.jobs.get(keyOf(ws));
    job?.abort.abort(new Error('sync cancelled'));
    return !!job;
  }

  /** The app calls this when connectivity returns: every browser tries Azure again, and a
   * workspace that answers is synced. Returns how many answered. */
  async reconnected(): Promise<number> {
    let online = 0;
    for (const [storeId, ws] of this.storeIds) {
      const b = await this.browsers.get(keyOf(ws))?.catch(() => undefined);
      if (!b) continue;
      if (!b.state().offline) {
        online++;
        continue;
      }
      const now = b.connected ? b : await this.reopen(storeId, ws, b);
      if (now.connected && (await now.reconnect())) {
        online++;
        await this.startSync(storeId, ws);
      }
    }
    return online;
  }

  /** Replaces a browser that has no connection with a freshly connected one (when Azure answers). */
  private async reopen(storeId: string, ws: WorkspaceRef, old: BrowseStore): Promise<BrowseStore> {
    this.browsers.delete(keyOf(ws));
    const fresh = await this.browser(storeId, ws);
    await old.close();
    return fresh;
  }

  /** Waits for running syncs (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.jobs.values()].map((j) => j.done));
  }

  async close(): Promise<void> {
    for (const j of this.jobs.values()) j.abort.abort(new Error('closing'));
    await this.idle();
    const all = [...this.browsers.values()];
    this.browsers.clear();
    await Promise.all(all.map((p) => p.then((b) => b.close()).catch(() => undefined)));
  }
}
