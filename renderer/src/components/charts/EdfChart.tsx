// EDF: the share of finished trials whose objective is at or below each value, a step line.
import { useMemo, useState } from 'react';
import uPlot from 'uplot';
import type { TrialScalars } from '../../../../shared/contract.ts';
import { edfSteps } from '../../lib/views/edf.ts';
import { objectiveValues } from '../../lib/views/paramCoords.ts';
import { ScaleToggle } from './ScaleToggle.tsx';
import { axisStyle, UPlotChart } from './UPlotChart.tsx';

const stepped = uPlot.paths.stepped?.({ align: 1 });

export function EdfChart({ trials, metric }: { trials: readonly TrialScalars[]; metric: string | null }) {
  const steps = useMemo(() => edfSteps(objectiveValues(trials)), [trials]);
  const [logWanted, setLog] = useState(false);
  const positive = steps.xs.length > 0 && steps.xs[0]! > 0;
  const log = logWanted && positive;
  const data = useMemo(() => [steps.xs, steps.ys] as unknown as uPlot.AlignedData, [steps]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      legend: { show: false },
      cursor: { drag: { x: true, y: false } },
      scales: { x: log ? { time: false, distr: 3 } : { time: false }, y: { range: [0, 1] } },
      axes: [
        { ...axisStyle(), label: `${metric ?? 'value'}${log ? ' (log)' : ''}` },
        { ...axisStyle(), label: 'share of trials ≤ value', size: 60 },
      ],
      series: [{ label: metric ?? 'value' }, { label: 'share', stroke: '#5b8def', width: 2, ...(stepped ? { paths: stepped } : {}), points: { show: false } }],
    }),
    [metric, log],
  );
  if (steps.xs.length === 0) return <p className="muted chart-empty">The EDF appears with the first finished trial.</p>;
  return (
    <>
      <ScaleToggle log={log} onChange={setLog} label="Value axis" disabledReason={positive ? null : 'A log axis needs every value above zero.'} />
      <UPlotChart options={options} data={data} height={320} label={`Empirical distribution of ${metric ?? 'the objective'} over finished trials`} />
    </>
  );
}
