// The password file libpq reads (~/.pgpass, or PGPASSFILE; %APPDATA%\postgresql\pgpass.conf on
// Windows), read the way libpq documents it: `hostname:port:database:username:password` per line,
// `*` matches anything in the first four fields, `\` escapes `:` and `\`, the first matching line
// wins, `#` starts a comment line; on Unix a file that group or others can read is ignored. The
// password itself never leaves this module except as the return value.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface PgpassLookup {
  /** The password of the first matching line, if any. */
  password?: string;
  /** Where it came from (`~/.pgpass line 3`), for messages. */
  source?: string;
  /** Why the file was not used, when it exists but was skipped (permissions, not a file). */
  ignored?: string;
}

export function pgpassPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PGPASSFILE) return env.PGPASSFILE;
  if (process.platform === 'win32') return path.join(env.APPDATA ?? os.homedir(), 'postgresql', 'pgpass.conf');
  return path.join(env.HOME ?? os.homedir(), '.pgpass');
}

/** Splits a line at unescaped colons, undoing `\:` and `\\`. */
function fields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && i + 1 < line.length) cur += line[++i];
    else if (ch === ':') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export interface PgpassTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

/** The password file's answer for a connection (nothing when there is no file or no match). */
export function lookupPgpass(target: PgpassTarget, env: NodeJS.ProcessEnv = process.env): PgpassLookup {
  const file = pgpassPath(env);
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return {}; // No password file: libpq goes on without one, so do we.
  }
  if (!st.isFile()) return { ignored: `${file} is not a plain file` };
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    return { ignored: `${file} was ignored: group or others can read it (run chmod 600 ${file})` };
  }
  const text = fs.readFileSync(file, 'utf8');
  const want = [target.host, String(target.port), target.database, target.user];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const f = fields(raw);
    if (f.length < 5) continue;
    // A password may itself hold (escaped or unescaped) colons after the fourth separator.
    const password = f.slice(4).join(':');
    if (want.every((w, k) => f[k] === '*' || f[k] === w)) {
      return { password, source: `${file} line ${i + 1}` };
    }
  }
  return {};
}
