// The one place the app services reach the core engine: a narrow interface the services code
// against (tests inject fakes for faults), and the real core behind it.
import type { TokenCredential } from '@azure/core-auth';
import type { HpoConfig } from '../../shared/config.ts';
import { openStudyStorage } from '../core/studies/optunaSqliteStorage.ts';
import type { StudyStorage } from '../core/studies/types.ts';
import { runSweep } from '../core/sweeps/sweepRunner.ts';
import { openTrackingStore } from '../core/tracking/openStore.ts';
import { setupTrackingCrossPlatform } from '../core/tracking/setup.ts';
import { sessionTrackingHooks } from '../core/tracking/sweepHooks.ts';
import { openTrackingSession } from '../core/tracking/trackingSession.ts';
import type { SweepEvent, SweepHooks, SweepResult } from '../core/sweeps/types.ts';
import type { OutboxStore } from '../core/tracking/outbox.ts';
import type { TrackingStore } from '../core/tracking/types.ts';
import { SETTINGS_SERVER } from './settingNames.ts';

export interface StartSweepArgs {
  config: HpoConfig;
  /** Directory of the config file: the trial's cwd by default. */
  configDir: string;
  outputDir: string;
  maxTrials?: number;
  onEvent: (e: SweepEvent) => void;
  hooks?: SweepHooks;
  /** A PostgreSQL study: its URL with the password the app keeps for it (if any), for the runner to
   * connect with; the config names the URL without it. In-process only: never logged or sent. */
  studyConnection?: string;
}

export interface RunningSweep {
  stop(): void;
  /** Rejects (SweepSetupError) when the sweep could not start. */
  done: Promise<SweepResult>;
}

export interface TrackingSetupOutcome {
  mode: 'azure' | 'remote' | 'local';
  uri: string;
  fallbackReason: string | null;
}

export interface TrackingSetupArgs {
  experimentName: string;
  /** null: from AZURE_* in the environment, if set there. */
  azure: { subscriptionId: string; resourceGroup: string; workspaceName: string } | null;
  remoteUri: string | null;
  fallbackToLocal: boolean;
  /** Folder of the local store's mlflow.db. */
  localDir: string;
  env?: NodeJS.ProcessEnv;
  /** The Azure credential to use (the chosen workspace's tenant); default the setup's own. */
  credential?: TokenCredential;
}

export interface CoreModules {
  /** True once startSweep runs sweeps whose storage is a PostgreSQL study URL (the distributed
   * runner); until then the app watches and stops such studies but does not resume them. */
  runsStudyUrls?: boolean;
  openStudyStorage(file: string, opts?: { create?: boolean; readonly?: boolean; verify?: boolean; busyTimeoutMs?: number }): StudyStorage;
  startSweep(args: StartSweepArgs): RunningSweep;
  /** readOnly: a store the user browses (never written, never created); else the app's own store,
   * created when missing. token: for a remote store that needs one (an Azure ML workspace's MLflow
   * endpoint). */
  openTrackingStore(uri: string, opts?: { readOnly?: boolean; token?: () => Promise<string> }): Promise<TrackingStore>;
  setupTracking(opts: TrackingSetupArgs): Promise<TrackingSetupOutcome>;
  /** A sweep's tracking: its store behind the embedded MLflow endpoint trials log through, and the
   * runner hooks that make the parent run and one child run per trial. */
  openSweepTracking(args: SweepTrackingArgs): Promise<SweepTrackingHandle>;
}

export interface SweepTrackingArgs {
  config: HpoConfig;
  /** An explicit target (the app's local store); absent: the cross-platform setup decides. */
  trackingUri?: string;
  /** Where the local store and the outbox go when the setup picks them. */
  outputDir: string;
  fallbackToLocal: boolean;
  env?: NodeJS.ProcessEnv;
  /** The Azure credential to use (the chosen workspace's tenant); default the setup's own. */
  credential?: TokenCredential;
  /** Where env.MLFLOW_TRACKING_URI came from, for messages (Settings or the environment). */
  trackingUriSource?: string;
  /** Extra trusted roots (PEM) for Azure: the environment's file and the PEM imported in Settings. */
  ca?: string;
}

export interface SweepTrackingHandle {
  hooks: SweepHooks;
  mode: 'azure' | 'remote' | 'local';
  trackingUri: string;
  fallbackReason: string | null;
  /** Writes waiting in the outbox (remote targets), else 0. */
  pending(): number;
  /** The outbox in front of a remote target (null: local target, no outbox). */
  outbox(): OutboxStore | null;
  close(): Promise<void>;
}

async function setupTracking(a: TrackingSetupArgs): Promise<TrackingSetupOutcome> {
  const env: NodeJS.ProcessEnv = { ...(a.env ?? process.env) };
  // A remote server is chosen through MLflow's own variable; Azure fields given here win over it.
  if (a.remoteUri && !a.azure) env.MLFLOW_TRACKING_URI = a.remoteUri;
  else if (a.azure) delete env.MLFLOW_TRACKING_URI;
  const r = await setupTrackingCrossPlatform({
    experimentName: a.experimentName,
    ...(a.azure || a.credential ? { azure: { ...a.azure, ...(a.credential ? { credential: a.credential } : {}) } } : {}),
    fallbackToLocal: a.fallbackToLocal,
    localDir: a.localDir,
    env,
    ...(a.remoteUri && !a.azure ? { trackingUriSource: SETTINGS_SERVER } : {}),
  });
  return { mode: r.mode, uri: r.trackingUri, fallbackReason: r.reason ?? null };
}

async function openSweepTracking(a: SweepTrackingArgs): Promise<SweepTrackingHandle> {
  const session = await openTrackingSession({
    experimentName: a.config.experiment_name,
    ...(a.trackingUri ? { trackingUri: a.trackingUri } : {}),
    outputDir: a.outputDir,
    fallbackToLocal: a.fallbackToLocal,
    env: a.env ?? process.env,
    ...(a.credential ? { credential: a.credential } : {}),
    ...(a.trackingUriSource ? { trackingUriSource: a.trackingUriSource } : {}),
    ...(a.ca ? { ca: a.ca } : {}),
  });
  const hooks = sessionTrackingHooks(session, a.config);
  return {
    hooks,
    mode: session.decision.mode,
    trackingUri: session.decision.trackingUri,
    fallbackReason: session.decision.reason ?? null,
    pending: () => session.outbox?.pending() ?? 0,
    outbox: () => session.outbox ?? null,
    close: () => session.close(),
  };
}

/** The real core. */
/** A store the user browses is read on the thread that serves every request (better-sqlite3 waits
 * synchronously): a lock held elsewhere answers at once, naming the file, instead of after 20 s. */
const BROWSE_BUSY_TIMEOUT_MS = 250;

export async function loadCore(): Promise<CoreModules> {
  return {
    openStudyStorage: (file, opts) => openStudyStorage(file, opts),
    // The runner takes study URLs: a PostgreSQL study's local workers connect with the kept
    // password (studyConnection), while the config and every message carry the URL without it.
    runsStudyUrls: true,
    startSweep: (args) =>
      runSweep({
        config: args.config,
        configDir: args.configDir,
        outputDir: args.outputDir,
        maxTrials: args.maxTrials,
        onEvent: args.onEvent,
        hooks: args.hooks,
        ...(args.studyConnection ? { storage: args.studyConnection } : {}),
      }),
    openTrackingStore: (uri, opts) =>
      openTrackingStore(uri, {
        ...(opts?.readOnly ? { readOnly: true, busyTimeoutMs: BROWSE_BUSY_TIMEOUT_MS } : { create: true }),
        ...(opts?.token ? { token: opts.token } : {}),
      }),
    setupTracking,
    openSweepTracking,
  };
}
