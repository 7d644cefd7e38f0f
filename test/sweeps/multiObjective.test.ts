// Multi-objective sweeps: `objectives:` makes a study with one direction per objective and one value
// per objective per trial (Optuna's layout), NSGA-II keeps its generation in each trial's system
// attrs, `constraints:` are stored as Optuna's `constraints` system attr, and a trial that does not
// print one of the objectives fails naming it.
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { configFromStudy, storableConfig } from '../../electron/core/sweeps/sharedConfig.ts';
import { runSweep } from '../../electron/core/sweeps/sweepRunner.ts';
import type { SweepHooks } from '../../electron/core/sweeps/types.ts';
import { zdt1, zdt1Config } from './moSupport.ts';
import { parseConfig, readTrials, tmpDir } from './support.ts';

describe('multi-objective sweeps', () => {
  it('stores one direction and one value per objective, the NSGA-II generation and the constraints, as Optuna does', async () => {
    const dir = tmpDir('mo');
    const db = path.join(dir, 'study.db');
    const res = await runSweep({ config: parseConfig(zdt1Config(db, 12, { constraints: ['x1_over'] })), outputDir: path.join(dir, 'out') }).done;
    expect(res.status).toBe('completed');
    expect(res.best).toBeNull(); // several objectives: a front, not one best

    const raw = new Database(db, { readonly: true });
    try {
      expect(raw.prepare('SELECT objective, direction FROM study_directions ORDER BY objective').all()).toEqual([
        { objective: 0, direction: 'MINIMIZE' },
        { objective: 1, direction: 'MINIMIZE' },
      ]);
      const perTrial = raw.prepare('SELECT trial_id, COUNT(*) AS n, GROUP_CONCAT(objective) AS objectives FROM trial_values GROUP BY trial_id').all() as Array<{ n: number; objectives: string }>;
      expect(perTrial).toHaveLength(12);
      for (const r of perTrial) expect(r).toMatchObject({ n: 2, objectives: '0,1' });
      const metricNames = raw.prepare("SELECT value_json FROM study_system_attributes WHERE key = 'study:metric_names'").get() as { value_json: string };
      expect(JSON.parse(metricNames.value_json)).toEqual(['f1', 'f2']);
    } finally {
      raw.close();
    }

    const trials = readTrials(db, 'hpo_zdt');
    expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
    for (const t of trials) {
      const [f1, f2] = zdt1(t.params);
      expect(t.values?.[0]).toBeCloseTo(f1, 12);
      expect(t.values?.[1]).toBeCloseTo(f2, 12);
      expect(t.value).toBe(t.values?.[0]);
      expect(t.systemAttrs.constraints).toEqual([expect.closeTo(f1 - 0.8, 12)]);
    }
    // Population 4: the first 4 trials are generation 0; once they are COMPLETE the next is generation 1.
    const generations = trials.map((t) => t.systemAttrs['nsga2:generation']);
    expect(generations.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(generations[4]).toBe(1);
    expect(Math.max(...(generations as number[]))).toBe(2);
  }, 60_000);

  it('runs multi-objective TPE (algorithm: tpe) past its startup trials', async () => {
    const dir = tmpDir('mo');
    const db = path.join(dir, 'study.db');
    const res = await runSweep({ config: parseConfig(zdt1Config(db, 14, { sampling: { algorithm: 'tpe', max_trials: 14, seed: 5 } })), outputDir: path.join(dir, 'out') }).done;
    expect(res.status).toBe('completed');
    const trials = readTrials(db, 'hpo_zdt');
    expect(trials.filter((t) => t.state === 'COMPLETE' && t.values?.length === 2)).toHaveLength(14);
    expect(trials.every((t) => t.systemAttrs['nsga2:generation'] === undefined)).toBe(true);
  }, 60_000);

  it('takes an objective the trial logged only through the second metric channel (its MLflow run)', async () => {
    const dir = tmpDir('mo');
    const db = path.join(dir, 'study.db');
    const input = zdt1Config(db, 2);
    const asked: Array<string | undefined> = [];
    const hooks: SweepHooks = {
      pollTrialMetrics: async (_t, metric) => {
        asked.push(metric);
        return metric === 'f2' ? [{ step: 3, value: 0.25 }, { step: 7, value: 0.125 }] : [];
      },
    };
    const res = await runSweep({ config: parseConfig({ ...input, trial: { ...input.trial, env: { TWO_SKIP: 'f2' } } }), outputDir: path.join(dir, 'out'), hooks }).done;
    expect(res.status).toBe('completed');
    for (const t of readTrials(db, 'hpo_zdt')) {
      expect(t.state).toBe('COMPLETE');
      expect(t.values).toEqual([zdt1(t.params)[0], 0.125]); // the highest step's value
    }
    expect(asked).toContain('f2');
  }, 60_000);

  it('a trial that prints no value for one objective fails, naming the metric', async () => {
    const dir = tmpDir('mo');
    const db = path.join(dir, 'study.db');
    const input = zdt1Config(db, 2);
    const res = await runSweep({ config: parseConfig({ ...input, trial: { ...input.trial, env: { TWO_SKIP: 'f2' } } }), outputDir: path.join(dir, 'out') }).done;
    expect(res.status).not.toBe('completed');
    const trials = readTrials(db, 'hpo_zdt');
    expect(trials.length).toBeGreaterThan(0);
    for (const t of trials) {
      expect(t.state).toBe('FAIL');
      expect(String(t.systemAttrs.fail_reason)).toMatch(/no value for objective 'f2': the trial printed no 'f2=<number>' line/);
    }
  }, 60_000);

  it('a trial that prints no value for a constraint fails, naming the metric', async () => {
    const dir = tmpDir('mo');
    const db = path.join(dir, 'study.db');
    const input = zdt1Config(db, 1, { constraints: ['x1_over'] });
    await runSweep({ config: parseConfig({ ...input, trial: { ...input.trial, env: { TWO_SKIP: 'x1_over' } } }), outputDir: path.join(dir, 'out') }).done;
    const [t] = readTrials(db, 'hpo_zdt');
    expect(t?.state).toBe('FAIL');
    expect(String(t?.systemAttrs.fail_reason)).toMatch(/no value for constraint 'x1_over'/);
    expect(t?.systemAttrs.constraints).toBeUndefined();
  }, 60_000);

  it('refuses to resume a study whose directions differ from the objectives, naming the field', async () => {
    const dir = tmpDir('mo');
    const db = path.join(dir, 'study.db');
    expect((await runSweep({ config: parseConfig(zdt1Config(db, 1)), outputDir: path.join(dir, 'out') }).done).status).toBe('completed');
    const flipped = zdt1Config(db, 2, { objectives: [{ metric: 'f1', goal: 'minimize' }, { metric: 'f2', goal: 'maximize' }] });
    await expect(runSweep({ config: parseConfig(flipped), outputDir: path.join(dir, 'out') }).done).rejects.toThrow(/has direction\(s\) minimize, minimize but objectives says minimize, maximize: fix objectives/);
  }, 60_000);

  it('the config a shared study keeps: a single objective exactly as before, several as objectives, and a worker reads both back', () => {
    const one = parseConfig({ experiment_name: 'e', backbone: 'b', search_space: { x: { type: 'uniform', min: 0, max: 1 } }, sampling: { algorithm: 'random', max_trials: 3 }, objective: { metric: 'm', goal: 'maximize' }, trial: { command: ['x'] } });
    // Written out by hand: the stored form (and its key order) of a version without objectives:.
    expect(JSON.stringify(storableConfig(one))).toBe(
      '{"config":{"experiment_name":"e","backbone":"b","search_space":{"x":{"type":"uniform","min":0,"max":1}},"sampling":{"algorithm":"random","max_trials":3,"max_concurrent_trials":1,"max_failed_trials":3},' +
        '"objective":{"metric":"m","goal":"maximize"},"study_name":"hpo_b","early_termination":{"policy":"none","evaluation_interval":1,"delay_evaluation":0},"checkpoint":{"enabled":true,"auto_resume":true},"trial":{"command":["x"]}},"env_names":[]}',
    );
    const many = parseConfig(zdt1Config('/tmp/unused.db', 4, { constraints: ['x1_over'] }));
    const stored = storableConfig(many);
    expect(stored.config.objective).toBeUndefined();
    expect(stored.config.objectives).toEqual(many.objectives);
    const study = { studyId: 1, name: 'hpo_zdt', directions: ['minimize' as const, 'minimize' as const], userAttrs: {}, systemAttrs: { 'sweepdeck:config': stored } };
    const back = configFromStudy(study, 'postgresql://h/db', {}).config;
    expect(back.objectives).toEqual(many.objectives);
    expect(back.constraints).toEqual(['x1_over']);
    expect(back.sampling).toEqual(many.sampling);
  });
});
