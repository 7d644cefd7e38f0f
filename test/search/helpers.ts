// Small builders shared by the search tests.
import type { Direction, FrozenTrial, ParamValue, Sampler, SearchSpace, TrialState } from '../../electron/core/search/types.ts';

export function trial(
  number: number,
  params: Record<string, ParamValue>,
  value: number | null,
  state: TrialState = 'COMPLETE',
  intermediateValues: Array<[number, number]> = [],
): FrozenTrial {
  return {
    trialId: number + 1, number, state, params, distributions: {}, value, intermediateValues,
    datetimeStart: null, datetimeComplete: null, userAttrs: {}, systemAttrs: {},
  };
}

/** Runs an ask/tell loop in memory; returns the history. */
export function optimize(
  sampler: Sampler,
  space: SearchSpace,
  objective: (p: Record<string, ParamValue>) => number,
  n: number,
  direction: Direction = 'minimize',
): FrozenTrial[] {
  const h: FrozenTrial[] = [];
  for (let i = 0; i < n; i++) {
    const p = sampler.sample(space, h, direction);
    h.push(trial(i, p, objective(p)));
  }
  return h;
}

export function median(a: readonly number[]): number {
  const b = [...a].sort((x, y) => x - y);
  const m = b.length >> 1;
  return b.length % 2 ? (b[m] as number) : ((b[m - 1] as number) + (b[m] as number)) / 2;
}
