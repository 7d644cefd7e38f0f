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

/** Trial values as small squares, at most one per canvas pixel. uPlot's own points are circles, and
 * 10,000 arcs took ~100 ms to build and fill (software raster, no GPU); a square per pixel looks the
 * same at this size and skips what would be painted over anyway. */
export const squarePoints: uPlot.Series.Points.PathBuilder = (u, seriesIdx, idx0, idx1) => {
  const xs = u.data[0];
  const ys = u.data[seriesIdx];
  const s = u.series[seriesIdx];
  const sx = u.scales.x;
  const sy = u.scales[s?.scale ?? 'y'];
  if (!ys || !s || !sx || !sy || sx.min == null || sx.max == null || sy.min == null || sy.max == null) return null;
  const size = Math.max(1, Math.round((s.points?.size ?? 4) * (window.devicePixelRatio || 1)));
  const half = size / 2;
  const { left, top, width, height } = u.bbox;
  // Both scales are linear (trial number, objective value): map by hand rather than through
  // valToPos per point, and mark drawn pixels in a bitmap of the plot area.
  const kx = (sx.max - sx.min) === 0 ? 0 : width / (sx.max - sx.min);
  const ky = (sy.max - sy.min) === 0 ? 0 : height / (sy.max - sy.min);
  const w = Math.ceil(width) + 1;
  const h = Math.ceil(height) + 1;
  const seen = new Uint8Array(w * h);
  const fill = new Path2D();
  for (let i = idx0; i <= idx1; i++) {
    const y = ys[i];
    const x = xs[i];
    if (y === null || y === undefined || x === null || x === undefined) continue;
    const px = Math.round((x - sx.min) * kx);
    const py = Math.round(height - (y - sy.min) * ky);
    if (px < 0 || py < 0 || px >= w || py >= h) continue;
    const at = py * w + px;
    if (seen[at]) continue;
    seen[at] = 1;
    fill.rect(left + px - half, top + py - half, size, size);
  }
  const clip = new Path2D();
  clip.rect(left - size, top - size, width + 2 * size, height + 2 * size);
  return { fill, stroke: null, clip };
};

export function HistoryChart({ trials, direction, metric }: { trials: readonly TrialRow[]; direction: 'minimize' | 'maximize' | null; metric: string | null }) {
  const data = useMemo(() => historyData(trials, direction), [trials, direction]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false } },
      axes: [
        { ...axisStyle(), label: 'trial', incrs: INT_INCRS },
        { ...axisStyle(), label: metric ?? 'value', size: 60 },
      ],
      series: [
        { label: 'trial' },
        { label: 'value', stroke: '#5b8def', paths: () => null, points: { show: true, size: 4, width: 0, fill: '#5b8def', stroke: '#5b8def', paths: squarePoints } },
        { label: 'best so far', stroke: '#f59e0b', width: 2, points: { show: false } },
      ],
    }),
    [metric],
  );
  if (data[0].length === 0) return <p className="muted chart-empty">No finished trial yet: the history appears with the first result.</p>;
  return <UPlotChart options={options} data={data} label={`Optimization history of ${metric ?? 'the objective'} with best-so-far line`} onDrawn={() => markAfterPaint('history-chart-drawn')} />;
}
