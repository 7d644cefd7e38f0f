// The study storage contract the runner, the CLI and the app depend on, on Optuna's RDB schema:
// StudyStorage (synchronous: SQLite, optunaSqliteStorage.ts) and AsyncStudyStorage (the same
// methods as promises: a database server, optunaPostgresStorage.ts). Every method that changes
// state has committed before it returns (before its promise resolves).
import type { Direction, Distribution, FinishedState, FrozenTrial, ParamValue, TrialState } from '../search/types.ts';
import type { ColumnsSince, IntermediateColumnsRead, ParamScan, StudyColumns } from './studyColumnsSql.ts';

/** What a new trial starts with (createTrial). */
export interface CreateTrialOptions {
  state?: 'RUNNING' | 'WAITING';
  params?: Record<string, { value: ParamValue; distribution: Distribution }>;
  systemAttrs?: Record<string, unknown>;
  userAttrs?: Record<string, unknown>;
}

export interface StudyInfo {
  studyId: number;
  name: string;
  directions: Direction[];
  userAttrs: Record<string, unknown>;
  systemAttrs: Record<string, unknown>;
}

export interface StudySummary extends StudyInfo {
  counts: Record<TrialState, number>;
  best: { number: number; value: number } | null;
}

export interface NewTrial {
  trialId: number;
  number: number;
}

export interface StudyStorage {
  readonly path: string;
  listStudies(): StudySummary[];
  getStudy(name: string): StudyInfo | undefined;
  /** Throws StudyError('STUDY_EXISTS') when the name is taken. */
  createStudy(name: string, directions: Direction[]): StudyInfo;
  setStudyUserAttr(studyId: number, key: string, value: unknown): void;
  setStudySystemAttr(studyId: number, key: string, value: unknown): void;

  /** Creates a trial (RUNNING by default) and assigns the next number atomically. Params given here
   * are written in the same transaction. */
  createTrial(studyId: number, opts?: CreateTrialOptions): NewTrial;
  /** Atomically takes the oldest WAITING trial and makes it RUNNING, or returns null. */
  popWaitingTrial(studyId: number): NewTrial | null;
  setTrialParam(trialId: number, name: string, value: ParamValue, distribution: Distribution): void;
  /** Re-reporting a step overwrites it; NaN and ±inf are stored as Optuna does. */
  reportIntermediate(trialId: number, step: number, value: number): void;
  /** Finishes a RUNNING trial. Throws StudyError('TRIAL_FINISHED') when it is already finished.
   * A multi-objective study's COMPLETE takes one value per objective (objective order).
   * `steps`: intermediate values not stored yet, written in the same transaction first (as
   * reportIntermediate would; a later one of the same step wins). */
  finishTrial(trialId: number, state: FinishedState, value?: number | readonly number[] | null, steps?: ReadonlyArray<readonly [number, number]>): void;
  setTrialUserAttr(trialId: number, key: string, value: unknown): void;
  /** A user attr that links elsewhere (e.g. the trial's MLflow run, whose id can change once an
   * offline-made run reaches the server): allowed on finished trials too, as it is not a result. */
  setTrialLinkAttr(trialId: number, key: string, value: unknown): void;
  setTrialSystemAttr(trialId: number, key: string, value: unknown): void;
  /** Upserts trial_heartbeats for a RUNNING trial. */
  heartbeat(trialId: number): void;
  /** RUNNING trials whose heartbeat is older than staleSeconds become FAIL (Optuna's rule; a trial
   * with no heartbeat at all is running elsewhere and left alone). Returns the trials so failed (as
   * they are after the change). */
  failStaleTrials(studyId: number, staleSeconds: number): FrozenTrial[];
  /** RUNNING trials with no heartbeat: a worker that sends none (Python Optuna's default) runs them,
   * or ran them and died. Nobody can tell which, so only the user fails them (failTrial). */
  runningElsewhere(studyId: number): FrozenTrial[];
  /** Fails an unfinished trial of the study on purpose, with system attr fail_reason. Throws
   * StudyError TRIAL_NOT_FOUND / TRIAL_FINISHED. Returns the trial as it is now. */
  failTrial(studyId: number, number: number, reason: string): FrozenTrial;

  getTrials(studyId: number, states?: readonly TrialState[]): FrozenTrial[];
  getTrial(trialId: number): FrozenTrial;
  getBestTrial(studyId: number): FrozenTrial | null;
  /** Optional (added for the sweep runner's trial-slot claim): runs fn inside one IMMEDIATE write
   * transaction on this storage's connection; the storage's own methods called inside join it (as
   * savepoints). Lets a caller check a budget and create a trial atomically across processes. */
  runInWriteTransaction?<T>(fn: () => T): T;
  /** Optional: the study's trial counts by state, without reading the trials. */
  countTrials?(studyId: number): Record<TrialState, number>;
  /** Optional (SQLite): finishTrial, committed when it returns (a kill of this process cannot lose
   * it), with a promise that resolves once the finish is on disk as finishTrial's is (a power loss
   * cannot lose it either). For a runner with work to do meanwhile. */
  finishTrialFlushLater?(trialId: number, state: FinishedState, value?: number | readonly number[] | null, steps?: ReadonlyArray<readonly [number, number]>): Promise<void>;
  /** Optional (SQLite): the study's trials column by column, read without building trials (views of
   * every trial: the app's trials table and charts). See studyColumnsSql.ts. */
  readColumns?(studyId: number, since: ColumnsSince, systemKeys: readonly string[], scanned?: () => ParamScan | null): StudyColumns;
  /** Optional (SQLite): the intermediate values of the trials readColumns gives, flat. */
  readIntermediateColumns?(studyId: number, since: ColumnsSince): IntermediateColumnsRead;
  /** Optional (SQLite): one trial by its number, without reading the study's other trials. */
  getTrialByNumber?(studyId: number, number: number): FrozenTrial | undefined;
  /** Optional (SQLite): each param with its first recorded distribution, without reading trials. */
  paramDistributions?(studyId: number): Array<[string, Distribution]>;
  /** Runner sessions switch the file to WAL; close() returns it to rollback-journal mode. */
  close(): void;
}

/** The optional column reads only a local file's storage offers. */
type SqliteOnly = 'readColumns' | 'readIntermediateColumns' | 'paramDistributions' | 'getTrialByNumber';

/** StudyStorage's methods, each returning a promise of its result. */
type Promised<F> = F extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never;

/** The same contract for a storage behind a server. `path` is the study URL without its password. */
export type AsyncStudyStorage = { readonly path: string } & {
  [K in Exclude<keyof StudyStorage, 'path' | 'runInWriteTransaction' | 'countTrials' | 'finishTrialFlushLater' | SqliteOnly>]: Promised<StudyStorage[K]>;
} & {
  countTrials(studyId: number): Promise<Record<TrialState, number>>;
  /** Optional: see StudyStorage.finishTrialFlushLater; resolves once committed, with `onDisk`. */
  finishTrialFlushLater?(trialId: number, state: FinishedState, value?: number | readonly number[] | null, steps?: ReadonlyArray<readonly [number, number]>): Promise<{ onDisk: Promise<void> }>;
};

export type StudyErrorCode =
  | 'NOT_FOUND' // the file does not exist
  | 'NOT_SQLITE' // not an SQLite database, or truncated / corrupt
  | 'NOT_OPTUNA' // SQLite, but not an Optuna study file
  | 'UNKNOWN_REVISION' // alembic revision we do not know
  | 'STUDY_NOT_FOUND'
  | 'STUDY_EXISTS'
  | 'TRIAL_NOT_FOUND'
  | 'TRIAL_FINISHED'
  | 'INCOMPATIBLE_DISTRIBUTION'
  | 'BAD_VALUE' // a stored row we cannot decode (distribution_json, value_json), or a value we cannot store
  | 'READ_ONLY' // a write on a storage opened read-only
  | 'NEEDS_RECOVERY' // a crashed writer left a hot journal; only a read-write open can roll it back
  | 'CORRUPT' // the file fails SQLite's integrity check: it is never written
  | 'LOCKED' // another process holds the file's lock for longer than the busy timeout
  | 'READ_ONLY_FILE' // the file, or the folder SQLite needs for its journal, cannot be written
  | 'BAD_URL' // a study URL we cannot use (scheme, host, database name)
  | 'AUTH_FAILED' // the database server refused the user or password
  | 'UNREACHABLE' // no database server answers at the URL's host and port
  | 'DATABASE_NOT_FOUND' // the server has no database of the URL's name
  | 'TLS_FAILED' // the server's certificate failed the URL's sslmode check, or TLS could not start
  | 'COMMIT_UNKNOWN'; // the connection died during COMMIT and the server can no longer say whether it committed

export class StudyError extends Error {
  constructor(
    readonly code: StudyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StudyError';
  }
}
