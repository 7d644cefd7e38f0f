// Study URLs (`postgresql://user[:password]@host[:port]/database?sslmode=...`), as Optuna users
// write them, SQLAlchemy driver suffixes included (`postgresql+psycopg2://`). The password never
// leaves this module in a message: `redacted` is what every message, log and registry shows.
import { isStudyUrlText } from '../../../shared/config.ts';
import { StudyError } from './types.ts';

const SCHEME = /^(postgres|postgresql)(\+[a-z0-9_]+)?:\/\//i;

/** True when a study location is a database URL rather than a file path. */
export function isStudyUrl(location: string): boolean {
  return isStudyUrlText(location);
}

export interface StudyUrl {
  /** For the database client (driver suffix removed); holds the password when the URL has one. */
  connectionString: string;
  /** The URL without its password, for messages, logs and the UI. */
  redacted: string;
  host: string;
  port: number;
  database: string;
  user: string;
}

/** The URL without its password (and without user info it cannot parse): safe to show. */
export function redactUrl(location: string): string {
  try {
    const u = new URL(location.trim());
    if (u.password) u.password = '';
    // libpq also takes a password (and a key's passphrase) as query parameters.
    for (const k of ['password', 'sslpassword']) if (u.searchParams.has(k)) u.searchParams.set(k, '***');
    return u.href;
  } catch {
    // Not parseable: show only the scheme and host-ish part, never what may be a password.
    const m = /^([a-z0-9+]+:\/\/)(?:[^@/]*@)?([^/?#]*)/i.exec(location.trim());
    return m ? `${m[1]}${m[2]}/...` : '(a study URL that cannot be parsed)';
  }
}

export function parseStudyUrl(location: string): StudyUrl {
  const text = location.trim();
  const m = SCHEME.exec(text);
  if (!m) throw new StudyError('BAD_URL', `${redactUrl(text)}: not a PostgreSQL study URL; expected postgresql://user@host:port/database.`);
  const plain = `postgresql://${text.slice(m[0].length)}`;
  let u: URL;
  try {
    u = new URL(plain);
  } catch {
    throw new StudyError('BAD_URL', `${redactUrl(text)}: cannot parse the study URL; expected postgresql://user@host:port/database (percent-encode special characters in the user and password).`);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const redacted = redactUrl(plain);
  if (!u.hostname) throw new StudyError('BAD_URL', `${redacted}: the study URL names no host; expected postgresql://user@host:port/database.`);
  if (!database) throw new StudyError('BAD_URL', `${redacted}: the study URL names no database; expected postgresql://user@host:port/database.`);
  const port = u.port ? Number(u.port) : 5432;
  return { connectionString: plain, redacted, host: u.hostname, port, database, user: decodeURIComponent(u.username) };
}
