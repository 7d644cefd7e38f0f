// One bounded connection pool per database URL and process, shared by every storage opened on it
// (Optuna opens one pool per study object, and leaked connections exhaust servers: optuna#1347).
// Connection failures become StudyErrors naming the URL without its password and what to do.
import pg from 'pg';
import { StudyError } from './types.ts';
import type { StudyUrl } from './studyUrl.ts';

export const DEFAULT_POOL_SIZE = 4;

interface Shared {
  pool: pg.Pool;
  users: number;
}
const pools = new Map<string, Shared>();

/** Takes a share of the URL's pool (created on first use, with at most poolSize connections). */
export function acquirePool(url: StudyUrl, poolSize = DEFAULT_POOL_SIZE): pg.Pool {
  const key = `${poolSize}\u0000${url.connectionString}`;
  let s = pools.get(key);
  if (!s) {
    const pool = new pg.Pool({
      connectionString: url.connectionString,
      max: Math.max(1, Math.trunc(poolSize)),
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 15_000,
      application_name: 'sweepdeck',
      // A process with only idle connections left may exit (a CLI run that is done).
      allowExitOnIdle: true,
    });
    // Without a listener an idle connection's error (a server restart) would crash the process. The
    // pool has already dropped that connection; the next query opens a new one, or reports the
    // failure to its caller as a StudyError, so nothing is lost by not handling it here.
    pool.on('error', () => undefined);
    // The same for a connection that is checked out but between statements when the server goes
    // (pg emits 'error' on it, which nobody else listens to then): its next statement fails with a
    // connection error, which the storage's reconnect handles; the statement running at that
    // moment, if any, gets the error itself.
    pool.on('connect', (client) => client.on('error', () => undefined));
    s = { pool, users: 0 };
    pools.set(key, s);
  }
  s.users++;
  return s.pool;
}

/** Gives the share back; the last user ends the pool. */
export async function releasePool(pool: pg.Pool): Promise<void> {
  for (const [key, s] of pools) {
    if (s.pool !== pool) continue;
    if (--s.users <= 0) {
      pools.delete(key);
      await pool.end();
    }
    return;
  }
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE']);

/** Never lets a password through, whatever a library put in a message. */
function scrub(text: string, url: StudyUrl): string {
  let out = text;
  try {
    const pw = decodeURIComponent(new URL(url.connectionString).password);
    if (pw) out = out.split(pw).join('***');
  } catch {
    // No parseable password: nothing to scrub beyond what env and .pgpass hold, which pg never echoes.
  }
  return out;
}

/** Translates a connection or query error into a StudyError (or returns it unchanged if it is one). */
export function asPostgresError(url: StudyUrl, e: unknown): Error {
  if (e instanceof StudyError) return e;
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  const message = scrub(typeof err.message === 'string' ? err.message : String(e), url);
  const at = url.redacted;
  const who = url.user ? `user '${url.user}'` : 'the default user';
  if (code === '28P01' || code === '28000') {
    return new StudyError(
      'AUTH_FAILED',
      `${at}: the server refused ${who} (${message}). Check the user and password: in the URL, PGPASSWORD, or ~/.pgpass. Nothing was changed.`,
    );
  }
  if (/client password must be a string|SASL|password authentication/i.test(message)) {
    return new StudyError(
      'AUTH_FAILED',
      `${at}: the server asks ${who} for a password and none was given. Set PGPASSWORD, add a line to ~/.pgpass (host:port:database:user:password), or put it in the URL. Nothing was changed.`,
    );
  }
  if (code === '3D000') {
    return new StudyError('DATABASE_NOT_FOUND', `${at}: the server has no database '${url.database}'. Create it (createdb ${url.database}) or fix the database name in the URL. Nothing was changed.`);
  }
  if (UNREACHABLE_CODES.has(code) || /timeout|terminated unexpectedly|Connection terminated/i.test(message)) {
    return new StudyError(
      'UNREACHABLE',
      `${at}: no PostgreSQL server answers at ${url.host}:${url.port} (${code || message}). Check the host and port, that the server runs and accepts TCP connections from this machine (listen_addresses, pg_hba.conf, firewall). Nothing was changed.`,
    );
  }
  const out = new Error(`${at}: ${message}`);
  if (code) (out as Error & { code?: string }).code = code;
  return out;
}
