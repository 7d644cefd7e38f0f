// The app's services: one handler per contract channel over the core, plus the event bus. Plain
// Node (no electron import): Electron main and the browser host both serve exactly this.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { MAX_CONFIG_BYTES, resolveCheckpointPath, resolveStudyName } from '../../shared/config.ts';
import type { Handlers } from '../../shared/contract.ts';
import type { SecretStore } from '../core/azure/secretStore.ts';
import { AppFault } from './appError.ts';
import { defaultDataDir } from '../core/platform/dataDir.ts';
import { existingFile } from './pathInput.ts';
import { AppState } from './appState.ts';
import { ConfigValidator } from './configValidator.ts';
import { ParamScanThread } from './paramScanThread.ts';
import { APP_STUDY_BUSY_TIMEOUT_MS } from './sweepCatalog.ts';
import { AzureAccountService } from './azureAccountService.ts';
import { OutboxService } from './outboxService.ts';
import { loadCore, type CoreModules } from './core.ts';
import { createDispatch, type Dispatch } from './dispatch.ts';
import { EventBus } from './eventBus.ts';
import { SweepsService } from './sweepsService.ts';
import { WatchedSweeps } from './watchedSweeps.ts';
import { TrackingService } from './trackingService.ts';
import { AzureMirrorService } from './azureMirrorService.ts';
import { AppAzureCredentials, type AzureCredentialOptions } from './azureCredentials.ts';
import { WorkspacesService } from './workspacesService.ts';
import { AzureTrustService } from './azureTrustService.ts';
import { StudyPasswords } from './studyPasswords.ts';
import { openCliSecretStore } from '../core/azure/cliSecretStore.ts';
import { listArtifacts, metricSummaries, readArtifact } from './runViewsService.ts';
import { RunTableService } from './runTableService.ts';

export interface PlatformActions {
  /** Show the file in the OS file manager (Electron: shell.showItemInFolder). */
  revealPath?(file: string): Promise<boolean> | boolean;
  /** Open a URL in the system browser (Electron: shell.openExternal), e.g. the Azure sign-in page.
   * Absent in the browser host: the page opens it in a new tab. */
  openExternal?(url: string): Promise<void> | void;
}

export interface AppServicesOptions {
  dataDir: string;
  host: 'electron' | 'browser';
  version?: string;
  /** The example HPO config, registered on first start so it is ready to run. null: none. */
  exampleConfigPath?: string | null;
  platform?: PlatformActions;
  /** Injected in tests; default the real core. */
  core?: CoreModules;
  env?: NodeJS.ProcessEnv;
  /** How long sweeps.start waits for the runner to report it started. */
  startWaitMs?: number;
  /** Credentials and transport for Azure calls (the workspace picker; tracking a chosen workspace
   * with a token of its tenant). Default: the app's sign-in (its account, then the chain). */
  azure?: AzureCredentialOptions;
  /** The Azure token cache's encryption (Electron safeStorage); default the CLI's keyring or memory only.
   * It also encrypts the passwords of PostgreSQL study URLs opened in the app. */
  azureSecretStore?: SecretStore;
  /** How often an opened PostgreSQL study is read (ms); default 1 s. */
  urlPollMs?: number;
  /** How long one sweeps.watch call keeps a sweep watched (default 60 s; tests shorten it). */
  watchLeaseMs?: number;
}

export interface AppServices {
  handlers: Handlers;
  dispatch: Dispatch;
  bus: EventBus;
  sweeps: SweepsService;
  tracking: TrackingService;
  workspaces: WorkspacesService;
  azureAccount: AzureAccountService;
  state: AppState;
  dataDir: string;
  /** Stops running sweeps (gracefully) and closes stores. */
  close(): Promise<void>;
}

export { defaultDataDir };

function readTextFile(file: string, what: string): { path: string; text: string } {
  const abs = existingFile(file, `The ${what}`, 'e.g. hpo.yaml');
  const st = statSync(abs);
  if (st.size > MAX_CONFIG_BYTES) {
    throw new AppFault('CONFIG_TOO_LARGE', `${abs} is ${st.size} bytes, over the ${MAX_CONFIG_BYTES}-byte (${MAX_CONFIG_BYTES / 1024} KiB) limit for an ${what} (a real one is a few KB); check that this is the right file.`);
  }
  return { path: abs, text: readFileSync(abs, 'utf8') };
}

export async function createAppServices(opts: AppServicesOptions): Promise<AppServices> {
  const dataDir = path.resolve(opts.dataDir);
  const state = new AppState(dataDir);
  const core = opts.core ?? (await loadCore());
  const bus = new EventBus();
  const openExternal = opts.platform?.openExternal?.bind(opts.platform);
  const trust = new AzureTrustService({
    dataDir,
    env: opts.env ?? process.env,
    ...(opts.azure?.ca ? { baseCa: opts.azure.ca } : {}),
    // New roots: connections and answers made with the old ones are dropped, tracking set up again.
    onChanged: () => {
      azureAccount.trustChanged();
      workspaces.forgetAnswers();
      void tracking.refresh().catch((e: unknown) => console.error(`sweepdeck: tracking setup: ${(e as Error).message}`));
    },
  });
  const azureAccount = new AzureAccountService({
    dataDir,
    env: opts.env ?? process.env,
    bus,
    ...(opts.azureSecretStore ? { secretStore: opts.azureSecretStore } : {}),
    ...(openExternal ? { openExternal } : {}),
    // Read at each call: roots imported in Settings apply without a restart.
    get ca() {
      return trust.ca();
    },
    ...(opts.azure?.timeoutMs !== undefined ? { timeoutMs: opts.azure.timeoutMs } : {}),
    // A sign-in or sign-out can change where new sweeps track to.
    onAccountChanged: () => void tracking.refresh().catch((e: unknown) => console.error(`sweepdeck: tracking setup: ${(e as Error).message}`)),
  });
  // One sign-in for the whole app: the picker, a chosen workspace's tenant and the mirror all get
  // their tokens from the account service (its signed-in account, then the chain).
  const azureCredentials = new AppAzureCredentials(opts.env ?? process.env, {
    ...opts.azure,
    credentials: opts.azure?.credentials ?? (() => azureAccount.credentialSource()),
    get ca() {
      return trust.ca();
    },
  });
  const azureMirror = new AzureMirrorService({
    dataDir,
    bus,
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.azure?.credentials ? {} : { credential: async () => azureAccount.credentialSource().credentialFor() }),
    get ca() {
      return trust.ca();
    },
  });
  const tracking = new TrackingService({ state, core, bus, dataDir, env: opts.env, azureMirror, credentialFor: (tenantId) => azureCredentials.credentialFor(tenantId), ca: () => trust.ca() });
  const runTables = new RunTableService(tracking);
  const workspaces = new WorkspacesService({
    state,
    tracking,
    env: opts.env,
    credentials: azureCredentials,
    get ca() {
      return trust.ca();
    },
    ...(opts.azure?.timeoutMs !== undefined ? { timeoutMs: opts.azure.timeoutMs } : {}),
  });
  // Started with the host: a study opened right after start finds it ready.
  const paramScans = new ParamScanThread(APP_STUDY_BUSY_TIMEOUT_MS);
  paramScans.start();
  const sweeps = new SweepsService({
    paramScans,
    state,
    core,
    bus,
    dataDir,
    // The Azure sign-in's encryption (Electron safeStorage, or the keyring), else memory only.
    studyPasswords: new StudyPasswords(dataDir, async () => opts.azureSecretStore ?? openCliSecretStore(opts.env ?? process.env, { dir: path.join(dataDir, 'azure') })),
    ...(opts.urlPollMs !== undefined ? { urlPollMs: opts.urlPollMs } : {}),
    startWaitMs: opts.startWaitMs,
    trackingFor: (config) => tracking.openForSweep(config),
    onOutboxPending: (n) => tracking.setPendingOutbox(n),
  });
  // Trials other processes write into the studies a page looks at reach it as events.
  const watched = new WatchedSweeps({ sweeps, bus, onUrlLeases: (ids) => sweeps.followUrlStudies(ids), ...(opts.watchLeaseMs !== undefined ? { leaseMs: opts.watchLeaseMs } : {}) });
  const outbox = new OutboxService({ sweeps, core, env: opts.env ?? process.env });
  const example = opts.exampleConfigPath ?? null;

  // The example is registered once, ready to start; if the user removes it, it stays removed (the
  // registry remembers it was offered).
  if (example) {
    const abs = path.resolve(example);
    if (!state.wasOffered(abs) && !sweeps.findByConfig(abs)) {
      try {
        sweeps.register({ configPath: abs });
        state.markOffered(abs);
      } catch (e) {
        console.error(`sweepdeck: the example sweep could not be registered: ${(e as Error).message}`);
      }
    }
  }

  const configValidator = new ConfigValidator();
  const handlers: Handlers = {
    'app.info': async () => ({
      version: opts.version ?? '0.1.0',
      host: opts.host,
      dataDir,
      platform: `${process.platform}-${process.arch}`,
      exampleConfigPath: example ? path.resolve(example) : null,
    }),

    'azure.account.status': async (i) => azureAccount.status(i),
    'azure.account.signIn': async (i) => azureAccount.signIn(i),
    'azure.account.cancel': async () => azureAccount.cancel(),
    'azure.account.signOut': async () => azureAccount.signOut(),
    'azure.account.tenants': async () => azureAccount.tenants(),
    'azure.trust.get': async () => trust.get(),
    'azure.trust.import': async ({ path: file }) => trust.import(file),
    'azure.trust.remove': async () => trust.remove(),
    'outbox.list': async () => outbox.list(),
    'outbox.retry': async (i) => outbox.retry(i),

    'sweeps.list': async () => sweeps.list(),
    'sweeps.get': async ({ id }) => sweeps.get(id),
    'sweeps.register': async (i) => sweeps.register(i),
    'sweeps.start': async (i) => sweeps.start(i),
    'sweeps.stop': async ({ id }) => sweeps.requestStop(id),
    'sweeps.resume': async (i) => sweeps.resume(i),
    'sweeps.spaceDiff': async (i) => sweeps.spaceDiff(i),
    'sweeps.failTrial': async (i) => sweeps.failTrialElsewhere(i),
    'sweeps.remove': async ({ id }) => sweeps.remove(id),
    'sweeps.locate': async (i) => sweeps.locateFile(i),
    'sweeps.trials': async (i) => sweeps.trials(i),
    'sweeps.trialColumns': async (i) => sweeps.trialColumns(i),
    'sweeps.intermediateColumns': async (i) => sweeps.intermediateColumns(i),
    'sweeps.openStudyFile': async (i) => sweeps.openStudyFile(i),
    'sweeps.trialLog': async (i) => sweeps.trialLog(i),
    'sweeps.trialAttrs': async (i) => sweeps.trialAttrs(i),
    'sweeps.setTrialNote': async (i) => sweeps.setTrialNote(i),
    'sweeps.watch': async ({ ids }) => watched.watch(ids),
    'folders.add': async ({ path: p }) => sweeps.addFolder(p),
    'folders.remove': async ({ path: p }) => sweeps.removeFolder(p),
    'sweeps.openStudyUrl': async (i) => sweeps.openStudyUrl(i),
    'sweeps.workers': async ({ id }) => sweeps.workers(id),

    'config.validate': async ({ text, path: file }) => {
      const checked = await configValidator.validate(text, file ?? 'the config');
      if (checked.failure !== undefined) throw new Error(`config.validate: ${checked.failure}`);
      const issues = checked.issues.map((i) => ({ path: i.path, line: i.line ?? null, column: i.column ?? null, message: i.message }));
      const cfg = checked.config;
      if (issues.length > 0 || !cfg) return { valid: false, issues, summary: null };
      return {
        valid: true,
        issues: [],
        summary: {
          experimentName: cfg.experiment_name,
          backbone: cfg.backbone,
          studyName: resolveStudyName(cfg),
          maxTrials: cfg.sampling.max_trials,
          metric: cfg.objective.metric,
          goal: cfg.objective.goal,
          // Relative to the sweep's output folder unless absolute.
          checkpointPath: resolveCheckpointPath(cfg, ''),
        },
      };
    },
    'config.readExample': async () => {
      if (!example) throw new AppFault('NOT_FOUND', 'This build has no example config.');
      return readTextFile(example, 'HPO config');
    },
    'config.read': async ({ path: file }) => readTextFile(file, 'HPO config'),

    'tracking.status': async () => tracking.status(),
    'tracking.configure': async (i) => tracking.configure(i),
    'workspaces.tenants': async (i) => workspaces.tenants(i),
    'workspaces.subscriptions': async (i) => workspaces.subscriptions(i),
    'workspaces.list': async (i) => workspaces.list(i),
    'workspaces.current': async () => workspaces.current(),
    'workspaces.choose': async (i) => workspaces.choose(i),
    'stores.list': async () => ({ stores: await tracking.stores() }),
    'stores.add': async (i) => tracking.addStore(i),
    'stores.remove': async ({ id }) => tracking.removeStore(id),
    'experiments.list': async (i) => tracking.experiments(i),
    'runs.search': async (i) => tracking.searchRuns(i),
    'runs.get': async (i) => tracking.getRun(i),
    'runs.metricHistory': async (i) => tracking.metricHistory(i),
    'runs.findSweep': async ({ storeId, runId }) => {
      const { run } = await tracking.getRun({ storeId, runId });
      const param = (k: string): string | null => run.data.params?.find((p) => p.key === k)?.value ?? null;
      const checkpointPath = param('checkpoint_path');
      if (!checkpointPath) return { checkpointPath: null, sweepId: null };
      const studyName = param('study_name');
      const known = state.sweeps().find((s) => s.studyPath === checkpointPath && (studyName === null || s.studyName === studyName));
      if (known) return { checkpointPath, sweepId: known.id };
      try {
        const opened = sweeps.openStudyFile(studyName ? { path: checkpointPath, studyName } : { path: checkpointPath });
        return { checkpointPath, sweepId: opened.sweeps[0]?.id ?? null };
      } catch {
        // The checkpoint is on another machine or was deleted: show the path, no sweep.
        return { checkpointPath, sweepId: null };
      }
    },

    'runs.metricSummaries': async (i) => metricSummaries(tracking, i),
    'runs.table': async (i) => runTables.page(i),
    'runs.tableChart': async (i) => runTables.chart(i),
    'runs.artifacts': async (i) => listArtifacts(tracking, i),
    'runs.artifact': async (i) => readArtifact(tracking, i),

    'shell.revealPath': async ({ path: file }) => {
      const reveal = opts.platform?.revealPath;
      if (!reveal) throw new AppFault('NOT_AVAILABLE', `Reveal in folder works in the desktop app only. The path is ${file}`);
      try {
        statSync(file);
      } catch {
        throw new AppFault('NOT_FOUND', `${file} does not exist (any more).`);
      }
      return { revealed: await reveal(file) };
    },

    'azure.mirrorStatus': async ({ storeId }) => tracking.mirrorStatus(storeId),
    'azure.sync': async (i) => tracking.sync(i),
    'azure.syncCancel': async ({ storeId }) => tracking.syncCancel(storeId),
    'azure.reconnected': async () => ({ online: await azureMirror.reconnected() }),
  };

  const dispatch = createDispatch(handlers);
  // Learn the tracking target in the background; the status bar gets it as an event.
  void tracking.refresh().catch((e: unknown) => console.error(`sweepdeck: tracking setup: ${(e as Error).message}`));

  return {
    handlers,
    dispatch,
    bus,
    sweeps,
    tracking,
    workspaces,
    azureAccount,
    state,
    dataDir,
    async close() {
      azureAccount.close();
      await configValidator.close();
      watched.close();
      await sweeps.close();
      paramScans.stop();
      await tracking.close();
      await azureMirror.close();
    },
  };
}
