// A large seeded study written straight into Optuna's SQLite schema (one INSERT per row, one
// transaction): 100,000 trials in a few seconds instead of the minutes the storage's own trial calls
// take. The schema and the study row come from our storage (create: true), so the file is one Python
// Optuna opens. Used by bench/bigStudy.ts and bench/liveUpdates.ts.
import Database from 'better-sqlite3';
import { openStudyStorage } from '../electron/core/studies/optunaSqliteStorage.ts';
import { distributionJsonOf } from '../electron/core/studies/rowCodec.ts';
import { formatOptunaDatetime } from '../electron/core/studies/datetime.ts';
import { Rng } from '../electron/core/search/rng.ts';
import type { Distribution } from '../electron/core/search/types.ts';

export const BIG_STUDY_DISTS: Readonly<Record<string, Distribution>> = {
  learning_rate: { kind: 'float', low: 1e-5, high: 1e-1, step: null, log: true },
  optimizer: { kind: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
  dropout: { kind: 'float', low: 0, high: 0.5, step: null, log: false },
  layers: { kind: 'int', low: 1, high: 8, step: 1, log: false },
  batch_size: { kind: 'categorical', choices: [16, 32, 64, 128] },
  warmup_steps: { kind: 'int', low: 10, high: 1000, step: 1, log: true },
};

export interface BigStudy {
  studyName: string;
  trials: number;
  writeMs: number;
}

/** Appends `count` finished trials (numbers from `firstNumber`) to study `studyId` of an open
 * database: 6 params, intermediate values (3 steps) on every tenth trial, a user attr `gpu` on each,
 * ~10% pruned, ~2% failed, one a second apart from `t0Ms`. */
export function insertTrials(db: Database.Database, studyId: number, firstNumber: number, count: number, seed: number, t0Ms: number): void {
  const rng = new Rng(seed);
  const r = (): number => rng.random();
  const dj = Object.fromEntries(Object.entries(BIG_STUDY_DISTS).map(([k, d]) => [k, distributionJsonOf(d)]));
  const insTrial = db.prepare('INSERT INTO trials (number, study_id, state, datetime_start, datetime_complete) VALUES (?, ?, ?, ?, ?)');
  const insParam = db.prepare('INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES (?, ?, ?, ?)');
  const insValue = db.prepare("INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, 0, ?, 'FINITE')");
  const insIv = db.prepare("INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type) VALUES (?, ?, ?, 'FINITE')");
  const insAttr = db.prepare('INSERT INTO trial_user_attributes (trial_id, "key", value_json) VALUES (?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const number = firstNumber + i;
      const lr = Math.exp(Math.log(1e-5) + r() * (Math.log(1e-1) - Math.log(1e-5)));
      const opt = Math.floor(r() * 3);
      const dropout = r() * 0.5;
      const layers = 1 + Math.floor(r() * 8);
      const batch = Math.floor(r() * 4);
      const warmup = Math.round(Math.exp(Math.log(10) + r() * (Math.log(1000) - Math.log(10))));
      const loss = 0.1 * (Math.log10(lr) + 3) ** 2 + (dropout - 0.2) ** 2 + Math.abs(layers - 4) * 0.03 + (opt === 1 ? 0.1 : 0) + r() * 0.05;
      const u = r();
      const state = u < 0.02 ? 'FAIL' : u < 0.12 ? 'PRUNED' : 'COMPLETE';
      const start = t0Ms + number * 1000;
      const trialId = Number(insTrial.run(number, studyId, state, formatOptunaDatetime(new Date(start)), formatOptunaDatetime(new Date(start + 900 + Math.floor(r() * 100)))).lastInsertRowid);
      // Internal representations: a categorical's is its choice index.
      insParam.run(trialId, 'learning_rate', lr, dj.learning_rate);
      insParam.run(trialId, 'optimizer', opt, dj.optimizer);
      insParam.run(trialId, 'dropout', dropout, dj.dropout);
      insParam.run(trialId, 'layers', layers, dj.layers);
      insParam.run(trialId, 'batch_size', batch, dj.batch_size);
      insParam.run(trialId, 'warmup_steps', warmup, dj.warmup_steps);
      if (state !== 'FAIL') insValue.run(trialId, state === 'PRUNED' ? loss + 0.1 : loss);
      if (number % 10 === 0) for (let k = 0; k < 3; k++) insIv.run(trialId, k, loss + 0.3 / (k + 1));
      insAttr.run(trialId, 'gpu', JSON.stringify(`gpu-${number % 4}`));
    }
  })();
}

/** Writes a study of `trials` trials named `studyName` into a new file. */
export function makeBigStudy(file: string, trials: number, studyName = 'bench_big', seed = 7): BigStudy {
  const t0 = performance.now();
  const s = openStudyStorage(file, { create: true, runner: true });
  const { studyId } = s.createStudy(studyName, ['minimize']);
  s.close();
  const db = new Database(file);
  try {
    insertTrials(db, studyId, 0, trials, seed, Date.UTC(2026, 0, 1));
  } finally {
    db.close();
  }
  return { studyName, trials, writeMs: performance.now() - t0 };
}
