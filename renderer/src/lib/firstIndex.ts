// Binary search over positions: what the live merge, the table's order, the history chart and the
// rank view each need, over rows, typed arrays or an order of rows.

/** The first index in [lo, hi) at which `before` is false, for a `before` that is true on a prefix
 * of the range and false after it (hi when it is true everywhere). */
export function firstIndex(lo: number, hi: number, before: (i: number) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
