// Faults and stops of Sweepdeck workers on one PostgreSQL study, with real processes: a worker
// SIGKILLed mid-trial (its trial fails once its heartbeat is stale and is retried once, by another
// worker), and a stop request written into the study (every worker stops; a new one honours it;
// `sweep run` takes it back). Finished trials are checked with Python Optuna.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStudyStorage } from '../../../electron/core/studies/optunaPostgresStorage.ts';
import { SYS_STOP_REQUESTED, SYS_WORKER_PID } from '../../../electron/core/studies/sweepdeckAttrs.ts';
import { hasOptuna, runPython } from '../../support/peers.ts';
import { hasPostgres, startPostgres, type PgServer } from '../../support/postgresPeer.ts';
import { until } from '../../support/until.ts';
import { configInput, OBJECTIVE, runCli, tmpDir, writeConfig } from '../support.ts';
import { readStudy, startWorker, workerEnv } from './support.ts';

const HB_MS = 300;

/** Slow trials (3 steps of 300 ms), one at a time per worker, on the study at `url`. */
function slowConfig(dir: string, url: string, maxTrials: number): string {
  return writeConfig(
    dir,
    configInput({
      study_name: 'faults',
      search_space: { x: { type: 'uniform', min: 0, max: 1 } },
      sampling: { algorithm: 'random', max_trials: maxTrials, max_concurrent_trials: 1 },
      trial: { command: [process.execPath, OBJECTIVE, '--x', '{x}'], env: { OBJ_STEPS: '3', OBJ_SLEEP_MS: '300' } },
      storage: url,
    }),
  );
}

const PY_READ = `
import json, sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
s = optuna.load_study(study_name="faults", storage=sys.argv[1])
print(json.dumps({"complete": {str(t.number): t.value for t in s.get_trials(deepcopy=False) if t.state.name == "COMPLETE"}, "best": s.best_trial.number}))
`;

describe.runIf(hasPostgres() && hasOptuna())('worker faults and stop requests on PostgreSQL', () => {
  let pg: PgServer;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 120_000);
  afterAll(() => pg?.stop());

  it('a worker SIGKILLed mid-trial: its trial fails once stale and is retried once by another worker; Python Optuna sees the same finished trials', async () => {
    const url = pg.createDatabase('kill');
    const dir = tmpDir('pgkill');
    const config = slowConfig(dir, url, 5);
    const env = workerEnv(path.join(dir, 'data'), HB_MS);
    const a = startWorker(config, ['--no-tracking', '--output-dir', path.join(dir, 'a')], env, dir);
    const victim = await until('worker A to run a trial', async () => {
      const r = await readStudy(url, 'faults').catch(() => null);
      return r?.trials.find((t) => t.state === 'RUNNING' && t.systemAttrs[SYS_WORKER_PID] === a.child.pid);
    });
    a.child.kill('SIGKILL');
    await a.exit;
    const b = startWorker(config, ['--no-tracking', '--output-dir', path.join(dir, 'b')], env, dir);
    const exit = await b.exit;
    expect(exit.code, b.stdout() + b.stderr()).toBe(0);

    const { trials } = await readStudy(url, 'faults');
    const killed = trials.find((t) => t.trialId === victim.trialId)!;
    expect(killed.state).toBe('FAIL');
    const retries = trials.filter((t) => t.systemAttrs.failed_trial === victim.number);
    expect(retries).toHaveLength(1);
    const retry = retries[0]!;
    expect(retry.state).toBe('COMPLETE');
    expect(retry.params).toEqual(killed.params);
    expect(retry.systemAttrs.retry_history).toEqual([victim.number]);
    expect(retry.systemAttrs[SYS_WORKER_PID]).toBe(b.child.pid);
    const complete = trials.filter((t) => t.state === 'COMPLETE');
    expect(complete).toHaveLength(5);
    expect(trials.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING')).toEqual([]);

    const py = JSON.parse(runPython(PY_READ, [url]).trim().split('\n').pop()!) as { complete: Record<string, number>; best: number };
    expect(py.complete).toEqual(Object.fromEntries(complete.map((t) => [String(t.number), t.value])));
    const best = complete.reduce((x, y) => ((y.value ?? -Infinity) > (x.value ?? -Infinity) ? y : x));
    expect(py.best).toBe(best.number);
  }, 180_000);

  it('SIGTERM stops a worker cleanly (exit 0, its trial failed and re-offered); sweep status --storage shows the study without the password', async () => {
    const url = pg.createDatabase('term');
    const dir = tmpDir('pgterm');
    const config = slowConfig(dir, url, 50);
    const env = workerEnv(path.join(dir, 'data'), HB_MS);
    const w = startWorker(config, ['--no-tracking', '--output-dir', path.join(dir, 'w')], env, dir);
    const running = await until('the worker to run a trial', async () => {
      const r = await readStudy(url, 'faults').catch(() => null);
      return r?.trials.find((t) => t.state === 'RUNNING');
    });
    w.child.kill('SIGTERM');
    const e = await w.exit;
    expect(e.code, w.stdout() + w.stderr()).toBe(0);
    const { trials } = await readStudy(url, 'faults');
    const t = trials.find((x) => x.trialId === running.trialId)!;
    expect([t.state, t.systemAttrs.fail_reason]).toEqual(['FAIL', 'stopped by user']);
    expect(trials.filter((x) => x.state === 'WAITING' && x.systemAttrs.failed_trial === t.number)).toHaveLength(1);
    expect(trials.filter((x) => x.state === 'RUNNING')).toEqual([]);

    const status = await runCli(['sweep', 'status', '--storage', url, '--study', 'faults', '--json'], env, dir);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout + status.stderr).not.toContain(pg.password);
    const parsed = JSON.parse(status.stdout) as { file: string; counts: Record<string, number> };
    expect(parsed.file).toBe(url.replace(`:${encodeURIComponent(pg.password)}@`, '@'));
    expect(parsed.counts.WAITING).toBe(1);
    expect(parsed.counts.FAIL).toBe(trials.filter((x) => x.state === 'FAIL').length);
  }, 180_000);

  it('a stop request in the study stops every worker (exit 0, trials failed and re-offered), a new worker honours it, and sweep run takes it back', async () => {
    const url = pg.createDatabase('stop');
    const dir = tmpDir('pgstop');
    const config = slowConfig(dir, url, 200);
    const env = workerEnv(path.join(dir, 'data'), HB_MS);
    const workers = [0, 1].map((i) => startWorker(config, ['--no-tracking', '--output-dir', path.join(dir, `w${i}`)], env, dir));
    await until('both workers to run a trial', async () => {
      const r = await readStudy(url, 'faults').catch(() => null);
      const pids = new Set(r?.trials.filter((t) => t.state === 'RUNNING').map((t) => t.systemAttrs[SYS_WORKER_PID]));
      return workers.every((w) => pids.has(w.child.pid));
    });
    const s = await openPostgresStudyStorage(url);
    try {
      const study = await s.loadStudy('faults');
      await s.setStudySystemAttr(study.studyId, SYS_STOP_REQUESTED, { at: new Date().toISOString(), by: 'test:1' });
      for (const w of workers) {
        const e = await w.exit;
        expect(e.code, w.stdout() + w.stderr()).toBe(0);
        expect(w.stdout()).toMatch(/stop request in the study \(from test:1/);
      }
      const after = await readStudy(url, 'faults');
      expect(after.trials.filter((t) => t.state === 'RUNNING')).toEqual([]);
      const stopped = after.trials.filter((t) => t.systemAttrs.fail_reason === 'stopped by user');
      // A worker between two trials when the request lands has none to stop.
      expect(stopped.length).toBeGreaterThan(0);
      for (const t of stopped) expect(after.trials.some((w) => w.state === 'WAITING' && w.systemAttrs.failed_trial === t.number)).toBe(true);

      // A worker started now stops at once.
      const late = startWorker(config, ['--no-tracking', '--output-dir', path.join(dir, 'late')], env, dir);
      expect((await late.exit).code).toBe(0);
      expect(late.stdout()).toMatch(/this worker started 0/);

      // sweep run starts the sweep again: the request is gone, and it runs (the re-offered trials first).
      const finished = after.trials.filter((t) => t.state === 'COMPLETE').length;
      const run = await runCli(['sweep', 'run', config, '--no-tracking', '--output-dir', path.join(dir, 'run'), '--max-trials', String(finished + 1)], env, dir);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const again = await readStudy(url, 'faults');
      expect(again.study.systemAttrs[SYS_STOP_REQUESTED]).toBeUndefined();
      expect(again.trials.filter((t) => t.state === 'COMPLETE')).toHaveLength(finished + 1);
    } finally {
      await s.close();
    }
  }, 180_000);
});
