// What the engine and the runner hold of a study: its storage (the async contract, whichever
// backend) and the backend's atomic trial claim. A study file opens the Optuna SQLite storage; a
// `postgresql://` study URL opens the PostgreSQL one. Backends are imported only when used.
import { isStudyUrl } from '../studies/studyUrl.ts';
import type { AsyncStudyStorage, StudyStorage } from '../studies/types.ts';
import type { OptunaPostgresStorage } from '../studies/optunaPostgresStorage.ts';
import { promisedStorage } from '../studies/promisedStorage.ts';
import { withAtomicClaims } from './atomicClaims.ts';
import { postgresClaimer, sqliteClaimer, type TrialClaimer } from './trialClaims.ts';

export interface SweepStore {
  readonly storage: AsyncStudyStorage;
  readonly claims: TrialClaimer;
  /** True for a database server shared by processes on many machines (a study URL). */
  readonly shared: boolean;
  /** Writes a study system attr unless one exists under the key; true when this call wrote it. */
  insertStudySystemAttr(studyId: number, key: string, value: unknown): Promise<boolean>;
  /** Removes a study system attr (a study file, which has no delete, stores null: "none"). */
  clearStudySystemAttr(studyId: number, key: string): Promise<void>;
}

/** A synchronous (SQLite) storage, with its claims made atomic. */
export function sqliteSweepStore(storage: StudyStorage): SweepStore {
  const s = withAtomicClaims(storage);
  const insertNow = (studyId: number, key: string, value: unknown): boolean => {
    const study = s.listStudies().find((x) => x.studyId === studyId);
    if (!study || (key in study.systemAttrs && study.systemAttrs[key] !== null)) return false;
    s.setStudySystemAttr(studyId, key, value);
    return true;
  };
  return {
    storage: promisedStorage(s),
    claims: sqliteClaimer(s),
    shared: false,
    insertStudySystemAttr: async (studyId, key, value) => (s.runInWriteTransaction ? s.runInWriteTransaction(() => insertNow(studyId, key, value)) : insertNow(studyId, key, value)),
    clearStudySystemAttr: async (studyId, key) => s.setStudySystemAttr(studyId, key, null),
  };
}

export function postgresSweepStore(storage: OptunaPostgresStorage): SweepStore {
  return {
    storage,
    claims: postgresClaimer(storage),
    shared: true,
    insertStudySystemAttr: (studyId, key, value) => storage.insertStudySystemAttr(studyId, key, value),
    clearStudySystemAttr: (studyId, key) => storage.deleteStudySystemAttr(studyId, key),
  };
}

export interface OpenSweepStoreOptions {
  create: boolean;
  /** A runner session (SQLite: WAL while open). */
  runner: boolean;
  /** PostgreSQL: connections in this process's pool. */
  poolSize?: number;
}

/** Opens a study file or a study URL for a sweep. */
export async function openSweepStore(location: string, opts: OpenSweepStoreOptions): Promise<SweepStore> {
  if (isStudyUrl(location)) {
    const { openPostgresStudyStorage } = await import('../studies/optunaPostgresStorage.ts');
    return postgresSweepStore(await openPostgresStudyStorage(location, { create: opts.create, ...(opts.poolSize !== undefined ? { poolSize: opts.poolSize } : {}) }));
  }
  const { openStudyStorage } = await import('../studies/optunaSqliteStorage.ts');
  return sqliteSweepStore(openStudyStorage(location, { create: opts.create, runner: opts.runner }));
}
