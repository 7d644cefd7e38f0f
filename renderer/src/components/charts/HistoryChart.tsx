// Optimization history: every finished trial's value, and the best value so far as a step line.
import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { TrialRow } from '../../../../shared/contract.ts';
import { markAfterPaint } from '../../lib/perf.ts';
import { axisStyle, INT_INCRS, UPlotChart } from './UPlotChart.tsx';

export function historyData(trials: readonly TrialRow[], direction: 'minimize' | 'maximize' | null): uPlot.AlignedData {
  const done = trials.filter((t) => t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value)).sort((a, b) => a.number - b.number);
  const xs = new Float64Array(done.length);
  const ys = new Array<number>(done.length);
  const best = new Array<number>(done.length);
  let b = NaN;
  done.forEach((t, i) => {
    const v = t.value as number;
    xs[i] = t.number;
    ys[i] = v;
    if (Number.isNaN(b) || (direction === 'minimize' ? v < b : v > b)) b = v;
    best[i] = b;
  });
  return [xs, ys, best] as unknown as uPlot.AlignedData;
}

const VALUE_RGB = [0x5b, 0x8d, 0xef] as const;
const VALUE_COLOR = '#5b8def';

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
  const px = img.data;
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
      let at = ((cy + dy) * W + (cx - half)) * 4;
      for (let dx = 0; dx < size; dx++, at += 4) {
        px[at] = VALUE_RGB[0];
        px[at + 1] = VALUE_RGB[1];
        px[at + 2] = VALUE_RGB[2];
        px[at + 3] = 255;
      }
    }
  }
  const buf = new OffscreenCanvas(W, H);
  buf.getContext('2d')?.putImageData(img, 0, 0);
  u.ctx.drawImage(buf, left - size, top - size);
}

export function HistoryChart({ trials, direction, metric }: { trials: readonly TrialRow[]; direction: 'minimize' | 'maximize' | null; metric: string | null }) {
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
