// The real PostgreSQL the PostgreSQL-storage tests run against: a throw-away cluster of Debian's
// `postgresql` (initdb in a temporary folder, a free loopback port, a password), removed afterwards.
// SWEEPDECK_TEST_PG_URL points the tests at an existing server instead (its user needs CREATEDB:
// every test database is created and dropped by the tests). No mock of PostgreSQL anywhere.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unusedLoopbackPort } from './loopbackPort.ts';
import { needPeer, requirePeer, type Skipper } from './peers.ts';

export const PG_BIN = process.env.SWEEPDECK_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
export const PG_URL_ENV = 'SWEEPDECK_TEST_PG_URL';
const PG = 'PostgreSQL 15 (Debian postgresql)';
const PG_INSTALL = `apt-get install -y postgresql (or set ${PG_URL_ENV}=postgresql://user:password@host:port/db for an existing server)`;

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** The uid/gid initdb runs as when we are root (initdb refuses root). */
function postgresUser(): { uid: number; gid: number } | null {
  const u = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (u.status !== 0 || g.status !== 0) return null;
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

function canStartCluster(): boolean {
  if (!existsSync(path.join(PG_BIN, 'initdb')) || !existsSync(path.join(PG_BIN, 'pg_ctl')) || !existsSync('/usr/bin/psql')) return false;
  return !isRoot() || postgresUser() !== null;
}

export const postgresPresent = (): boolean => Boolean(process.env[PG_URL_ENV]) || canStartCluster();
/** For describe.runIf: throws under CI when PostgreSQL is missing, else warns and gives false. */
export const hasPostgres = (): boolean => requirePeer(PG, postgresPresent(), PG_INSTALL);
export const needPostgres = (ctx: Skipper): void => needPeer(ctx, PG, postgresPresent(), PG_INSTALL);

function run(argv: string[], opts: { asPostgres?: boolean; env?: NodeJS.ProcessEnv } = {}): string {
  const cmd = opts.asPostgres && isRoot() ? ['runuser', '-u', 'postgres', '--', ...argv] : argv;
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', env: { ...process.env, ...opts.env } });
  if (r.status !== 0) throw new Error(`${argv[0]} failed (${r.status ?? r.signal}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

export interface PgServer {
  /** The server's admin URL, password included (tests only). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** A URL to `db` on this server, password included. */
  urlFor(db: string): string;
  /** Creates an empty database and returns its URL; dropped by stop(). */
  createDatabase(prefix?: string): string;
  /** Runs SQL through psql on a database (default: the admin database); returns stdout (unaligned,
   * tuples only, `|`-separated). */
  psql(sql: string, db?: string): string;
  /** Drops the databases made here; stops and removes a cluster started here. */
  stop(): void;
  /** Outage controls of a throw-away cluster; undefined for a server SWEEPDECK_TEST_PG_URL names. */
  readonly cluster?: ClusterControl;
}

/** Outages on demand, on a cluster started here (same data folder, port and settings throughout). */
export interface ClusterControl {
  /** `pg_ctl stop -m fast`: sessions are ended (SQLSTATE 57P01), connections refused until start. */
  stopServer(): Promise<void>;
  /** Starts it again on the same port and data folder; resolves when it accepts connections. */
  startServer(): Promise<void>;
  /** SIGSTOP to the postmaster and every backend: connections hang, nothing answers. */
  pause(): void;
  /** SIGCONT to the same processes, postmaster last (so it does not fork into a frozen world). */
  resume(): void;
  /** How many server processes pause() stopped, and whether the kernel shows each as stopped now
   * (signals arrive asynchronously: wait for it). */
  pausedState(): { processes: number; allStopped: boolean };
  /** The server's log so far (for a failing test's message). */
  log(): string;
  /** Puts a line first in pg_hba.conf and reloads the server's configuration. */
  prependHba(line: string): Promise<void>;
}

function runAsync(argv: string[], asPostgres: boolean): Promise<string> {
  const cmd = asPostgres && isRoot() ? ['runuser', '-u', 'postgres', '--', ...argv] : argv;
  return new Promise((resolve, reject) => {
    execFile(cmd[0]!, cmd.slice(1), { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv[0]} failed (${err.code ?? err.signal}):\n${stderr}${stdout}`));
      else resolve(stdout);
    });
  });
}

/** The postmaster's pid (first line of postmaster.pid) and its children's, from /proc. */
function serverPids(data: string): { postmaster: number; children: number[] } {
  const postmaster = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === postmaster) children.push(Number(entry));
  }
  return { postmaster, children };
}

function serverFor(url: URL, stopCluster: () => void, cluster?: ClusterControl): PgServer {
  const made: string[] = [];
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const adminDb = url.pathname.replace(/^\//, '') || 'postgres';
  const urlFor = (db: string): string => {
    const u = new URL(url.href);
    u.pathname = `/${db}`;
    return u.href;
  };
  const psql = (sql: string, db = adminDb): string =>
    run(['/usr/bin/psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', urlFor(db), '-c', sql], { env: { PGCONNECT_TIMEOUT: '10' } });
  return {
    url: url.href,
    host: url.hostname,
    port: Number(url.port || 5432),
    cluster,
    user,
    password,
    urlFor,
    psql,
    createDatabase(prefix = 'sweepdeck_test') {
      const name = `${prefix}_${randomBytes(5).toString('hex')}`;
      psql(`CREATE DATABASE ${name}`);
      made.push(name);
      return urlFor(name);
    },
    stop() {
      try {
        for (const db of made.splice(0)) psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      } finally {
        stopCluster();
      }
    },
  };
}

export interface StartOptions {
  /** A cluster of its own even when SWEEPDECK_TEST_PG_URL is set (outage and TLS tests need one). */
  own?: boolean;
  /** Serve TLS with this certificate and key (PEM): ssl=on, files owned by the server's user. */
  tls?: { certPem: string; keyPem: string };
}

/** True when startPostgres({ own: true }) can start a cluster here (initdb and pg_ctl present). */
export const canStartOwnCluster = (): boolean => canStartCluster();
export const hasOwnCluster = (): boolean => requirePeer(`${PG} (initdb, pg_ctl)`, canStartCluster(), 'apt-get install -y postgresql');

/**
 * A server for the tests: the one SWEEPDECK_TEST_PG_URL names, or a new throw-away cluster (initdb
 * as the postgres user when we are root, scram-sha-256 password, loopback only, a socket in its own
 * folder). Call stop() in afterAll.
 */
export async function startPostgres(opts: StartOptions = {}): Promise<PgServer> {
  const given = process.env[PG_URL_ENV];
  if (given && !opts.own && !opts.tls) return serverFor(new URL(given), () => undefined);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-pg-'));
  const data = path.join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  const pwfile = path.join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (isRoot()) {
    const pg = postgresUser();
    if (!pg) throw new Error('no postgres user to run initdb as');
    chownSync(dir, pg.uid, pg.gid);
    chownSync(pwfile, pg.uid, pg.gid);
  }
  let started = false;
  const stopCluster = (): void => {
    try {
      if (started) run([path.join(PG_BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'], { asPostgres: true });
    } finally {
      started = false;
      process.off('exit', stopCluster);
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    run([path.join(PG_BIN, 'initdb'), '-D', data, '-U', 'sweepdeck', `--pwfile=${pwfile}`, '-A', 'scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync'], { asPostgres: true });
    rmSync(pwfile);
    let tlsOpts = '';
    if (opts.tls) {
      const cert = path.join(dir, 'server.crt');
      const key = path.join(dir, 'server.key');
      writeFileSync(cert, opts.tls.certPem, { mode: 0o600 });
      writeFileSync(key, opts.tls.keyPem, { mode: 0o600 });
      if (isRoot()) {
        const pg = postgresUser()!;
        chownSync(cert, pg.uid, pg.gid);
        chownSync(key, pg.uid, pg.gid);
      }
      tlsOpts = ` -c ssl=on -c ssl_cert_file=${cert} -c ssl_key_file=${key}`;
    }
    // A port can be taken between our probe and the server's bind: try a few.
    for (let attempt = 0; ; attempt++) {
      const port = await unusedLoopbackPort();
      // authentication_timeout: a client that gives up mid-authentication (no password to send)
      // would otherwise hold its backend, and so DROP DATABASE, for the default minute.
      const serverOpts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=200 -c authentication_timeout=3s${tlsOpts}`;
      const startArgv = [path.join(PG_BIN, 'pg_ctl'), '-D', data, '-o', serverOpts, '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start'];
      const r = spawnSync(isRoot() ? 'runuser' : startArgv[0]!, [...(isRoot() ? ['-u', 'postgres', '--', ...startArgv] : startArgv.slice(1))], {
        encoding: 'utf8',
      });
      if (r.status === 0) {
        started = true;
        process.on('exit', stopCluster);
        let paused: number[] = [];
        const control: ClusterControl = {
          async stopServer() {
            await runAsync([path.join(PG_BIN, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', '-t', '60', 'stop'], true);
          },
          async startServer() {
            await runAsync(startArgv, true);
          },
          pause() {
            // The postmaster first, so that it forks no backend we would miss; then its children.
            const { postmaster } = serverPids(data);
            process.kill(postmaster, 'SIGSTOP');
            paused = [postmaster, ...serverPids(data).children];
            for (const pid of paused.slice(1)) process.kill(pid, 'SIGSTOP');
          },
          resume() {
            for (const pid of paused.slice(1)) process.kill(pid, 'SIGCONT');
            if (paused[0] !== undefined) process.kill(paused[0], 'SIGCONT');
            paused = [];
          },
          pausedState() {
            // Field 3 of /proc/PID/stat is the state; T is "stopped by a signal".
            const states = paused.flatMap((pid) => {
              try {
                const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
                return [stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]];
              } catch {
                return []; // a backend that exited just before it was stopped
              }
            });
            // A backend that exited just before the stop stays a zombie (Z) while the stopped
            // postmaster cannot reap it: it serves nothing, so it counts as stopped.
            return { processes: paused.length, allStopped: states.length > 0 && states.every((st) => st === 'T' || st === 'Z' || st === 'X') };
          },
          log: () => readFileSync(path.join(dir, 'log'), 'utf8'),
          async prependHba(line) {
            const hba = path.join(data, 'pg_hba.conf');
            writeFileSync(hba, `${line}\n${readFileSync(hba, 'utf8')}`);
            await runAsync([path.join(PG_BIN, 'pg_ctl'), '-D', data, 'reload'], true);
          },
        };
        return serverFor(new URL(`postgresql://sweepdeck:${password}@127.0.0.1:${port}/postgres`), stopCluster, control);
      }
      if (attempt >= 4) throw new Error(`pg_ctl start failed:\n${r.stderr}${r.stdout}`);
    }
  } catch (e) {
    stopCluster();
    throw e;
  }
}
