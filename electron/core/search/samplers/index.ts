// The sampler named by the config's sampling section.
import type { SamplingConfig } from '../../../../shared/config.ts';
import type { Sampler } from '../types.ts';
import { GridSampler } from './grid.ts';
import { RandomSampler } from './random.ts';
import { TpeSampler } from './tpe.ts';

export function createSampler(sampling: Pick<SamplingConfig, 'algorithm' | 'seed'>): Sampler {
  switch (sampling.algorithm) {
    case 'random':
      return new RandomSampler(sampling.seed);
    case 'grid':
      return new GridSampler(sampling.seed);
    case 'tpe':
      return new TpeSampler({ seed: sampling.seed });
  }
}

export { GridSampler, RandomSampler, TpeSampler };
