// `sweepdeck runs ls --store azure [--offline]`: the chosen Azure ML workspace's experiments and
// runs, through the browsing store (Azure first, the offline mirror when Azure cannot be used or
// --offline is given), with each experiment's "as of" time when the mirror answered.
import { print } from '../terminalText.ts';
import { openWorkspaceBrowser } from '../../core/azure/mirror/workspaceMirror.ts';
import { defaultDataDir } from '../../core/platform/dataDir.ts';
import type { TrackingStore } from '../../core/tracking/types.ts';
import { chosenWorkspaceRef } from '../chosenWorkspaceRef.ts';
import { CliError } from '../cliSupport.ts';
import { printJson, readingStore, renderTree, type ExperimentTree } from './runs.ts';

export async function listAzureRuns(
  o: { offline: boolean; experiment: string | undefined; all: boolean; json: boolean },
  collect: (store: TrackingStore, experimentName: string | undefined, all: boolean) => Promise<ExperimentTree[]>,
): Promise<number> {
  const env = process.env;
  const ref = chosenWorkspaceRef(env);
  let store;
  try {
    store = await openWorkspaceBrowser({ ref, env, dataDir: defaultDataDir(env), offline: o.offline });
  } catch (err) {
    // No mirror yet and Azure unreachable, or a mirror from a newer Sweepdeck.
    throw new CliError(err instanceof Error ? err.message : String(err), 1);
  }
  return readingStore(store, async () => {
    const trees = await collect(store, o.experiment, o.all);
    const state = store.state();
    const asOf = new Map<string, number>();
    if (state.offline) for (const t of trees) asOf.set(t.experiment.experiment_id, store.mirror.experiment(t.experiment.experiment_id)?.asOf ?? 0);
    if (o.json) {
      printJson({ store: store.uri, offline: state.offline, ...(state.reason ? { offlineReason: state.reason } : {}), lastSyncAt: state.lastSyncAt, experiments: trees.map((t) => ({ ...t, asOf: asOf.get(t.experiment.experiment_id) ?? null })) });
    } else {
      if (state.offline) {
        const last = state.lastSyncAt ? new Date(state.lastSyncAt).toISOString() : 'never';
        print(`Offline: ${state.reason ?? 'Azure ML cannot be reached'}. Showing the offline mirror (last sync ${last}).`);
      }
      print(renderTree(trees, store.uri, state.offline ? asOf : undefined));
    }
    return 0;
  });
}
