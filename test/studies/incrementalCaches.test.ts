// The storage's incremental per-study caches (trial history, and the state index behind counts,
// WAITING pops and trial numbering) against what the file says, when other connections and other
// processes write the same study and when transactions roll back.
import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Distribution, TrialState } from '../../electron/core/search/types.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import type { StudyStorage } from '../../electron/core/studies/types.ts';
import { sqliteRows, tempDir } from './support/optunaDump.ts';

const X: Distribution = { kind: 'float', low: 0, high: 1, step: null, log: false };
const STATES: readonly TrialState[] = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'];

type Rows = (sql: string) => unknown[][];

/** Counts by state straight from the file (a full scan, the rule the index must match). */
function fileCounts(rows: Rows, studyId: number): Record<TrialState, number> {
  const c = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<TrialState, number>;
  for (const [state, n] of rows(`SELECT state, COUNT(*) FROM trials WHERE study_id = ${studyId} GROUP BY state`) as Array<[TrialState, number]>) c[state] = n;
  return c;
}

/** Every trial's number must be Optuna's: the count of the study's trials with a lower trial_id. */
function numbersFollowOptunaRule(db: string): boolean {
  const bad = sqliteRows(db, 'SELECT COUNT(*) FROM trials t WHERE t.number != (SELECT COUNT(*) FROM trials u WHERE u.study_id = t.study_id AND u.trial_id < t.trial_id)');
  return (bad[0] as [number])[0] === 0;
}

const open: StudyStorage[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});
function storage(db: string, runner = true): StudyStorage {
  const s = openStudyStorage(db, { create: true, runner });
  open.push(s);
  return s;
}

describe('incremental study caches', () => {
  it('three connections interleaving every kind of trial write: counts, WAITING pops, numbers and histories always match the file', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            who: fc.integer({ min: 0, max: 2 }),
            op: fc.constantFrom('create', 'wait', 'pop', 'finish', 'fail-stale', 'other-study', 'read'),
            pick: fc.nat(),
            state: fc.constantFrom<'COMPLETE' | 'PRUNED' | 'FAIL'>('COMPLETE', 'PRUNED', 'FAIL'),
          }),
          { minLength: 5, maxLength: 30 },
        ),
        (steps) => {
          const db = path.join(tempDir('incr'), 'study.db');
          // One runner (it puts the file in WAL, lighter commits); the other two join in WAL with
          // every commit fsynced. The runner closes last, so no close waits for the others.
          const conns = [storage(db), storage(db, false), storage(db, false)];
          const studyId = conns[0]!.createStudy('s', ['minimize']).studyId;
          const otherId = conns[1]!.createStudy('other', ['maximize']).studyId;
          const raw = new Database(db, { readonly: true });
          const rows: Rows = (sql) => raw.prepare(sql).raw().all() as unknown[][];
          // Warm every cache before the others write.
          for (const c of conns) {
            c.countTrials!(studyId);
            c.getTrials(studyId);
          }
          for (const st of steps) {
            const s = conns[st.who]!;
            const unfinished = rows( `SELECT trial_id FROM trials WHERE study_id = ${studyId} AND state IN ('RUNNING','WAITING') ORDER BY trial_id`) as Array<[number]>;
            const waiting = rows( `SELECT trial_id, number FROM trials WHERE study_id = ${studyId} AND state = 'WAITING' ORDER BY trial_id LIMIT 1`) as Array<[number, number]>;
            switch (st.op) {
              case 'create':
                s.runInWriteTransaction!(() => s.createTrial(studyId, { params: { x: { value: 0.5, distribution: X } } }));
                break;
              case 'wait':
                s.createTrial(studyId, { state: 'WAITING' });
                break;
              case 'pop': {
                const got = s.popWaitingTrial(studyId);
                // Always the oldest WAITING trial per the file, never one another connection took.
                expect(got ? [got.trialId, got.number] : null).toEqual(waiting[0] ?? null);
                break;
              }
              case 'finish':
                if (unfinished.length) s.finishTrial(unfinished[st.pick % unfinished.length]![0], st.state, st.state === 'FAIL' ? null : st.pick);
                break;
              case 'fail-stale':
                s.failStaleTrials(studyId, -1);
                break;
              case 'other-study':
                s.createTrial(otherId);
                break;
              case 'read':
                break;
            }
            const want = fileCounts(rows, studyId);
            const ids = (rows( `SELECT trial_id, state FROM trials WHERE study_id = ${studyId} ORDER BY trial_id`) as Array<[number, string]>).map(([id, state]) => `${id}:${state}`);
            for (const c of conns) {
              expect(c.countTrials!(studyId)).toEqual(want);
              expect(c.getTrials(studyId).map((t) => `${t.trialId}:${t.state}`)).toEqual(ids);
            }
          }
          raw.close();
          expect(numbersFollowOptunaRule(db)).toBe(true);
          for (const c of open.splice(0).reverse()) c.close();
        },
      ),
      { numRuns: 25 },
    );
  });

  it('a rolled-back claim leaves no phantom trial: SQLite hands the same trial_id out again and the number is still right', () => {
    const db = path.join(tempDir('incr'), 'study.db');
    const s = storage(db);
    const studyId = s.createStudy('s', ['minimize']).studyId;
    s.createTrial(studyId);
    let phantomId = -1;
    expect(() =>
      s.runInWriteTransaction!(() => {
        const t = s.createTrial(studyId, { state: 'WAITING' });
        phantomId = t.trialId;
        // Fill every cache inside the transaction that is about to roll back.
        expect(s.countTrials!(studyId).WAITING).toBe(1);
        expect(s.getTrials(studyId)).toHaveLength(2);
        s.finishTrial(t.trialId, 'FAIL');
        expect(s.getTrials(studyId, ['FAIL'])).toHaveLength(1);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(s.countTrials!(studyId)).toEqual({ RUNNING: 1, COMPLETE: 0, PRUNED: 0, FAIL: 0, WAITING: 0 });
    expect(s.getTrials(studyId).map((t) => t.state)).toEqual(['RUNNING']);
    expect(s.popWaitingTrial(studyId)).toBeNull();
    const next = s.createTrial(studyId);
    expect(next.trialId).toBe(phantomId);
    expect(next.number).toBe(1);
    expect(s.getTrials(studyId).map((t) => [t.number, t.state])).toEqual([
      [0, 'RUNNING'],
      [1, 'RUNNING'],
    ]);
    expect(numbersFollowOptunaRule(db)).toBe(true);
  });

  it("a connection whose caches are warm sees another process's new, finished and popped trials, and never reuses a number", async () => {
    const db = path.join(tempDir('incr'), 'study.db');
    const s = storage(db);
    const studyId = s.createStudy('s', ['minimize']).studyId;
    const mine = s.createTrial(studyId);
    s.createTrial(studyId, { state: 'WAITING' });
    expect(s.countTrials!(studyId)).toMatchObject({ RUNNING: 1, WAITING: 1 });
    expect(s.getTrials(studyId)).toHaveLength(2);
    // Another process: pops our WAITING trial, finishes our RUNNING one, adds 3 trials (1 finished).
    const script = [
      "import { openStudyStorage } from './electron/core/studies/optunaSqliteStorage.ts';",
      `const s = openStudyStorage(${JSON.stringify(db)}, { runner: true });`,
      `const p = s.popWaitingTrial(${studyId}); s.finishTrial(p.trialId, 'COMPLETE', 3);`,
      `s.finishTrial(${mine.trialId}, 'PRUNED', 2);`,
      `const a = s.createTrial(${studyId}); s.createTrial(${studyId}); s.createTrial(${studyId}, { state: 'WAITING' });`,
      "s.finishTrial(a.trialId, 'COMPLETE', 1); s.close();",
    ].join('\n');
    await new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: path.resolve(import.meta.dirname, '../..'), stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer process failed (${code}): ${err}`))));
    });
    expect(s.countTrials!(studyId)).toEqual({ RUNNING: 1, COMPLETE: 2, PRUNED: 1, FAIL: 0, WAITING: 1 });
    expect(s.getTrials(studyId).map((t) => [t.number, t.state, t.value])).toEqual([
      [0, 'PRUNED', 2],
      [1, 'COMPLETE', 3],
      [2, 'COMPLETE', 1],
      [3, 'RUNNING', null],
      [4, 'WAITING', null],
    ]);
    expect(s.popWaitingTrial(studyId)?.number).toBe(4);
    expect(s.popWaitingTrial(studyId)).toBeNull();
    expect(s.createTrial(studyId).number).toBe(5);
    expect(numbersFollowOptunaRule(db)).toBe(true);
  });
});

describe('link attrs on finished trials', () => {
  it('setTrialLinkAttr on a finished, cached trial shows in this connection\'s next getTrials and getTrial', () => {
    const db = path.join(tempDir('incr'), 'study.db');
    const s = storage(db);
    const studyId = s.createStudy('s', ['minimize']).studyId;
    const t = s.createTrial(studyId);
    s.finishTrial(t.trialId, 'COMPLETE', 1);
    expect(s.getTrials(studyId)[0]!.userAttrs).toEqual({});
    s.setTrialLinkAttr(t.trialId, 'mlflow_run_id', 'abc');
    expect(s.getTrials(studyId).map((x) => [x.number, x.state, x.userAttrs])).toEqual([[0, 'COMPLETE', { mlflow_run_id: 'abc' }]]);
    expect(s.getTrial(t.trialId).userAttrs).toEqual({ mlflow_run_id: 'abc' });
  });
});
