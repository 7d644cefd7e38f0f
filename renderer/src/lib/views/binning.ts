// Points binned into a grid of cells: the views draw 100,000 trials as counts per cell (a density),
// not as 100,000 overlapping marks that merge into one solid blob.

/** How many points fall in each of `cols` x `rows` cells, row-major from the top-left. `px`/`py` are
 * the points' positions in cells (already scaled; fractions allowed); points outside the grid or not
 * finite are left out. Returns the counts and the largest count. */
export function binPoints(px: ArrayLike<number>, py: ArrayLike<number>, cols: number, rows: number): { counts: Uint32Array; max: number } {
  const counts = new Uint32Array(cols * rows);
  let max = 0;
  const n = Math.min(px.length, py.length);
  for (let i = 0; i < n; i++) {
    const x = Math.floor(px[i]!);
    const y = Math.floor(py[i]!);
    // NaN fails every comparison, so it is left out here too.
    if (!(x >= 0 && x < cols && y >= 0 && y < rows)) continue;
    const c = ++counts[y * cols + x]!;
    if (c > max) max = c;
  }
  return { counts, max };
}

/** The opacity a cell of `count` points (of at most `max` in a cell) is drawn with: a single point
 * stays visible (`floor`), the densest cell is opaque, and counts between follow log(1 + count), so a
 * few hundred points in a cell do not hide a cell of ten. */
export function densityAlpha(count: number, max: number, floor = 0.35): number {
  if (count <= 0) return 0;
  if (max <= 1) return 1;
  return floor + (1 - floor) * (Math.log1p(count - 1) / Math.log1p(max - 1));
}

/** The smallest of `values` per cell (NaN where no point fell), over the same grid as binPoints:
 * the rank view colours a cell by the best trial in it. */
export function binMin(px: ArrayLike<number>, py: ArrayLike<number>, values: ArrayLike<number>, cols: number, rows: number): Float64Array {
  const out = new Float64Array(cols * rows).fill(NaN);
  const n = Math.min(px.length, py.length, values.length);
  for (let i = 0; i < n; i++) {
    const x = Math.floor(px[i]!);
    const y = Math.floor(py[i]!);
    const v = values[i]!;
    if (!(x >= 0 && x < cols && y >= 0 && y < rows) || !Number.isFinite(v)) continue;
    const k = y * cols + x;
    if (!(out[k]! <= v)) out[k] = v;
  }
  return out;
}
