// The sampler named by the config's sampling section.
import type { SamplingConfig } from '../../../../shared/config.ts';
import type { Direction, Sampler } from '../types.ts';
import { GridSampler } from './grid.ts';
import { Nsga2Sampler } from './nsga2.ts';
import { RandomSampler } from './random.ts';
import { TpeSampler } from './tpe.ts';

/** What a multi-objective sampler needs beyond the sampling section: the study's directions and
 * whether trials carry constraint values. */
export interface SamplerObjectives {
  directions: readonly Direction[];
  constrained: boolean;
}

export function createSampler(
  sampling: Pick<SamplingConfig, 'algorithm' | 'seed'> & { population_size?: number | undefined; crossover?: 'uniform' | 'sbx' | undefined },
  objectives: SamplerObjectives = { directions: ['minimize'], constrained: false },
): Sampler {
  switch (sampling.algorithm) {
    case 'random':
      return new RandomSampler(sampling.seed);
    case 'grid':
      return new GridSampler(sampling.seed);
    case 'tpe':
      return new TpeSampler({ seed: sampling.seed, ...(objectives.directions.length > 1 ? { directions: objectives.directions, constrained: objectives.constrained } : {}) });
    case 'nsga2':
      return new Nsga2Sampler({
        seed: sampling.seed,
        directions: objectives.directions,
        populationSize: sampling.population_size,
        crossover: sampling.crossover,
        constrained: objectives.constrained,
      });
  }
}

export { GridSampler, Nsga2Sampler, RandomSampler, TpeSampler };
