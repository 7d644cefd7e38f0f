// A finished sweep leaves no RUNNING MLflow run behind, whatever happened before (issue 10, item 5):
// - a runner SIGKILLed and resumed at once (its trial's heartbeat still fresh, so the trial is only
//   failed as stale later in the resumed run): that trial's child run is closed FAILED by the end;
// - a full disk ending the sweep: the parent run is closed FAILED even though the progress metrics
//   can no longer be written.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { runSweep } from '../../electron/core/sweeps/sweepRunner.ts';
import { sqliteSweepStore } from '../../electron/core/sweeps/sweepStore.ts';
import { openTrackingStore } from '../../electron/core/tracking/openStore.ts';
import { createTrackingHooks } from '../../electron/core/tracking/sweepHooks.ts';
import type { TrackingStore } from '../../electron/core/tracking/types.ts';
import { configInput, parseConfig, readTrials, startCli, tmpDir } from '../sweeps/support.ts';
import { quickConfig, quickTrial } from '../support/quickSweep.ts';
import { until } from '../support/until.ts';

async function runsOf(file: string, experiment: string): Promise<Array<{ runId: string; name: string; status: string; tags: Record<string, string> }>> {
  const store = await openTrackingStore(`sqlite:///${file}`, { readOnly: true });
  try {
    const exp = await store.getExperimentByName(experiment);
    if (!exp) return [];
    const page = await store.searchRuns({ experimentIds: [exp.experiment_id], maxResults: 1000 });
    return page.items.map((r) => ({
      runId: r.info.run_id,
      name: r.info.run_name ?? '',
      status: r.info.status,
      tags: Object.fromEntries((r.data.tags ?? []).map((t) => [t.key, t.value])),
    }));
  } finally {
    await store.close();
  }
}

describe('no RUNNING run once a sweep ends', () => {
  it('a runner killed and resumed at once: the child run of the trial it left is closed FAILED by the end', async () => {
    const dir = tmpDir('quickresume');
    const out = path.join(dir, 'out');
    const db = path.join(out, 'mlflow.db');
    writeFileSync(path.join(dir, 'trial.mjs'), quickTrial(300));
    writeFileSync(path.join(dir, 'hpo.yaml'), quickConfig(3, 'quick-resume'));
    const args = ['sweep', 'run', path.join(dir, 'hpo.yaml'), '--output-dir', out, '--tracking-uri', `sqlite:///${db}`];
    // Heartbeats every second: a trial is stale 3 s after its runner died, long after the resume.
    const env = { SWEEPDECK_HEARTBEAT_MS: '1000', SWEEPDECK_KILL_GRACE_MS: '300' };
    const first = startCli(args, env, dir);
    await until('trial 0 to run', async () => existsSync(path.join(out, 'tiny', 'trial_0', 'stdout.log')));
    first.child.kill('SIGKILL');
    expect((await first.exit).signal).toBe('SIGKILL');
    const resumed = startCli(args, env, dir);
    const { code } = await resumed.exit;
    expect(code, resumed.stdout() + resumed.stderr()).toBe(0);
    expect(resumed.stdout()).toMatch(/sweep complete: 3\/3 finished/);

    const trials = readTrials(path.join(out, 'tiny', 'study.db'), 'hpo_tiny');
    expect(trials.find((t) => t.number === 0)!.state).toBe('FAIL'); // failed as stale in the resumed run
    const runs = await runsOf(db, 'quick-resume');
    expect(runs.filter((r) => r.status === 'RUNNING').map((r) => r.name)).toEqual([]);
    const child0 = runs.find((r) => r.tags.trial_number === '0')!;
    expect([child0.status, child0.tags['optuna.trial_state']]).toEqual(['FAILED', 'FAIL']);
    for (const t of trials.filter((x) => x.state === 'COMPLETE')) {
      expect(runs.find((r) => r.tags.trial_number === String(t.number))!.status, `trial ${t.number}`).toBe('FINISHED');
    }
  }, 90_000);

  it('a full disk ends the sweep: the parent run is closed FAILED although its progress metrics cannot be written', async () => {
    const dir = tmpDir('diskfull');
    const mlflowDb = path.join(dir, 'mlflow.db');
    const store = await openTrackingStore(`sqlite:///${mlflowDb}`, { create: true });
    let full = false;
    const diskFull = (): Error => Object.assign(new Error('SQLITE_FULL: database or disk is full'), { code: 'SQLITE_FULL' });
    // The disk fills up under both files: new rows are refused; an in-place status update still fits.
    const logBatch = store.logBatch.bind(store);
    const guarded: TrackingStore = Object.assign(Object.create(store) as TrackingStore, {
      logBatch: (...a: Parameters<TrackingStore['logBatch']>) => (full ? Promise.reject(diskFull()) : logBatch(...a)),
    });
    const input = configInput({ experiment_name: 'disk-full', sampling: { algorithm: 'random', max_trials: 4, max_concurrent_trials: 1, seed: 3 } });
    let finishes = 0;
    const hooks = createTrackingHooks({ store: guarded, endpoint: { url: 'http://127.0.0.1:9', token: 't' }, experimentName: 'disk-full', backbone: 'tiny', objectiveMetric: 'score' });
    const result = await runSweep({
      config: parseConfig(input),
      outputDir: path.join(dir, 'out'),
      hooks,
      openStorage: async (file, opts) => {
        const s = openStudyStorage(file, opts);
        // The second trial's finish meets the full disk, by whichever finish the runner calls (its
        // own, whose fsync comes after the commit, or the plain one).
        const fillsDisk = (): void => {
          if (++finishes === 2) {
            full = true;
            throw diskFull();
          }
        };
        const finish = s.finishTrial.bind(s);
        s.finishTrial = (...a) => {
          fillsDisk();
          return finish(...a);
        };
        const finishFlushLater = s.finishTrialFlushLater?.bind(s);
        if (finishFlushLater) {
          s.finishTrialFlushLater = (...a) => {
            fillsDisk();
            return finishFlushLater(...a);
          };
        }
        return sqliteSweepStore(s);
      },
    }).done;
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/SQLITE_FULL/);
    full = false;
    const runs = await runsOf(mlflowDb, 'disk-full');
    const parent = runs.find((r) => r.tags['sweepdeck.kind'] === 'sweep')!;
    expect(parent.status).toBe('FAILED');
    await store.close();
  }, 60_000);
});
