// The database goes away under a running sweep: three `sweepdeck sweep worker` processes on one
// PostgreSQL study, then a restart (pg_ctl stop -m fast, start on the same port and data folder
// once a worker has said it lost the connection) or a 10 s pause (SIGSTOP of the postmaster and its
// backends). The workers wait, reconnect and take the sweep to its budget; no finished trial is lost,
// numbers stay unique, and Python Optuna reads the same finished trials.
//
// Heartbeats every 500 ms make the stale age 1.5 s (+1 s lag allowance), far below a 10 s pause:
// the documented edge (docs/DISTRIBUTED.md, "When the database goes away") then applies, so a trial
// running across the outage either finishes where it ran or is failed as stale and run again exactly
// once (the worker that ran it drops its own result). Either is allowed; lost or doubled is not.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrozenTrial } from '../../../electron/core/search/types.ts';
import { hasOptuna, runPython } from '../../support/peers.ts';
import { hasOwnCluster, startPostgres, type ClusterControl, type PgServer } from '../../support/postgresPeer.ts';
import { until } from '../../support/until.ts';
import { configInput, OBJECTIVE, tmpDir, writeConfig, type CliRun } from '../support.ts';
import { readStudy, startWorker, workerEnv } from './support.ts';

const HB_MS = 500;
const BUDGET = 24;
const WORKERS = 3;
const STUDY = 'outage';

const PY_READ = `
import json, sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
s = optuna.load_study(study_name=sys.argv[2], storage=sys.argv[1])
ts = s.get_trials(deepcopy=False)
print(json.dumps({"numbers": [t.number for t in ts], "complete": {str(t.number): t.value for t in ts if t.state.name == "COMPLETE"}}))
`;

/** Short trials (2 steps of 150 ms), one at a time per worker. */
function shortConfig(dir: string, url: string): string {
  return writeConfig(
    dir,
    configInput({
      study_name: STUDY,
      search_space: { x: { type: 'uniform', min: 0, max: 1 } },
      sampling: { algorithm: 'random', max_trials: BUDGET, max_concurrent_trials: 1 },
      trial: { command: [process.execPath, OBJECTIVE, '--x', '{x}'], env: { OBJ_STEPS: '2', OBJ_SLEEP_MS: '150' } },
      storage: url,
    }),
  );
}

const completeOf = (trials: FrozenTrial[]): Map<number, number | null> => new Map(trials.filter((t) => t.state === 'COMPLETE').map((t) => [t.number, t.value]));

/** Starts the workers and waits until the sweep is under way: some trials finished, some running. */
async function sweepUnderWay(pg: PgServer, tag: string): Promise<{ url: string; workers: CliRun[]; before: FrozenTrial[] }> {
  const url = pg.createDatabase(tag);
  const dir = tmpDir(`pg${tag}`);
  const config = shortConfig(dir, url);
  const env = workerEnv(path.join(dir, 'data'), HB_MS);
  const workers = Array.from({ length: WORKERS }, (_, i) => startWorker(config, ['--no-tracking', '--output-dir', path.join(dir, `w${i}`)], env, dir));
  const before = await until(
    'a third of the budget finished and a trial running',
    async () => {
      const r = await readStudy(url, STUDY).catch(() => null);
      return r && completeOf(r.trials).size >= BUDGET / 3 && r.trials.some((t) => t.state === 'RUNNING') ? r.trials : null;
    },
    90_000,
  );
  return { url, workers, before };
}

/** What every outage must leave: all workers done (exit 0), the budget reached with unique numbers,
 * every trial finished before the outage still finished with its value, every trial running across
 * it finished or failed as stale with exactly one retry, and Python Optuna agreeing. */
async function expectSweepWhole(pg: PgServer, url: string, workers: CliRun[], before: FrozenTrial[], label: string): Promise<void> {
  const exits = await Promise.all(workers.map((w) => w.exit));
  for (const [i, e] of exits.entries()) expect(e.code, workers[i]!.stdout() + workers[i]!.stderr()).toBe(0);
  for (const w of workers) expect(w.stdout() + w.stderr()).not.toContain(pg.password);

  const { trials } = await readStudy(url, STUDY);
  expect(trials.map((t) => t.number)).toEqual(trials.map((_, i) => i));
  const after = completeOf(trials);
  expect(after.size).toBe(BUDGET);
  expect(trials.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toEqual([]);
  for (const [n, v] of completeOf(before)) expect(after.get(n), `trial ${n}, finished before the outage`).toBe(v);
  for (const v of after.values()) expect(typeof v).toBe('number');

  // Every FAIL is a stale trial retried once with its params, the retry finished; nothing else fails.
  const retriesOf = (n: number) => trials.filter((t) => t.systemAttrs.failed_trial === n);
  const failed = trials.filter((t) => t.state === 'FAIL');
  for (const f of failed) {
    const retries = retriesOf(f.number);
    expect(retries, `retries of stale trial ${f.number}`).toHaveLength(1);
    expect([retries[0]!.state, retries[0]!.params]).toEqual(['COMPLETE', f.params]);
  }
  const across = before.filter((t) => t.state === 'RUNNING');
  for (const t of across) {
    const now = trials.find((x) => x.trialId === t.trialId)!;
    expect(['COMPLETE', 'FAIL'], `trial ${t.number}, running across the outage`).toContain(now.state);
    if (now.state === 'COMPLETE') expect(retriesOf(t.number)).toEqual([]);
  }
  const retried = failed.map((f) => f.number);
  console.log(
    `${label}: ${completeOf(before).size} complete and ${across.length} running before; after: ${trials.length} trials, ${after.size} complete, ` +
      `${failed.length} failed as stale and retried once (${retried.join(', ') || 'none'}); running across it: ${across.map((t) => `${t.number}→${trials.find((x) => x.trialId === t.trialId)!.state}`).join(', ')}`,
  );

  const py = JSON.parse(runPython(PY_READ, [url, STUDY]).trim().split('\n').pop()!) as { numbers: number[]; complete: Record<string, number> };
  expect(py.numbers).toEqual(trials.map((t) => t.number));
  expect(py.complete).toEqual(Object.fromEntries([...after].map(([n, v]) => [String(n), v])));
}

describe.runIf(hasOwnCluster() && hasOptuna())('sweep workers through outages of the real PostgreSQL server', () => {
  let pg: PgServer;
  let cluster: ClusterControl;
  beforeAll(async () => {
    pg = await startPostgres({ own: true });
    cluster = pg.cluster!;
  }, 120_000);
  afterAll(() => pg?.stop());

  it('a restart mid-sweep: the workers wait, reconnect and reach the budget; no finished trial lost, numbers unique', async () => {
    const { url, workers, before } = await sweepUnderWay(pg, 'restart');
    const t0 = Date.now();
    await cluster.stopServer();
    try {
      await until('a worker to report the lost connection', async () => workers.some((w) => w.stderr().includes('lost the database connection')), 60_000);
    } finally {
      // Up again whatever happened, for the other test on this cluster.
      await cluster.startServer();
    }
    const downMs = Date.now() - t0;
    await expectSweepWhole(pg, url, workers, before, `restart (down ${downMs} ms)`);
    const told = workers.filter((w) => w.stderr().includes('lost the database connection'));
    expect(told.length).toBeGreaterThan(0);
    for (const w of told) {
      expect(w.stderr()).toContain(new URL(url).host);
      expect(w.stderr()).toMatch(/reconnected to the database after \d+\.\d s/);
    }
  }, 240_000);

  it('a 10 s pause mid-sweep: the workers wait and reach the budget; no finished trial lost, numbers unique', async () => {
    const { url, workers, before } = await sweepUnderWay(pg, 'pause');
    cluster.pause();
    try {
      await until('every server process stopped', async () => cluster.pausedState().allStopped, 10_000, 20);
      // The fault itself lasts 10 s.
      await new Promise((r) => setTimeout(r, 10_000));
    } finally {
      cluster.resume();
    }
    await expectSweepWhole(pg, url, workers, before, 'pause (10 s)');
  }, 240_000);
});
