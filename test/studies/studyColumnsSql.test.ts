// The column read (studyColumnsSql.ts) gives what getTrials gives for every trial, on files built to
// hit its shortcuts: two studies whose trials interleave (no single id range), a param only some
// trials have and the first and last trials lack (the name guess misses it), a range widened and a
// categorical's choices changed mid-study (rows decoded with their own distribution), values and
// intermediate values that are NaN or infinite, attrs whose JSON only Python reads (NaN), datetimes
// in other shapes than Optuna's, and deltas (`since`).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { distributionJsonOf, RowDecoder } from '../../electron/core/studies/rowCodec.ts';
import { StudyColumnsReader } from '../../electron/core/studies/studyColumnsSql.ts';
import { REPLY_SYSTEM_KEYS, trialColumnsReply, intermediateColumnsReply } from '../../electron/app/studyColumnsReply.ts';
import { toTrialRow } from '../../electron/app/sweepCatalog.ts';
import { toIntermediateColumns, toTrialColumns } from '../../shared/trialColumns.ts';
import type { FrozenTrial } from '../../electron/core/search/types.ts';
import type { StudyStorage } from '../../electron/core/studies/types.ts';

const X = { kind: 'float' as const, low: 0, high: 1, step: null, log: false };
const WIDE = { kind: 'float' as const, low: 0, high: 10, step: null, log: false };
const N = { kind: 'int' as const, low: 1, high: 9, step: 1, log: false };
const OPT = { kind: 'categorical' as const, choices: ['adam', 'sgd'] };
const OPT2 = { kind: 'categorical' as const, choices: ['sgd', 'adam', 'lion'] };

let dir: string;
let file: string;
let s: StudyStorage;
const ids: Record<string, number> = {};

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-colsql-'));
  file = path.join(dir, 'study.db');
  const w = openStudyStorage(file, { create: true });
  ids.a = w.createStudy('a', ['minimize']).studyId;
  ids.b = w.createStudy('b', ['maximize']).studyId;
  for (let i = 0; i < 12; i++) {
    for (const study of [ids.a, ids.b]) {
      const params: Record<string, { value: number | string; distribution: typeof X | typeof WIDE | typeof N | typeof OPT | typeof OPT2 }> = {
        x: { value: i > 6 ? i / 2 : i / 20, distribution: i > 6 ? WIDE : X },
        n: { value: 1 + (i % 9), distribution: N },
        opt: { value: i % 2 ? 'sgd' : 'adam', distribution: OPT },
      };
      if (i > 0 && i < 11 && i % 3 === 1) params.extra = { value: i * 0.1, distribution: X };
      const { trialId } = w.createTrial(study!, { params });
      w.reportIntermediate(trialId, 0, i === 3 ? NaN : i);
      w.reportIntermediate(trialId, 1, i === 4 ? Infinity : i + 0.5);
      if (i === 2) w.setTrialUserAttr(trialId, 'fail_reason', 'user says');
      w.setTrialUserAttr(trialId, 'mlflow_run_id', `run-${i}`);
      w.setTrialUserAttr(trialId, 'nested', { k: [1, 2] });
      if (i === 11) continue; // left RUNNING
      const state = i === 5 ? 'FAIL' : i === 6 ? 'PRUNED' : 'COMPLETE';
      if (i === 5) w.setTrialSystemAttr(trialId, 'fail_reason', 'boom');
      w.finishTrial(trialId, state, i === 7 ? NaN : i === 8 ? -Infinity : i === 5 ? null : Math.PI * i);
    }
  }
  w.close();
  const db = new Database(file);
  // Shapes Optuna does not write but parseOptunaDatetime reads; a Python-only JSON attr.
  db.prepare("UPDATE trials SET datetime_start = '2026-01-02T03:04:05.5' WHERE number = 1").run();
  db.prepare("UPDATE trials SET datetime_complete = '2026-01-02 03:04:06' WHERE number = 1").run();
  // Optuna's shape with a month and an hour out of range (read as getTrials reads them), and a text
  // holding the record separator the column read joins datetimes with.
  db.prepare("UPDATE trials SET datetime_start = '2026-13-01 00:00:00.000000' WHERE number = 2").run();
  db.prepare("UPDATE trials SET datetime_complete = '2026-01-01 24:00:00.250000' WHERE number = 2").run();
  db.prepare("UPDATE trials SET datetime_start = '2026-01-02 03:04:05' || char(30) || 'x' WHERE number = 3").run();
  db.prepare("UPDATE trial_user_attributes SET value_json = 'NaN' WHERE \"key\" = 'nested' AND trial_id = (SELECT trial_id FROM trials WHERE number = 3 AND study_id = ?)").run(ids.a);
  db.prepare("UPDATE trial_values SET value = NULL, value_type = 'NAN' WHERE trial_id IN (SELECT trial_id FROM trials WHERE number = 9)").run();
  // A categorical's choices changed from trial 9 on (our storage refuses that; Python resumed with
  // another space can leave it): 'sgd' is index 0 there, 'adam' 1.
  db.prepare(
    `UPDATE trial_params SET distribution_json = ?, param_value = 1 - param_value WHERE param_name = 'opt' AND trial_id IN (SELECT trial_id FROM trials WHERE number >= 9)`,
  ).run(distributionJsonOf(OPT2));
  db.close();
  s = openStudyStorage(file, {});
});

afterAll(() => {
  s?.close();
  rmSync(dir, { recursive: true, force: true });
});

const viaTrials = (all: FrozenTrial[], total: number) => toTrialColumns(all.map(toTrialRow), total, 'minimize');

describe('column read straight from SQL', () => {
  it('gives every field getTrials gives, for interleaved studies, odd rows and changed distributions', () => {
    for (const study of [ids.a!, ids.b!]) {
      const all = s.getTrials(study);
      const reply = trialColumnsReply(s.readColumns!(study, undefined, REPLY_SYSTEM_KEYS), all.length, 'minimize');
      const { userAttrs, ...rest } = reply;
      const expected = viaTrials(all, all.length);
      // Same params, maybe in another column order.
      expect({ ...rest, params: [...rest.params].sort((p, q) => p.name.localeCompare(q.name)) }).toEqual({ ...expected, params: [...expected.params].sort((p, q) => p.name.localeCompare(q.name)) });
      expect(rest.reason[2]).toBe('user says');
      expect(rest.reason[5]).toBe('boom');
      expect(rest.value[9]).toBeNaN();
      expect(rest.value[8]).toBe(-Infinity);
      expect(rest.params.find((p) => p.name === 'opt')!.values.slice(8, 11)).toEqual(['adam', 'sgd', 'adam']);
      const nested = userAttrs!.find((a) => a.key === 'nested')!;
      expect(nested.values[0]).toBe('{"k":[1,2]}');
      expect(Number.isNaN(nested.values[3])).toBe(study === ids.a);
      expect(userAttrs!.find((a) => a.key === 'mlflow_run_id')!.values[4]).toBe('run-4');
    }
  });

  it('reads the params of a long study a few trials at a time as it reads them at once', () => {
    // Study b's trials are not one id range (interleaved with a's): a file with one study is.
    const dir2 = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-colsql-chunk-'));
    try {
      const f = path.join(dir2, 'study.db');
      const w = openStudyStorage(f, { create: true });
      const study = w.createStudy('one', ['minimize']).studyId;
      for (let i = 0; i < 10; i++) {
        const params: Record<string, { value: number | string; distribution: typeof X | typeof OPT }> = { x: { value: i / 10, distribution: X } };
        if (i % 3) params.opt = { value: i % 2 ? 'sgd' : 'adam', distribution: OPT };
        w.createTrial(study, { params });
      }
      w.close();
      const db = new Database(f, { readonly: true });
      try {
        const all = new StudyColumnsReader(db, new RowDecoder(f)).read(study, undefined, []);
        for (const chunk of [1, 3, 4]) expect(new StudyColumnsReader(db, new RowDecoder(f), chunk).read(study, undefined, []), `chunk ${chunk}`).toEqual(all);
        expect(all.params.find((p) => p.name === 'opt')!.present).toEqual([false, true, true, false, true, true, false, true, true, false]);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  it('takes a param scan another connection made only when it saw the same snapshot', () => {
    // A one-study file (one id range: the whole-range read a split applies to), in WAL mode so a
    // writer can commit while a reader holds its snapshot, with a param the name guess misses.
    const dir2 = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-colsql-split-'));
    try {
      const f = path.join(dir2, 'study.db');
      const w = openStudyStorage(f, { create: true });
      const study = w.createStudy('one', ['minimize']).studyId;
      const add = (i: number): void => {
        const params: Record<string, { value: number | string; distribution: typeof X | typeof OPT }> = { x: { value: i / 10, distribution: X } };
        if (i % 3) params.opt = { value: i % 2 ? 'sgd' : 'adam', distribution: OPT };
        w.createTrial(study, { params });
      };
      for (let i = 0; i < 10; i++) add(i);
      new Database(f).pragma('journal_mode = WAL');
      const main = new Database(f, { readonly: true });
      const other = new Database(f, { readonly: true });
      try {
        const reader = new StudyColumnsReader(main, new RowDecoder(f), undefined, 1);
        const otherReader = new StudyColumnsReader(other, new RowDecoder(f));
        const alone = reader.read(study, undefined, []);
        // Same snapshot: the other connection's scan is the one used, and gives what one connection reads.
        // The other connection scans all the rows, or the first part of them (this one the rest).
        for (const share of [1, 0.5, 0.1]) {
          let handed = 0;
          const split = reader.read(study, undefined, [], () => {
            handed++;
            return otherReader.paramScan(study, share);
          });
          expect(handed, `share ${share}`).toBe(1);
          expect(split, `share ${share}`).toEqual(alone);
        }
        // A study larger than the other reader takes is left to this one.
        expect(otherReader.paramScan(study, 1, 9)).toBeNull();
        expect(otherReader.paramScan(study, 1, 10)).not.toBeNull();
        // The other connection scanned before a trial was committed, this one reads after it: a
        // mixed read would show the new trial without its params.
        const stale = otherReader.paramScan(study, 0.5);
        add(10);
        const after = reader.read(study, undefined, [], () => stale);
        expect(after.number).toHaveLength(11);
        expect(after.params.find((p) => p.name === 'x')!.values[10]).toBe(1);
        expect(after.params.find((p) => p.name === 'opt')!.values[10]).toBe('adam');
        expect(after).toEqual(reader.read(study, undefined, []));
      } finally {
        main.close();
        other.close();
        w.close();
      }
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  it('reads the intermediate values getTrials gives', () => {
    const all = s.getTrials(ids.a!);
    expect(intermediateColumnsReply(s.readIntermediateColumns!(ids.a!, undefined))).toEqual(toIntermediateColumns(all.map(toTrialRow)));
  });

  it('reads only what a page lacks with since', () => {
    const all = s.getTrials(ids.b!);
    const since = { after: 9, numbers: [3, 11] };
    const want = all.filter((t) => t.number > 9 || since.numbers.includes(t.number));
    const got = trialColumnsReply(s.readColumns!(ids.b!, since, REPLY_SYSTEM_KEYS), all.length, 'minimize');
    const { userAttrs: _u, ...rest } = got;
    const expected = viaTrials(want, all.length);
    expect({ ...rest, params: [...rest.params].sort((p, q) => p.name.localeCompare(q.name)) }).toEqual({ ...expected, params: [...expected.params].sort((p, q) => p.name.localeCompare(q.name)) });
    expect(intermediateColumnsReply(s.readIntermediateColumns!(ids.b!, since))).toEqual(toIntermediateColumns(want.map(toTrialRow)));
    // The study's count comes with the delta, from the same read (its trials only, not the file's).
    expect(s.readColumns!(ids.b!, since, REPLY_SYSTEM_KEYS).total).toBe(all.length);
    expect(s.readColumns!(ids.b!, undefined, REPLY_SYSTEM_KEYS).total).toBe(all.length);
  });

  it('reads one trial by its number as getTrials has it', () => {
    const all = s.getTrials(ids.b!);
    expect(s.getTrialByNumber!(ids.b!, 7)).toEqual(all.find((t) => t.number === 7));
    expect(s.getTrialByNumber!(ids.b!, 99)).toBeUndefined();
  });

  it('gives back every double exactly as stored, params and values (SQLite writes the text)', () => {
    // Doubles whose 15- or 16-digit text parses to another double, and the extremes.
    const hard = [0.1 + 0.2, 1 / 3, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308, 2 ** 53 + 2, 123456789.12345678, -Math.PI / 7e5, 1e21, 2 ** 60 + 2 ** 8];
    const dir2 = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-colsql-exact-'));
    try {
      const f = path.join(dir2, 'study.db');
      const w = openStudyStorage(f, { create: true });
      const study = w.createStudy('exact', ['minimize']).studyId;
      for (let i = 0; i < hard.length; i++) {
        const { trialId } = w.createTrial(study, { params: { x: { value: 0.5, distribution: X } } });
        w.finishTrial(trialId, 'COMPLETE', 1);
      }
      w.close();
      const db = new Database(f);
      hard.forEach((v, i) => {
        db.prepare('UPDATE trial_params SET param_value = ? WHERE trial_id = (SELECT trial_id FROM trials WHERE number = ?)').run(v, i);
        db.prepare('UPDATE trial_values SET value = ? WHERE trial_id = (SELECT trial_id FROM trials WHERE number = ?)').run(v, i);
      });
      db.close();
      const r = openStudyStorage(f, {});
      try {
        const c = r.readColumns!(study, undefined, REPLY_SYSTEM_KEYS);
        expect(c.params[0]!.values).toEqual(hard);
        expect(c.value).toEqual(hard);
      } finally {
        r.close();
      }
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  it('lists each param with its first recorded distribution', () => {
    expect(s.paramDistributions!(ids.a!)).toEqual([
      ['x', X],
      ['n', N],
      ['opt', OPT],
      ['extra', X],
    ]);
  });
});
