// A multi-objective sweep's MLflow parent run: the Pareto front's size and each objective's best,
// under the objective's metric name, instead of one best_value.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { paretoFront } from '../../electron/core/search/multiObjective.ts';
import { startTrackedSweep } from '../../electron/core/sweeps/trackedSweep.ts';
import type { SweepFront, SweepHooks } from '../../electron/core/sweeps/types.ts';
import { openTrackingStore } from '../../electron/core/tracking/openStore.ts';
import { zdt1, zdt1Config } from '../sweeps/moSupport.ts';
import { parseConfig, readTrials, tmpDir } from '../sweeps/support.ts';

const env = { PATH: process.env.PATH, HOME: process.env.HOME }; // no Azure, no MLFLOW_* from the host

describe('multi-objective sweep tracked in the local SQLite store', () => {
  it('the parent run logs pareto_front_size and best_<metric> per objective, and no best_value', async () => {
    const dir = tmpDir('mo-tracked');
    const db = path.join(dir, 'study.db');
    // A hook of the caller's own beside tracking's (as the app has): both see the front.
    const fronts: Array<SweepFront | undefined> = [];
    const hooks: SweepHooks = { onProgress: (_counts, _best, front) => void fronts.push(front) };
    const handle = await startTrackedSweep({ config: parseConfig(zdt1Config(db, 6)), outputDir: dir, heartbeatIntervalMs: 500, hooks }, { env });
    const result = await handle.done;
    expect(result.status).toBe('completed');
    const parent = await handle.parentRun;

    // Expected from the trials' params through ZDT1's closed form, not from what the runner stored.
    const trials = readTrials(db, 'hpo_zdt');
    const points = trials.map((t) => zdt1(t.params));
    const bestF1 = Math.min(...points.map((p) => p[0]));
    const bestF2 = Math.min(...points.map((p) => p[1]));
    const frontSize = points.filter((p) => !points.some((q) => q !== p && q[0] <= p[0] && q[1] <= p[1] && (q[0] < p[0] || q[1] < p[1]))).length;
    expect(paretoFront(trials, ['minimize', 'minimize'])).toHaveLength(frontSize);
    expect(fronts).toHaveLength(6);
    expect(fronts[5]).toEqual({ size: frontSize, bestPerObjective: [expect.closeTo(bestF1, 9), expect.closeTo(bestF2, 9)] });

    const store = await openTrackingStore(`sqlite:///${path.join(dir, 'mlflow.db')}`);
    try {
      const run = await store.getRun(parent.runId);
      const metrics = Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value]));
      expect(metrics.n_trials).toBe(6);
      expect(metrics.pareto_front_size).toBe(frontSize);
      expect(metrics.best_f1).toBeCloseTo(bestF1, 9);
      expect(metrics.best_f2).toBeCloseTo(bestF2, 9);
      expect(metrics.best_value).toBeUndefined();
      // Logged as the sweep goes (one point per finished trial), not only at its end.
      const history = await store.getMetricHistory(parent.runId, 'pareto_front_size');
      expect(history.items.map((m) => m.step)).toEqual(expect.arrayContaining([1, 2, 3, 4, 5, 6]));
    } finally {
      await store.close?.();
    }
  }, 90_000);
});
