// Tracking as the app sees it: where runs go (Azure, a remote MLflow server or the local SQLite
// store, with the reason for any fallback), the stores the user browses, and reads of experiments
// and runs from any of them.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChannelOutput, ParsedInput, StoreInfo, TrackingStatus } from '../../shared/contract.ts';
import type { TokenCredential } from '@azure/core-auth';
import type { Metric, Run, TrackingStore } from '../core/tracking/types.ts';
import { effectiveWorkspace, envWithChosenWorkspace, type ChosenWorkspace, type EffectiveWorkspace } from '../core/azure/workspaceChoice.ts';
import { AppFault, toAppError } from './appError.ts';
import { newId, type AppState, type StoreRecord, type TrackingSettings } from './appState.ts';
import type { CoreModules, SweepTrackingHandle } from './core.ts';
import type { HpoConfig } from '../../shared/config.ts';
import type { EventBus } from './eventBus.ts';
import type { AzureMirrorService, MirrorStatus } from './azureMirrorService.ts';
import type { WorkspaceRef } from '../core/azure/workspace.ts';
import { absoluteInput, existingFile, folderToWrite, writable } from './pathInput.ts';
import { SETTINGS_SERVER } from './settingNames.ts';

export const LOCAL_STORE_ID = 'local';
export const ACTIVE_STORE_ID = 'active';
/** The configured Azure workspace while tracking fell back elsewhere (browsed from its mirror). */
export const AZURE_WORKSPACE_STORE_ID = 'azure-workspace';

export interface TrackingServiceOptions {
  state: AppState;
  core: CoreModules;
  bus: EventBus;
  dataDir: string;
  /** Experiment name used to probe the tracking target. */
  experimentName?: string;
  env?: NodeJS.ProcessEnv;
  /** Azure workspace stores are browsed through their offline mirror when given. */
  azureMirror?: AzureMirrorService;
  /** A credential for a tenant (the chosen workspace's); undefined: the setup's own. */
  credentialFor?: (tenantId: string) => TokenCredential | undefined;
  /** Extra trusted roots for Azure (the environment's file and the PEM imported in Settings), read at each setup. */
  ca?: () => string | undefined;
}

/** The offline/as-of marks of a page from an Azure workspace's browsing store, if any. */
export function mirroredFields(page: object): { offline?: boolean; asOf?: number | null; offlineReason?: string | null } {
  const p = page as { offline?: unknown; asOf?: unknown; offlineReason?: unknown };
  if (typeof p.offline !== 'boolean') return {};
  return { offline: p.offline, asOf: typeof p.asOf === 'number' ? p.asOf : null, offlineReason: typeof p.offlineReason === 'string' ? p.offlineReason : null };
}

export class TrackingService {
  private current: TrackingStatus | null = null;
  private refreshing: Promise<TrackingStatus> | null = null;
  private readonly open = new Map<string, Promise<TrackingStore>>();

  constructor(private readonly o: TrackingServiceOptions) {}

  localStorePath(): string {
    return path.resolve(this.o.state.tracking().localStorePath ?? path.join(this.o.dataDir, 'mlflow.db'));
  }

  localUri(): string {
    return sqliteUriOf(this.localStorePath());
  }

  /** The workspace chosen in the app / `sweepdeck azure use`, or set through tracking.configure. */
  private chosen(settings: TrackingSettings): ChosenWorkspace | null {
    const c = this.o.state.azureChoice();
    if (c) return c;
    return settings.azure ? { ...settings.azure, tenantId: null, region: null, kind: null, mlflowTrackingUri: null, chosenAt: 0 } : null;
  }

  /** The workspace in effect: AZURE_* in the environment win over the chosen one. */
  currentWorkspace(): EffectiveWorkspace | null {
    return effectiveWorkspace(this.env(), this.chosen(this.o.state.tracking()));
  }

  private env(): NodeJS.ProcessEnv {
    return this.o.env ?? process.env;
  }

  private azure(settings: TrackingSettings): { fields: TrackingStatus['azure']; source: TrackingStatus['azureSource']; chosen: boolean; credential: TokenCredential | undefined } {
    const eff = effectiveWorkspace(this.env(), this.chosen(settings));
    if (!eff) return { fields: null, source: null, chosen: false, credential: undefined };
    // A workspace chosen in another tenant needs a token of that tenant.
    const tenantId = eff.source === 'chosen' ? eff.chosen?.tenantId : null;
    const credential = tenantId ? this.o.credentialFor?.(tenantId) : undefined;
    return { fields: { subscriptionId: eff.subscriptionId, resourceGroup: eff.resourceGroup, workspaceName: eff.workspaceName }, source: eff.source, chosen: eff.source === 'chosen', credential };
  }

  async status(): Promise<TrackingStatus> {
    return this.current ?? (await this.refresh());
  }

  /** Re-runs the tracking setup with the current settings. */
  refresh(): Promise<TrackingStatus> {
    if (this.refreshing) return this.refreshing;
    this.refreshing = this.compute().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async compute(): Promise<TrackingStatus> {
    const settings = this.o.state.tracking();
    const { fields: azure, source: azureSource, chosen, credential } = this.azure(settings);
    const localStorePath = this.localStorePath();
    mkdirSync(path.dirname(localStorePath), { recursive: true });
    const base = {
      fallbackToLocal: settings.fallbackToLocal,
      localStorePath,
      azure,
      azureSource,
      remoteUri: settings.remoteUri,
      pendingOutbox: this.current?.pendingOutbox ?? 0,
      checkedAt: Date.now(),
    };
    let status: TrackingStatus;
    const env = this.env();
    if (!azure && !settings.remoteUri && !env.MLFLOW_TRACKING_URI) {
      status = { ...base, mode: 'local', uri: this.localUri(), fallbackReason: null };
    } else {
      try {
        const outcome = await this.o.core.setupTracking({
          experimentName: this.o.experimentName ?? 'Default',
          // A chosen workspace only when the environment names no target (the environment wins).
          azure: chosen ? azure : null,
          remoteUri: settings.remoteUri,
          fallbackToLocal: settings.fallbackToLocal,
          localDir: path.dirname(localStorePath),
          env,
          ...(credential ? { credential } : {}),
          ...this.caOption(),
        });
        status = { ...base, mode: outcome.mode, uri: outcome.uri, fallbackReason: outcome.fallbackReason };
      } catch (e) {
        const err = toAppError(e);
        if (!settings.fallbackToLocal) throw new AppFault(err.code === 'NOT_AVAILABLE' ? 'NOT_AVAILABLE' : 'STORE_UNAVAILABLE', `Tracking target could not be set up and fallback to local is off: ${err.message}`);
        status = { ...base, mode: 'local', uri: this.localUri(), fallbackReason: err.message };
      }
    }
    this.current = status;
    // The active store may have changed.
    this.open.delete(ACTIVE_STORE_ID);
    this.o.bus.emit('tracking.status', status);
    return status;
  }

  async configure(input: ParsedInput<'tracking.configure'>): Promise<TrackingStatus> {
    const patch: Partial<TrackingSettings> = {};
    if (input.azure !== undefined) patch.azure = input.azure;
    if (input.remoteUri !== undefined) patch.remoteUri = input.remoteUri;
    if (input.fallbackToLocal !== undefined) patch.fallbackToLocal = input.fallbackToLocal;
    if (input.localStorePath !== undefined) {
      // The local store is always `<folder>/mlflow.db` (what tracking setup and the CLI use).
      const p = absoluteInput(input.localStorePath, 'The local store folder');
      const isDir = existsSync(p) && statSync(p).isDirectory();
      if (!isDir && path.basename(p) !== 'mlflow.db') {
        throw new AppFault('INVALID_INPUT', `${p}: the local store is a file named mlflow.db; give its folder (or a path ending in mlflow.db).`);
      }
      const db = isDir ? path.join(p, 'mlflow.db') : p;
      // Said now, naming the place, rather than as SQLite's "attempt to write a readonly database"
      // at the first run logged there.
      folderToWrite(path.dirname(db), 'The local store folder');
      if (existsSync(db) && !writable(db)) throw new AppFault('FORBIDDEN', `The local store ${db} cannot be written by this user; pick a folder you can write to, or fix its permissions.`);
      patch.localStorePath = db;
      this.open.delete(LOCAL_STORE_ID);
    }
    this.o.state.setTracking(patch);
    return await this.refresh();
  }

  /** Tracking for one sweep: the app's local store when nothing else is configured, else the
   * cross-platform setup with the settings' Azure workspace / remote server and fallback. */
  async openForSweep(config: HpoConfig): Promise<SweepTrackingHandle> {
    // Read once, now: the sweep keeps this target for its whole life, whatever is chosen later.
    const settings = this.o.state.tracking();
    const { fields: azure, credential } = this.azure(settings);
    // The chosen workspace fills in AZURE_* unless the environment names a target itself.
    const env: NodeJS.ProcessEnv = envWithChosenWorkspace({ ...this.env() }, this.chosen(settings));
    if (!azure && settings.remoteUri) env.MLFLOW_TRACKING_URI = settings.remoteUri;
    const fromSettings = !azure && Boolean(settings.remoteUri);
    const localOnly = !azure && !settings.remoteUri && !env.MLFLOW_TRACKING_URI;
    const handle = await this.o.core.openSweepTracking({
      config,
      ...(localOnly ? { trackingUri: this.localUri() } : {}),
      outputDir: path.dirname(this.localStorePath()),
      fallbackToLocal: settings.fallbackToLocal,
      env,
      ...(credential ? { credential } : {}),
      ...(fromSettings ? { trackingUriSource: SETTINGS_SERVER } : {}),
      ...this.caOption(),
    });
    if (this.current && (handle.mode !== this.current.mode || handle.fallbackReason !== this.current.fallbackReason)) {
      this.current = { ...this.current, mode: handle.mode, uri: handle.trackingUri, fallbackReason: handle.fallbackReason, checkedAt: Date.now() };
      this.o.bus.emit('tracking.status', this.current);
    }
    return handle;
  }

  /** Sets the outbox count (the tracking layer reports it) and tells the renderer. */
  setPendingOutbox(pending: number): void {
    if (this.current) this.current = { ...this.current, pendingOutbox: pending };
    this.o.bus.emit('outbox.pending', { pending });
  }

  // ------------------------------------------------------------------------------------------
  // Stores

  async stores(): Promise<StoreInfo[]> {
    const out: StoreInfo[] = [{ id: LOCAL_STORE_ID, kind: 'sqlite', label: 'Local store', uri: this.localUri(), readOnly: false, builtin: true }];
    const st = this.current;
    if (st && st.mode !== 'local') {
      out.push({ id: ACTIVE_STORE_ID, kind: st.mode === 'azure' ? 'azure' : 'remote', label: st.mode === 'azure' ? `Azure ML: ${st.azure?.workspaceName ?? st.uri}` : `MLflow server ${st.uri}`, uri: st.uri, readOnly: false, builtin: true });
    }
    if (st && st.mode !== 'azure' && st.azure && this.o.azureMirror) {
      // Azure is configured but not reachable now: its workspace stays browsable from the mirror.
      out.push({ id: AZURE_WORKSPACE_STORE_ID, kind: 'azure', label: `Azure ML: ${st.azure.workspaceName}`, uri: `azureml://subscriptions/${st.azure.subscriptionId}/resourceGroups/${st.azure.resourceGroup}/workspaces/${st.azure.workspaceName}`, readOnly: true, builtin: true });
    }
    for (const r of this.o.state.stores()) out.push({ id: r.id, kind: r.kind, label: r.label, uri: r.uri, readOnly: r.kind === 'mlruns', builtin: false });
    return out;
  }

  async addStore(input: ParsedInput<'stores.add'>): Promise<StoreInfo> {
    let rec: StoreRecord;
    const id = newId('store');
    switch (input.kind) {
      case 'sqlite': {
        const p = existingFile(input.path, 'The MLflow store', 'e.g. mlflow.db');
        rec = { id, kind: 'sqlite', label: input.label ?? path.basename(p), uri: sqliteUriOf(p), workspace: null };
        break;
      }
      case 'mlruns': {
        const p = absoluteInput(input.path, 'The mlruns folder');
        if (!existsSync(p) || !statSync(p).isDirectory()) throw new AppFault('NOT_FOUND', `${p} is not a folder; give the path of an mlruns/ folder.`);
        rec = { id, kind: 'mlruns', label: input.label ?? `${path.basename(path.dirname(p))}/${path.basename(p)}`, uri: pathToFileURL(p).href, workspace: null };
        break;
      }
      case 'remote':
        rec = { id, kind: 'remote', label: input.label ?? new URL(input.uri).host, uri: input.uri.replace(/\/+$/, ''), workspace: null };
        break;
      case 'azure': {
        const w = input.workspace;
        rec = {
          id,
          kind: 'azure',
          label: input.label ?? `Azure ML: ${w.workspaceName}`,
          uri: `azureml://subscriptions/${w.subscriptionId}/resourceGroups/${w.resourceGroup}/workspaces/${w.workspaceName}`,
          workspace: w,
        };
        break;
      }
    }
    if (this.o.state.stores().some((s) => s.uri === rec.uri)) throw new AppFault('CONFLICT', `${rec.uri} is already in the list of stores.`);
    if (rec.kind === 'sqlite' || rec.kind === 'mlruns') await this.checkLocalStore(rec.uri);
    this.o.state.addStore(rec);
    return { id: rec.id, kind: rec.kind, label: rec.label, uri: rec.uri, readOnly: rec.kind === 'mlruns', builtin: false };
  }

  /** Opens a local store read-only once, so a file or folder that is not an MLflow store is refused
   * when it is added (the message names it and says what it is), not when it is first expanded. */
  private async checkLocalStore(uri: string): Promise<void> {
    let store: TrackingStore;
    try {
      store = await this.o.core.openTrackingStore(uri, { readOnly: true });
    } catch (e) {
      const err = toAppError(e);
      if (err.code === 'INTERNAL') throw e;
      throw new AppFault('INVALID_INPUT', err.message);
    }
    await store.close();
  }

  async removeStore(id: string): Promise<{ removed: boolean }> {
    if (id === LOCAL_STORE_ID || id === ACTIVE_STORE_ID) throw new AppFault('CONFLICT', `'${id}' is the app's own tracking store and cannot be removed; change it in Settings / Tracking.`);
    const removed = this.o.state.removeStore(id);
    const opened = this.open.get(id);
    this.open.delete(id);
    if (opened) await opened.then((s) => s.close()).catch(() => undefined);
    return { removed };
  }

  private async resolveUri(id: string): Promise<string> {
    if (id === LOCAL_STORE_ID) return this.localUri();
    if (id === ACTIVE_STORE_ID) return (await this.status()).uri;
    const rec = this.o.state.stores().find((s) => s.id === id);
    if (!rec) throw new AppFault('NOT_FOUND', `No store with id '${id}'; list the stores again.`);
    if (rec.kind !== 'azure' || !rec.workspace) return rec.uri;
    // An Azure workspace's MLflow endpoint comes from ARM, through the same setup as tracking.
    const outcome = await this.o.core.setupTracking({
      experimentName: this.o.experimentName ?? 'Default',
      azure: rec.workspace,
      remoteUri: null,
      fallbackToLocal: false,
      localDir: path.dirname(this.localStorePath()),
      env: this.env(),
      ...this.caOption(),
    });
    return outcome.uri;
  }

  private caOption(): { ca?: string } {
    const ca = this.o.ca?.();
    return ca ? { ca } : {};
  }

  /** The Azure workspace behind a store id, or null for other stores. */
  async workspaceOf(id: string): Promise<WorkspaceRef | null> {
    if (id === ACTIVE_STORE_ID) {
      const st = await this.status();
      return st.mode === 'azure' && st.azure ? st.azure : null;
    }
    if (id === AZURE_WORKSPACE_STORE_ID) return (await this.status()).azure;
    const rec = this.o.state.stores().find((s) => s.id === id);
    return rec?.kind === 'azure' && rec.workspace ? rec.workspace : null;
  }

  private async azureWorkspace(storeId: string): Promise<{ mirror: AzureMirrorService; ws: WorkspaceRef }> {
    const ws = await this.workspaceOf(storeId);
    if (!ws || !this.o.azureMirror) throw new AppFault('INVALID_INPUT', `Store '${storeId}' is not an Azure ML workspace; only those have an offline mirror.`);
    return { mirror: this.o.azureMirror, ws };
  }

  async mirrorStatus(storeId: string): Promise<MirrorStatus> {
    const { mirror, ws } = await this.azureWorkspace(storeId);
    return mirror.status(storeId, ws);
  }

  async sync(input: ParsedInput<'azure.sync'>): Promise<MirrorStatus> {
    const { mirror, ws } = await this.azureWorkspace(input.storeId);
    return mirror.startSync(input.storeId, ws, { ...(input.experimentIds ? { experimentIds: input.experimentIds } : {}), ...(input.histories ? { histories: true } : {}) });
  }

  async syncCancel(storeId: string): Promise<{ cancelled: boolean }> {
    const { mirror, ws } = await this.azureWorkspace(storeId);
    return { cancelled: mirror.cancelSync(ws) };
  }

  /** The opened store (kept open; reopened after a failure). */
  store(id: string): Promise<TrackingStore> {
    const p = this.open.get(id);
    const azureMirror = this.o.azureMirror;
    if (!p && azureMirror) {
      // An Azure workspace is browsed through its mirror (the mirror service owns and closes it).
      return this.workspaceOf(id).then((ws) => (ws ? azureMirror.browser(id, ws) : this.openStore(id)));
    }
    return p ?? this.openStore(id);
  }

  private openStore(id: string): Promise<TrackingStore> {
    let p = this.open.get(id);
    if (!p) {
      // Browsing never writes a store the user added (no WAL switch, no -wal/-shm beside it); only
      // the app's own stores, which its sweeps write anyway, are opened read-write.
      const readOnly = id !== LOCAL_STORE_ID && id !== ACTIVE_STORE_ID;
      p = this.resolveUri(id).then((uri) => this.o.core.openTrackingStore(uri, { readOnly }));
      this.open.set(id, p);
      p.catch(() => this.open.delete(id));
    }
    return p;
  }

  async experiments(input: ParsedInput<'experiments.list'>): Promise<ChannelOutput<'experiments.list'>> {
    const store = await this.store(input.storeId);
    const page = await store.searchExperiments({ filter: input.filter, viewType: input.viewType, maxResults: input.maxResults, pageToken: input.pageToken });
    return { experiments: page.items, nextPageToken: page.nextPageToken ?? null, ...mirroredFields(page) };
  }

  async searchRuns(input: ParsedInput<'runs.search'>): Promise<ChannelOutput<'runs.search'>> {
    const store = await this.store(input.storeId);
    const page = await store.searchRuns({
      experimentIds: input.experimentIds,
      filter: input.filter,
      orderBy: input.orderBy,
      maxResults: input.maxResults,
      pageToken: input.pageToken,
      runViewType: input.viewType,
    });
    return { runs: page.items.map(appRun), nextPageToken: page.nextPageToken ?? null, ...mirroredFields(page) };
  }

  async getRun(input: ParsedInput<'runs.get'>): Promise<ChannelOutput<'runs.get'>> {
    const store = await this.store(input.storeId);
    return { run: appRun(await store.getRun(input.runId)) };
  }

  async metricHistory(input: ParsedInput<'runs.metricHistory'>): Promise<ChannelOutput<'runs.metricHistory'>> {
    const store = await this.store(input.storeId);
    const page = await store.getMetricHistory(input.runId, input.key, { maxResults: input.maxResults, pageToken: input.pageToken });
    return { metrics: page.items.map(appMetric), nextPageToken: page.nextPageToken ?? null, ...mirroredFields(page) };
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((p) => p.then((s) => s.close()).catch(() => undefined)));
  }
}

/** A metric for the app's screens: a step beyond 2^53 (a bigint) is shown as the nearest double,
 * since the app's JSON replies cannot carry a bigint and a chart axis needs no more precision. */
function appMetric(m: Metric): Metric & { step: number } {
  return { ...m, step: Number(m.step) };
}

export function appRun(r: Run): Run & { data: { metrics?: Array<Metric & { step: number }> } } {
  return r.data.metrics ? { ...r, data: { ...r.data, metrics: r.data.metrics.map(appMetric) } } : (r as Run & { data: { metrics?: undefined } });
}

/** `sqlite:///` followed by the absolute path, as MLflow writes it (`sqlite:////abs` on POSIX). */
export function sqliteUriOf(file: string): string {
  const abs = path.resolve(file).replace(/\\/g, '/');
  return `sqlite:///${abs}`;
}
