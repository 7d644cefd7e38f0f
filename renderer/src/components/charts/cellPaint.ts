// Painting many points into a uPlot chart as cells: each point's position comes from the chart's own
// scales (linear or log), the points are binned into small squares (lib/views/binning.ts) and every
// non-empty square is written into one pixel buffer that goes onto the canvas in one drawImage.
// 100,000 trials draw in a few milliseconds and stay readable: a square's opacity says how many fell
// in it, rather than 100,000 marks piling into one solid blob.
import type uPlot from 'uplot';
import { binPoints, densityAlpha } from '../../lib/views/binning.ts';

// ImageData bytes are RGBA in memory; a 32-bit view reads them in the platform's byte order.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One RGBA pixel as the 32-bit word to write into an ImageData's Uint32Array view. */
export function pixel(r: number, g: number, b: number, a: number): number {
  const A = Math.round(Math.max(0, Math.min(1, a)) * 255);
  return LITTLE_ENDIAN ? ((A << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | A) >>> 0;
}

export interface CellGrid {
  cols: number;
  rows: number;
  /** A cell's side in canvas pixels. */
  cell: number;
  /** Each point's cell coordinates (fractions; NaN when it has no position). */
  px: Float64Array;
  py: Float64Array;
}

/** A point on the plot's far edge (the largest value) belongs to the last cell, not outside. */
function edge(pos: number, size: number): number {
  return pos >= size && pos < size + 1 ? size - 0.01 : pos;
}

/** A chart's arrays for its points' cell positions, kept from one redraw to the next (with room to
 * grow): 100,000 points are 1.6 MB of new garbage on each redraw otherwise. */
const positionBuffers = new WeakMap<uPlot, { px: Float64Array; py: Float64Array }>();

function positionsFor(u: uPlot, n: number): { px: Float64Array; py: Float64Array } {
  let had = positionBuffers.get(u);
  if (!had || had.px.length < n) {
    const size = Math.ceil(n * 1.25);
    had = { px: new Float64Array(size), py: new Float64Array(size) };
    positionBuffers.set(u, had);
  }
  return had;
}

/** The points' places on the plot, in cells of `cssCell` CSS pixels (written into `into` when it has
 * room: then valid until the next call with the same arrays). */
export function cellsOf(u: uPlot, xs: ArrayLike<number>, ys: ArrayLike<number>, cssCell = 4, xScale = 'x', yScale = 'y', into?: { px: Float64Array; py: Float64Array }): CellGrid {
  const dpr = window.devicePixelRatio || 1;
  const cell = Math.max(1, Math.round(cssCell * dpr));
  const { left, top, width, height } = u.bbox;
  const cols = Math.max(1, Math.ceil(width / cell));
  const rows = Math.max(1, Math.ceil(height / cell));
  const n = Math.min(xs.length, ys.length);
  const px = into && into.px.length >= n ? into.px.subarray(0, n) : new Float64Array(n);
  const py = into && into.py.length >= n ? into.py.subarray(0, n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = xs[i]!;
    const y = ys[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      px[i] = NaN;
      py[i] = NaN;
      continue;
    }
    px[i] = edge(u.valToPos(x, xScale, true) - left, width) / cell;
    py[i] = edge(u.valToPos(y, yScale, true) - top, height) / cell;
  }
  return { cols, rows, cell, px, py };
}

/** A chart's pixel buffer and the canvas it goes through, kept from one draw to the next while the
 * plot keeps its size: a live update redraws the chart every few seconds, and a new megabyte-sized
 * buffer each time is garbage to collect during the run. */
const pixelBuffers = new WeakMap<uPlot, { img: ImageData; buf32: Uint32Array; off: OffscreenCanvas }>();

function pixelsFor(u: uPlot, W: number, H: number): { img: ImageData; buf32: Uint32Array; off: OffscreenCanvas } {
  const had = pixelBuffers.get(u);
  if (had && had.img.width === W && had.img.height === H) {
    had.buf32.fill(0);
    return had;
  }
  const img = new ImageData(W, H);
  const made = { img, buf32: new Uint32Array(img.data.buffer), off: new OffscreenCanvas(W, H) };
  pixelBuffers.set(u, made);
  return made;
}

/** Writes `color(k)` (a pixel word, 0 for none) into every cell k of the grid and draws the result
 * onto the plot area. */
export function paintCells(u: uPlot, grid: Pick<CellGrid, 'cols' | 'rows' | 'cell'>, color: (k: number) => number): void {
  const { cols, rows, cell } = grid;
  const W = cols * cell;
  const H = rows * cell;
  const { img, buf32, off } = pixelsFor(u, W, H);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const word = color(r * cols + c);
      if (word === 0) continue;
      for (let dy = 0; dy < cell; dy++) {
        const at = (r * cell + dy) * W + c * cell;
        buf32.fill(word, at, at + cell);
      }
    }
  }
  off.getContext('2d')?.putImageData(img, 0, 0);
  const { left, top, width, height } = u.bbox;
  u.ctx.save();
  u.ctx.beginPath();
  u.ctx.rect(left, top, width, height);
  u.ctx.clip();
  u.ctx.drawImage(off, left, top);
  u.ctx.restore();
}

/** The points as a density in one colour: a cell's opacity grows with how many points it holds. */
export function paintDensity(u: uPlot, xs: ArrayLike<number>, ys: ArrayLike<number>, rgb: readonly [number, number, number]): void {
  const grid = cellsOf(u, xs, ys, 4, 'x', 'y', positionsFor(u, Math.min(xs.length, ys.length)));
  const { counts, max } = binPoints(grid.px, grid.py, grid.cols, grid.rows);
  // A word per distinct count, not per cell.
  const words = new Map<number, number>();
  paintCells(u, grid, (k) => {
    const c = counts[k]!;
    if (c === 0) return 0;
    let w = words.get(c);
    if (w === undefined) {
      w = pixel(rgb[0], rgb[1], rgb[2], densityAlpha(c, max, 0.65));
      words.set(c, w);
    }
    return w;
  });
}
