// EDF (empirical distribution function): for each objective value, the share of finished trials
// whose value is at or below it.

/** The EDF's steps as (value, share) points, values ascending: at value v the share is the count of
 * values <= v over the count of finite values. Equal values make one step. With more distinct values
 * than `maxSteps`, only every k-th step is kept (the last one always): the line keeps its shape and
 * 100,000 trials draw as a few thousand points. */
export function edfSteps(values: ArrayLike<number>, maxSteps = 4000): { xs: Float64Array; ys: Float64Array } {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) finite.push(values[i]!);
  finite.sort((a, b) => a - b);
  const n = finite.length;
  const sx: number[] = [];
  const sy: number[] = [];
  for (let i = 0; i < n; i++) {
    // The last of a run of equal values holds the step.
    if (i + 1 < n && finite[i + 1] === finite[i]) continue;
    sx.push(finite[i]!);
    sy.push((i + 1) / n);
  }
  if (sx.length <= maxSteps) return { xs: Float64Array.from(sx), ys: Float64Array.from(sy) };
  const every = Math.ceil(sx.length / maxSteps);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = every - 1; k < sx.length; k += every) {
    xs.push(sx[k]!);
    ys.push(sy[k]!);
  }
  if (xs[xs.length - 1] !== sx[sx.length - 1]) {
    xs.push(sx[sx.length - 1]!);
    ys.push(sy[sy.length - 1]!);
  }
  return { xs: Float64Array.from(xs), ys: Float64Array.from(ys) };
}
