// Intermediate values (the metric a trial reports at each step), one curve per trial; pruned trials
// in red, so one sees where the pruner cut them. Only the most recent trials are drawn, to stay light.
// The values come from their own query (sweeps.intermediateColumns), which the detail screen asks
// for once the table and history chart are painted; the trials' rows give their states.
import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { IntermediateColumns, TrialScalars } from '../../../../shared/contract.ts';
import { intermediateAt } from '../../../../shared/trialColumns.ts';
import { useIntermediate } from '../../api/queries.ts';
import { useQuietValue } from '../../lib/useQuiet.ts';
import { ErrorBox, Loading } from '../Notice.tsx';
import { axisStyle, INT_INCRS, UPlotChart } from './UPlotChart.tsx';

const MAX_CURVES = 80;

interface Curve {
  number: number;
  state: TrialScalars['state'] | undefined;
  points: Array<[number, number]>;
}

/** The most recent trials (by number) that reported intermediate values, oldest first. */
function recentCurves(c: IntermediateColumns, trials: readonly TrialScalars[]): Curve[] {
  const withValues: number[] = [];
  for (let i = 0; i < c.number.length; i++) if (c.start[i + 1]! > c.start[i]!) withValues.push(i);
  withValues.sort((a, b) => c.number[b]! - c.number[a]!);
  const picked = withValues.slice(0, MAX_CURVES).reverse();
  const stateOf = new Map<number, TrialScalars['state']>();
  const wanted = new Set(picked.map((i) => c.number[i]!));
  for (const t of trials) if (wanted.has(t.number)) stateOf.set(t.number, t.state);
  return picked.map((i) => ({ number: c.number[i]!, state: stateOf.get(c.number[i]!), points: intermediateAt(c, i) }));
}

export function IntermediateChart({ sweepId, trials, metric }: { sweepId: string; trials: readonly TrialScalars[]; metric: string | null }) {
  const q = useIntermediate(sweepId);
  // The reply arrives whenever it does; drawing 80 curves between two frames of a scroll makes one late.
  const columns = useQuietValue(q.data);
  if (q.isError && !q.data) return <ErrorBox error={q.error} title="The intermediate values could not be read" onRetry={() => void q.refetch()} />;
  if (!columns) return <Loading what="the intermediate values" />;
  return <Curves columns={columns} trials={trials} metric={metric} />;
}

function Curves({ columns, trials, metric }: { columns: IntermediateColumns; trials: readonly TrialScalars[]; metric: string | null }) {
  const shown = useMemo(() => recentCurves(columns, trials), [columns, trials]);
  const seriesKey = shown.map((t) => `${t.number}:${t.state}`).join(',');
  const data = useMemo(() => {
    const steps = [...new Set(shown.flatMap((t) => t.points.map(([s]) => s)))].sort((a, b) => a - b);
    const at = new Map(steps.map((s, i) => [s, i]));
    const cols = shown.map((t) => {
      const ys = new Array<number | null>(steps.length).fill(null);
      for (const [s, v] of t.points) ys[at.get(s)!] = Number.isFinite(v) ? v : null;
      return ys;
    });
    return [steps, ...cols] as uPlot.AlignedData;
  }, [shown]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      legend: { show: false },
      scales: { x: { time: false } },
      axes: [
        { ...axisStyle(), label: 'step', incrs: INT_INCRS },
        { ...axisStyle(), label: metric ?? 'value', size: 60 },
      ],
      series: [
        { label: 'step' },
        ...shown.map((t) => ({
          label: `trial ${t.number}`,
          stroke: t.state === 'PRUNED' ? 'rgba(239,68,68,0.85)' : t.state === 'RUNNING' ? 'rgba(16,185,129,0.95)' : 'rgba(91,141,239,0.45)',
          width: t.state === 'RUNNING' ? 2 : 1.25,
          spanGaps: true,
          // A dot at every point of a pruned curve: its last one is where the pruner stopped it.
          points: t.state === 'PRUNED' ? { show: true, size: 6, fill: 'rgba(239,68,68,0.95)', stroke: 'rgba(239,68,68,0.95)' } : { show: false },
        })),
      ],
    }),
    // The series set is what seriesKey describes.
    [seriesKey, metric],
  );
  if (shown.length === 0) return <p className="muted chart-empty">No intermediate values reported yet.</p>;
  const pruned = shown.filter((t) => t.state === 'PRUNED').length;
  return (
    <>
      <UPlotChart options={options} data={data} label={`Intermediate values of ${shown.length} trials, ${pruned} pruned shown in red`} />
      <p className="legend-line">
        <span className="swatch swatch-blue" aria-hidden="true" /> complete <span className="swatch swatch-red" aria-hidden="true" /> pruned ({pruned}){' '}
        <span className="swatch swatch-green" aria-hidden="true" /> running
        {columns.number.length > MAX_CURVES ? <span className="muted"> · last {shown.length} trials</span> : null}
      </p>
    </>
  );
}
