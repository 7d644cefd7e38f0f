// sslmode against a real PostgreSQL with ssl=on and a self-signed certificate: require encrypts
// (pg_stat_ssl of the storage's own sessions says so), verify-full refuses a certificate its
// sslrootcert did not sign with one message naming the URL (and changes nothing), and accepts it
// with the right root; require against a server without TLS is refused clearly.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStudyStorage } from '../../../electron/core/studies/optunaPostgresStorage.ts';
import { StudyError } from '../../../electron/core/studies/types.ts';
import { makeSelfSignedCert } from '../../support/azureDouble.ts';
import { hasOwnCluster, startPostgres, type PgServer } from '../../support/postgresPeer.ts';

const withoutPassword = (url: string): string => {
  const u = new URL(url);
  u.password = '';
  return u.href;
};

function withParams(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.href;
}

function dumpAll(url: string): string {
  const r = spawnSync('pg_dump', ['--no-owner', '--no-privileges', '-d', url], { encoding: 'utf8', env: { ...process.env, PGSSLMODE: 'require' } });
  if (r.status !== 0) throw new Error(`pg_dump failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => !/^\\(un)?restrict /.test(l)).join('\n');
}

describe.runIf(hasOwnCluster())('sslmode against a real PostgreSQL serving TLS', () => {
  let pg: PgServer;
  let plain: PgServer;
  let dir: string;
  let rightCa: string;
  let wrongCa: string;
  beforeAll(async () => {
    const cert = makeSelfSignedCert();
    pg = await startPostgres({ tls: cert });
    plain = await startPostgres({ own: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-tls-'));
    rightCa = path.join(dir, 'right-ca.pem');
    wrongCa = path.join(dir, 'wrong-ca.pem');
    fs.writeFileSync(rightCa, cert.certPem);
    fs.writeFileSync(wrongCa, makeSelfSignedCert().certPem);
  }, 120_000);
  afterAll(() => {
    pg?.stop();
    plain?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** ssl flags of the server sessions whose application_name is `app` (the storage's pool). */
  const sslOfSessions = (app: string): string[] =>
    pg
      .psql(`SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = '${app}'`)
      .trim()
      .split('\n')
      .filter(Boolean);

  it.each([
    ['require', {}, ['t']],
    ['prefer', {}, ['t']],
    ['verify-full', { sslrootcert: 'RIGHT' }, ['t']],
    ['verify-ca', { sslrootcert: 'RIGHT' }, ['t']],
    ['disable', {}, ['f']],
  ] as const)('sslmode=%s with %j: connects, and pg_stat_ssl shows ssl=%j for its sessions', async (mode, extra, expected) => {
    const app = `sweepdeck_tls_${mode.replace('-', '_')}`;
    const params: Record<string, string> = { sslmode: mode, application_name: app };
    if ('sslrootcert' in extra) params.sslrootcert = rightCa;
    const url = withParams(pg.createDatabase('tls'), params);
    const s = await openPostgresStudyStorage(url, { create: true });
    try {
      await s.createStudy('tls', ['minimize']);
      // The pool keeps its connection idle for 30 s: the server lists it while we look.
      expect([...new Set(sslOfSessions(app))]).toEqual(expected);
    } finally {
      await s.close();
    }
  });

  it('verify-full with a root that did not sign the server certificate: TLS_FAILED naming the URL, nothing changed', async () => {
    const db = pg.createDatabase('tls_wrong');
    const made = await openPostgresStudyStorage(withParams(db, { sslmode: 'require' }), { create: true });
    await made.createStudy('kept', ['minimize']);
    await made.close();
    const before = dumpAll(db);
    const url = withParams(db, { sslmode: 'verify-full', sslrootcert: wrongCa });
    const e = (await openPostgresStudyStorage(url, { create: true }).then(
      async (s) => {
        await s.close();
        return new Error('opened');
      },
      (err: unknown) => err,
    )) as StudyError;
    expect(e).toBeInstanceOf(StudyError);
    expect(e.code).toBe('TLS_FAILED');
    expect(e.message).toContain(withoutPassword(url));
    expect(e.message).toContain('sslmode=verify-full');
    expect(e.message).toContain('Point sslrootcert= at the CA certificate');
    expect(e.message).not.toContain(pg.password);
    expect(dumpAll(db)).toBe(before);
  });

  it('verify-full without any root certificate: BAD_URL saying to give sslrootcert', async () => {
    const home = process.env.HOME;
    process.env.HOME = dir; // no ~/.postgresql/root.crt here
    try {
      const url = withParams(pg.createDatabase('tls_noroot'), { sslmode: 'verify-full' });
      const e = (await openPostgresStudyStorage(url).catch((err: unknown) => err)) as StudyError;
      expect(e).toBeInstanceOf(StudyError);
      expect(e.code).toBe('BAD_URL');
      expect(e.message).toContain('Add sslrootcert=/path/to/ca.pem');
    } finally {
      process.env.HOME = home;
    }
  });

  it('a server that takes only encrypted connections, and the URL says disable: AUTH_FAILED suggesting sslmode', async () => {
    const db = pg.createDatabase('tls_only');
    // For this database only, so the other tests' sessions are not affected.
    await pg.cluster!.prependHba(`hostnossl ${new URL(db).pathname.slice(1)} all 127.0.0.1/32 reject`);
    const url = withParams(db, { sslmode: 'disable' });
      const e = (await openPostgresStudyStorage(url).catch((err: unknown) => err)) as StudyError;
      expect(e).toBeInstanceOf(StudyError);
      expect(e.code).toBe('AUTH_FAILED');
      expect(e.message).toContain(withoutPassword(url));
      expect(e.message).toContain('the server accepts only encrypted connections');
      expect(e.message).toContain('sslmode=require');
    // The same URL with sslmode=require gets in.
    const s = await openPostgresStudyStorage(withParams(db, { sslmode: 'require' }), { create: true });
    await s.close();
  });

  it('require against a server without TLS: TLS_FAILED saying so; prefer falls back to plain text there', async () => {
    const db = plain.createDatabase('no_tls');
    const e = (await openPostgresStudyStorage(withParams(db, { sslmode: 'require' }), { create: true }).catch((err: unknown) => err)) as StudyError;
    expect(e).toBeInstanceOf(StudyError);
    expect(e.code).toBe('TLS_FAILED');
    expect(e.message).toContain('the server does not offer TLS');
    expect(e.message).toContain(withoutPassword(withParams(db, { sslmode: 'require' })));
    const s = await openPostgresStudyStorage(withParams(db, { sslmode: 'prefer' }), { create: true });
    expect((await s.createStudy('plain', ['minimize'])).name).toBe('plain');
    await s.close();
  });
});
