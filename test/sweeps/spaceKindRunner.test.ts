// Defence in depth: the runner itself (whoever calls it, without the CLI's or the app's check)
// refuses to store a param with another kind than the study holds, naming the param and both kinds,
// and no trial with the refused distribution is stored.
import { describe, expect, it } from 'vitest';
import { runSweep } from '../../electron/core/sweeps/sweepRunner.ts';
import { configInput, parseConfig, readTrials, tmpDir } from './support.ts';

describe('the runner on a study that holds a param with another kind', () => {
  it('ends the sweep with a message naming the param, the study kind and the config kind', async () => {
    const outputDir = tmpDir('space-runner');
    const first = await runSweep({ config: parseConfig(configInput({ sampling: { algorithm: 'random', max_trials: 2, max_concurrent_trials: 1, seed: 7 } })), outputDir }).done;
    expect(first.status).toBe('completed');
    const asFloat = configInput({
      search_space: { x: { type: 'uniform', min: 0, max: 1 }, y: { type: 'uniform', min: 0, max: 5 }, c: { type: 'choice', values: ['a', 'b'] } },
      sampling: { algorithm: 'random', max_trials: 4, max_concurrent_trials: 1, seed: 7 },
    });
    const outcome = await runSweep({ config: parseConfig(asFloat), outputDir }).done.then(
      (r) => `${r.status}: ${r.message ?? ''}`,
      (e: unknown) => `rejected: ${(e as Error).message}`,
    );
    expect(outcome).toMatch(/^failed: .*param 'y' cannot be stored: it was recorded as int in this study, now float\. Keep it as the study holds it, or use a new study name \(study_name in the HPO config\)/);
    const trials = readTrials(first.studyPath, 'hpo_tiny');
    expect(trials.map((t) => t.distributions.y?.kind)).toEqual(['int', 'int']);
  }, 30_000);
});
