// The two-objective sweep the multi-objective tests share: ZDT1 (test/sweeps/fixtures/twoObjectives.mjs)
// over x1..x3, both objectives minimized, with NSGA-II.
import path from 'node:path';
import type { HpoConfigInput } from '../../shared/config.ts';
import { REPO_ROOT } from '../support/peers.ts';

const TWO = path.join(REPO_ROOT, 'test/sweeps/fixtures/twoObjectives.mjs');

export function zdt1Config(db: string, maxTrials: number, over: Partial<HpoConfigInput> = {}): HpoConfigInput {
  return {
    experiment_name: 'mo',
    backbone: 'zdt',
    search_space: { x1: { type: 'uniform', min: 0, max: 1 }, x2: { type: 'uniform', min: 0, max: 1 }, x3: { type: 'uniform', min: 0, max: 1 } },
    sampling: { algorithm: 'nsga2', max_trials: maxTrials, seed: 3, population_size: 4 },
    objectives: [
      { metric: 'f1', goal: 'minimize' },
      { metric: 'f2', goal: 'minimize' },
    ],
    trial: { command: [process.execPath, TWO, '--x1', '{x1}', '--x2', '{x2}', '--x3', '{x3}'] },
    checkpoint: { enabled: true, storage_path: db, auto_resume: true },
    ...over,
  };
}

/** ZDT1's objectives from the params (the problem's closed form). */
export function zdt1(p: Record<string, unknown>): [number, number] {
  const [x1, x2, x3] = [Number(p.x1), Number(p.x2), Number(p.x3)];
  const g = 1 + (9 * (x2 + x3)) / 2;
  return [x1, g * (1 - Math.sqrt(x1 / g))];
}
