// Orders of many rows in a few milliseconds, without a comparison function per pair: numbers by a
// stable radix sort over their float64 bits, anything else by rank (its distinct values sorted once,
// then a counting sort). Ties keep the order the indices were given in.

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** `subset` (indices into `keys`) in ascending order of their keys, which must not be NaN. */
export function numberOrder(keys: Float64Array, subset: Int32Array): Int32Array {
  const m = subset.length;
  if (!LITTLE_ENDIAN) return Int32Array.from(subset).sort((a, b) => keys[a]! - keys[b]!);
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  // Each key as an unsigned 64-bit number in the same order: negatives with every bit flipped,
  // others with the sign bit set.
  const hi = new Uint32Array(m);
  const lo = new Uint32Array(m);
  for (let k = 0; k < m; k++) {
    const v = keys[subset[k]!]!;
    f[0] = v === 0 ? 0 : v; // -0 ties with 0, as a - b says
    const h = u[1]!;
    if (h & 0x80000000) {
      hi[k] = ~h >>> 0;
      lo[k] = ~u[0]! >>> 0;
    } else {
      hi[k] = (h | 0x80000000) >>> 0;
      lo[k] = u[0]!;
    }
  }
  let cur = new Int32Array(m);
  for (let k = 0; k < m; k++) cur[k] = k;
  let next = new Int32Array(m);
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass < 2 ? lo : hi;
    const shift = pass % 2 === 1 ? 16 : 0;
    count.fill(0);
    for (let k = 0; k < m; k++) count[(word[k]! >>> shift) & 0xffff]!++;
    // Every key has the same digit here: this pass would leave the order as it is.
    if (m === 0 || count[(word[0]! >>> shift) & 0xffff] === m) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d]!;
      count[d] = sum;
      sum += c;
    }
    for (let k = 0; k < m; k++) {
      const p = cur[k]!;
      next[count[(word[p]! >>> shift) & 0xffff]!++] = p;
    }
    [cur, next] = [next, cur];
  }
  const out = new Int32Array(m);
  for (let k = 0; k < m; k++) out[k] = subset[cur[k]!]!;
  return out;
}

/** Indices 0..n-1 in ascending order of `values` under `compare` (which must be a total order). */
export function rankOrder<T>(values: readonly T[], compare: (a: T, b: T) => number): Int32Array {
  const n = values.length;
  // Values already in order (run names numbered as they were created) take one pass.
  let inOrder = 1;
  while (inOrder < n && compare(values[inOrder - 1]!, values[inOrder]!) <= 0) inOrder++;
  if (inOrder >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const seen = new Map<T, number>();
  const distinct: T[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (!seen.has(v)) {
      seen.set(v, distinct.length);
      distinct.push(v);
    }
  }
  // Array sort (TimSort) runs through values that come already in order, as names often do.
  const sorted = distinct.map((_, k) => k).sort((a, b) => compare(distinct[a]!, distinct[b]!) || a - b);
  const rankOfDistinct = new Uint32Array(distinct.length);
  let rank = 0;
  sorted.forEach((d, k) => {
    if (k > 0 && compare(distinct[sorted[k - 1]!]!, distinct[d]!) !== 0) rank++;
    rankOfDistinct[d] = rank;
  });
  const count = new Uint32Array(rank + 2);
  const ranks = new Uint32Array(n);
  for (let i = 0; i < n; i++) count[(ranks[i] = rankOfDistinct[seen.get(values[i]!)!]!) + 1]!++;
  for (let r = 1; r < count.length; r++) count[r]! += count[r - 1]!;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[count[ranks[i]!]!++] = i;
  return out;
}
