// StudyStorage semantics that Optuna defines: numbering, WAITING pops, immutability of finished
// trials, PRUNED/COMPLETE values, distribution compatibility, heartbeats and stale trials.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Distribution } from '../../electron/core/search/types.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { StudyError, type StudyStorage } from '../../electron/core/studies/types.ts';
import { sqliteRows, tempDir } from './support/optunaDump.ts';

const X: Distribution = { kind: 'float', low: 0, high: 1, step: null, log: false };
const C: Distribution = { kind: 'categorical', choices: ['a', 'b'] };

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof StudyError) return e.code;
    throw e;
  }
  return undefined;
};

describe('StudyStorage semantics', () => {
  let db: string;
  let s: StudyStorage;
  let studyId: number;
  beforeEach(() => {
    db = path.join(tempDir('sem'), 'study.db');
    s = openStudyStorage(db, { create: true });
    studyId = s.createStudy('s', ['minimize']).studyId;
  });
  afterEach(() => s.close());

  it('numbers trials per study in trial_id order, across interleaved studies', () => {
    const other = s.createStudy('other', ['maximize']).studyId;
    const got = [s.createTrial(studyId), s.createTrial(other), s.createTrial(studyId, { state: 'WAITING' }), s.createTrial(other), s.createTrial(studyId)];
    expect(got.map((t) => t.number)).toEqual([0, 0, 1, 1, 2]);
    expect(got.map((t) => t.trialId)).toEqual([1, 2, 3, 4, 5]);
    expect(codeOf(() => s.createStudy('s', ['minimize']))).toBe('STUDY_EXISTS');
    expect(codeOf(() => s.createTrial(999))).toBe('STUDY_NOT_FOUND');
  });

  it('pops the oldest WAITING trial once, setting datetime_start and a heartbeat', () => {
    expect(s.popWaitingTrial(studyId)).toBeNull();
    const w1 = s.createTrial(studyId, { state: 'WAITING', systemAttrs: { fixed_params: { x: 0.5 } } });
    const w2 = s.createTrial(studyId, { state: 'WAITING' });
    expect(s.getTrial(w1.trialId)).toMatchObject({ state: 'WAITING', datetimeStart: null, systemAttrs: { fixed_params: { x: 0.5 } } });
    expect(s.popWaitingTrial(studyId)).toEqual(w1);
    expect(s.popWaitingTrial(studyId)).toEqual(w2);
    expect(s.popWaitingTrial(studyId)).toBeNull();
    expect(s.getTrial(w1.trialId).state).toBe('RUNNING');
    expect(s.getTrial(w1.trialId).datetimeStart).toBeInstanceOf(Date);
    expect(sqliteRows(db, `SELECT COUNT(*) FROM trial_heartbeats WHERE trial_id IN (${w1.trialId}, ${w2.trialId})`)).toEqual([[2]]);
  });

  it('finishTrial stores the intermediate values it is given in its own commit: a later one of a step wins, PRUNED takes the last, a finished trial takes none', () => {
    const a = s.createTrial(studyId);
    s.reportIntermediate(a.trialId, 0, 5);
    s.finishTrial(a.trialId, 'COMPLETE', 1, [[1, 4], [2, NaN], [1, 3]]);
    expect(s.getTrial(a.trialId).intermediateValues).toEqual([[0, 5], [1, 3], [2, NaN]]);
    const b = s.createTrial(studyId);
    s.finishTrial(b.trialId, 'PRUNED', null, [[0, 0.5], [3, 0.25]]);
    expect(s.getTrial(b.trialId)).toMatchObject({ state: 'PRUNED', value: 0.25, intermediateValues: [[0, 0.5], [3, 0.25]] });
    expect(codeOf(() => s.finishTrial(b.trialId, 'FAIL', null, [[4, 1]]))).toBe('TRIAL_FINISHED');
    expect(codeOf(() => s.finishTrial(s.createTrial(studyId).trialId, 'COMPLETE', 1, [[-1, 1]]))).toBe('BAD_VALUE');
    expect(s.getTrial(b.trialId).intermediateValues).toEqual([[0, 0.5], [3, 0.25]]);
  });

  it('never edits a finished trial', () => {
    const t = s.createTrial(studyId, { params: { x: { value: 0.1, distribution: X } } });
    s.finishTrial(t.trialId, 'COMPLETE', 3);
    for (const f of [
      () => s.finishTrial(t.trialId, 'FAIL'),
      () => s.reportIntermediate(t.trialId, 0, 1),
      () => s.setTrialParam(t.trialId, 'y', 'a', C),
      () => s.setTrialUserAttr(t.trialId, 'k', 1),
      () => s.setTrialSystemAttr(t.trialId, 'k', 1),
    ]) {
      expect(codeOf(f)).toBe('TRIAL_FINISHED');
    }
    expect(s.getTrial(t.trialId)).toMatchObject({ state: 'COMPLETE', value: 3, params: { x: 0.1 }, userAttrs: {}, intermediateValues: [] });
    expect(codeOf(() => s.getTrial(12345))).toBe('TRIAL_NOT_FOUND');
  });

  it('stores values as Optuna does: ±inf as value_type, NaN intermediates, PRUNED takes the last non-NaN intermediate, NaN COMPLETE becomes FAIL', () => {
    const a = s.createTrial(studyId);
    s.reportIntermediate(a.trialId, 0, 5);
    s.reportIntermediate(a.trialId, 2, -Infinity);
    s.reportIntermediate(a.trialId, 1, NaN);
    s.reportIntermediate(a.trialId, 0, 4); // re-reporting a step overwrites
    s.finishTrial(a.trialId, 'PRUNED');
    const b = s.createTrial(studyId);
    s.reportIntermediate(b.trialId, 0, 1);
    s.reportIntermediate(b.trialId, 1, NaN);
    s.finishTrial(b.trialId, 'PRUNED'); // last intermediate is NaN: no value, as in Optuna's tell
    const c = s.createTrial(studyId);
    s.finishTrial(c.trialId, 'COMPLETE', NaN);
    const d = s.createTrial(studyId);
    s.finishTrial(d.trialId, 'COMPLETE', Infinity);
    const e = s.createTrial(studyId);
    s.finishTrial(e.trialId, 'FAIL', 7);
    expect(sqliteRows(db, 'SELECT trial_id, step, intermediate_value, intermediate_value_type FROM trial_intermediate_values ORDER BY trial_id, step')).toEqual([
      [a.trialId, 0, 4, 'FINITE'],
      [a.trialId, 1, null, 'NAN'],
      [a.trialId, 2, null, 'INF_NEG'],
      [b.trialId, 0, 1, 'FINITE'],
      [b.trialId, 1, null, 'NAN'],
    ]);
    expect(sqliteRows(db, 'SELECT trial_id, objective, value, value_type FROM trial_values ORDER BY trial_id')).toEqual([
      [a.trialId, 0, null, 'INF_NEG'],
      [d.trialId, 0, null, 'INF_POS'],
    ]);
    expect(sqliteRows(db, 'SELECT state FROM trials ORDER BY trial_id').map((r) => r[0])).toEqual(['PRUNED', 'PRUNED', 'FAIL', 'COMPLETE', 'FAIL']);
    const got = s.getTrial(a.trialId);
    expect(got.value).toBe(-Infinity);
    expect(got.intermediateValues.map(([k]) => k)).toEqual([0, 1, 2]);
    expect(Number.isNaN(got.intermediateValues[1]![1])).toBe(true);
    expect(s.getBestTrial(studyId)?.trialId).toBe(d.trialId); // the only COMPLETE trial
  });

  it('a multi-objective study: one trial_values row per objective (±inf as value_type), no best trial, a wrong count refused naming both', () => {
    const mo = s.createStudy('mo', ['minimize', 'maximize']).studyId;
    const a = s.createTrial(mo);
    s.finishTrial(a.trialId, 'COMPLETE', [1.5, Infinity]);
    const b = s.createTrial(mo);
    s.finishTrial(b.trialId, 'PRUNED'); // several objectives: a PRUNED trial stores no value, as Optuna
    const c = s.createTrial(mo);
    expect(() => s.finishTrial(c.trialId, 'COMPLETE', 2)).toThrow(/has 2 objective\(s\); finishTrial got one value/);
    expect(() => s.finishTrial(c.trialId, 'COMPLETE', [1, 2, 3])).toThrow(/has 2 objective\(s\); finishTrial got 3 value\(s\)/);
    expect(s.getTrial(c.trialId).state).toBe('RUNNING'); // refused: nothing written
    s.finishTrial(c.trialId, 'COMPLETE', [NaN, 1]); // a NaN among the values fails it, as Optuna's tell
    expect(sqliteRows(db, `SELECT t.trial_id, objective, value, value_type FROM trial_values v JOIN trials t ON t.trial_id = v.trial_id WHERE t.study_id = ${mo} ORDER BY t.trial_id, objective`)).toEqual([
      [a.trialId, 0, 1.5, 'FINITE'],
      [a.trialId, 1, null, 'INF_POS'],
    ]);
    expect(s.getTrials(mo).map((t) => [t.state, t.value, t.values])).toEqual([
      ['COMPLETE', 1.5, [1.5, Infinity]],
      ['PRUNED', null, undefined],
      ['FAIL', null, undefined],
    ]);
    expect(s.getBestTrial(mo)).toBeNull();
    expect(s.getStudy('mo')?.directions).toEqual(['minimize', 'maximize']);
  });

  it('orders the best trial as fixed Optuna does: -inf < finite < +inf, ties to the earliest', () => {
    const put = (v: number): number => {
      const t = s.createTrial(studyId);
      s.finishTrial(t.trialId, 'COMPLETE', v);
      return t.number;
    };
    put(Infinity);
    const two = put(2);
    put(2);
    expect(s.getBestTrial(studyId)?.number).toBe(two);
    const ninf = put(-Infinity);
    expect(s.getBestTrial(studyId)?.number).toBe(ninf);
    const max = s.createStudy('max', ['maximize']).studyId;
    for (const v of [-Infinity, 5, Infinity, 9]) s.finishTrial(s.createTrial(max).trialId, 'COMPLETE', v);
    expect(s.getBestTrial(max)?.number).toBe(2);
    expect(s.listStudies().map((x) => [x.name, x.best])).toEqual([
      ['s', { number: ninf, value: -Infinity }],
      ['max', { number: 2, value: Infinity }],
    ]);
  });

  it('writes params in internal representation and checks compatibility with the first record, as Optuna does', () => {
    const I: Distribution = { kind: 'int', low: 1, high: 9, step: 2, log: false };
    const t = s.createTrial(studyId, { params: { x: { value: 0.25, distribution: X }, c: { value: 'b', distribution: C }, i: { value: 7, distribution: I } } });
    expect(sqliteRows(db, `SELECT param_name, param_value FROM trial_params WHERE trial_id = ${t.trialId} ORDER BY param_id`)).toEqual([
      ['x', 0.25],
      ['c', 1],
      ['i', 7],
    ]);
    const u = s.createTrial(studyId);
    // Ranges may change between trials; kind, log and choices may not.
    s.setTrialParam(u.trialId, 'x', 3, { kind: 'float', low: 0, high: 5, step: null, log: false });
    expect(codeOf(() => s.setTrialParam(u.trialId, 'c', 'a', { kind: 'categorical', choices: ['a', 'b', 'z'] }))).toBe('INCOMPATIBLE_DISTRIBUTION');
    expect(codeOf(() => s.setTrialParam(u.trialId, 'i', 4, { kind: 'int', low: 1, high: 9, step: 1, log: true }))).toBe('INCOMPATIBLE_DISTRIBUTION');
    expect(codeOf(() => s.setTrialParam(u.trialId, 'i', 0.5, X))).toBe('INCOMPATIBLE_DISTRIBUTION');
    expect(codeOf(() => s.setTrialParam(u.trialId, 'c2', 'q', C))).toBe('INCOMPATIBLE_DISTRIBUTION'); // not a choice
    // A failed createTrial leaves nothing behind (one transaction).
    const before = sqliteRows(db, 'SELECT COUNT(*) FROM trials')[0]![0];
    expect(codeOf(() => s.createTrial(studyId, { params: { c: { value: 'a', distribution: { kind: 'categorical', choices: ['a'] } } } }))).toBe('INCOMPATIBLE_DISTRIBUTION');
    expect(sqliteRows(db, 'SELECT COUNT(*) FROM trials')[0]![0]).toBe(before);
    expect(s.getTrial(u.trialId).params).toEqual({ x: 3 });
  });

  it('failStaleTrials fails RUNNING trials with a stale heartbeat; fresh ones and ones without heartbeats (running elsewhere) are left alone', () => {
    const fresh = s.createTrial(studyId);
    const stale = s.createTrial(studyId);
    const none = s.createTrial(studyId);
    const waiting = s.createTrial(studyId, { state: 'WAITING' });
    s.heartbeat(fresh.trialId);
    const raw = new Database(db);
    raw.prepare("UPDATE trial_heartbeats SET heartbeat = '2020-01-01 00:00:00' WHERE trial_id = ?").run(stale.trialId); // Python's CURRENT_TIMESTAMP shape
    raw.prepare('DELETE FROM trial_heartbeats WHERE trial_id = ?').run(none.trialId); // as a Python trial without heartbeats
    raw.close();
    const failed = s.failStaleTrials(studyId, 60);
    expect(failed.map((t) => [t.number, t.state])).toEqual([[stale.number, 'FAIL']]);
    expect(failed.every((t) => t.datetimeComplete instanceof Date)).toBe(true);
    expect(s.getTrial(fresh.trialId).state).toBe('RUNNING');
    expect(s.getTrial(none.trialId).state).toBe('RUNNING');
    expect(s.getTrial(waiting.trialId).state).toBe('WAITING');
    expect(s.failStaleTrials(studyId, 60)).toEqual([]);
    expect(s.runningElsewhere(studyId).map((t) => t.number)).toEqual([none.number]);
    expect(s.listStudies()[0]!.counts).toEqual({ RUNNING: 2, COMPLETE: 0, PRUNED: 0, FAIL: 1, WAITING: 1 });
    // Failing it on purpose: FAIL with the reason, once; a finished trial is never changed.
    const byUser = s.failTrial(studyId, none.number, 'gone');
    expect([byUser.state, byUser.systemAttrs.fail_reason, byUser.datetimeComplete instanceof Date]).toEqual(['FAIL', 'gone', true]);
    expect(s.runningElsewhere(studyId)).toEqual([]);
    expect(codeOf(() => s.failTrial(studyId, none.number, 'again'))).toBe('TRIAL_FINISHED');
    expect(codeOf(() => s.failTrial(studyId, 999, 'none'))).toBe('TRIAL_NOT_FOUND');
    expect(s.listStudies()[0]!.counts).toEqual({ RUNNING: 1, COMPLETE: 0, PRUNED: 0, FAIL: 2, WAITING: 1 });
  });

  it('getTrials sees changes another connection made, including trials finished elsewhere', () => {
    const t = s.createTrial(studyId);
    expect(s.getTrials(studyId).map((x) => x.state)).toEqual(['RUNNING']);
    const other = openStudyStorage(db);
    other.reportIntermediate(t.trialId, 0, 0.5);
    other.finishTrial(t.trialId, 'COMPLETE', 0.5);
    other.createTrial(studyId, { state: 'WAITING' });
    other.close();
    expect(s.getTrials(studyId).map((x) => [x.state, x.value, x.intermediateValues.length])).toEqual([
      ['COMPLETE', 0.5, 1],
      ['WAITING', null, 0],
    ]);
    expect(s.getTrials(studyId, ['WAITING']).map((x) => x.number)).toEqual([1]);
    expect(Object.isFrozen(s.getTrial(t.trialId))).toBe(true); // finished trials are cached, immutable
  });

  it('the incremental trial cache stays in trial_id order when trials finish out of order elsewhere', () => {
    const ids = [s.createTrial(studyId), s.createTrial(studyId), s.createTrial(studyId)].map((t) => t.trialId);
    s.finishTrial(ids[1]!, 'COMPLETE', 1);
    expect(s.getTrials(studyId).map((t) => t.state)).toEqual(['RUNNING', 'COMPLETE', 'RUNNING']);
    const other = openStudyStorage(db);
    other.finishTrial(ids[2]!, 'PRUNED', 2);
    const t3 = other.createTrial(studyId);
    other.finishTrial(ids[0]!, 'FAIL');
    other.close();
    const t4 = s.createTrial(studyId, { state: 'WAITING' });
    expect(s.getTrials(studyId).map((t) => [t.number, t.state])).toEqual([
      [0, 'FAIL'],
      [1, 'COMPLETE'],
      [2, 'PRUNED'],
      [3, 'RUNNING'],
      [4, 'WAITING'],
    ]);
    expect(s.getTrials(studyId, ['COMPLETE', 'PRUNED', 'WAITING']).map((t) => t.number)).toEqual([1, 2, 4]);
    s.finishTrial(t3.trialId, 'COMPLETE', 0);
    expect(s.getTrials(studyId, ['COMPLETE']).map((t) => t.number)).toEqual([1, 3]);
    expect(s.getBestTrial(studyId)?.number).toBe(3);
    expect(t4.number).toBe(4);
    // A fresh connection reads the same.
    const fresh = openStudyStorage(db, { readonly: true });
    expect(fresh.getTrials(studyId).map((t) => [t.number, t.state, t.value])).toEqual(s.getTrials(studyId).map((t) => [t.number, t.state, t.value]));
    fresh.close();
  });

  it('runInWriteTransaction makes a budget check and a trial creation one atomic unit; a throw rolls all back', () => {
    const claim = (max: number): number | null =>
      s.runInWriteTransaction!(() => {
        const c = s.countTrials!(studyId);
        if (c.COMPLETE + c.RUNNING >= max) return null;
        return s.createTrial(studyId, { params: { x: { value: 0.5, distribution: X } } }).number;
      });
    expect([claim(2), claim(2), claim(2)]).toEqual([0, 1, null]);
    expect(s.countTrials!(studyId)).toEqual({ RUNNING: 2, COMPLETE: 0, PRUNED: 0, FAIL: 0, WAITING: 0 });
    expect(() =>
      s.runInWriteTransaction!(() => {
        s.createTrial(studyId);
        s.setStudyUserAttr(studyId, 'k', 1);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(s.countTrials!(studyId).RUNNING).toBe(2);
    expect(s.getStudy('s')!.userAttrs).toEqual({});
    expect(sqliteRows(db, 'SELECT COUNT(*) FROM trial_params')).toEqual([[2]]);
    // The same in a runner's WAL session, where nested 'full' and 'light' commits join the outer one.
    const r = openStudyStorage(db, { runner: true });
    const n = r.runInWriteTransaction!(() => {
      const t = r.createTrial(studyId);
      r.finishTrial(t.trialId, 'COMPLETE', 1);
      r.setStudyUserAttr(studyId, 'k', 2);
      return t.number;
    });
    expect(n).toBe(2);
    expect(r.countTrials!(studyId)).toMatchObject({ RUNNING: 2, COMPLETE: 1 });
    r.close();
    expect(s.getStudy('s')!.userAttrs).toEqual({ k: 2 });
  });

  it('finishTrialFlushLater commits the finish before it returns, with finishTrial\'s rules, and its promise resolves once flushed', async () => {
    for (const runner of [true, false]) {
      const w = openStudyStorage(db, { runner });
      const t = w.createTrial(studyId);
      const onDisk = w.finishTrialFlushLater!(t.trialId, 'COMPLETE', 0.5, [[0, 0.25]]);
      // Another connection sees it at once, before the flush reports back.
      expect(sqliteRows(db, `SELECT state FROM trials WHERE trial_id = ${t.trialId}`)).toEqual([['COMPLETE']]);
      expect(s.getTrial(t.trialId)).toMatchObject({ state: 'COMPLETE', value: 0.5, intermediateValues: [[0, 0.25]] });
      await onDisk;
      expect(codeOf(() => void w.finishTrialFlushLater!(t.trialId, 'COMPLETE', 1))).toBe('TRIAL_FINISHED');
      w.close();
    }
  });

  it('a read-only storage refuses writes and changes nothing', () => {
    s.createTrial(studyId);
    const r = openStudyStorage(db, { readonly: true });
    expect(codeOf(() => r.createTrial(studyId))).toBe('READ_ONLY');
    expect(codeOf(() => r.createStudy('z', ['minimize']))).toBe('READ_ONLY');
    expect(r.getTrials(studyId)).toHaveLength(1);
    r.close();
  });

  it('writes datetimes as YYYY-MM-DD HH:MM:SS.ffffff and attrs as Python JSON', () => {
    const t = s.createTrial(studyId, { userAttrs: { a: [1, 2.5, null, NaN, '\u00e9'], big: 2n ** 80n } });
    s.finishTrial(t.trialId, 'COMPLETE', 1);
    const [row] = sqliteRows(db, `SELECT datetime_start, datetime_complete FROM trials WHERE trial_id = ${t.trialId}`);
    for (const v of row!) expect(v).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    expect(sqliteRows(db, `SELECT "key", value_json FROM trial_user_attributes WHERE trial_id = ${t.trialId} ORDER BY 1`)).toEqual([
      ['a', '[1, 2.5, null, NaN, "\\u00e9"]'],
      ['big', '1208925819614629174706176'],
    ]);
    expect(sqliteRows(db, 'SELECT heartbeat FROM trial_heartbeats')[0]![0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
  });
});
