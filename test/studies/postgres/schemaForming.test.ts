// A Sweepdeck worker that opens a database while another worker is still creating Optuna's schema
// there (Python Optuna makes its tables, then its version rows, then stamps alembic_version, in
// separate steps) waits for the schema instead of refusing it as "not an Optuna schema"; a schema
// that stays half made is still refused, naming what it lacks, after the wait.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStudyStorage } from '../../../electron/core/studies/optunaPostgresStorage.ts';
import { PG_ENUM_DDL, PG_TABLE_DDL } from '../../../electron/core/studies/postgresSchema.ts';
import { StudyError } from '../../../electron/core/studies/types.ts';
import { hasPostgres, startPostgres, type PgServer } from '../../support/postgresPeer.ts';

/** Optuna's DDL without alembic_version (alembic creates that table when it stamps the revision). */
const TABLES_FIRST = [...PG_ENUM_DDL, ...PG_TABLE_DDL.filter((d) => !d.includes('alembic_version'))];
const ALEMBIC = PG_TABLE_DDL.filter((d) => d.includes('alembic_version'));

describe.runIf(hasPostgres())('opening a database whose Optuna schema is being created', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(() => pg?.stop());

  it('waits while the schema is half made, and opens once it is complete', async () => {
    const url = pg.createDatabase('forming');
    const db = new URL(url).pathname.slice(1);
    // Step 1 of the other worker: the tables, no version rows, no alembic_version yet.
    pg.psql(TABLES_FIRST.join(';\n'), db);
    const waits: string[] = [];
    let sawWait: () => void = () => undefined;
    const waiting = new Promise<void>((r) => (sawWait = r));
    const opening = openPostgresStudyStorage(url, {
      create: true,
      poolSize: 1,
      onSchemaWait: (m) => {
        waits.push(m);
        sawWait();
      },
    });
    await waiting;
    // The rest, as Optuna does it: its version row, then the alembic stamp.
    pg.psql("INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (1, 12, '3.1.0')", db);
    pg.psql(`${ALEMBIC.join(';\n')};\nINSERT INTO alembic_version (version_num) VALUES ('v3.0.0.d')`, db);
    const storage = await opening;
    try {
      expect(await storage.listStudies()).toEqual([]);
      const made = await storage.createStudy('after-wait', ['minimize']);
      expect((await storage.getStudy('after-wait'))?.studyId).toBe(made.studyId);
    } finally {
      await storage.close();
    }
    expect(waits).toHaveLength(1);
    expect(waits[0]).toContain('the Optuna schema there is incomplete');
    expect(waits[0]).not.toContain(pg.password);
    // Nothing of ours was added to the schema the other worker made (it would be a second
    // version_info row, or a second revision).
    expect(pg.psql('SELECT count(*) FROM version_info', db).trim()).toBe('1');
    expect(pg.psql('SELECT version_num FROM alembic_version', db).trim()).toBe('v3.0.0.d');
  }, 60_000);

  it('refuses a schema that stays half made, naming what it lacks, after the wait', async () => {
    const url = pg.createDatabase('halfmade');
    const db = new URL(url).pathname.slice(1);
    pg.psql(TABLES_FIRST.join(';\n'), db);
    const waits: string[] = [];
    const e = await openPostgresStudyStorage(url, { poolSize: 1, schemaSettleMs: 600, onSchemaWait: (m) => waits.push(m) }).then(
      async (s) => {
        await s.close();
        return new Error('opened');
      },
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(StudyError);
    expect((e as StudyError).message).toContain("has some of Optuna's tables but lacks alembic_version");
    expect(waits).toHaveLength(1);
  }, 60_000);
});
