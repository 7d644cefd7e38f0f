// One metric over the runs of the Experiments table (those its filter matches), by start time: each
// run a point, drawn as a density so 100,000 child runs stay readable. The host sends only the two
// columns (runs.tableChart).
import { useMemo, useState } from 'react';
import type uPlot from 'uplot';
import type { ChannelOutput } from '../../../../shared/contract.ts';
import { paintDensity } from './cellPaint.ts';
import { ParamPicker } from './ParamPicker.tsx';
import { axisStyle, UPlotChart } from './UPlotChart.tsx';

const POINT_RGB = [0x5b, 0x8d, 0xef] as const;

export function RunsMetricChart({ metrics, metric, onMetric, data }: { metrics: readonly string[]; metric: string; onMetric: (m: string) => void; data: ChannelOutput<'runs.tableChart'> | undefined }) {
  // uPlot's time axis counts seconds.
  const aligned = useMemo(() => (data ? ([Float64Array.from(data.x, (t) => t / 1000), Float64Array.from(data.y)] as unknown as uPlot.AlignedData) : null), [data]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      legend: { show: false },
      cursor: { drag: { x: true, y: false } },
      hooks: { drawSeries: [(u: uPlot, i: number) => void (i === 1 && paintDensity(u, u.data[0] as ArrayLike<number>, u.data[1] as ArrayLike<number>, POINT_RGB))] },
      scales: { x: { time: true }, y: {} },
      axes: [{ ...axisStyle(), label: 'run start' }, { ...axisStyle(), label: metric, size: 60 }],
      series: [{ label: 'start' }, { label: metric, stroke: '#5b8def', paths: () => null, points: { show: false } }],
    }),
    [metric],
  );
  const n = data?.x.length ?? 0;
  return (
    <>
      <div className="chart-tools">
        <ParamPicker label="Metric" params={metrics} value={metric} onChange={onMetric} />
        {data ? (
          <span className="muted small">
            {n.toLocaleString('en-US')} of {data.matching.toLocaleString('en-US')} runs with {metric}
          </span>
        ) : null}
      </div>
      {aligned && n > 0 ? <UPlotChart options={options} data={aligned} height={260} label={`${metric} of ${n} runs by start time`} /> : data ? <p className="muted chart-empty">No run shown has a value for {metric}.</p> : null}
    </>
  );
}

/** The metric the chart shows: the one picked, while the runs still have it, else the first. */
export function useChartMetric(metrics: readonly string[]): [string | null, (m: string) => void] {
  const [picked, setPicked] = useState<string | null>(null);
  return [picked !== null && metrics.includes(picked) ? picked : (metrics[0] ?? null), setPicked];
}
