// The throw-away PostgreSQL the PostgreSQL-storage tests use: reachable on loopback with its
// password only, and stopped after stop().
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasPostgres, PG_URL_ENV, startPostgres, type PgServer } from '../../support/postgresPeer.ts';

describe.runIf(hasPostgres())('the PostgreSQL test peer', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(() => pg?.stop());

  it('serves databases on loopback with the password, and refuses a wrong password', () => {
    expect(pg.host).toBe(process.env[PG_URL_ENV] ? new URL(process.env[PG_URL_ENV]!).hostname : '127.0.0.1');
    const url = pg.createDatabase();
    expect(pg.psql('SELECT current_database()', new URL(url).pathname.slice(1)).trim()).toBe(new URL(url).pathname.slice(1));
    const wrong = new URL(url);
    wrong.password = 'not-the-password';
    const r = spawnSync('/usr/bin/psql', ['-X', '-A', '-t', '-d', wrong.href, '-c', 'SELECT 1'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/password authentication failed/);
  });

  it.runIf(!process.env[PG_URL_ENV])('stop() removes the cluster: its port refuses connections afterwards', async () => {
    const other = await startPostgres();
    const url = other.url;
    other.stop();
    const r = spawnSync('/usr/bin/psql', ['-X', '-A', '-t', '-d', url, '-c', 'SELECT 1'], { encoding: 'utf8', env: { ...process.env, PGCONNECT_TIMEOUT: '5' } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Connection refused|could not connect/);
  }, 120_000);
});
