// A read-only connection keeps the study summaries and param distributions it read while no other
// connection commits to the file (data_version), and reads them again once one does; what it hands
// out is a copy.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { UnchangedFileMemo } from '../../electron/core/studies/unchangedFileMemo.ts';

const X = { kind: 'float' as const, low: 0, high: 1, step: null, log: false };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-memo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('unchanged-file memo', () => {
  it('reads once per data_version and hands out copies', () => {
    let version = 1;
    let reads = 0;
    const memo = new UnchangedFileMemo(() => version);
    const read = () => {
      reads++;
      return { counts: { COMPLETE: reads } };
    };
    const a = memo.get('k', read);
    a.counts.COMPLETE = 99;
    expect(memo.get('k', read)).toEqual({ counts: { COMPLETE: 1 } });
    expect(reads).toBe(1);
    version = 2;
    expect(memo.get('k', read)).toEqual({ counts: { COMPLETE: 2 } });
    expect(reads).toBe(2);
  });

  it("a reader's summaries and distributions follow another connection's commits", () => {
    for (const journal of ['wal', 'delete'] as const) {
      const file = path.join(tmp, `${journal}.db`);
      // A runner's connection works in WAL; any other in rollback-journal mode, as Python Optuna's.
      const w = openStudyStorage(file, { create: true, runner: journal === 'wal' });
      const study = w.createStudy('s', ['minimize']).studyId;
      const first = w.createTrial(study, { params: { x: { value: 0.5, distribution: X } } });
      w.finishTrial(first.trialId, 'COMPLETE', 2);
      const r = openStudyStorage(file, { readonly: true });
      try {
        const before = r.listStudies();
        expect(before[0]!.counts.COMPLETE).toBe(1);
        expect(before[0]!.best).toEqual({ number: 0, value: 2 });
        expect(r.paramDistributions!(study).map(([n]) => n)).toEqual(['x']);
        // What a caller does to its copy changes nothing for the next.
        before[0]!.counts.COMPLETE = 50;
        expect(r.listStudies()[0]!.counts.COMPLETE).toBe(1);

        const second = w.createTrial(study, { params: { x: { value: 0.1, distribution: X }, y: { value: 0.2, distribution: X } } });
        w.finishTrial(second.trialId, 'COMPLETE', 1);
        const after = r.listStudies();
        expect(after[0]!.counts.COMPLETE).toBe(2);
        expect(after[0]!.best).toEqual({ number: 1, value: 1 });
        expect(r.paramDistributions!(study).map(([n]) => n)).toEqual(['x', 'y']);
      } finally {
        r.close();
        w.close();
      }
    }
  });
});
