// A mixed fleet on one PostgreSQL study: 5 Sweepdeck workers (separate processes, as on separate
// machines, each with 2 slots) and 2 Python Optuna workers, until 400 trials. Real PostgreSQL, real
// Python Optuna, a real MLflow store (SQLite) shared by the Sweepdeck workers.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYS_PARENT_RUN, SYS_WORKER_HOST, SYS_WORKER_PID, SYS_WORKER_SLOT } from '../../../electron/core/studies/sweepdeckAttrs.ts';
import { openTrackingStore } from '../../../electron/core/tracking/openStore.ts';
import { TRIAL_ATTR_RUN } from '../../../electron/core/tracking/sweepTracking.ts';
import type { Run } from '../../../electron/core/tracking/types.ts';
import { hasOptuna, PYTHON, REPO_ROOT } from '../../support/peers.ts';
import { hasPostgres, startPostgres, type PgServer } from '../../support/postgresPeer.ts';
import { spawn } from 'node:child_process';
import { until } from '../../support/until.ts';
import { configInput, tmpDir, writeConfig } from '../support.ts';
import { readStudy, sqliteTrackingUri, startWorker, workerEnv } from './support.ts';

const TOTAL = 400;
/** Python workers stop creating trials once the study holds this many (their MaxTrialsCallback is
 * checked after each trial, so it overshoots by design); the Sweepdeck workers' exact budget takes
 * the study to TOTAL. */
const PY_STOP = 300;
/** Python's heartbeats (whole seconds) must beat faster than Sweepdeck's stale age (3 heartbeats),
 * so that its RUNNING trials count in the Sweepdeck workers' budget. Python Optuna 3.1 judges
 * heartbeats with `timedelta.seconds`, so one written after its check began (by the other Python
 * worker too) looks a day old: a grace period of a day keeps its stale check from failing live
 * trials (Sweepdeck's own heartbeats are stamped behind to avoid it: heartbeatLag.test.ts). */
const SD_HEARTBEAT_MS = 2000;

const PY_WORKER = `
import json, os, sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
url, name, stop = sys.argv[1], sys.argv[2], int(sys.argv[3])
storage = optuna.storages.RDBStorage(url, heartbeat_interval=1, grace_period=86400)
study = optuna.create_study(study_name=name, storage=storage, direction="minimize", load_if_exists=True)
ran = []
def objective(t):
    x = t.suggest_float("x", 0, 1)
    ran.append(t.number)
    return x
# MaxTrialsCallback is checked after each trial: a worker that joins a study already holding its
# stop count (the Sweepdeck workers got there first) would still run one, past the fleet's budget.
if len(study.get_trials(deepcopy=False)) < stop:
    study.optimize(objective, callbacks=[optuna.study.MaxTrialsCallback(stop, states=None)])
print(json.dumps({"ran": ran}), flush=True)
`;

describe.runIf(hasPostgres() && hasOptuna())('a mixed fleet on one PostgreSQL study', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(() => pg?.stop());

  it('5 Sweepdeck workers + 2 Python Optuna workers until 400: unique numbers, exactly 400 finished, no database error, every Sweepdeck trial a child run of one parent', async () => {
    const url = pg.createDatabase('fleet');
    const dir = tmpDir('fleet');
    const config = writeConfig(
      dir,
      configInput({
        experiment_name: 'fleet',
        study_name: 'fleet',
        search_space: { x: { type: 'uniform', min: 0, max: 1 } },
        sampling: { algorithm: 'random', max_trials: TOTAL, max_concurrent_trials: 2 },
        objective: { metric: 'score', goal: 'minimize' },
        trial: { command: ['/bin/echo', 'score={x}'] },
        storage: url,
      }),
    );
    const env = workerEnv(path.join(dir, 'data'), SD_HEARTBEAT_MS);
    const tracking = sqliteTrackingUri(dir);
    // A first Sweepdeck worker makes the study (and its first trial). Python Optuna creates its
    // tables, and stamps alembic_version (Sweepdeck leaves it empty so that any Optuna version can
    // stamp its own head), in several steps; two of its workers doing it at once collide (an Optuna
    // limitation, on a fresh database too). As on a real cluster, the first Python worker joins once
    // the study exists, the second once the first has stamped the schema. The other Sweepdeck workers
    // start once Python has run a trial: they are fast enough to take the whole budget otherwise.
    const first = startWorker(config, ['--max-trials', '1', '--output-dir', path.join(dir, 'w-first'), '--tracking-uri', tracking], env, dir);
    expect((await first.exit).code, first.stdout() + first.stderr()).toBe(0);
    const startPy = () => {
      const child = spawn(PYTHON, ['-c', PY_WORKER, url, 'fleet', String(PY_STOP)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      return { out: () => out, done: new Promise<number | null>((resolve) => child.on('close', resolve)) };
    };
    const pys = [startPy()];
    const db = new URL(url).pathname.slice(1);
    await until('the first Python worker to stamp the schema', async () => pg.psql('SELECT count(*) FROM alembic_version', db).trim() === '1', 60_000);
    pys.push(startPy());
    await until('a Python worker to finish a trial', async () => (await readStudy(url, 'fleet')).trials.some((t) => t.systemAttrs[SYS_WORKER_PID] === undefined && t.state === 'COMPLETE'), 120_000);
    const ours = [first, ...Array.from({ length: 4 }, (_, i) => startWorker(config, ['--output-dir', path.join(dir, `w${i}`), '--tracking-uri', tracking], env, dir))];
    const exits = await Promise.all(ours.map((w) => w.exit));
    const pyExits = await Promise.all(pys.map((p) => p.done));
    const outputs = ours.map((w) => w.stdout() + w.stderr());
    for (const [i, e] of exits.entries()) expect(e.code, outputs[i]).toBe(0);
    for (const [i, code] of pyExits.entries()) expect(code, pys[i]!.out()).toBe(0);
    // No database error, no warning of any kind.
    for (const o of outputs) expect(o).not.toMatch(/warning|error/i);

    const { study, trials } = await readStudy(url, 'fleet');
    expect(trials.map((t) => t.number)).toEqual(trials.map((_, i) => i));
    const finished = trials.filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED');
    expect(finished).toHaveLength(TOTAL);
    expect(trials.filter((t) => t.state !== 'COMPLETE')).toEqual([]);
    const pyRan = pys.flatMap((p) => (JSON.parse(p.out().trim().split('\n').pop()!) as { ran: number[] }).ran);
    expect(pyRan.length).toBeGreaterThan(0);

    // Sweepdeck's trials say who ran them; Python's do not.
    const sweepdeckTrials = trials.filter((t) => t.systemAttrs[SYS_WORKER_PID] !== undefined);
    expect(sweepdeckTrials.length + pyRan.length).toBe(TOTAL);
    const pids = new Set(ours.map((w) => w.child.pid));
    for (const t of sweepdeckTrials) {
      expect(pids.has(t.systemAttrs[SYS_WORKER_PID] as number)).toBe(true);
      expect(typeof t.systemAttrs[SYS_WORKER_HOST]).toBe('string');
      expect([0, 1]).toContain(t.systemAttrs[SYS_WORKER_SLOT]);
    }
    expect(new Set(sweepdeckTrials.map((t) => t.systemAttrs[SYS_WORKER_PID])).size).toBe(5);

    // One parent run, whoever made it; every Sweepdeck trial is a child run under it.
    const parent = study.systemAttrs[SYS_PARENT_RUN] as { run_id: string };
    expect(parent.run_id).toMatch(/\S/);
    const store = await openTrackingStore(tracking);
    try {
      const exp = (await store.getExperimentByName('fleet'))!;
      const runs: Run[] = [];
      let token: string | undefined;
      do {
        const page = await store.searchRuns({ experimentIds: [exp.experiment_id], maxResults: 1000, ...(token ? { pageToken: token } : {}) });
        runs.push(...page.items);
        token = page.nextPageToken;
      } while (token);
      const tag = (r: Run, k: string) => r.data.tags?.find((x) => x.key === k)?.value;
      const parents = runs.filter((r) => tag(r, 'sweepdeck.kind') === 'sweep');
      expect(parents.map((r) => r.info.run_id)).toEqual([parent.run_id]);
      expect(parents[0]!.info.status).toBe('FINISHED');
      const children = runs.filter((r) => tag(r, 'mlflow.parentRunId') === parent.run_id);
      expect(children).toHaveLength(sweepdeckTrials.length);
      expect(new Set(children.map((r) => r.info.run_id))).toEqual(new Set(sweepdeckTrials.map((t) => t.userAttrs[TRIAL_ATTR_RUN])));
      expect(children.every((r) => r.info.status === 'FINISHED')).toBe(true);
    } finally {
      await store.close();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }, 600_000);
});
