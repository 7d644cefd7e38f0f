// A study URL's connection settings for node-postgres, with libpq's meanings where users rely on
// them (the same URL works in Python Optuna, whose psycopg2 is libpq):
// - password: the URL's (user:password@, or ?password=), else PGPASSWORD, else the password file (pgpassFile.ts), asked for only
//   when the server wants one.
// - sslmode (libpq's default is prefer, and so is ours):
//   disable      plain text.
//   prefer       TLS when the server offers it, unverified; plain text when it does not.
//   require      TLS, unverified; with sslrootcert it verifies the chain (libpq: as verify-ca).
//   verify-ca    TLS, the chain checked against sslrootcert (or ~/.postgresql/root.crt, or the
//                system roots with sslrootcert=system); the host name is not checked.
//   verify-full  as verify-ca, and the certificate must name the URL's host.
//   allow        refused (plain first, TLS on demand has no node-postgres equivalent).
//   Not taken from libpq: the default root file for require, sslcrl, sslpassword, and
//   ~/.postgresql/postgresql.crt as a default client certificate (give sslcert/sslkey).
// Settings are passed explicitly, not as a connection string, so that node-postgres's own parser
// (whose sslmode meanings differ, and which reads ~/.pgpass through a deprecated path) is not used.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { lookupPgpass } from './pgpassFile.ts';
import type { StudyUrl } from './studyUrl.ts';
import { StudyError } from './types.ts';

export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: readonly string[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** Query parameters a study URL may carry; any other is refused rather than silently ignored. */
const KNOWN_PARAMS = new Set(['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'application_name', 'connect_timeout', 'options', 'password']);

export interface ClientSettings {
  /** For new pg.Pool (minus pool sizing). */
  config: pg.PoolConfig;
  sslmode: SslMode;
  /** Where the password of the last connection came from, for an AUTH_FAILED message. */
  passwordSource(): string;
}

function readPem(file: string, param: string, url: StudyUrl): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new StudyError('BAD_URL', `${url.redacted}: ${param}=${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); point it at a PEM file.`);
  }
}

/** The root certificates for verify-ca/verify-full: the file named, the system's, or libpq's default. */
function rootsFor(url: StudyUrl, rootcert: string | null, mode: SslMode): string | undefined {
  if (rootcert === 'system') return undefined; // Node's own roots
  if (rootcert) return readPem(rootcert, 'sslrootcert', url);
  const dflt = path.join(os.homedir(), '.postgresql', 'root.crt');
  if (fs.existsSync(dflt)) return readPem(dflt, 'sslrootcert', url);
  throw new StudyError(
    'BAD_URL',
    `${url.redacted}: sslmode=${mode} verifies the server's certificate, but no root certificate is given. Add sslrootcert=/path/to/ca.pem (the CA that signed the server's certificate), or sslrootcert=system for the system's trusted roots (as for managed servers).`,
  );
}

export function clientSettings(url: StudyUrl, env: NodeJS.ProcessEnv = process.env): ClientSettings {
  const u = new URL(url.connectionString);
  const q = u.searchParams;
  for (const k of q.keys()) {
    if (!KNOWN_PARAMS.has(k)) {
      throw new StudyError('BAD_URL', `${url.redacted}: the study URL parameter '${k}' is not supported; Sweepdeck understands ${[...KNOWN_PARAMS].join(', ')}.`);
    }
  }
  const modeText = q.get('sslmode') ?? 'prefer';
  if (!SSL_MODES.includes(modeText)) {
    throw new StudyError('BAD_URL', `${url.redacted}: sslmode=${modeText} is not supported; use one of ${SSL_MODES.join(', ')}.`);
  }
  const sslmode = modeText as SslMode;
  const rootcert = q.get('sslrootcert');
  let ssl: pg.PoolConfig['ssl'] = false;
  if (sslmode !== 'disable') {
    const tls: NonNullable<Exclude<pg.PoolConfig['ssl'], boolean>> = {};
    const verify = sslmode === 'verify-ca' || sslmode === 'verify-full' || (sslmode === 'require' && rootcert !== null);
    if (verify) {
      const ca = rootsFor(url, rootcert, sslmode);
      if (ca !== undefined) tls.ca = ca;
      tls.rejectUnauthorized = true;
      // verify-ca (and require with a root file) checks the chain only, not the name.
      if (sslmode !== 'verify-full') tls.checkServerIdentity = () => undefined;
    } else {
      tls.rejectUnauthorized = false;
    }
    const cert = q.get('sslcert');
    const key = q.get('sslkey');
    if (cert) tls.cert = readPem(cert, 'sslcert', url);
    if (key) tls.key = readPem(key, 'sslkey', url);
    ssl = tls;
  }
  let source = 'no password';
  const password = async (): Promise<string | undefined> => {
    if (u.password) {
      source = 'the password in the URL';
      return decodeURIComponent(u.password);
    }
    const inQuery = q.get('password');
    if (inQuery !== null) {
      source = "the URL's password parameter";
      return inQuery;
    }
    if (env.PGPASSWORD !== undefined) {
      source = 'PGPASSWORD';
      return env.PGPASSWORD;
    }
    const found = lookupPgpass({ host: url.host, port: url.port, database: url.database, user: url.user || os.userInfo().username }, env);
    source = found.source ?? found.ignored ?? 'no password (none in the URL, PGPASSWORD or the password file)';
    return found.password;
  };
  const timeout = q.get('connect_timeout');
  const config: pg.PoolConfig = {
    host: url.host.replace(/^\[(.*)\]$/, '$1'),
    port: url.port,
    database: url.database,
    user: url.user || os.userInfo().username,
    // pg takes undefined as "no password" (client.js _getPassword); its typings say string only.
    password: password as () => Promise<string>,
    ssl,
    application_name: q.get('application_name') ?? 'sweepdeck',
    // libpq's connect_timeout (seconds) when given; else long enough for a server under load.
    connectionTimeoutMillis: timeout !== null && Number(timeout) > 0 ? Number(timeout) * 1000 : 15_000,
  };
  const options = q.get('options');
  if (options) config.options = options;
  return { config, sslmode, passwordSource: () => source };
}
