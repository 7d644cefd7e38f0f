// Run search at scale: 100,000 runs (1,000 parent runs x 99 children) and 1,000,000 metric rows in
// a fresh MLflow SQLite store, then the page the runs view asks for: 100 children of one parent
// (`tags.mlflow.parentRunId = '<id>'`) sorted by a metric, repeated over different parents.
// Target (issue 3): p95 <= 50 ms. The data is inserted with plain SQL in one transaction (the same
// rows the store writes: runs, tags, params, metrics and latest_metrics) to keep setup short; the
// measured query goes through SqliteTrackingStore.searchRuns.
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../electron/core/tracking/sqliteStore/sqliteStore.ts';
import { machineLine, mdTable, writeBenchSection } from './benchSupport.ts';
import { rawMlflowStatements } from './experimentRunsStore.ts';

const PARENTS = Number(process.env.BENCH_PARENTS ?? 1000);
const CHILDREN = Number(process.env.BENCH_CHILDREN ?? 99);
const STEPS = 5; // x 2 metric keys = 10 metric rows per run
const REPS = Number(process.env.BENCH_REPS ?? 200);
const WRITE = process.env.BENCH_NO_WRITE !== '1';

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] as number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-bench-runsearch-'));
  const keep = process.env.BENCH_KEEP === '1';
  const file = path.join(dir, 'mlflow.db');
  try {
    const store = openSqliteStore(file, { create: true });
    const expId = await store.createExperiment('bench-run-search');
    await store.close();

    const t0 = performance.now();
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    const { insRun, insTag, insParam, insMetric, insLatest } = rawMlflowStatements(db);
    const parents: string[] = [];
    let metricRows = 0;
    let runs = 0;
    let t = 1_700_000_000_000;
    const addRun = (name: string, parent: string | null): string => {
      const id = randomUUID().replace(/-/g, '');
      t += 7;
      insRun.run(id, name, 'FINISHED', t, t + 1000, `/bench/mlartifacts/${expId}/${id}/artifacts`, Number(expId));
      insTag.run('mlflow.runName', name, id);
      if (parent) {
        insTag.run('mlflow.parentRunId', parent, id);
        insParam.run('learning_rate', String(Math.random() / 1000), id);
        insParam.run('batch_size', String(8 << (runs % 3)), id);
      }
      for (const key of ['macro-f1', 'loss']) {
        let v = 0;
        for (let step = 0; step < STEPS; step++) {
          v = key === 'loss' ? 1 / (step + 1) + Math.random() / 10 : Math.random();
          insMetric.run(key, v, t + step, id, step);
          metricRows++;
        }
        insLatest.run(key, v, t + STEPS - 1, STEPS - 1, id);
      }
      runs++;
      return id;
    };
    db.transaction(() => {
      for (let p = 0; p < PARENTS; p++) {
        const parent = addRun(`hpo_bench_${p}`, null);
        parents.push(parent);
        for (let c = 0; c < CHILDREN; c++) addRun(`trial_${c}`, parent);
      }
    })();
    db.close();
    const setupMs = performance.now() - t0;

    const reader = openSqliteStore(file);
    // Warm-up: the first queries load pages into SQLite's cache.
    for (let i = 0; i < 5; i++) {
      await reader.searchRuns({ experimentIds: [expId], filter: `tags.mlflow.parentRunId = '${parents[i]}'`, orderBy: ['metrics.`macro-f1` DESC'], maxResults: 100 });
    }
    const times: number[] = [];
    const cpu: number[] = [];
    const load = os.loadavg()[0] ?? 0;
    let checked = 0;
    for (let i = 0; i < REPS; i++) {
      const parent = parents[(i * 7919) % parents.length] as string;
      const s = performance.now();
      const c0 = process.cpuUsage();
      const page = await reader.searchRuns({
        experimentIds: [expId],
        filter: `tags.mlflow.parentRunId = '${parent}'`,
        orderBy: ['metrics.`macro-f1` DESC'],
        maxResults: 100,
      });
      times.push(performance.now() - s);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      // Sanity: every child of the parent, sorted by the metric.
      if (page.items.length !== CHILDREN) throw new Error(`expected ${CHILDREN} children, got ${page.items.length}`);
      const vals = page.items.map((r) => r.data.metrics?.find((m) => m.key === 'macro-f1')?.value ?? NaN);
      for (let k = 1; k < vals.length; k++) if ((vals[k] as number) > (vals[k - 1] as number)) throw new Error('page is not sorted by macro-f1 DESC');
      checked++;
    }
    // Live sweeps. (a) The same store adds a trial run under a parent before every query: its
    // own writes keep the per-key lookup current. (b) Another connection (another process, say)
    // writes a tag before every query: the lookup is dropped and each query scans the tags table.
    const LIVE_REPS = Math.max(20, Math.floor(REPS / 2));
    const runLive = async (before: (i: number) => Promise<void> | void): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < LIVE_REPS; i++) {
        await before(i);
        const parent = parents[(i * 104729) % parents.length] as string;
        const s = performance.now();
        const page = await reader.searchRuns({ experimentIds: [expId], filter: `tags.mlflow.parentRunId = '${parent}'`, orderBy: ['metrics.`macro-f1` DESC'], maxResults: 100 });
        out.push(performance.now() - s);
        if (page.items.length < CHILDREN) throw new Error(`expected at least ${CHILDREN} children, got ${page.items.length}`);
      }
      return out.sort((a, b) => a - b);
    };
    const ownWrites = await runLive(async (i) => {
      await reader.createRun({ experimentId: expId, runName: `extra_${i}`, tags: [{ key: 'mlflow.parentRunId', value: parents[(i * 31) % parents.length] as string }] });
    });
    const other = new Database(file);
    const touch = other.prepare(`UPDATE tags SET value = ? WHERE run_uuid = ? AND "key" = 'mlflow.runName'`);
    const otherWrites = await runLive((i) => {
      touch.run(`hpo_bench_${i % parents.length}`, parents[i % parents.length]);
    });
    other.close();
    const own50 = percentile(ownWrites, 50);
    const own95 = percentile(ownWrites, 95);
    const live50 = percentile(otherWrites, 50);
    const live95 = percentile(otherWrites, 95);
    await reader.close();
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    const cpu50 = percentile(cpu, 50);
    const cpu95 = percentile(cpu, 95);
    const p50 = percentile(times, 50);
    const p95 = percentile(times, 95);
    const max = times[times.length - 1] as number;
    const line = `run-search: ${runs} runs, ${metricRows} metric rows, ${REPS} queries: p50 ${p50.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, max ${max.toFixed(2)} ms (setup ${(setupMs / 1000).toFixed(1)} s); CPU per query p50 ${cpu50.toFixed(2)} ms, p95 ${cpu95.toFixed(2)} ms; load average ${load.toFixed(1)}; with a new child run from this store before each query: p50 ${own50.toFixed(2)} ms, p95 ${own95.toFixed(2)} ms; with another connection's write before each query: p50 ${live50.toFixed(2)} ms, p95 ${live95.toFixed(2)} ms`;
    console.log(line);
    if (WRITE) {
      writeBenchSection(
        'run-search',
        [
          '## Run search (SQLite store, MLflow schema)',
          '',
          machineLine(),
          '',
          `Fresh MLflow SQLite store (schema 0584bdc529eb, no extra indexes) with ${runs.toLocaleString('en-US')} runs (${PARENTS} parents x ${CHILDREN} children) and ${metricRows.toLocaleString('en-US')} metric rows (2 keys x ${STEPS} steps per run). Query: \`searchRuns\` with \`tags.mlflow.parentRunId = '<parent>'\`, \`order_by metrics.\\\`macro-f1\\\` DESC\`, \`max_results 100\`, ${REPS} repetitions over different parents after 5 warm-up queries; each page checked to hold all ${CHILDREN} children in order (${checked} checked).`,
          '',
          mdTable(['metric', 'value', 'target'], [
            ['p50', `${p50.toFixed(2)} ms`, ''],
            ['p95', `${p95.toFixed(2)} ms`, '<= 50 ms'],
            ['max', `${max.toFixed(2)} ms`, ''],
            ['CPU time per query, p50 / p95', `${cpu50.toFixed(2)} / ${cpu95.toFixed(2)} ms`, ''],
            [`live sweep, this store adds a child run before each query (${LIVE_REPS} queries), p50 / p95`, `${own50.toFixed(2)} / ${own95.toFixed(2)} ms`, ''],
            [`another connection writes before each query (${LIVE_REPS} queries), p50 / p95`, `${live50.toFixed(2)} / ${live95.toFixed(2)} ms`, ''],
          ]),
          '',
          "Repeated lookups by one tag key reuse a per-key map of value -> runs that the store builds once the key has been asked for 3 times with no other connection writing in between; the store's own writes patch the map after they commit. The last row is the other case: another connection commits before every query, the map is dropped, and each query scans the tags table once (no index on tag values exists in MLflow's schema).",
          '',
          `Wall-clock times depend on what else the machine runs: the 1-minute load average was ${load.toFixed(1)} on ${os.cpus().length} cores when the queries started. The CPU time is this process's own.`,
          '',
          'Run: `npx tsx bench/runSearch.ts`',
        ].join('\n'),
      );
    }
  } finally {
    if (keep) console.log(`kept ${file}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

await main();
