// The config's search space, sampler and pruner, as the engine needs them.
import type { HpoConfig } from '../../../shared/config.ts';
import { createPruner } from '../search/pruners.ts';
import { createSampler } from '../search/samplers/index.ts';
import { buildSearchSpace } from '../search/space.ts';
import type { SearchComponents } from './types.ts';

export function searchComponents(config: HpoConfig): SearchComponents {
  return {
    space: buildSearchSpace(config.search_space),
    sampler: createSampler(config.sampling, { directions: config.objectives.map((o) => o.goal), constrained: config.constraints.length > 0 }),
    pruner: createPruner(config.early_termination, config.objective.goal),
  };
}
