// Optimization history: every finished trial's value, and the best value so far as a step line.
import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { TrialScalars } from '../../../../shared/contract.ts';
import { markAfterPaint } from '../../lib/perf.ts';
import { axisStyle, INT_INCRS, UPlotChart } from './UPlotChart.tsx';

export function historyData(trials: readonly TrialScalars[], direction: 'minimize' | 'maximize' | null): uPlot.AlignedData {
  // Plain loops: this runs once on the way to the first draw, as cold code, over 10,000 trials.
  const done: TrialScalars[] = [];
  let ordered = true;
  for (let i = 0; i < trials.length; i++) {
    const t = trials[i]!;
    if (t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value)) {
      if (done.length > 0 && done[done.length - 1]!.number > t.number) ordered = false;
      done.push(t);
    }
  }
  // Trials come in number order; sort only when they do not.
  if (!ordered) done.sort((a, b) => a.number - b.number);
  const n = done.length;
  const xs = new Float64Array(n);
  const ys = new Array<number>(n);
  const best = new Array<number>(n);
  const min = direction === 'minimize';
  let b = NaN;
  for (let i = 0; i < n; i++) {
    const t = done[i]!;
    const v = t.value as number;
    xs[i] = t.number;
    ys[i] = v;
    if (Number.isNaN(b) || (min ? v < b : v > b)) b = v;
    best[i] = b;
  }
  return [xs, ys, best] as unknown as uPlot.AlignedData;
}

const VALUE_RGB = [0x5b, 0x8d, 0xef] as const;
const VALUE_COLOR = '#5b8def';
// ImageData bytes are RGBA in memory; a 32-bit view reads them in the platform's byte order.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Trial values as small squares, painted pixel by pixel into a buffer that goes onto the chart in
 * one drawImage. uPlot's own points are a circle path per trial: for 10,000 trials, building and
 * filling that path took ~50-100 ms (software raster, no GPU) of the first draw; this is a few ms.
 * Runs as uPlot's drawSeries hook for the values series, so the best-so-far line stays on top. */
export function paintValuePoints(u: uPlot, seriesIdx: number): void {
  if (seriesIdx !== 1) return;
  const xs = u.data[0];
  const ys = u.data[1];
  const sx = u.scales.x;
  const sy = u.scales.y;
  if (!ys || !sx || !sy || sx.min == null || sx.max == null || sy.min == null || sy.max == null) return;
  const dpr = window.devicePixelRatio || 1;
  const size = Math.max(2, Math.round(4 * dpr));
  const half = Math.floor(size / 2);
  const { left, top, width, height } = u.bbox;
  const pw = Math.max(1, Math.round(width));
  const ph = Math.max(1, Math.round(height));
  const W = pw + 2 * size;
  const H = ph + 2 * size;
  const img = new ImageData(W, H);
  // One 32-bit write per pixel, a row of a square at a time (fill): this loop runs once, cold
  // (not yet optimised by V8), so per-byte writes cost ~60 ms for 10,000 trials.
  const px = new Uint32Array(img.data.buffer);
  const color = LITTLE_ENDIAN
    ? (0xff << 24) | (VALUE_RGB[2] << 16) | (VALUE_RGB[1] << 8) | VALUE_RGB[0]
    : (VALUE_RGB[0] << 24) | (VALUE_RGB[1] << 16) | (VALUE_RGB[2] << 8) | 0xff;
  // Both scales are linear (trial number, objective value).
  const kx = sx.max === sx.min ? 0 : pw / (sx.max - sx.min);
  const ky = sy.max === sy.min ? 0 : ph / (sy.max - sy.min);
  for (let i = 0; i < ys.length; i++) {
    const x = xs[i];
    const y = ys[i];
    if (x == null || y == null) continue;
    const cx = Math.round((x - sx.min) * kx) + size;
    const cy = Math.round(ph - (y - sy.min) * ky) + size;
    // Outside the plot (zoomed in): not drawn.
    if (cx < size - half || cx > pw + size + half || cy < size - half || cy > ph + size + half) continue;
    for (let dy = -half; dy < size - half; dy++) {
      const at = (cy + dy) * W + (cx - half);
      px.fill(color, at, at + size);
    }
  }
  const buf = new OffscreenCanvas(W, H);
  buf.getContext('2d')?.putImageData(img, 0, 0);
  u.ctx.drawImage(buf, left - size, top - size);
}

export function HistoryChart({ trials, direction, metric }: { trials: readonly TrialScalars[]; direction: 'minimize' | 'maximize' | null; metric: string | null }) {
  const data = useMemo(() => historyData(trials, direction), [trials, direction]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      legend: { show: true },
      hooks: { drawSeries: [paintValuePoints] },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false } },
      axes: [
        { ...axisStyle(), label: 'trial', incrs: INT_INCRS },
        { ...axisStyle(), label: metric ?? 'value', size: 60 },
      ],
      series: [
        { label: 'trial' },
        // Drawn by paintValuePoints (no line, no uPlot points).
        { label: 'value', stroke: VALUE_COLOR, paths: () => null, points: { show: false } },
        { label: 'best so far', stroke: '#f59e0b', width: 2, points: { show: false } },
      ],
    }),
    [metric],
  );
  if (data[0].length === 0) return <p className="muted chart-empty">No finished trial yet: the history appears with the first result.</p>;
  return <UPlotChart options={options} data={data} label={`Optimization history of ${metric ?? 'the objective'} with best-so-far line`} onDrawn={() => markAfterPaint('history-chart-drawn')} />;
}
