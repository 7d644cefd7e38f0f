// Optimization history: every finished trial's value, and the best value so far as a step line. The
// values are drawn as a density (charts/cellPaint.ts), so 100,000 trials stay readable; the value
// axis can be logarithmic when every value is above zero.
import { useMemo, useState } from 'react';
import type uPlot from 'uplot';
import type { TrialScalars } from '../../../../shared/contract.ts';
import { markAfterPaint } from '../../lib/perf.ts';
import { DerivedCache, type Derivation } from '../../lib/trialsLineage.ts';
import { paintDensity } from './cellPaint.ts';
import { ScaleToggle } from './ScaleToggle.tsx';
import { axisStyle, INT_INCRS, UPlotChart } from './UPlotChart.tsx';
import { firstIndex } from '../../lib/firstIndex.ts';

/** A finished trial with a value: a point of the history. */
function isPoint(t: TrialScalars): boolean {
  return t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value);
}

const histories = new DerivedCache<string, uPlot.AlignedData>();

/** The history's points (trial numbers, values, best so far), once per rows array and direction; after
 * a live update, made from the earlier rows' points and the changed rows only. */
export function historyData(trials: readonly TrialScalars[], direction: 'minimize' | 'maximize' | null): uPlot.AlignedData {
  return histories.get(
    trials,
    String(direction),
    () => buildHistory(trials, direction),
    (old, d) => updatedHistory(old, d, trials, direction) ?? buildHistory(trials, direction),
  );
}

/** `old` with the changed rows that are now points merged in by trial number and the best-so-far
 * line redone from the first of them on; null when a replaced row was a point (it may have moved or
 * gone: built again). */
function updatedHistory(old: uPlot.AlignedData, d: Derivation, trials: readonly TrialScalars[], direction: 'minimize' | 'maximize' | null): uPlot.AlignedData | null {
  const added: Array<[number, number]> = [];
  for (const i of d.changed) {
    if (i < d.base.length && isPoint(d.base[i]!)) return null;
    const t = trials[i]!;
    if (isPoint(t)) added.push([t.number, t.value as number]);
  }
  if (added.length === 0) return old;
  added.sort((a, b) => a[0] - b[0]);
  const [oxs, oys, obest] = old as unknown as [Float64Array, Float64Array, Float64Array];
  const n = oxs.length + added.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const best = new Float64Array(n);
  // Below the first new point, nothing moves: copied in blocks.
  const first = firstIndex(0, oxs.length, (i) => oxs[i]! < added[0]![0]);
  xs.set(oxs.subarray(0, first));
  ys.set(oys.subarray(0, first));
  best.set(obest.subarray(0, first));
  const min = direction === 'minimize';
  let b = first > 0 ? best[first - 1]! : NaN;
  let j = first;
  let k = 0;
  for (let m = first; m < n; m++) {
    let x: number;
    let v: number;
    if (k < added.length && (j >= oxs.length || added[k]![0] < oxs[j]!)) {
      [x, v] = added[k++]!;
    } else {
      x = oxs[j]!;
      v = oys[j++]!;
    }
    xs[m] = x;
    ys[m] = v;
    if (Number.isNaN(b) || (min ? v < b : v > b)) b = v;
    best[m] = b;
  }
  return [xs, ys, best] as unknown as uPlot.AlignedData;
}

function buildHistory(trials: readonly TrialScalars[], direction: 'minimize' | 'maximize' | null): uPlot.AlignedData {
  // Plain loops: this runs once on the way to the first draw, as cold code, over 10,000 trials.
  const done: TrialScalars[] = [];
  let ordered = true;
  for (let i = 0; i < trials.length; i++) {
    const t = trials[i]!;
    if (isPoint(t)) {
      if (done.length > 0 && done[done.length - 1]!.number > t.number) ordered = false;
      done.push(t);
    }
  }
  // Trials come in number order; sort only when they do not.
  if (!ordered) done.sort((a, b) => a.number - b.number);
  const n = done.length;
  // Typed arrays: a live update copies them in blocks (updatedHistory).
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const best = new Float64Array(n);
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

/** Trial values as a density, under the best-so-far line (uPlot's drawSeries hook for the values
 * series). uPlot's own points are a circle path per trial: slow for 10,000 and a solid blob at
 * 100,000. */
export function paintValuePoints(u: uPlot, seriesIdx: number): void {
  if (seriesIdx !== 1) return;
  const xs = u.data[0];
  const ys = u.data[1];
  if (!ys) return;
  paintDensity(u, xs as ArrayLike<number>, ys as ArrayLike<number>, VALUE_RGB);
}

/** Smallest value of a series (Infinity when empty). */
function smallest(ys: ArrayLike<number | null | undefined>): number {
  let m = Infinity;
  for (let i = 0; i < ys.length; i++) {
    const v = ys[i];
    if (v !== null && v !== undefined && v < m) m = v;
  }
  return m;
}

/** What the chart shows of the trials: every one, counted into the density, never a sample (the
 * issue asks a view that samples to say so). */
export function historyNote(points: number): string {
  const n = points.toLocaleString('en-US');
  return points === 1 ? 'The one finished trial with a value.' : `All ${n} finished trials with a value, drawn as a density (shade = how many per cell): no sample.`;
}

export function HistoryChart({ trials, direction, metric }: { trials: readonly TrialScalars[]; direction: 'minimize' | 'maximize' | null; metric: string | null }) {
  const data = useMemo(() => historyData(trials, direction), [trials, direction]);
  const [logWanted, setLog] = useState(false);
  const positive = useMemo(() => smallest(data[1] ?? []) > 0, [data]);
  const log = logWanted && positive;
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      legend: { show: true },
      hooks: { drawSeries: [paintValuePoints] },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
      axes: [
        { ...axisStyle(), label: 'trial', incrs: INT_INCRS },
        { ...axisStyle(), label: `${metric ?? 'value'}${log ? ' (log)' : ''}`, size: 60 },
      ],
      series: [
        { label: 'trial' },
        // Drawn by paintValuePoints (no line, no uPlot points).
        { label: 'value', stroke: VALUE_COLOR, paths: () => null, points: { show: false } },
        { label: 'best so far', stroke: '#f59e0b', width: 2, points: { show: false } },
      ],
    }),
    [metric, log],
  );
  if (data[0].length === 0) return <p className="muted chart-empty">No finished trial yet: the history appears with the first result.</p>;
  return (
    <>
      <ScaleToggle log={log} onChange={setLog} label="Value axis" disabledReason={positive ? null : 'A log axis needs every value above zero.'} />
      <UPlotChart options={options} data={data} label={`Optimization history of ${metric ?? 'the objective'} with best-so-far line, ${data[0].length} trials${log ? ', log scale' : ''}`} onDrawn={() => markAfterPaint('history-chart-drawn')} />
      <p className="muted small history-sample-note">{historyNote(data[0].length)}</p>
    </>
  );
}
