// Which trials' intermediate-value curves the chart draws: the most recent ones, of the states the
// user picked, as many as the user picked.

export type CurveFilter = 'all' | 'PRUNED' | 'COMPLETE' | 'RUNNING';

export interface CurvePick {
  /** Indices into the intermediate columns, oldest trial first. */
  picked: number[];
  /** Trials with intermediate values that pass the filter (what `picked` is the latest of). */
  matching: number;
  /** Trials with intermediate values, any state. */
  withValues: number;
}

/** `numbers[i]` is trial i's number, `counts[i]` how many intermediate values it has, `stateOf` its
 * state (undefined when unknown; it then passes only the 'all' filter). */
export function pickCurves(numbers: ArrayLike<number>, counts: ArrayLike<number>, stateOf: (i: number) => string | undefined, filter: CurveFilter, limit: number): CurvePick {
  const matchingIdx: number[] = [];
  let withValues = 0;
  for (let i = 0; i < numbers.length; i++) {
    if (!(counts[i]! > 0)) continue;
    withValues++;
    if (filter === 'all' || stateOf(i) === filter) matchingIdx.push(i);
  }
  matchingIdx.sort((a, b) => numbers[a]! - numbers[b]!);
  return { picked: matchingIdx.slice(Math.max(0, matchingIdx.length - limit)), matching: matchingIdx.length, withValues };
}
