// The Experiments screen's run views beyond MLflow's REST reads: best-of metric columns (min and
// max over each history) and a run's artifacts, listed and opened. Stores are the tracking
// service's own (same ids, same opened instances).
import { existsSync } from 'node:fs';
import type { ChannelOutput, ParsedInput } from '../../shared/contract.ts';
import { localArtifactRoot } from '../core/tracking/runViews/artifactRoot.ts';
import { listLocalArtifacts, readLocalArtifact } from '../core/tracking/runViews/localArtifacts.ts';
import { canSummarizeMetrics } from '../core/tracking/runViews/metricSummaries.ts';
import { canReadRemoteArtifacts } from '../core/tracking/runViews/remoteArtifacts.ts';
import type { TrackingStore } from '../core/tracking/types.ts';
import { AppFault } from './appError.ts';

export interface StoreSource {
  store(id: string): Promise<TrackingStore>;
}

const NO_SUMMARIES: Record<TrackingStore['kind'], string> = {
  rest: "An MLflow server's REST API has no query for whole histories of many runs; the best-of columns need a local store (SQLite or mlruns/). Latest values are shown.",
  mirror: "The Azure workspace's offline mirror keeps latest values only; the best-of columns need a local store. Latest values are shown.",
  sqlite: '',
  file: '',
};

export async function metricSummaries(stores: StoreSource, input: ParsedInput<'runs.metricSummaries'>): Promise<ChannelOutput<'runs.metricSummaries'>> {
  const store = await stores.store(input.storeId);
  if (!canSummarizeMetrics(store)) return { available: false, reason: NO_SUMMARIES[store.kind] || `This ${store.kind} store cannot read whole metric histories at once.`, summaries: [] };
  return { available: true, reason: null, summaries: await store.metricSummaries(input.runIds) };
}

async function rootOf(store: TrackingStore, runId: string): Promise<{ uri: string; root: string | null; reason: string | null }> {
  const uri = (await store.getRun(runId)).info.artifact_uri;
  const r = localArtifactRoot(uri);
  return r.local ? { uri, root: r.root, reason: null } : { uri, root: null, reason: r.reason };
}

// A tracking server's artifact_uri names a place on its side (even a plain path): its artifacts are
// always asked of the server, never looked for on this machine.
export async function listArtifacts(stores: StoreSource, input: ParsedInput<'runs.artifacts'>): Promise<ChannelOutput<'runs.artifacts'>> {
  const store = await stores.store(input.storeId);
  if (canReadRemoteArtifacts(store)) {
    const uri = (await store.getRun(input.runId)).info.artifact_uri;
    return { root: uri, available: true, reason: null, files: await store.listArtifacts(input.runId, input.path ?? '') };
  }
  const { uri, root, reason } = await rootOf(store, input.runId);
  if (!root) return { root: uri, available: false, reason, files: [] };
  // Usual for a store copied from another machine, or a run that logged no artifact: said, not an error.
  if (!input.path && !existsSync(root)) return { root, available: false, reason: `The run's artifact folder ${root} is not on this machine (no artifact logged yet, moved, or logged on another machine).`, files: [] };
  return { root, available: true, reason: null, files: listLocalArtifacts(root, input.path ?? '') };
}

export async function readArtifact(stores: StoreSource, input: ParsedInput<'runs.artifact'>): Promise<ChannelOutput<'runs.artifact'>> {
  const store = await stores.store(input.storeId);
  if (canReadRemoteArtifacts(store)) return store.readArtifact(input.runId, input.path);
  const { root, reason } = await rootOf(store, input.runId);
  if (!root) throw new AppFault('NOT_AVAILABLE', reason ?? `Run ${input.runId} has no local artifact folder.`);
  return readLocalArtifact(root, input.path);
}
