// Each bad study URL gets one StudyError naming the URL without its password and what to do, and
// the database stays exactly as it was (pg_dump of schema and data before and after).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStudyStorage } from '../../../electron/core/studies/optunaPostgresStorage.ts';
import { StudyError } from '../../../electron/core/studies/types.ts';
import { hasOptuna, runPython } from '../../support/peers.ts';
import { hasPostgres, startPostgres, type PgServer } from '../../support/postgresPeer.ts';

function dumpAll(url: string): string {
  const r = spawnSync('pg_dump', ['--no-owner', '--no-privileges', '-d', url], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pg_dump failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => !/^\\(un)?restrict /.test(l)).join('\n');
}

async function refusal(url: string, opts: { create?: boolean } = {}): Promise<StudyError> {
  const e = await openPostgresStudyStorage(url, opts).then(
    async (s) => {
      await s.close();
      return new Error('opened');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StudyError);
  return e as StudyError;
}

const withoutPassword = (url: string): string => {
  const u = new URL(url);
  u.password = '';
  return u.href;
};

describe.runIf(hasPostgres() && hasOptuna())('bad PostgreSQL study URLs', () => {
  let pg: PgServer;
  let optunaDb: string;
  const savedEnv = { PGPASSWORD: process.env.PGPASSWORD, PGPASSFILE: process.env.PGPASSFILE };
  beforeAll(async () => {
    pg = await startPostgres();
    optunaDb = pg.createDatabase('optuna');
    runPython('import sys, optuna\noptuna.logging.set_verbosity(optuna.logging.ERROR)\ns = optuna.create_study(study_name="alpha", storage=sys.argv[1])\ns.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)', [optunaDb]);
  }, 120_000);
  afterAll(() => pg?.stop());
  afterEach(() => {
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('a wrong password: AUTH_FAILED, naming the URL but never the password', async () => {
    const u = new URL(optunaDb);
    u.password = 'wrong-s3cret-value';
    const before = dumpAll(optunaDb);
    const e = await refusal(u.href);
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.message).toContain(withoutPassword(optunaDb));
    expect(e.message).toMatch(/PGPASSWORD|\.pgpass/);
    expect(e.message).not.toContain('wrong-s3cret-value');
    expect(e.message).not.toContain(pg.password);
    expect(dumpAll(optunaDb)).toBe(before);
  });

  it('no password anywhere: AUTH_FAILED saying where to put one; PGPASSWORD and a pgpass file each work', async () => {
    const bare = withoutPassword(optunaDb);
    delete process.env.PGPASSWORD;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-pgpass-'));
    try {
      process.env.PGPASSFILE = path.join(dir, 'none');
      const e = await refusal(bare);
      expect(e.code).toBe('AUTH_FAILED');
      expect(e.message).toContain(bare);

      process.env.PGPASSWORD = pg.password;
      const viaEnv = await openPostgresStudyStorage(bare);
      expect((await viaEnv.getStudy('alpha'))?.name).toBe('alpha');
      await viaEnv.close();

      delete process.env.PGPASSWORD;
      const pgpass = path.join(dir, 'pgpass');
      fs.writeFileSync(pgpass, `${pg.host}:${pg.port}:*:${pg.user}:${pg.password}\n`, { mode: 0o600 });
      process.env.PGPASSFILE = pgpass;
      const viaFile = await openPostgresStudyStorage(bare);
      expect((await viaFile.getStudy('alpha'))?.name).toBe('alpha');
      await viaFile.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passwords from PGPASSWORD and ~/.pgpass: a wrong one is refused naming where it came from, never what it is', async () => {
    const bare = withoutPassword(optunaDb);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-pgpass-'));
    const before = dumpAll(optunaDb);
    try {
      process.env.PGPASSFILE = path.join(dir, 'none');
      process.env.PGPASSWORD = 'env-wr0ng-secret';
      const viaEnv = await refusal(bare);
      expect(viaEnv.code).toBe('AUTH_FAILED');
      expect(viaEnv.message).toContain('password from PGPASSWORD');
      expect(viaEnv.message).not.toContain('env-wr0ng-secret');

      delete process.env.PGPASSWORD;
      const pgpass = path.join(dir, 'pgpass');
      // Comment, a line for another port, then the match: the first matching line wins.
      fs.writeFileSync(pgpass, `# sweepdeck test\n${pg.host}:1:*:${pg.user}:${pg.password}\n*:${pg.port}:*:${pg.user}:file-wr0ng-secret\n*:*:*:*:${pg.password}\n`, { mode: 0o600 });
      process.env.PGPASSFILE = pgpass;
      const viaFile = await refusal(bare);
      expect(viaFile.code).toBe('AUTH_FAILED');
      expect(viaFile.message).toContain(`password from ${pgpass} line 3`);
      expect(viaFile.message).not.toContain('file-wr0ng-secret');

      // libpq ignores a password file others can read; so do we, and the message says why.
      fs.writeFileSync(pgpass, `*:*:*:*:${pg.password}\n`);
      fs.chmodSync(pgpass, 0o644);
      const loose = await refusal(bare);
      expect(loose.code).toBe('AUTH_FAILED');
      expect(loose.message).toContain(`${pgpass} was ignored: group or others can read it (run chmod 600 ${pgpass})`);
      expect(loose.message).not.toContain(pg.password);
      fs.chmodSync(pgpass, 0o600);
      const ok = await openPostgresStudyStorage(bare);
      expect((await ok.getStudy('alpha'))?.name).toBe('alpha');
      await ok.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(dumpAll(optunaDb)).toBe(before);
  });

  it('a ~/.pgpass password with escaped colon and backslash reaches the real server intact', async () => {
    const db = new URL(optunaDb).pathname.slice(1);
    const role = `pgpass_${Date.now().toString(36)}`;
    const secret = 'a:b\\c:d';
    pg.psql(`CREATE ROLE ${role} LOGIN PASSWORD '${secret.replace(/'/g, "''")}'`);
    pg.psql(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`, db);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-pgpass-'));
    try {
      delete process.env.PGPASSWORD;
      const pgpass = path.join(dir, 'pgpass');
      const escaped = secret.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
      fs.writeFileSync(pgpass, `${pg.host}:${pg.port}:${db}:${role}:${escaped}\n`, { mode: 0o600 });
      process.env.PGPASSFILE = pgpass;
      const u = new URL(optunaDb);
      u.username = role;
      u.password = '';
      const s = await openPostgresStudyStorage(u.href, { readonly: true });
      expect((await s.getStudy('alpha'))?.name).toBe('alpha');
      await s.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      pg.psql(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}`, db);
      pg.psql(`DROP ROLE ${role}`);
    }
  });

  it('a wrong password given as ?password=: AUTH_FAILED, the URL shown with the parameter blanked', async () => {
    const u = new URL(withoutPassword(optunaDb));
    u.searchParams.set('password', 'query-wr0ng-secret');
    const e = await refusal(u.href);
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.message).toContain("password from the URL's password parameter");
    expect(e.message).toContain('password=***');
    expect(e.message).not.toContain('query-wr0ng-secret');
  });

  it('a URL parameter or sslmode we do not honour: BAD_URL naming it and what is supported', async () => {
    for (const [q, says] of [
      ['sslmode=allow', 'sslmode=allow is not supported; use one of disable, prefer, require, verify-ca, verify-full'],
      ['target_session_attrs=read-write', "parameter 'target_session_attrs' is not supported"],
      ['sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem', 'sslrootcert=/nonexistent/ca.pem cannot be read (ENOENT)'],
    ] as const) {
      const e = await refusal(`${optunaDb}?${q}`);
      expect(e.code).toBe('BAD_URL');
      expect(e.message).toContain(says);
      expect(e.message).toContain(withoutPassword(optunaDb));
      expect(e.message).not.toContain(pg.password);
    }
  });

  it('an unreachable host: UNREACHABLE naming host and port', async () => {
    // A loopback port nobody listens on.
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const url = `postgresql://${pg.user}:${pg.password}@127.0.0.1:${port}/x`;
    const e = await refusal(url);
    expect(e.code).toBe('UNREACHABLE');
    expect(e.message).toContain(`127.0.0.1:${port}`);
    expect(e.message).toContain('Check the host and port');
    expect(e.message).not.toContain(pg.password);
  });

  it('a database that does not exist: DATABASE_NOT_FOUND', async () => {
    const e = await refusal(pg.urlFor('no_such_db'));
    expect(e.code).toBe('DATABASE_NOT_FOUND');
    expect(e.message).toContain(withoutPassword(pg.urlFor('no_such_db')));
  });

  it('a database with no Optuna schema: NOT_OPTUNA, and nothing is created', async () => {
    const empty = pg.createDatabase('empty');
    const other = pg.createDatabase('other');
    pg.psql('CREATE TABLE inventory (id int primary key); INSERT INTO inventory VALUES (1)', new URL(other).pathname.slice(1));
    for (const url of [empty, other]) {
      const before = dumpAll(url);
      const e = await refusal(url);
      expect(e.code).toBe('NOT_OPTUNA');
      expect(e.message).toContain(withoutPassword(url));
      expect(dumpAll(url)).toBe(before);
    }
    // Only when asked (create) does an empty database get Optuna's schema.
    const made = await openPostgresStudyStorage(empty, { create: true });
    expect(made.revision).toBe('unstamped');
    await made.close();
  });

  it('a newer Optuna schema: UNKNOWN_REVISION saying to update, and nothing changes', async () => {
    const newer = pg.createDatabase('newer');
    runPython('import sys, optuna\noptuna.create_study(study_name="n", storage=sys.argv[1])', [newer]);
    pg.psql("UPDATE alembic_version SET version_num = 'v9.0.0.a'", new URL(newer).pathname.slice(1));
    const before = dumpAll(newer);
    const e = await refusal(newer, { create: true });
    expect(e.code).toBe('UNKNOWN_REVISION');
    expect(e.message).toContain("'v9.0.0.a'");
    expect(e.message).toMatch(/update Sweepdeck/);
    expect(e.message).toContain(withoutPassword(newer));
    expect(dumpAll(newer)).toBe(before);
  });

  it('a study name that does not exist: STUDY_NOT_FOUND listing the studies there, and nothing changes', async () => {
    const before = dumpAll(optunaDb);
    const s = await openPostgresStudyStorage(optunaDb, { create: true });
    try {
      const e = await s.loadStudy('beta').catch((err: unknown) => err);
      expect(e).toBeInstanceOf(StudyError);
      expect((e as StudyError).code).toBe('STUDY_NOT_FOUND');
      expect((e as StudyError).message).toContain("no study named 'beta'");
      expect((e as StudyError).message).toContain("'alpha'");
      expect((e as StudyError).message).toContain(withoutPassword(optunaDb));
    } finally {
      await s.close();
    }
    expect(dumpAll(optunaDb)).toBe(before);
  });
});
