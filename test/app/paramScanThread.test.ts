// The host's trial_params scan worker (paramScanThread.ts): a scan made on its thread, taken
// synchronously inside the main thread's read transaction, gives the same columns as one connection
// reading everything; a scan of a missing file fails over to the main thread's own scan.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParamScanThread } from '../../electron/app/paramScanThread.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { RowDecoder } from '../../electron/core/studies/rowCodec.ts';
import { StudyColumnsReader } from '../../electron/core/studies/studyColumnsSql.ts';
import { until } from '../support/until.ts';

const X = { kind: 'float' as const, low: 0, high: 1, step: null, log: false };
const OPT = { kind: 'categorical' as const, choices: ['adam', 'sgd'] };

let dir: string;
let file: string;
let study: number;
const thread = new ParamScanThread(250, 0);

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-paramscan-'));
  file = path.join(dir, 'study.db');
  const w = openStudyStorage(file, { create: true });
  study = w.createStudy('one', ['minimize']).studyId;
  for (let i = 0; i < 30; i++) {
    const params: Record<string, { value: number | string; distribution: typeof X | typeof OPT }> = { x: { value: i / 30, distribution: X } };
    if (i % 3) params.opt = { value: i % 2 ? 'sgd' : 'adam', distribution: OPT };
    const { trialId } = w.createTrial(study, { params });
    w.finishTrial(trialId, 'COMPLETE', i);
  }
  w.close();
  thread.start();
  await until('the scan worker to listen', async () => thread.ready);
});

afterAll(() => {
  thread.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('trial_params scanned on the worker thread', () => {
  it('gives the columns one connection reads, the scan taken inside the read transaction', () => {
    const db = new Database(file, { readonly: true });
    try {
      const reader = new StudyColumnsReader(db, new RowDecoder(file), undefined, 1);
      const alone = reader.read(study, undefined, []);
      const take = thread.begin(file, study);
      expect(take).not.toBeNull();
      let scanned = null as ReturnType<NonNullable<typeof take>>;
      const split = db.transaction(() =>
        reader.read(study, undefined, [], () => {
          scanned = take!();
          return scanned;
        }),
      )();
      // 30 trials, 50 param rows: the worker scans the first 80%, this thread the rest.
      expect(scanned?.keys.reduce((n, k) => n + k.length, 0)).toBe(40);
      expect(split).toEqual(alone);
    } finally {
      db.close();
    }
  });

  it('answers a scan it cannot make with null (the main thread scans itself) and keeps serving', () => {
    expect(thread.begin(path.join(dir, 'missing.db'), study)!()).toBeNull();
    const again = thread.begin(file, study)!();
    expect(again?.names).toEqual(['x', 'opt']);
  });

  it('does not scan a study smaller than the size a reader splits (its scan would go unused)', async () => {
    const host = new ParamScanThread(250, 31);
    host.start();
    try {
      await until('the second scan worker to listen', async () => host.ready);
      expect(host.begin(file, study)!()).toBeNull();
    } finally {
      host.stop();
    }
    const atSize = new ParamScanThread(250, 30);
    atSize.start();
    try {
      await until('the third scan worker to listen', async () => atSize.ready);
      expect(atSize.begin(file, study)!()?.names).toEqual(['x', 'opt']);
    } finally {
      atSize.stop();
    }
  });
});
