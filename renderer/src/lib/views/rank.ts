// Rank: where each finished trial's objective stands among all of them.
import { firstIndex } from '../firstIndex.ts';

/** Index of the first entry of ascending `a` that is >= v (strictly > v when `after`). */
function bound(a: Float64Array, v: number, after: boolean): number {
  return firstIndex(0, a.length, (i) => (after ? a[i]! <= v : a[i]! < v));
}

/** Each value's rank as a share in [0, 1]: 0 for the best (lowest when minimizing, highest when
 * maximizing), 1 for the worst; equal values share the mean of their ranks. NaN for a value that is
 * not finite. One finite value ranks 0. The values are sorted once as a typed array (a numeric sort,
 * no comparator: 100,000 values in a few ms) and each finds its run of equals by binary search. */
export function rankShares(values: ArrayLike<number>, direction: 'minimize' | 'maximize' | null): Float64Array {
  const out = new Float64Array(values.length).fill(NaN);
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) n++;
  const sorted = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) sorted[k++] = values[i]!;
  sorted.sort();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    // 0-based ascending ranks first..last are tied at v: each gets their mean.
    const mean = (bound(sorted, v, false) + bound(sorted, v, true) - 1) / 2;
    const share = n === 1 ? 0 : mean / (n - 1);
    out[i] = direction === 'maximize' ? (n === 1 ? 0 : 1 - share) : share;
  }
  return out;
}
