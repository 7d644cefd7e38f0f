// Legacy `mlruns/` folders (MLflow's file store), browsed read-only: experiments from
// `<id>/meta.yaml` (deleted ones under `.trash/`), runs from `<exp>/<run>/meta.yaml` with
// params/, tags/ and metrics/ files (keys with '/' are nested folders; metric lines are
// `timestamp value step`). Search uses the same grammar and ordering as the SQLite store, evaluated
// in memory. Every write is refused: these folders belong to older tools and stay as they are.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { validateMaxResults } from './mlflowLimits.ts';
import { searchExperimentsInMemory, searchRunsInMemory } from './memorySearch.ts';
import { decodePageToken, pageOf } from './searchFilter.ts';
import type {
  Experiment,
  KeyValue,
  Metric,
  Page,
  Run,
  RunInfo,
  RunStatus,
  SearchExperimentsQuery,
  SearchRunsQuery,
  TrackingStore,
} from './types.ts';
import { MlflowError, readStep } from './types.ts';
import { summarizePoints, type MetricSummary } from './runViews/metricSummaries.ts';

/** Folders inside an experiment folder that are not runs. */
const RESERVED_EXPERIMENT_FOLDERS = new Set(['tags', 'datasets', 'traces', 'models']);
const STATUS_BY_NUMBER: Record<number, RunStatus> = { 1: 'RUNNING', 2: 'SCHEDULED', 3: 'FINISHED', 4: 'FAILED', 5: 'KILLED' };
const STATUSES: readonly string[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

interface ExperimentEntry {
  dir: string;
  experiment: Experiment;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** MLflow's meta.yaml files are a few hundred bytes; a bigger one is not MLflow's (and yaml's
 * duplicate-key check is quadratic in the keys of a mapping). */
const MAX_META_BYTES = 64 * 1024;

function readYaml(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    const size = statSync(file).size;
    if (size > MAX_META_BYTES) {
      throw new MlflowError('INVALID_STATE', `${file} is ${size} bytes, over the ${MAX_META_BYTES}-byte limit for an MLflow meta.yaml (MLflow writes a few hundred bytes); the mlruns/ folder may be damaged.`);
    }
    parsed = parseYaml(readFileSync(file, 'utf8'), { uniqueKeys: false, maxAliasCount: 100 });
  } catch (err) {
    if (err instanceof MlflowError) throw err;
    throw new MlflowError('INTERNAL_ERROR', `Cannot read ${file}: ${(err as Error).message}. The mlruns/ folder may be damaged.`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new MlflowError('INTERNAL_ERROR', `${file} does not hold a YAML mapping; the mlruns/ folder may be damaged.`);
  }
  return parsed as Record<string, unknown>;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return undefined;
}

function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  return String(v);
}

/** Files under `dir`, keyed by their path relative to it with '/' separators. */
function readKeyFiles(dir: string): { key: string; file: string }[] {
  const out: { key: string; file: string }[] = [];
  const walk = (d: string, prefix: string) => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const full = path.join(d, name);
      const key = prefix ? `${prefix}/${name}` : name;
      if (isDir(full)) walk(full, key);
      else out.push({ key, file: full });
    }
  };
  walk(dir, '');
  return out;
}

function readKeyValues(dir: string): KeyValue[] {
  return readKeyFiles(dir).map(({ key, file }) => ({ key, value: readFileSync(file, 'utf8') }));
}

function parseMetricValue(s: string): number {
  const t = s.toLowerCase();
  if (t === 'inf' || t === 'infinity' || t === '+inf') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan') return NaN;
  return Number(s);
}

/** Points of one metric file in file order. Old files have no step column (step 0). */
function readMetricFile(file: string, key: string): Metric[] {
  const out: Metric[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    const parts = line.trim().split(/\s+/);
    if (parts.length === 1 && parts[0] === '') return;
    if (parts.length < 2 || parts.length > 3) {
      throw new MlflowError('INTERNAL_ERROR', `${file} line ${i + 1}: expected 'timestamp value [step]', got '${line}'. The metric file may be damaged.`);
    }
    out.push({ key, value: parseMetricValue(parts[1] as string), timestamp: Number(parts[0]), step: readStep(parts[2]) });
  });
  return out;
}

/** The latest point: greatest (step, timestamp, value), as MLflow's file store picks it. */
function latestOf(points: Metric[]): Metric | undefined {
  let best: Metric | undefined;
  for (const p of points) {
    if (
      !best ||
      p.step > best.step ||
      (p.step === best.step && (p.timestamp > best.timestamp || (p.timestamp === best.timestamp && p.value > best.value)))
    ) {
      best = p;
    }
  }
  return best;
}

export class FileTrackingStore implements TrackingStore {
  readonly kind = 'file' as const;
  readonly readOnly = true;
  readonly uri: string;
  /** Absolute path of the mlruns/ folder. */
  readonly root: string;
  private runDirs = new Map<string, string>();

  constructor(root: string, uri?: string) {
    this.root = path.resolve(root);
    if (!isDir(this.root)) {
      throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No mlruns/ folder at ${this.root}. Point the store at a folder that holds MLflow's <experiment id>/meta.yaml files.`);
    }
    this.uri = uri ?? pathToFileURL(this.root).href;
  }

  private refuse(what: string): never {
    throw new MlflowError(
      'PERMISSION_DENIED',
      `${what}: the file store ${this.root} is read-only (legacy mlruns/ folders are browsed, never written). Log to a SQLite store (sqlite:///...) or a tracking server instead.`,
    );
  }

  private experimentEntries(): ExperimentEntry[] {
    const out: ExperimentEntry[] = [];
    const scan = (base: string, deleted: boolean) => {
      let names: string[];
      try {
        names = readdirSync(base);
      } catch {
        return;
      }
      for (const name of names) {
        if (name.startsWith('.')) continue;
        const dir = path.join(base, name);
        if (!existsSync(path.join(dir, 'meta.yaml'))) continue;
        out.push({ dir, experiment: this.readExperiment(dir, name, deleted) });
      }
    };
    scan(this.root, false);
    scan(path.join(this.root, '.trash'), true);
    return out;
  }

  private readExperiment(dir: string, folderName: string, inTrash: boolean): Experiment {
    const meta = readYaml(path.join(dir, 'meta.yaml'));
    const stage = str(meta.lifecycle_stage) || (inTrash ? 'deleted' : 'active');
    const e: Experiment = {
      experiment_id: str(meta.experiment_id) || folderName,
      name: str(meta.name),
      artifact_location: str(meta.artifact_location),
      lifecycle_stage: stage === 'deleted' ? 'deleted' : 'active',
    };
    const lut = num(meta.last_update_time);
    const ct = num(meta.creation_time);
    if (lut !== undefined) e.last_update_time = lut;
    if (ct !== undefined) e.creation_time = ct;
    const tags = readKeyValues(path.join(dir, 'tags'));
    if (tags.length > 0) e.tags = tags;
    return e;
  }

  private experimentEntry(experimentId: string): ExperimentEntry {
    const e = this.experimentEntries().find((x) => x.experiment.experiment_id === String(experimentId));
    if (!e) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with ID ${experimentId}`);
    return e;
  }

  private runFolders(expDir: string): string[] {
    let names: string[];
    try {
      names = readdirSync(expDir);
    } catch {
      return [];
    }
    return names
      .filter((n) => !n.startsWith('.') && !RESERVED_EXPERIMENT_FOLDERS.has(n))
      .map((n) => path.join(expDir, n))
      .filter((d) => existsSync(path.join(d, 'meta.yaml')));
  }

  private readRun(runDir: string, experimentDeleted: boolean): Run {
    const meta = readYaml(path.join(runDir, 'meta.yaml'));
    const runId = str(meta.run_id) || str(meta.run_uuid) || path.basename(runDir);
    const statusRaw = meta.status;
    const status: RunStatus =
      typeof statusRaw === 'number' ? (STATUS_BY_NUMBER[statusRaw] ?? 'RUNNING') : STATUSES.includes(str(statusRaw)) ? (str(statusRaw) as RunStatus) : 'RUNNING';
    const tags = readKeyValues(path.join(runDir, 'tags'));
    const params = readKeyValues(path.join(runDir, 'params'));
    const metrics: Metric[] = [];
    for (const { key, file } of readKeyFiles(path.join(runDir, 'metrics'))) {
      const latest = latestOf(readMetricFile(file, key));
      if (latest) metrics.push(latest);
    }
    const stage = experimentDeleted || str(meta.lifecycle_stage) === 'deleted' ? 'deleted' : 'active';
    const endTime = num(meta.end_time);
    const info: RunInfo = {
      run_uuid: runId,
      experiment_id: str(meta.experiment_id),
      run_name: str(meta.run_name) || (tags.find((t) => t.key === 'mlflow.runName')?.value ?? ''),
      user_id: str(meta.user_id),
      status,
      start_time: num(meta.start_time) ?? 0,
      ...(endTime !== undefined ? { end_time: endTime } : {}),
      artifact_uri: str(meta.artifact_uri),
      lifecycle_stage: stage,
      run_id: runId,
    };
    const data: Run['data'] = {};
    if (metrics.length > 0) data.metrics = metrics;
    if (params.length > 0) data.params = params;
    if (tags.length > 0) data.tags = tags;
    return { info, data, inputs: {} };
  }

  private findRunDir(runId: string): { dir: string; experimentDeleted: boolean } {
    const cached = this.runDirs.get(runId);
    if (cached && existsSync(path.join(cached, 'meta.yaml'))) return { dir: cached, experimentDeleted: cached.includes(`${path.sep}.trash${path.sep}`) };
    if (/^[\w-]+$/.test(runId)) {
      for (const e of this.experimentEntries()) {
        const dir = path.join(e.dir, runId);
        if (existsSync(path.join(dir, 'meta.yaml'))) {
          this.runDirs.set(runId, dir);
          return { dir, experimentDeleted: e.experiment.lifecycle_stage === 'deleted' };
        }
      }
    }
    throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Run '${runId}' not found`);
  }

  // -------------------------------------------------------------------------------------------

  async createExperiment(..._args: unknown[]): Promise<string> {
    this.refuse('create experiment');
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return this.experimentEntry(experimentId).experiment;
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    return this.experimentEntries().find((e) => e.experiment.name === name)?.experiment ?? null;
  }

  async searchExperiments(query: SearchExperimentsQuery = {}): Promise<Page<Experiment>> {
    return searchExperimentsInMemory(query, () => this.experimentEntries().map((e) => e.experiment), (e) => e);
  }

  async deleteExperiment(..._args: unknown[]): Promise<void> {
    this.refuse('delete experiment');
  }

  async restoreExperiment(..._args: unknown[]): Promise<void> {
    this.refuse('restore experiment');
  }

  async renameExperiment(..._args: unknown[]): Promise<void> {
    this.refuse('rename experiment');
  }

  async setExperimentTag(..._args: unknown[]): Promise<void> {
    this.refuse('set experiment tag');
  }

  async createRun(..._args: unknown[]): Promise<Run> {
    this.refuse('create run');
  }

  async getRun(runId: string): Promise<Run> {
    const { dir, experimentDeleted } = this.findRunDir(runId);
    return this.readRun(dir, experimentDeleted);
  }

  async updateRun(..._args: unknown[]): Promise<RunInfo> {
    this.refuse('update run');
  }

  async deleteRun(..._args: unknown[]): Promise<void> {
    this.refuse('delete run');
  }

  async restoreRun(..._args: unknown[]): Promise<void> {
    this.refuse('restore run');
  }

  async searchRuns(query: SearchRunsQuery): Promise<Page<Run>> {
    const wanted = new Set((query.experimentIds ?? []).map(String));
    const readRuns = (): Run[] => {
      const runs: Run[] = [];
      for (const e of this.experimentEntries()) {
        if (!wanted.has(e.experiment.experiment_id)) continue;
        const deleted = e.experiment.lifecycle_stage === 'deleted';
        for (const dir of this.runFolders(e.dir)) {
          const run = this.readRun(dir, deleted);
          this.runDirs.set(run.info.run_id, dir);
          runs.push(run);
        }
      }
      return runs;
    };
    return searchRunsInMemory(query, readRuns, (r) => r);
  }

  async logBatch(..._args: unknown[]): Promise<void> {
    this.refuse('log batch');
  }

  async logMetric(..._args: unknown[]): Promise<void> {
    this.refuse('log metric');
  }

  async logParam(..._args: unknown[]): Promise<void> {
    this.refuse('log param');
  }

  async setTag(..._args: unknown[]): Promise<void> {
    this.refuse('set tag');
  }

  async deleteTag(..._args: unknown[]): Promise<void> {
    this.refuse('delete tag');
  }

  async getMetricHistory(runId: string, key: string, opts: { maxResults?: number; pageToken?: string } = {}): Promise<Page<Metric>> {
    const { dir } = this.findRunDir(runId);
    const offset = decodePageToken(opts.pageToken);
    const file = path.join(dir, 'metrics', ...key.split('/'));
    const points = key.split('/').includes('..') || !existsSync(file) || isDir(file) ? [] : readMetricFile(file, key);
    if (opts.maxResults === undefined) return { items: points.slice(offset) };
    return pageOf(points, offset, validateMaxResults(opts.maxResults, undefined, Number.MAX_SAFE_INTEGER));
  }

  /** Min, max and count over every metric file of these runs (runViews/metricSummaries.ts). */
  async metricSummaries(runIds: readonly string[]): Promise<MetricSummary[]> {
    const out: MetricSummary[] = [];
    for (const runId of new Set(runIds)) {
      const { dir } = this.findRunDir(runId);
      for (const { key, file } of readKeyFiles(path.join(dir, 'metrics'))) out.push(summarizePoints(runId, key, readMetricFile(file, key).map((m) => m.value)));
    }
    return out;
  }

  async close(): Promise<void> {
    this.runDirs.clear();
  }
}

/** True when `dir` looks like an mlruns/ folder: some `<id>/meta.yaml` inside. */
export function looksLikeMlruns(dir: string): boolean {
  if (!isDir(dir)) return false;
  try {
    return readdirSync(dir).some((n) => !n.startsWith('.') && existsSync(path.join(dir, n, 'meta.yaml')));
  } catch {
    return false;
  }
}

export function openFileStore(root: string, uri?: string): FileTrackingStore {
  return new FileTrackingStore(root, uri);
}
