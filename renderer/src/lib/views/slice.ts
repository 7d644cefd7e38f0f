// Slice: one param against the objective, a point per finished trial.

/** The (param, objective) pairs where both are finite, sorted by the param (the chart's x axis
 * needs ascending x); equal params keep the trials' order. */
export function slicePoints(param: ArrayLike<number>, objective: ArrayLike<number>): { xs: Float64Array; ys: Float64Array } {
  const idx: number[] = [];
  const n = Math.min(param.length, objective.length);
  for (let i = 0; i < n; i++) if (Number.isFinite(param[i]!) && Number.isFinite(objective[i]!)) idx.push(i);
  idx.sort((a, b) => param[a]! - param[b]! || a - b);
  const xs = new Float64Array(idx.length);
  const ys = new Float64Array(idx.length);
  for (let k = 0; k < idx.length; k++) {
    xs[k] = param[idx[k]!]!;
    ys[k] = objective[idx[k]!]!;
  }
  return { xs, ys };
}
