// Rank: where each finished trial's objective stands among all of them.

/** Each value's rank as a share in [0, 1]: 0 for the best (lowest when minimizing, highest when
 * maximizing), 1 for the worst; equal values share the mean of their ranks. NaN for a value that is
 * not finite. One finite value ranks 0. */
export function rankShares(values: ArrayLike<number>, direction: 'minimize' | 'maximize' | null): Float64Array {
  const out = new Float64Array(values.length).fill(NaN);
  const idx: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) idx.push(i);
  const sign = direction === 'maximize' ? -1 : 1;
  idx.sort((a, b) => sign * (values[a]! - values[b]!));
  const n = idx.length;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[idx[j + 1]!] === values[idx[i]!]) j++;
    // Ranks i..j (0-based) are tied: each gets their mean.
    const share = n === 1 ? 0 : (i + j) / 2 / (n - 1);
    for (let k = i; k <= j; k++) out[idx[k]!] = share;
    i = j + 1;
  }
  return out;
}
