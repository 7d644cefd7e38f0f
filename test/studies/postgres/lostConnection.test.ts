// A connection the server drops while a storage holds it (a server restart, an administrator's
// pg_terminate_backend) fails the call that used it with an error naming the URL (without its
// password), or is reconnected; it never surfaces as an unhandled 'error' event, which would end
// the whole process (the app included).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStudyStorage } from '../../../electron/core/studies/optunaPostgresStorage.ts';
import { hasPostgres, startPostgres, type PgServer } from '../../support/postgresPeer.ts';

describe.runIf(hasPostgres())('a connection dropped by the server mid-transaction', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(() => pg?.stop());

  it('fails that call naming the URL (or it is run again), never an unhandled error; the storage works afterwards', async () => {
    const url = pg.createDatabase('lost');
    const db = new URL(url).pathname.slice(1);
    const s = await openPostgresStudyStorage(url, { create: true });
    try {
      const studyId = (await s.createStudy('s', ['minimize'])).studyId;
      // Dropped once: a storage that reconnects runs the transaction again, which must then succeed.
      let dropped = false;
      const failure = await s
        .runInWriteTransaction(async (tx) => {
          if (!dropped) {
            dropped = true;
            pg.psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db}' AND pid <> pg_backend_pid()`);
          }
          await tx.createTrial(studyId);
        })
        .then(
          () => null,
          (e: unknown) => e as Error,
        );
      // A storage that reconnects may have run the transaction again; one that does not fails it.
      const redacted = new URL(url);
      redacted.password = '';
      if (failure) expect(failure.message.startsWith(`${redacted.href}: `), failure.message).toBe(true);
      // Either way the dropped connection was discarded: the next call gets a new one.
      expect((await s.createTrial(studyId)).number).toBe(failure ? 0 : 1);
    } finally {
      await s.close();
    }
  }, 60_000);
});
