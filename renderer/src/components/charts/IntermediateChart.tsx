// Intermediate values (the metric a trial reports at each step), one curve per trial; pruned trials
// in red, so one sees where the pruner cut them. The most recent trials are drawn, as many as the
// user picks (of the states picked), and the chart says how many of how many it shows.
// The values come from their own query (sweeps.intermediateColumns), which the detail screen asks
// for once the table and history chart are painted; the trials' rows give their states.
import { useMemo, useState } from 'react';
import type uPlot from 'uplot';
import type { IntermediateColumns, TrialScalars } from '../../../../shared/contract.ts';
import { intermediateAt } from '../../../../shared/trialColumns.ts';
import { useIntermediate } from '../../api/queries.ts';
import { pickCurves, type CurveFilter } from '../../lib/views/curvePick.ts';
import { useQuietValue } from '../../lib/useQuiet.ts';
import { ErrorBox, Loading } from '../Notice.tsx';
import { axisStyle, INT_INCRS, UPlotChart } from './UPlotChart.tsx';

/** How many curves one can ask for: a curve is a uPlot series, and a few thousand is where drawing
 * them stops being quick. */
const LIMITS = [20, 80, 300, 1000] as const;
const FILTERS: ReadonlyArray<{ id: CurveFilter; label: string }> = [
  { id: 'all', label: 'all states' },
  { id: 'PRUNED', label: 'pruned' },
  { id: 'COMPLETE', label: 'complete' },
  { id: 'RUNNING', label: 'running' },
];

interface Curve {
  number: number;
  state: TrialScalars['state'] | undefined;
  points: Array<[number, number]>;
}

function curves(c: IntermediateColumns, trials: readonly TrialScalars[], filter: CurveFilter, limit: number): { shown: Curve[]; matching: number; withValues: number } {
  const stateOfNumber = new Map<number, TrialScalars['state']>();
  for (const t of trials) stateOfNumber.set(t.number, t.state);
  const counts = new Array<number>(c.number.length);
  for (let i = 0; i < c.number.length; i++) counts[i] = c.start[i + 1]! - c.start[i]!;
  const pick = pickCurves(c.number, counts, (i) => stateOfNumber.get(c.number[i]!), filter, limit);
  return {
    shown: pick.picked.map((i) => ({ number: c.number[i]!, state: stateOfNumber.get(c.number[i]!), points: intermediateAt(c, i) })),
    matching: pick.matching,
    withValues: pick.withValues,
  };
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
  const [limit, setLimit] = useState<number>(80);
  const [filter, setFilter] = useState<CurveFilter>('all');
  const { shown, matching, withValues } = useMemo(() => curves(columns, trials, filter, limit), [columns, trials, filter, limit]);
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
  const pruned = shown.filter((t) => t.state === 'PRUNED').length;
  const filterLabel = FILTERS.find((f) => f.id === filter)!.label;
  return (
    <>
      <div className="chart-tools">
        <label className="inline">
          Show the last
          <select value={limit} onChange={(e) => setLimit(Number(e.target.value))}>
            {LIMITS.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          trials, of
          <select value={filter} onChange={(e) => setFilter(e.target.value as CurveFilter)}>
            {FILTERS.map((f) => (
              <option key={f.id} value={f.id}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        <span className="muted small" role="status">
          Showing {shown.length} of {matching} {filter === 'all' ? '' : `${filterLabel} `}trials with intermediate values{filter === 'all' ? '' : ` (${withValues} of any state)`}
        </span>
      </div>
      {shown.length === 0 ? (
        <p className="muted chart-empty">{withValues === 0 ? 'No intermediate values reported yet.' : `No ${filterLabel} trial has intermediate values.`}</p>
      ) : (
        <>
          <UPlotChart options={options} data={data} height={300} label={`Intermediate values of ${shown.length} trials, ${pruned} pruned shown in red`} />
          <p className="legend-line">
            <span className="swatch swatch-blue" aria-hidden="true" /> complete <span className="swatch swatch-red" aria-hidden="true" /> pruned ({pruned} of {shown.length} shown){' '}
            <span className="swatch swatch-green" aria-hidden="true" /> running
          </p>
        </>
      )}
    </>
  );
}
