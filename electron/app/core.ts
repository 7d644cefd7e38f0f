// The one place the app services reach the core engine. Modules that have landed are imported
// statically (so the Electron bundle contains them); modules still being written elsewhere are
// loaded by name and, until they exist, the channels that need them answer NOT_AVAILABLE.
import type { HpoConfig } from '../../shared/config.ts';
import { openStudyStorage } from '../core/studies/optunaSqliteStorage.ts';
import type { StudyStorage } from '../core/studies/types.ts';
import { runSweep } from '../core/sweeps/sweepRunner.ts';
import { setupTrackingCrossPlatform } from '../core/tracking/setup.ts';
import type { SweepEvent, SweepHooks, SweepResult } from '../core/sweeps/types.ts';
import type { TrackingStore } from '../core/tracking/types.ts';
import { notAvailable } from './appError.ts';

export interface StartSweepArgs {
  config: HpoConfig;
  /** Directory of the config file: the trial's cwd by default. */
  configDir: string;
  outputDir: string;
  maxTrials?: number;
  onEvent: (e: SweepEvent) => void;
  hooks?: SweepHooks;
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
}

export interface CoreModules {
  openStudyStorage(file: string, opts?: { create?: boolean; readonly?: boolean }): StudyStorage;
  startSweep(args: StartSweepArgs): RunningSweep;
  openTrackingStore(uri: string): Promise<TrackingStore>;
  setupTracking(opts: TrackingSetupArgs): Promise<TrackingSetupOutcome>;
  /** Tracking hooks for a sweep (parent run, child runs), when the tracking layer provides them. */
  sweepTrackingHooks?(args: { storeUri: string; config: HpoConfig }): Promise<SweepHooks | undefined>;
}

type AnyModule = Record<string, unknown>;

/** The module, or null when it does not exist yet (other load failures are said on stderr). */
async function tryLoad(spec: string): Promise<AnyModule | null> {
  try {
    // A variable specifier keeps tsc and the bundler from requiring the file before it exists.
    return (await import(/* @vite-ignore */ spec)) as AnyModule;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') console.error(`sweepdeck: could not load ${spec}: ${(e as Error).message}`);
    return null;
  }
}

function fn<T>(mod: AnyModule | null, name: string, what: string): T {
  const f = mod?.[name];
  if (typeof f !== 'function') throw notAvailable(what);
  return f as T;
}

const OPEN_STORE = '../core/tracking/openStore.ts';

async function setupTracking(a: TrackingSetupArgs): Promise<TrackingSetupOutcome> {
  const env: NodeJS.ProcessEnv = { ...(a.env ?? process.env) };
  // A remote server is chosen through MLflow's own variable; Azure fields given here win over it.
  if (a.remoteUri && !a.azure) env.MLFLOW_TRACKING_URI = a.remoteUri;
  else if (a.azure) delete env.MLFLOW_TRACKING_URI;
  const r = await setupTrackingCrossPlatform({
    experimentName: a.experimentName,
    ...(a.azure ? { azure: a.azure } : {}),
    fallbackToLocal: a.fallbackToLocal,
    localDir: a.localDir,
    env,
  });
  return { mode: r.mode, uri: r.trackingUri, fallbackReason: r.reason ?? null };
}

/** The real core. Missing parts throw NOT_AVAILABLE when used. */
export async function loadCore(): Promise<CoreModules> {
  const openStore = await tryLoad(OPEN_STORE);
  return {
    openStudyStorage: (file, opts) => openStudyStorage(file, opts),
    startSweep: (args) =>
      runSweep({ config: args.config, configDir: args.configDir, outputDir: args.outputDir, maxTrials: args.maxTrials, onEvent: args.onEvent, hooks: args.hooks }),
    openTrackingStore: async (uri) => await fn<(u: string) => Promise<TrackingStore>>(openStore, 'openTrackingStore', 'Opening MLflow stores')(uri),
    setupTracking,
  };
}
