// The config's search space, sampler and pruner, as the engine needs them.
import type { HpoConfig } from '../../../shared/config.ts';
import { GridSampler } from '../search/samplers/grid.ts';
import { RandomSampler } from '../search/samplers/random.ts';
import { TpeSampler } from '../search/samplers/tpe.ts';
import { buildSearchSpace } from '../search/space.ts';
import type { Pruner, Sampler } from '../search/types.ts';
import type { SearchComponents } from './sweepRunner.ts';

const NO_PRUNING: Pruner = { name: 'none', shouldPrune: () => false };

function samplerFor(config: HpoConfig): Sampler {
  const seed = config.sampling.seed;
  switch (config.sampling.algorithm) {
    case 'tpe':
      return new TpeSampler(seed !== undefined ? { seed } : {});
    case 'random':
      return new RandomSampler(seed);
    case 'grid':
      return new GridSampler(seed);
  }
}

export function searchComponents(config: HpoConfig): SearchComponents {
  if (config.early_termination.policy !== 'none') throw new Error('pruners are not wired yet');
  return { space: buildSearchSpace(config.search_space), sampler: samplerFor(config), pruner: NO_PRUNING };
}
