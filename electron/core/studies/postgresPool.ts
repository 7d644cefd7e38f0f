// One bounded connection pool per database URL and process, shared by every storage opened on it
// (Optuna opens one pool per study object, and leaked connections exhaust servers: optuna#1347).
// Connection failures become StudyErrors naming the URL without its password and what to do.
import pg from 'pg';
import { clientSettings, type ClientSettings } from './postgresClientConfig.ts';
import { isServerWithoutTls, isTlsVerificationError, UNREACHABLE_ERRNO } from './postgresErrors.ts';
import { StudyError } from './types.ts';
import type { StudyUrl } from './studyUrl.ts';

export const DEFAULT_POOL_SIZE = 4;

interface Shared {
  pool: pg.Pool;
  users: number;
  settings: ClientSettings;
}
const pools = new Map<string, Shared>();
const settingsOf = new WeakMap<pg.Pool, ClientSettings>();

/** Takes a share of the URL's pool (created on first use, with at most poolSize connections). */
export function acquirePool(url: StudyUrl, poolSize = DEFAULT_POOL_SIZE): pg.Pool {
  const key = `${poolSize}\u0000${url.connectionString}`;
  let s = pools.get(key);
  if (!s) {
    const settings = clientSettings(url);
    const pool = new pg.Pool({
      ...settings.config,
      max: Math.max(1, Math.trunc(poolSize)),
      idleTimeoutMillis: 30_000,
      // TCP keepalive: a server that vanished without closing (a dead machine, a partition) shows
      // up as a lost connection instead of a query that waits forever.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
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
    s = { pool, users: 0, settings };
    pools.set(key, s);
    settingsOf.set(pool, settings);
  }
  s.users++;
  return s.pool;
}

/**
 * A connection from the pool. Under sslmode=prefer, a server that does not offer TLS gets plain
 * text from then on (libpq's prefer): the pool's settings for new connections switch once.
 */
export async function checkOut(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (e) {
    const settings = settingsOf.get(pool);
    if (settings?.sslmode !== 'prefer' || !isServerWithoutTls(e)) throw e;
    // pg-pool copies its options at construction and builds every new client from that copy.
    (pool as unknown as { options: pg.PoolConfig }).options.ssl = false;
    return pool.connect();
  }
}

/** Where the pool's last password came from (URL, PGPASSWORD, a pgpass line), for messages. */
export function passwordSourceOf(pool: pg.Pool): string | undefined {
  return settingsOf.get(pool)?.passwordSource();
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

/** Never lets a password through, whatever a library put in a message: the URL's, PGPASSWORD's. */
function scrub(text: string, url: StudyUrl): string {
  let out = text;
  const secrets: string[] = [];
  try {
    const u = new URL(url.connectionString);
    secrets.push(decodeURIComponent(u.password), u.searchParams.get('password') ?? '');
  } catch (e) {
    // parseStudyUrl already parsed it; if this one cannot, there is no password of its to hide.
    void e;
  }
  secrets.push(process.env.PGPASSWORD ?? '');
  // Very short values would blank out ordinary words; pg never echoes passwords anyway.
  for (const pw of secrets) if (pw.length >= 4) out = out.split(pw).join('***');
  return out;
}

/** A short reason for a lost connection, for notices: the code and the message, password-free. */
export function connectionReason(url: StudyUrl, e: unknown): string {
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : '';
  const message = scrub(typeof err?.message === 'string' ? err.message : String(e), url);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/** Translates a connection or query error into a StudyError (or returns it unchanged if it is one).
 * With the pool, an AUTH_FAILED message says where the password came from (never the password). */
export function asPostgresError(url: StudyUrl, e: unknown, pool?: pg.Pool): Error {
  if (e instanceof StudyError) return e;
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err.code === 'string' ? err.code : '';
  const message = scrub(typeof err.message === 'string' ? err.message : String(e), url);
  const at = url.redacted;
  const who = url.user ? `user '${url.user}'` : 'the default user';
  const source = pool ? passwordSourceOf(pool) : undefined;
  const from = source ? ` (password from ${source})` : '';
  const mode = pool ? settingsOf.get(pool)?.sslmode : undefined;
  if (code === '28000' && /no encryption/.test(message)) {
    return new StudyError(
      'AUTH_FAILED',
      `${at}: the server accepts only encrypted connections (${message}). Add ?sslmode=require (encrypted) or sslmode=verify-full&sslrootcert=CA.pem (encrypted and verified) to the URL. Nothing was changed.`,
    );
  }
  if (code === '28P01' || code === '28000') {
    return new StudyError(
      'AUTH_FAILED',
      `${at}: the server refused ${who}${from} (${message}). Check the user and password: in the URL, PGPASSWORD, or ~/.pgpass (PGPASSFILE). Nothing was changed.`,
    );
  }
  if (/client password must be a string|SASL|password authentication/i.test(message)) {
    return new StudyError(
      'AUTH_FAILED',
      `${at}: the server asks ${who} for a password and none was given${source ? ` (${source})` : ''}. Set PGPASSWORD, add a line to ~/.pgpass (host:port:database:user:password, chmod 600), or put it in the URL. Nothing was changed.`,
    );
  }
  if (isTlsVerificationError(e)) {
    return new StudyError(
      'TLS_FAILED',
      `${at}: the server's TLS certificate was rejected under sslmode=${mode ?? '?'} (${code}: ${message}). Point sslrootcert= at the CA certificate (PEM) that signed the server's certificate${mode === 'verify-full' ? `, and check that the certificate names the host '${url.host}'` : ''}; sslmode=require encrypts without verifying. Nothing was changed.`,
    );
  }
  if (isServerWithoutTls(e)) {
    return new StudyError(
      'TLS_FAILED',
      `${at}: the server does not offer TLS, and sslmode=${mode ?? '?'} requires it. Turn ssl on in the server's postgresql.conf, or use sslmode=prefer or disable on a trusted network. Nothing was changed.`,
    );
  }
  if (code === '3D000') {
    return new StudyError('DATABASE_NOT_FOUND', `${at}: the server has no database '${url.database}'. Create it (createdb ${url.database}) or fix the database name in the URL. Nothing was changed.`);
  }
  if (UNREACHABLE_ERRNO.has(code) || /timeout|terminated unexpectedly|Connection terminated/i.test(message)) {
    return new StudyError(
      'UNREACHABLE',
      `${at}: no PostgreSQL server answers at ${url.host}:${url.port} (${code || message}). Check the host and port, that the server runs and accepts TCP connections from this machine (listen_addresses, pg_hba.conf, firewall). Nothing was changed.`,
    );
  }
  const out = new Error(`${at}: ${message}`);
  if (code) (out as Error & { code?: string }).code = code;
  return out;
}
