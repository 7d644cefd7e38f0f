// A local MLflow SQLite store holding one parent run with many child runs (a sweep of N trials as
// the app tracks it), written the fast way: plain SQL in MLflow's schema, one transaction, the same
// rows the store itself writes (runs, tags, params, metrics, latest_metrics). For bench/experimentRuns.ts.
import Database from 'better-sqlite3';
import { openSqliteStore } from '../electron/core/tracking/sqliteStore/sqliteStore.ts';

export interface BuiltStore {
  experimentId: string;
  parentRunId: string;
  children: number;
  metricRows: number;
  ms: number;
}

/** Seeded, so two builds hold the same values. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const hex = (r: () => number): string => Array.from({ length: 4 }, () => Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0')).join('');

/** Inserts straight into MLflow's schema (runs, tags, params, metrics, latest_metrics), far faster
 * than the store's API for the benches' hundreds of thousands of rows. insRun takes run_uuid, name,
 * status, start, end, artifact_uri, experiment_id. */
export function rawMlflowStatements(db: Database.Database) {
  return {
    insRun: db.prepare(
      "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES (?, ?, 'UNKNOWN', '', '', 'bench', ?, ?, ?, '', 'active', ?, ?)",
    ),
    insTag: db.prepare('INSERT INTO tags ("key", value, run_uuid) VALUES (?, ?, ?)'),
    insParam: db.prepare('INSERT INTO params ("key", value, run_uuid) VALUES (?, ?, ?)'),
    insMetric: db.prepare('INSERT INTO metrics ("key", value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, 0)'),
    insLatest: db.prepare('INSERT INTO latest_metrics ("key", value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, 0, ?)'),
  };
}

/** `children` child runs under one parent in experiment `name`: 3 params, 2 metrics (3 steps each). */
export async function buildExperimentStore(file: string, name: string, children: number): Promise<BuiltStore> {
  const t0 = performance.now();
  const store = openSqliteStore(file, { create: true });
  const experimentId = await store.createExperiment(name);
  await store.close();
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const { insRun, insTag, insParam, insMetric, insLatest } = rawMlflowStatements(db);
  const r = lcg(11);
  const t = 1_700_000_000_000;
  const parentRunId = hex(r);
  let metricRows = 0;
  db.transaction(() => {
    insRun.run(parentRunId, 'hpo_bench', 'FINISHED', t, t + children * 10 + 1000, `/bench/mlartifacts/${experimentId}/${parentRunId}/artifacts`, Number(experimentId));
    insTag.run('mlflow.runName', 'hpo_bench', parentRunId);
    insParam.run('sampler', 'tpe', parentRunId);
    for (let i = 0; i < children; i++) {
      const id = hex(r);
      const start = t + i * 10;
      const status = r() < 0.03 ? 'FAILED' : 'FINISHED';
      insRun.run(id, `trial_${i}`, status, start, start + 8, `/bench/mlartifacts/${experimentId}/${id}/artifacts`, Number(experimentId));
      insTag.run('mlflow.runName', `trial_${i}`, id);
      insTag.run('mlflow.parentRunId', parentRunId, id);
      insTag.run('trial_number', String(i), id);
      const lr = Math.exp(Math.log(1e-5) + r() * Math.log(1e4));
      const bs = 8 << Math.floor(r() * 4);
      const opt = ['adam', 'sgd', 'rmsprop'][Math.floor(r() * 3)]!;
      insParam.run('learning_rate', String(lr), id);
      insParam.run('batch_size', String(bs), id);
      insParam.run('optimizer', opt, id);
      const quality = 0.1 * (Math.log10(lr) + 3) ** 2 + (opt === 'sgd' ? 0.1 : 0) + r() * 0.2;
      for (const key of ['loss', 'macro-f1']) {
        let v = 0;
        for (let step = 0; step < 3; step++) {
          v = key === 'loss' ? quality + 0.5 / (step + 1) : Math.max(0, 1 - quality - 0.3 / (step + 1));
          insMetric.run(key, v, start + step, id, step);
          metricRows++;
        }
        insLatest.run(key, v, start + 2, 2, id);
      }
    }
  })();
  db.close();
  return { experimentId, parentRunId, children, metricRows, ms: performance.now() - t0 };
}
