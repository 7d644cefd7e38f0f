// MLflow's tracking model, in the JSON shapes of the REST API 2.0 (snake_case, ids as strings,
// times in epoch ms). The SQLite, REST and file stores all speak these, so the embedded endpoint
// is a thin HTTP layer and nothing is translated twice.

export interface KeyValue {
  key: string;
  value: string;
}

/** An int64 metric step: a number while it is a safe integer, a bigint beyond that (MLflow steps
 * are int64, and a double cannot hold 2^53+1). One value has one form, so === compares them. */
export type Step = number | bigint;

/** The one form of an integer step: a number when it is safe, else a bigint. */
export function normalStep(v: number | bigint): Step {
  if (typeof v === 'number') return v;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** A step read back from storage or the wire (number, bigint or decimal text), in its one form. */
export function readStep(v: unknown): Step {
  if (typeof v === 'bigint') return normalStep(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return normalStep(BigInt(v));
  return Number(v ?? 0);
}

/** Orders steps of either form (a - b would throw on a bigint and a number). */
export function compareSteps(a: Step, b: Step): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface Metric {
  key: string;
  value: number; // NaN and ±Infinity allowed
  timestamp: number;
  step: Step;
}

export type LifecycleStage = 'active' | 'deleted';
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  last_update_time?: number;
  creation_time?: number;
  tags?: KeyValue[];
}

export interface RunInfo {
  run_id: string;
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: RunStatus;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: LifecycleStage;
}

export interface Run {
  info: RunInfo;
  data: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] };
  inputs?: Record<string, unknown>;
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export interface SearchRunsQuery {
  experimentIds: string[];
  filter?: string;
  runViewType?: ViewType;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

export interface SearchExperimentsQuery {
  filter?: string;
  viewType?: ViewType;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
}

/** One store interface, three implementations: SQLite (MLflow's schema), REST (any MLflow
 * server, Azure ML), and legacy `mlruns/` folders (read-only); plus the read-only offline mirror
 * of an Azure ML workspace ('mirror'). */
export interface TrackingStore {
  readonly kind: 'sqlite' | 'rest' | 'file' | 'mirror';
  /** The URI this store was opened from (sqlite:///..., https://..., file:///...). */
  readonly uri: string;
  readonly readOnly: boolean;

  createExperiment(name: string, artifactLocation?: string, tags?: KeyValue[]): Promise<string>;
  getExperiment(experimentId: string): Promise<Experiment>;
  /** Resolves null when no experiment has that name. */
  getExperimentByName(name: string): Promise<Experiment | null>;
  searchExperiments(query?: SearchExperimentsQuery): Promise<Page<Experiment>>;
  deleteExperiment(experimentId: string): Promise<void>;
  restoreExperiment(experimentId: string): Promise<void>;
  renameExperiment(experimentId: string, newName: string): Promise<void>;
  setExperimentTag(experimentId: string, key: string, value: string): Promise<void>;

  createRun(req: { experimentId: string; userId?: string; startTime?: number; tags?: KeyValue[]; runName?: string }): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  updateRun(runId: string, req: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo>;
  deleteRun(runId: string): Promise<void>;
  restoreRun(runId: string): Promise<void>;
  searchRuns(query: SearchRunsQuery): Promise<Page<Run>>;

  logBatch(runId: string, batch: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] }): Promise<void>;
  logMetric(runId: string, metric: Metric): Promise<void>;
  logParam(runId: string, param: KeyValue): Promise<void>;
  setTag(runId: string, tag: KeyValue): Promise<void>;
  deleteTag(runId: string, key: string): Promise<void>;
  getMetricHistory(runId: string, key: string, opts?: { maxResults?: number; pageToken?: string }): Promise<Page<Metric>>;

  close(): Promise<void>;
}

/** MLflow's error codes as the REST API returns them; the HTTP status follows MLflow's mapping. */
export type MlflowErrorCode =
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'INVALID_PARAMETER_VALUE'
  | 'INVALID_STATE'
  | 'BAD_REQUEST'
  | 'ENDPOINT_NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'UNAUTHENTICATED'
  | 'INTERNAL_ERROR'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'REQUEST_LIMIT_EXCEEDED';

const STATUS: Record<MlflowErrorCode, number> = {
  RESOURCE_DOES_NOT_EXIST: 404,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_PARAMETER_VALUE: 400,
  INVALID_STATE: 400,
  BAD_REQUEST: 400,
  ENDPOINT_NOT_FOUND: 404,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503,
  REQUEST_LIMIT_EXCEEDED: 429,
};

export class MlflowError extends Error {
  readonly httpStatus: number;
  constructor(
    readonly errorCode: MlflowErrorCode,
    message: string,
    httpStatus?: number,
  ) {
    super(message);
    this.name = 'MlflowError';
    this.httpStatus = httpStatus ?? STATUS[errorCode];
  }
}

/** A store that cannot be reached (network refused, timed out, 5xx after retries). The outbox
 * catches exactly this and queues the write. */
export class StoreUnavailableError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}
