// `sweepdeck azure sync [--experiment NAME]... [--histories] [--full]`: brings the offline mirror
// of the chosen workspace up to date, printing a line per page and per experiment. Exit codes:
// 0 synced; 1 the workspace could not be reached or an experiment failed (what was committed
// stays; run it again to resume); 2 bad usage or no workspace chosen; 130 interrupted.
import { print, printError } from '../terminalText.ts';
import { AzureSetupError } from '../../core/azure/azureErrors.ts';
import { syncWorkspace, type SyncEvent } from '../../core/azure/mirror/sync.ts';
import { connectWorkspace, credentialFromEnvironment, openMirrorFor } from '../../core/azure/mirror/workspaceMirror.ts';
import { defaultDataDir } from '../../core/platform/dataDir.ts';
import { MlflowError, StoreUnavailableError } from '../../core/tracking/types.ts';
import { chosenWorkspaceRef } from '../chosenWorkspaceRef.ts';
import { CliError, parseCli, printedHelp } from '../cliSupport.ts';

const USAGE = `Usage: sweepdeck azure sync [--experiment NAME]... [--histories] [--full] [--page-size N]

Bring the offline mirror of the chosen Azure ML workspace up to date: its experiments and the
runs changed since the last sync (params, tags, latest metrics, parent/child nesting). A sync
that is interrupted resumes where it stopped.

The workspace is AZURE_SUBSCRIPTION_ID / AZURE_RESOURCE_GROUP / AZURE_WORKSPACE_NAME; the mirror
lives in <data dir>/azure-mirror/ (data dir: $SWEEPDECK_DATA_DIR, else the app's data folder).

Options:
  --experiment NAME   only this experiment (repeatable)
  --histories         also fetch every metric history ("make available offline")
  --full              re-read every run, not only those new or still running
  --page-size N       runs per request (default 500)

Exit codes: 0 synced, 1 failed (run again to resume), 2 usage or configuration, 130 interrupted.`;

function describe(e: SyncEvent): string | undefined {
  switch (e.kind) {
    case 'experiments':
      return `${e.count} experiment(s) to sync`;
    case 'page':
      return `  ${e.experiment}: page ${e.page}${e.resumed && e.page === 1 ? ' (resumed)' : ''}: ${e.runs} run(s), ${e.newRuns} new`;
    case 'experiment-done':
      return `${e.experiment}: ${e.runsFetched} run(s) read, ${e.newRuns} new, ${e.requests} request(s)`;
    case 'experiment-error':
      return `${e.experiment}: FAILED: ${e.message}`;
    case 'history':
      // A line per tenth, and the last one.
      if (e.done === e.total || e.done % Math.max(1, Math.ceil(e.total / 10)) === 0) return `  ${e.experiment}: histories ${e.done}/${e.total} (${e.points} points)`;
      return undefined;
  }
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCli(
    {
      args: argv,
      options: {
        experiment: { type: 'string', multiple: true },
        histories: { type: 'boolean', default: false },
        full: { type: 'boolean', default: false },
        'page-size': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    },
    USAGE,
  );
  if (printedHelp(values, USAGE)) return 0;
  const pageSize = values['page-size'] === undefined ? undefined : Number(values['page-size']);
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000)) {
    throw new CliError(`--page-size '${values['page-size']}' must be a whole number from 1 to 1000`);
  }
  const env = process.env;
  const ref = chosenWorkspaceRef(env);
  const dataDir = defaultDataDir(env);
  const mirror = openMirrorFor(dataDir, ref);
  const abort = new AbortController();
  const onSigint = (): void => abort.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  try {
    print(`Workspace ${ref.workspaceName} (resource group ${ref.resourceGroup}, subscription ${ref.subscriptionId})`);
    print(`Mirror ${mirror.file}`);
    const credential = await credentialFromEnvironment(env);
    const { restBase, store } = await connectWorkspace({ ref, credential, env, fetch: { signal: abort.signal } });
    mirror.setWorkspace({ ...ref, restBase });
    try {
      const s = await syncWorkspace({
        store,
        mirror,
        ...(values.experiment?.length ? { experimentNames: values.experiment } : {}),
        histories: values.histories,
        full: values.full,
        ...(pageSize ? { pageSize } : {}),
        signal: abort.signal,
        onEvent: (e) => {
          const line = describe(e);
          if (line) print(line);
        },
      });
      const c = mirror.counts();
      print(
        `Synced ${s.experiments} experiment(s): ${s.runsFetched} run(s) read, ${s.newRuns} new, ${s.pages} page(s)` +
          (values.histories ? `, ${s.historiesFetched} metric histories (${s.historyPoints} points)` : '') +
          `. The mirror holds ${c.runs} run(s) in ${c.experiments} experiment(s), as of ${new Date(s.finishedAt).toISOString()}.`,
      );
      for (const e of s.errors) printError(`sweepdeck azure sync: ${e.experiment} failed: ${e.message}`);
      return s.errors.length ? 1 : 0;
    } finally {
      await store.close();
    }
  } catch (err) {
    if (abort.signal.aborted) {
      printError('sweepdeck azure sync: interrupted; what was synced is kept, and the next sync resumes from there.');
      return 130;
    }
    if (err instanceof AzureSetupError || err instanceof StoreUnavailableError || err instanceof MlflowError) {
      printError(`sweepdeck azure sync: ${err.message}`);
      printError('What was synced before the failure is kept; run the same command again to resume.');
      return err instanceof AzureSetupError && (err.reasonCode === 'NOT_CONFIGURED' || err.reasonCode === 'NO_CREDENTIAL') ? 2 : 1;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    mirror.close();
  }
}
