// Pareto front of a multi-objective study: every COMPLETE trial as a point over two objectives
// (the only two, or a pair picked from three or more), the front's trials highlighted and joined,
// the dominated ones dimmed, the infeasible ones (Optuna constraints not met) as red rings.
// Clicking a point selects its trial, as clicking its row in the trials table does.
import { useMemo, useRef, useState } from 'react';
import type uPlot from 'uplot';
import type { TrialScalars } from '../../../../shared/contract.ts';
import { paretoPoints, type StudyObjectives } from '../../lib/views/objectives.ts';
import { paintDensity } from './cellPaint.ts';
import { axisStyle, UPlotChart } from './UPlotChart.tsx';

const FRONT = '#f59e0b';
const DOMINATED = 'rgba(91, 141, 239, 0.5)';
const DOMINATED_RGB = [0x5b, 0x8d, 0xef] as const;
const INFEASIBLE = '#ef4444';
/** How near (CSS pixels) a click must land to pick a point. */
const PICK_RADIUS = 12;

function ObjectivePicker({ label, labels, value, onChange }: { label: string; labels: readonly string[]; value: number; onChange: (k: number) => void }) {
  return (
    <label className="inline">
      {label}
      <select value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {labels.map((l, k) => (
          <option key={k} value={k}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The point nearest to (x, y) in the plot area's CSS pixels, within PICK_RADIUS: its row index. */
function nearestPoint(u: uPlot, x: number, y: number): number | null {
  let best: number | null = null;
  let bestD = PICK_RADIUS * PICK_RADIUS;
  const xs = u.data[0];
  for (let s = 1; s <= 3; s++) {
    const ys = u.data[s];
    if (!ys) continue;
    for (let i = 0; i < xs.length; i++) {
      const v = ys[i];
      if (v === null || v === undefined) continue;
      const dx = u.valToPos(xs[i]!, 'x') - x;
      const dy = u.valToPos(v, 'y') - y;
      const d = dx * dx + dy * dy;
      if (d <= bestD) {
        bestD = d;
        best = i;
      }
    }
  }
  return best;
}

export function ParetoChart({ trials, objectives, selected, onSelect }: { trials: readonly TrialScalars[]; objectives: StudyObjectives; selected: number | null; onSelect: (trial: number) => void }) {
  const { labels, directions, front } = objectives;
  const [pair, setPair] = useState<[number, number]>([0, 1]);
  const x = pair[0] < labels.length ? pair[0] : 0;
  const y = pair[1] < labels.length && pair[1] !== x ? pair[1] : x === 0 ? 1 : 0;
  const points = useMemo(() => paretoPoints(trials, x, y, front), [trials, x, y, front]);
  const numbersRef = useRef(points.numbers);
  numbersRef.current = points.numbers;
  const selectRef = useRef(onSelect);
  selectRef.current = onSelect;

  const data = useMemo(() => {
    const at = selected === null ? -1 : points.numbers.indexOf(selected);
    const ring = points.xs.map((_, i) => (i === at ? (points.front[i] ?? points.dominated[i] ?? points.infeasible[i] ?? null) : null));
    return [points.xs, points.front, points.dominated, points.infeasible, ring] as unknown as uPlot.AlignedData;
  }, [points, selected]);

  const axisName = (k: number): string => `${labels[k]} (${directions[k] === 'maximize' ? 'maximize ↑' : 'minimize ↓'})`;
  const xName = axisName(x);
  const yName = axisName(y);
  const joined = labels.length === 2;
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      legend: { show: true },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: false }, y: {} },
      axes: [
        { ...axisStyle(), label: xName },
        { ...axisStyle(), label: yName, size: 60 },
      ],
      series: [
        { label: xName },
        // The front: points joined left to right (a staircase over two objectives).
        // Joined only for two objectives: a pair out of three or more is a projection, where the
        // front need not be a staircase.
        { label: 'on the front', stroke: FRONT, width: 1.5, spanGaps: true, ...(joined ? {} : { paths: () => null }), points: { show: true, size: 8, fill: FRONT, stroke: FRONT } },
        // Usually most trials: drawn as a density (charts/cellPaint.ts), readable and quick at
        // 100,000 where uPlot's own points would pile into a blob.
        { label: 'dominated', stroke: DOMINATED, paths: () => null, points: { show: false } },
        { label: 'infeasible', stroke: INFEASIBLE, paths: () => null, points: { show: true, size: 7, width: 1.5, fill: 'transparent', stroke: INFEASIBLE } },
        { label: 'selected', stroke: '#111827', paths: () => null, points: { show: true, size: 14, width: 2, fill: 'transparent', stroke: '#111827' } },
      ],
      hooks: {
        drawSeries: [(u: uPlot, i: number) => void (i === 2 && paintDensity(u, u.data[0] as ArrayLike<number>, u.data[2] as ArrayLike<number>, DOMINATED_RGB))],
        ready: [
          (u: uPlot) => {
            u.over.addEventListener('click', (e: MouseEvent) => {
              const i = nearestPoint(u, e.offsetX, e.offsetY);
              const n = i === null ? undefined : numbersRef.current[i];
              if (n !== undefined) selectRef.current(n);
            });
          },
        ],
      },
    }),
    [xName, yName, joined],
  );

  const n = points.xs.length;
  return (
    <>
      <div className="chart-tools">
        {labels.length > 2 ? (
          <>
            <ObjectivePicker label="X objective" labels={labels} value={x} onChange={(k) => setPair([k, k === y ? x : y])} />
            <ObjectivePicker label="Y objective" labels={labels} value={y} onChange={(k) => setPair([k === x ? y : x, k])} />
          </>
        ) : null}
        <span className="muted small" data-testid="pareto-counts">
          {points.counts.front} on the front · {points.counts.dominated} dominated{objectives.constrained ? ` · ${points.counts.infeasible} infeasible` : ''} · click a point to select its trial
        </span>
      </div>
      {n === 0 ? (
        <p className="muted chart-empty">The Pareto front appears with the first complete trial.</p>
      ) : (
        <UPlotChart
          options={options}
          data={data}
          height={340}
          label={`Pareto front: ${yName} against ${xName}, ${points.counts.front} of ${n} complete trials on the front`}
          describe={`trials on the front: ${[...front].join(', ')}`}
        />
      )}
    </>
  );
}
