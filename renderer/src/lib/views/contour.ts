// Contour: two params against the objective, as a grid of cells each holding the mean objective of
// the finished trials that fall in it (empty cells stay empty: no value is made up between trials).
import type { ParamCoords } from './paramCoords.ts';

export interface AxisCells {
  /** cells + 1 edges, ascending, in the param's own units (a categorical's are index ± 0.5). */
  edges: number[];
  /** The cell of a coordinate, or -1 when it is outside or not finite. */
  cellOf: (v: number) => number;
}

/** `cells` equal cells over the range of `p`'s finite coordinates (equal in log space for a log
 * param); a categorical param gets one cell per choice. */
export function axisCells(p: ParamCoords, cells: number): AxisCells {
  if (p.kind === 'categorical') {
    const k = Math.max(1, p.labels.length);
    return {
      edges: Array.from({ length: k + 1 }, (_, i) => i - 0.5),
      cellOf: (v) => (Number.isFinite(v) && v >= 0 && v < k ? Math.round(v) : -1),
    };
  }
  const f = p.kind === 'log' ? Math.log : (v: number) => v;
  const inv = p.kind === 'log' ? Math.exp : (v: number) => v;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of p.coords) {
    if (!Number.isFinite(v)) continue;
    const t = f(v);
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  if (lo > hi) return { edges: [], cellOf: () => -1 };
  // One value only: a cell around it.
  if (lo === hi) {
    const pad = lo === 0 ? 0.5 : Math.abs(lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  const width = (hi - lo) / cells;
  const edges = Array.from({ length: cells + 1 }, (_, i) => inv(lo + i * width));
  return {
    edges,
    cellOf: (v) => {
      if (!Number.isFinite(v)) return -1;
      const t = f(v);
      if (!(t >= lo && t <= hi)) return -1;
      // The top edge belongs to the last cell.
      return Math.min(cells - 1, Math.floor((t - lo) / width));
    },
  };
}

export interface ContourGrid {
  x: AxisCells;
  y: AxisCells;
  cols: number;
  rows: number;
  /** Mean objective per cell, row-major from the lowest y; NaN where no trial fell. */
  mean: Float64Array;
  count: Uint32Array;
  /** Range of the non-empty cells' means (NaN when all are empty). */
  min: number;
  max: number;
  /** Trials placed in the grid (finite x, y and objective). */
  placed: number;
}

/** Cells per axis for `n` trials: about four trials per cell when spread evenly (sqrt(n) / 2 a
 * side), at least 4 and at most 32 a side. */
export function cellsFor(n: number): number {
  return Math.max(4, Math.min(32, Math.round(Math.sqrt(n) / 2)));
}

export function contourGrid(px: ParamCoords, py: ParamCoords, objective: ArrayLike<number>, cells: number): ContourGrid {
  const x = axisCells(px, cells);
  const y = axisCells(py, cells);
  const cols = Math.max(0, x.edges.length - 1);
  const rows = Math.max(0, y.edges.length - 1);
  const sum = new Float64Array(cols * rows);
  const count = new Uint32Array(cols * rows);
  let placed = 0;
  const n = Math.min(px.coords.length, py.coords.length, objective.length);
  for (let i = 0; i < n; i++) {
    const v = objective[i]!;
    if (!Number.isFinite(v)) continue;
    const cx = x.cellOf(px.coords[i]!);
    const cy = y.cellOf(py.coords[i]!);
    if (cx < 0 || cy < 0) continue;
    sum[cy * cols + cx]! += v;
    count[cy * cols + cx]!++;
    placed++;
  }
  const mean = new Float64Array(cols * rows).fill(NaN);
  let min = NaN;
  let max = NaN;
  for (let k = 0; k < mean.length; k++) {
    if (count[k] === 0) continue;
    const m = sum[k]! / count[k]!;
    mean[k] = m;
    if (!(m >= min)) min = m;
    if (!(m <= max)) max = m;
  }
  return { x, y, cols, rows, mean, count, min, max, placed };
}
