// Optimization history: every finished trial's value, and the best value so far as a step line.
import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { TrialRow } from '../../../../shared/contract.ts';
import { markOnce } from '../../lib/perf.ts';
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
        { label: 'value', stroke: '#5b8def', paths: () => null, points: { show: true, size: 5, fill: '#5b8def', stroke: '#5b8def' } },
        { label: 'best so far', stroke: '#f59e0b', width: 2, points: { show: false } },
      ],
    }),
    [metric],
  );
  if (data[0].length === 0) return <p className="muted chart-empty">No finished trial yet: the history appears with the first result.</p>;
  return <UPlotChart options={options} data={data} label={`Optimization history of ${metric ?? 'the objective'} with best-so-far line`} onDrawn={() => markOnce('history-chart-drawn')} />;
}
