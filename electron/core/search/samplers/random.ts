// Independent uniform sampling, as Optuna's RandomSampler does it. Deterministic per (seed, trial
// number); without a seed, fresh entropy per trial.
import { isSingle } from '../space.ts';
import type { Direction, FrozenTrial, ParamValue, Sampler, SearchSpace } from '../types.ts';
import { rngForNextTrial, sampleUniform } from './common.ts';

const SALT_RANDOM = 0x52414e44;

export class RandomSampler implements Sampler {
  readonly name = 'random' as const;
  constructor(private readonly seed?: number) {}

  sample(space: SearchSpace, history: readonly FrozenTrial[], _direction: Direction): Record<string, ParamValue> {
    const rng = rngForNextTrial(this.seed, history, SALT_RANDOM);
    const out: Record<string, ParamValue> = {};
    for (const [name, d] of space) {
      out[name] = isSingle(d) && d.kind !== 'categorical' ? d.low : sampleUniform(d, rng);
    }
    return out;
  }
}
