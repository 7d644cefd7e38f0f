// Slice: one param (picked by the user) against the objective, each finished trial a point, drawn
// as a density so 100,000 trials stay readable.
import { useMemo, useState } from 'react';
import type uPlot from 'uplot';
import type { TrialScalars } from '../../../../shared/contract.ts';
import { objectiveValues, paramCoords, type Distribution } from '../../lib/views/paramCoords.ts';
import { slicePoints } from '../../lib/views/slice.ts';
import { paintDensity } from './cellPaint.ts';
import { paramAxis, paramScale } from './paramAxis.ts';
import { ParamPicker } from './ParamPicker.tsx';
import { axisStyle, UPlotChart } from './UPlotChart.tsx';

const POINT_RGB = [0x5b, 0x8d, 0xef] as const;

export function SliceChart({ trials, params, distributions, metric }: { trials: readonly TrialScalars[]; params: readonly string[]; distributions: Record<string, Distribution>; metric: string | null }) {
  const [picked, setPicked] = useState<string | null>(null);
  const param = picked !== null && params.includes(picked) ? picked : (params[0] ?? null);
  const objective = useMemo(() => objectiveValues(trials), [trials]);
  const coords = useMemo(() => (param === null ? null : paramCoords(trials, param, distributions[param])), [trials, param, distributions]);
  const points = useMemo(() => (coords ? slicePoints(coords.coords, objective) : null), [coords, objective]);
  const data = useMemo(() => (points ? ([points.xs, points.ys] as unknown as uPlot.AlignedData) : null), [points]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'> | null>(
    () =>
      coords === null
        ? null
        : {
            legend: { show: false },
            cursor: { drag: { x: true, y: false } },
            hooks: { drawSeries: [(u: uPlot, i: number) => void (i === 1 && paintDensity(u, u.data[0] as ArrayLike<number>, u.data[1] as ArrayLike<number>, POINT_RGB))] },
            scales: { x: paramScale(coords), y: {} },
            axes: [paramAxis(coords), { ...axisStyle(), label: metric ?? 'value', size: 60 }],
            series: [{ label: coords.name }, { label: metric ?? 'value', stroke: '#5b8def', paths: () => null, points: { show: false } }],
          },
    [coords, metric],
  );
  if (param === null || coords === null || !data || !options) return <p className="muted chart-empty">The study has no params to slice by.</p>;
  const n = data[0].length;
  return (
    <>
      <div className="chart-tools">
        <ParamPicker label="Param" params={params} value={param} onChange={setPicked} />
        <span className="muted small">{n} finished trials with {param}</span>
      </div>
      {n === 0 ? (
        <p className="muted chart-empty">No finished trial has a value for {param} yet.</p>
      ) : (
        <UPlotChart options={options} data={data} height={320} label={`Slice: ${metric ?? 'objective'} against ${param}, ${n} trials`} describe={coords.kind === 'categorical' ? `${param} choices: ${coords.labels.join(', ')}` : undefined} />
      )}
    </>
  );
}
