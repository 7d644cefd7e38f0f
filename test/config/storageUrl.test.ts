// A study URL where a study path is accepted: `storage:` or checkpoint.storage_path in the HPO YAML,
// planned as a shared study whose shown path has no password.
import { describe, expect, it } from 'vitest';
import { HpoConfigSchema, resolveCheckpointPath } from '../../shared/config.ts';
import { planSweep } from '../../electron/core/sweeps/sweepPlan.ts';
import { configInput } from '../sweeps/support.ts';

const URL_WITH_PW = 'postgresql://sweeper:s3cret@db.example:5433/hpo';

describe('study URLs in the HPO config', () => {
  it('storage: is used as it is (not under the output dir), and the plan shows it without the password', () => {
    const config = HpoConfigSchema.parse(configInput({ storage: URL_WITH_PW }));
    expect(resolveCheckpointPath(config, '/out')).toBe(URL_WITH_PW);
    const plan = planSweep({ config, outputDir: '/out' });
    expect(plan.shared).toBe(true);
    expect(plan.studyLocation).toBe(URL_WITH_PW);
    expect(plan.studyPath).toBe('postgresql://sweeper@db.example:5433/hpo');
    expect(plan.checkpointPath).not.toContain('s3cret');
  });

  it('checkpoint.storage_path takes a URL too; --storage overrides the config', () => {
    const config = HpoConfigSchema.parse(configInput({ checkpoint: { storage_path: URL_WITH_PW } }));
    expect(planSweep({ config, outputDir: '/out' }).shared).toBe(true);
    const file = planSweep({ config, outputDir: '/out', storage: '/data/s.db' });
    expect([file.shared, file.studyPath]).toEqual([false, '/data/s.db']);
  });

  it('refuses storage: beside checkpoint.storage_path, and a URL with checkpoint.enabled: false, naming what to change', () => {
    const both = HpoConfigSchema.safeParse(configInput({ storage: URL_WITH_PW, checkpoint: { storage_path: 'x.db' } }));
    expect(both.success).toBe(false);
    expect(both.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['storage', 'storage and checkpoint.storage_path both say where the study is: keep one of them']]);
    const off = HpoConfigSchema.parse(configInput({ storage: URL_WITH_PW, checkpoint: { enabled: false } }));
    expect(() => planSweep({ config: off, outputDir: '/out' })).toThrow(/^postgresql:\/\/sweeper@db\.example:5433\/hpo: a study URL is a shared study, never a throw-away one; remove checkpoint\.enabled: false/);
  });
});
