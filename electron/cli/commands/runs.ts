// `sweepdeck runs ls [--store URI] [--experiment NAME] [--all] [--json]`: experiments with their
// parent runs (runs without an mlflow.parentRunId tag) and each parent's children nested under it,
// with status and the key params and metrics. Reads only: SQLite stores are opened read-only.
import { stringifyJson } from '../../core/tracking/endpoint/wire.ts';
import { openTrackingStore } from '../../core/tracking/openStore.ts';
import type { Experiment, Run, TrackingStore } from '../../core/tracking/types.ts';
import { MlflowError } from '../../core/tracking/types.ts';
import { CliError, parseCli, printedHelp } from '../cliSupport.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { oneLine, print } from '../terminalText.ts';
import { withoutUrlCredentials } from '../../../shared/urlCredentials.ts';

const USAGE = `Usage: sweepdeck runs ls [--store URI|azure] [--offline] [--experiment NAME] [--all] [--json]

List experiments, their parent runs and each parent's child runs (trials).

Options:
  --store URI         tracking store: sqlite:///path/mlflow.db, a *.db file, a mlruns/ folder,
                      or http(s)://server (default: $SWEEPDECK_TRACKING_URI, else
                      sqlite:///<cwd>/sweepdeck-output/mlflow.db); 'azure' is the Azure ML
                      workspace of AZURE_SUBSCRIPTION_ID / AZURE_RESOURCE_GROUP /
                      AZURE_WORKSPACE_NAME, read from its offline mirror when it cannot be reached
  --offline           with --store azure: read only the offline mirror (see 'sweepdeck azure sync')
  --experiment NAME   only this experiment
  --all               include deleted runs and experiments
  --json              print JSON instead of a tree`;

const PARENT_TAG = 'mlflow.parentRunId';
/** Params and metrics shown first when present: the sweep's own layout. */
const KEY_METRICS = ['best_value', 'n_trials', 'n_completed_trials'];
const KEY_PARAMS = ['backbone', 'max_trials', 'study_name'];

export function defaultStoreUri(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const fromEnv = env.SWEEPDECK_TRACKING_URI?.trim();
  if (fromEnv) return fromEnv;
  return `sqlite:///${path.join(cwd, 'sweepdeck-output', 'mlflow.db')}`;
}

export interface RunNode {
  run: Run;
  children: Run[];
}

export interface ExperimentTree {
  experiment: Experiment;
  runs: RunNode[];
  /** Child runs whose parent is not in this experiment (deleted, or logged elsewhere). */
  orphans: Run[];
}

async function allRuns(store: TrackingStore, experimentId: string, all: boolean): Promise<Run[]> {
  const out: Run[] = [];
  let pageToken: string | undefined;
  do {
    const page = await store.searchRuns({ experimentIds: [experimentId], runViewType: all ? 'ALL' : 'ACTIVE_ONLY', maxResults: 1000, pageToken });
    out.push(...page.items);
    pageToken = page.items.length > 0 ? page.nextPageToken : undefined;
  } while (pageToken);
  return out;
}

function parentOf(run: Run): string | undefined {
  return run.data.tags?.find((t) => t.key === PARENT_TAG)?.value;
}

/** Groups an experiment's runs into parents with nested children (children oldest first). */
export function buildTree(experiment: Experiment, runs: Run[]): ExperimentTree {
  const byId = new Map(runs.map((r) => [r.info.run_id, r]));
  const nodes = new Map<string, RunNode>();
  const orphans: Run[] = [];
  for (const r of runs) if (!parentOf(r)) nodes.set(r.info.run_id, { run: r, children: [] });
  for (const r of runs) {
    const p = parentOf(r);
    if (!p) continue;
    const node = nodes.get(p);
    if (node) node.children.push(r);
    else if (byId.has(p)) {
      // A grandchild: nest it under the top-level ancestor so nothing is hidden.
      let top = byId.get(p);
      const seen = new Set<string>();
      while (top && parentOf(top) && !seen.has(top.info.run_id)) {
        seen.add(top.info.run_id);
        top = byId.get(parentOf(top) as string);
      }
      const topNode = top ? nodes.get(top.info.run_id) : undefined;
      if (topNode) topNode.children.push(r);
      else orphans.push(r);
    } else orphans.push(r);
  }
  const byStart = (a: Run, b: Run) => a.info.start_time - b.info.start_time;
  for (const n of nodes.values()) n.children.sort(byStart);
  const parents = [...nodes.values()].sort((a, b) => b.run.info.start_time - a.run.info.start_time);
  return { experiment, runs: parents, orphans: orphans.sort(byStart) };
}

function fmtNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (Number.isInteger(v)) return String(v);
  return Number(v.toPrecision(4)).toString();
}

function summary(run: Run, isParent: boolean): string {
  const metrics = run.data.metrics ?? [];
  const params = run.data.params ?? [];
  const orderedMetrics = [...metrics].sort((a, b) => rank(KEY_METRICS, a.key) - rank(KEY_METRICS, b.key) || a.key.localeCompare(b.key));
  const orderedParams = [...params].sort((a, b) => rank(KEY_PARAMS, a.key) - rank(KEY_PARAMS, b.key) || a.key.localeCompare(b.key));
  const m = orderedMetrics.slice(0, isParent ? 4 : 3).map((x) => `${oneLine(x.key)}=${fmtNumber(x.value)}`);
  const p = orderedParams
    .filter((x) => !isParent || KEY_PARAMS.includes(x.key))
    .slice(0, 4)
    .map((x) => `${oneLine(x.key)}=${oneLine(x.value.length > 24 ? `${x.value.slice(0, 21)}...` : x.value)}`);
  return [...m, ...p].join('  ');
}

function rank(list: string[], key: string): number {
  const i = list.indexOf(key);
  return i < 0 ? list.length : i;
}

/** A sweep parent run leads back to its study (wherever the run is stored, e.g. Azure ML): the
 * checkpoint_path param, and whether that file is on this machine (then the sweep's own
 * `sweep run CONFIG` resumes from it). */
function checkpointLine(run: Run): string | undefined {
  const file = run.data.params?.find((p) => p.key === 'checkpoint_path')?.value;
  if (!file) return undefined;
  const here = path.isAbsolute(file) && existsSync(file);
  return `checkpoint: ${oneLine(file)} (${here ? 'on this machine' : 'not on this machine'})`;
}

function runLine(run: Run, isParent: boolean): string {
  const deleted = run.info.lifecycle_stage === 'deleted' ? ' (deleted)' : '';
  const name = run.info.run_name || run.info.run_id;
  return `${oneLine(name)}  ${run.info.status}${deleted}  ${oneLine(run.info.run_id)}  ${summary(run, isParent)}`.trimEnd();
}

export function renderTree(trees: ExperimentTree[], storeUri: string, asOf?: ReadonlyMap<string, number>): string {
  const lines: string[] = [`Store: ${storeUri}`];
  if (trees.length === 0) lines.push('', 'No experiments.');
  for (const t of trees) {
    const e = t.experiment;
    const deleted = e.lifecycle_stage === 'deleted' ? ', deleted' : '';
    const nChildren = t.runs.reduce((n, r) => n + r.children.length, 0);
    const when = asOf?.get(e.experiment_id);
    const asOfText = when === undefined ? '' : when > 0 ? `, as of ${new Date(when).toISOString()}` : ', never synced';
    lines.push('', `Experiment ${oneLine(e.name)} (id ${oneLine(e.experiment_id)}${deleted}${asOfText}): ${t.runs.length} parent run(s), ${nChildren} child run(s)`);
    for (const node of t.runs) {
      lines.push(`  ${runLine(node.run, true)}`);
      const checkpoint = checkpointLine(node.run);
      if (checkpoint) lines.push(`    ${checkpoint}`);
      node.children.forEach((c, i) => {
        lines.push(`    ${i === node.children.length - 1 ? '└─' : '├─'} ${runLine(c, false)}`);
      });
    }
    if (t.orphans.length > 0) {
      lines.push('  (child runs whose parent is not in this experiment)');
      for (const o of t.orphans) lines.push(`    ${runLine(o, false)}  parent=${oneLine(parentOf(o) ?? '')}`);
    }
  }
  return lines.join('\n');
}

/** --json output. stringifyJson: an int64 step beyond 2^53 is a bigint, which JSON.stringify
 * refuses; ±inf and NaN, which JSON has no numbers for, as text. */
export function printJson(value: unknown): void {
  print(stringifyJson(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2));
}

/** Runs `read`, turning a store error into a CliError naming the store, and closes the store. */
export async function readingStore<T>(store: TrackingStore, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof MlflowError) throw new CliError(`reading ${store.uri} failed: ${err.message}`, 1);
    throw err;
  } finally {
    await store.close();
  }
}

export async function collect(store: TrackingStore, experimentName: string | undefined, all: boolean): Promise<ExperimentTree[]> {
  let experiments: Experiment[];
  if (experimentName !== undefined) {
    const e = await store.getExperimentByName(experimentName);
    if (!e) throw new CliError(`No experiment named '${experimentName}' in ${store.uri}. Run 'sweepdeck runs ls --store ${store.uri}' to see the experiments it holds.`, 1);
    experiments = [e];
  } else {
    experiments = [];
    let pageToken: string | undefined;
    do {
      const page = await store.searchExperiments({ viewType: all ? 'ALL' : 'ACTIVE_ONLY', maxResults: 1000, pageToken });
      experiments.push(...page.items);
      pageToken = page.items.length > 0 ? page.nextPageToken : undefined;
    } while (pageToken);
  }
  const trees: ExperimentTree[] = [];
  for (const e of experiments) trees.push(buildTree(e, await allRuns(store, e.experiment_id, all)));
  return trees;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    print(USAGE);
    return sub ? 0 : 2;
  }
  if (sub !== 'ls') throw new CliError(`unknown subcommand '${sub}'.\n\n${USAGE}`);
  const { values } = parseCli(
    {
      args: rest,
      options: {
        store: { type: 'string' },
        experiment: { type: 'string' },
        all: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        offline: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    },
    USAGE,
  );
  if (printedHelp(values, USAGE)) return 0;
  if (values.store === 'azure') {
    const { listAzureRuns } = await import('./runsAzure.ts');
    return listAzureRuns({ offline: values.offline, experiment: values.experiment, all: values.all, json: values.json }, collect);
  }
  if (values.offline) throw new CliError('--offline applies to --store azure only (the offline mirror of the Azure ML workspace)');
  const uri = values.store ?? defaultStoreUri();
  let store: TrackingStore;
  try {
    store = await openTrackingStore(uri, { readOnly: true });
  } catch (err) {
    if (err instanceof MlflowError) {
      const hint = values.store === undefined ? ' (the default store; pass --store URI or set SWEEPDECK_TRACKING_URI)' : '';
      throw new CliError(`cannot open tracking store ${withoutUrlCredentials(uri)}${hint}: ${err.message}`, 1);
    }
    throw err;
  }
  return readingStore(store, async () => {
    const trees = await collect(store, values.experiment, values.all);
    if (values.json) printJson({ store: store.uri, experiments: trees });
    else print(renderTree(trees, store.uri));
    return 0;
  });
}
