// Revisions: an existing file keeps its alembic revision; one we do not know is refused, with the
// file left byte-for-byte as it was.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { StudyError } from '../../electron/core/studies/types.ts';
import { FIXTURES, hasOptuna, runPython } from '../support/peers.ts';
import { paramsFor } from './support/edgeStudy.ts';
import { alembic, sha256, tempDir } from './support/optunaDump.ts';

describe.runIf(hasOptuna())('alembic revisions', () => {
  it('keeps a v3.2.0.a file at v3.2.0.a (which Optuna 3.1 refuses, as it should)', () => {
    const db = path.join(tempDir('v32'), 'study.db');
    const s = openStudyStorage(db, { create: true });
    s.createStudy('s', ['minimize']);
    s.close();
    // Stamped as Optuna 3.2-5.0 stamps a file on first open.
    runPython('import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute("INSERT INTO alembic_version VALUES (\'v3.2.0.a\')")\nc.commit()', [db]);
    const w = openStudyStorage(db, { runner: true });
    const id = w.getStudy('s')!.studyId;
    const t = w.createTrial(id, { params: paramsFor(0) });
    w.finishTrial(t.trialId, 'COMPLETE', 1);
    w.close();
    expect(alembic(db)).toEqual([['v3.2.0.a']]);
    expect(() => runPython('import sys, optuna\noptuna.load_study(study_name="s", storage="sqlite:///" + sys.argv[1])', [db])).toThrow(/no longer compatible.*try updating optuna/s);
  });

  it('refuses unknown and older revisions with a clear message and leaves the file byte-for-byte unchanged', () => {
    for (const [rev, hint] of [
      ['v9.9.9.z', /does not know.*v3\.0\.0\.d.*v3\.2\.0\.a/s],
      ['v2.6.0.a', /optuna storage upgrade/],
    ] as const) {
      const db = path.join(tempDir('rev'), 'study.db');
      fs.copyFileSync(path.join(FIXTURES, 'optuna-3.1.0', 'study.db'), db);
      runPython('import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute("UPDATE alembic_version SET version_num = ?", (sys.argv[2],))\nc.commit()', [db, rev]);
      const hash = sha256(db);
      for (const opts of [{}, { runner: true }, { readonly: true }, { create: true }]) {
        let err: unknown;
        try {
          openStudyStorage(db, opts).close();
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(StudyError);
        expect((err as StudyError).code).toBe('UNKNOWN_REVISION');
        expect((err as StudyError).message).toContain(db);
        expect((err as StudyError).message).toContain(rev);
        expect((err as StudyError).message).toMatch(hint);
      }
      expect(sha256(db)).toBe(hash);
      expect(fs.readdirSync(path.dirname(db))).toEqual(['study.db']);
    }
  });
});
