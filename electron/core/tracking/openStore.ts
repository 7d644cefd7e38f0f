// One entry point from a tracking URI to a TrackingStore:
//   sqlite:///relative.db, sqlite:////abs/path.db (SQLAlchemy's rule: the path is what follows
//   `sqlite:///`), or a plain `*.db` / `*.sqlite` path        -> SQLite store (MLflow's schema)
//   file:///abs/mlruns, or a folder that is or holds `mlruns/` -> file store (read-only)
//   http(s)://host[/prefix], azureml://...                     -> REST store
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hasUrlCredentials, URL_CREDENTIALS_ADVICE } from '../../../shared/urlCredentials.ts';
import { looksLikeMlruns, openFileStore } from './fileStore.ts';
import { createRestStore, restBase, type RestStoreOptions } from './restStore.ts';
import { openSqliteStore } from './sqliteStore/sqliteStore.ts';
import type { TrackingStore } from './types.ts';
import { MlflowError } from './types.ts';

export interface OpenStoreOptions {
  /** SQLite: create the database at MLflow head 0584bdc529eb when missing. */
  create?: boolean;
  /** Open without writing (SQLite read-only; the file store is always read-only). */
  readOnly?: boolean;
  /** SQLite: root of new experiments' artifact locations (default `<db folder>/mlartifacts`). */
  artifactRoot?: string;
  /** SQLite: how long to wait for another process's lock (default the store's 20 s). */
  busyTimeoutMs?: number;
  /** REST: bearer token, or a function giving a fresh one per request. */
  token?: string | (() => Promise<string> | string);
  /** REST: passed through untouched. */
  [option: string]: unknown;
}

/** Where a URI leads, without opening anything. */
export type StoreLocation =
  | { kind: 'sqlite'; file: string; uri: string }
  | { kind: 'file'; root: string; uri: string }
  | { kind: 'rest'; uri: string };

const SQLITE_EXT = /\.(db|sqlite|sqlite3)$/i;

export function resolveStoreUri(uri: string, cwd: string = process.cwd()): StoreLocation {
  const u = uri.trim();
  if (u === '') throw new MlflowError('INVALID_PARAMETER_VALUE', 'Empty tracking URI. Give sqlite:///path/to/mlflow.db, a mlruns/ folder, or an http(s):// server.');
  if (/^sqlite:\/\//i.test(u)) {
    if (!/^sqlite:\/\/\//i.test(u)) {
      throw new MlflowError('INVALID_PARAMETER_VALUE', `Unsupported SQLite URI '${uri}': use sqlite:///relative/path.db or sqlite:////absolute/path.db (three slashes, then the path).`);
    }
    const p = decodeURIComponent(u.slice('sqlite:///'.length).replace(/\?.*$/, ''));
    if (p === '' || p === ':memory:') throw new MlflowError('INVALID_PARAMETER_VALUE', `SQLite URI '${uri}' names no file; the tracking store must be a file on disk.`);
    const file = path.resolve(cwd, p);
    return { kind: 'sqlite', file, uri: `sqlite:///${file}` };
  }
  if (/^https?:\/\//i.test(u)) {
    // Refused before anything prints or stores the URL with its password.
    if (hasUrlCredentials(u)) throw new MlflowError('INVALID_PARAMETER_VALUE', `tracking URI: ${URL_CREDENTIALS_ADVICE}`);
    return { kind: 'rest', uri: u.replace(/\/+$/, '') };
  }
  if (/^azureml:\/\//i.test(u)) {
    try {
      return { kind: 'rest', uri: restBase(u) };
    } catch (err) {
      throw new MlflowError('INVALID_PARAMETER_VALUE', (err as Error).message);
    }
  }
  let p: string;
  if (/^file:/i.test(u)) {
    try {
      p = /^file:\/\//i.test(u) ? fileURLToPath(u) : path.resolve(cwd, u.slice('file:'.length));
    } catch (err) {
      throw new MlflowError('INVALID_PARAMETER_VALUE', `Bad file URI '${uri}': ${(err as Error).message}`);
    }
  } else if (/^[a-z][a-z0-9+.-]+:\/\//i.test(u)) {
    throw new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `Unsupported tracking URI scheme in '${uri}'. Use sqlite:///path/to/mlflow.db, file:///path/to/mlruns, a folder, or http(s)://host.`,
    );
  } else {
    p = path.resolve(cwd, u);
  }
  if (SQLITE_EXT.test(p) && !(existsSync(p) && statSync(p).isDirectory())) return { kind: 'sqlite', file: p, uri: `sqlite:///${p}` };
  if (looksLikeMlruns(p)) return { kind: 'file', root: p, uri: pathToFileURL(p).href };
  const inner = path.join(p, 'mlruns');
  if (looksLikeMlruns(inner)) return { kind: 'file', root: inner, uri: pathToFileURL(inner).href };
  if (existsSync(p) && statSync(p).isFile()) return { kind: 'sqlite', file: p, uri: `sqlite:///${p}` };
  throw new MlflowError(
    'RESOURCE_DOES_NOT_EXIST',
    `No tracking store at '${uri}' (${p}): it is neither a SQLite file (*.db) nor a folder holding MLflow's mlruns/ layout (<experiment id>/meta.yaml).`,
  );
}


/** Opens the store a tracking URI names. See the file comment for the accepted forms. */
export async function openTrackingStore(uri: string, opts: OpenStoreOptions = {}): Promise<TrackingStore> {
  const loc = resolveStoreUri(uri);
  if (loc.kind === 'sqlite') {
    return openSqliteStore(loc.file, { create: opts.create, readOnly: opts.readOnly, artifactRoot: opts.artifactRoot, uri: loc.uri, ...(opts.busyTimeoutMs !== undefined ? { busyTimeoutMs: opts.busyTimeoutMs } : {}) });
  }
  if (loc.kind === 'file') return openFileStore(loc.root, loc.uri);
  // A static import: the Electron main bundle must contain the REST store (a variable import()
  // specifier is left out by the bundler, and remote/Azure stores then fail to open in the app).
  const { token, ...rest } = opts;
  const tokenOpt = typeof token === 'function' ? { token: async () => await token() } : token !== undefined ? { token } : {};
  return createRestStore(loc.uri, { ...(rest as RestStoreOptions), ...tokenOpt });
}
