// Optuna's schema gate. Optuna compares alembic_version with its own head and refuses any other
// revision, so we must keep whatever revision a file has and only accept the ones whose layout we
// write correctly.
import type Database from 'better-sqlite3';
import { StudyError } from './types.ts';

export const KNOWN_REVISIONS = {
  'v3.0.0.d': 'Optuna 3.0-3.1',
  'v3.2.0.a': 'Optuna 3.2-5.0',
} as const;
export type KnownRevision = keyof typeof KNOWN_REVISIONS;

/** Optuna's earlier revisions (alembic/versions); files at these need `optuna storage upgrade`. */
const OLDER_REVISIONS = new Set(['v0.9.0.a', 'v1.2.0.a', 'v1.3.0.a', 'v2.4.0.a', 'v2.6.0.a', 'v3.0.0.a', 'v3.0.0.b', 'v3.0.0.c']);

/** version_info.schema_version is frozen at 12 since alembic took over schema management. */
export const FROZEN_SCHEMA_VERSION = 12;

/** 'unstamped': alembic_version is empty and version_info says 12; the next Optuna to open it stamps
 * its own head, so every Optuna 3.0-5.0 can open it. */
export type Revision = KnownRevision | 'unstamped';

const knownList = (): string =>
  Object.entries(KNOWN_REVISIONS)
    .map(([r, who]) => `${r} (${who})`)
    .join(' and ');

export function isKnownRevision(r: string): r is KnownRevision {
  return Object.prototype.hasOwnProperty.call(KNOWN_REVISIONS, r);
}

/** How messages name the place: an SQLite file or a database at a URL. */
export interface RevisionPlace {
  /** The file path, or the URL without its password. */
  place: string;
  /** 'file' or 'database'. */
  noun: 'file' | 'database';
  /** The storage URL Optuna's upgrade command takes. */
  storageUrl: string;
}

/** Checks the revision markers (alembic_version's rows, version_info's row); throws
 * StudyError('UNKNOWN_REVISION') for anything but a known or unstamped schema. */
export function judgeRevision(at: RevisionPlace, versionNums: readonly unknown[], vi: { schema_version: unknown } | undefined): Revision {
  const { place, noun } = at;
  const what = noun === 'file' ? 'study file' : 'database';
  if (versionNums.length > 1) {
    throw new StudyError(
      'UNKNOWN_REVISION',
      `${place}: alembic_version holds ${versionNums.length} revisions (${versionNums.map(String).join(', ')}); an Optuna ${what} holds one. Sweepdeck opens ${noun}s at ${knownList()}.`,
    );
  }
  if (versionNums.length === 1) {
    const rev = String(versionNums[0]);
    if (isKnownRevision(rev)) return rev;
    throw new StudyError(
      'UNKNOWN_REVISION',
      `${place}: the ${what} is at Optuna schema revision '${rev}' (table alembic_version), which Sweepdeck does not know. ` +
        `It opens ${noun}s at ${knownList()}. ` +
        (OLDER_REVISIONS.has(rev)
          ? `This ${noun} comes from an older Optuna: upgrade ${noun === 'file' ? 'a copy' : 'it (after a backup)'} with \`optuna storage upgrade --storage ${at.storageUrl}\` (one-way).`
          : `A newer Optuna may have written it; update Sweepdeck, or use a ${noun} from Optuna 3.0-5.0.`) +
        ` The ${noun} was not changed.`,
    );
  }
  if (vi && Number(vi.schema_version) === FROZEN_SCHEMA_VERSION) return 'unstamped';
  throw new StudyError(
    'UNKNOWN_REVISION',
    `${place}: alembic_version is empty and version_info ${vi ? `has schema_version ${String(vi.schema_version)}` : 'has no row'}, ` +
      `so this is not a schema any Optuna 3.0-5.0 opens (expected revision ${knownList()}, or an empty alembic_version with schema_version ${FROZEN_SCHEMA_VERSION}). The ${noun} was not changed.`,
  );
}

/** Reads and checks the revision markers of an SQLite study file. */
export function readRevision(db: Database.Database, file: string): Revision {
  const rows = db.prepare('SELECT version_num FROM alembic_version').all() as Array<{ version_num: unknown }>;
  const vi = db.prepare('SELECT schema_version, library_version FROM version_info WHERE version_info_id = 1').get() as { schema_version: unknown } | undefined;
  return judgeRevision({ place: file, noun: 'file', storageUrl: 'sqlite:///<file>' }, rows.map((r) => r.version_num), vi);
}
