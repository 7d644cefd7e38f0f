// uPlot scale and axis settings for a param axis: log, linear, or one tick per categorical choice.
import type uPlot from 'uplot';
import type { ParamCoords } from '../../lib/views/paramCoords.ts';
import { axisStyle } from './UPlotChart.tsx';

export function paramScale(p: ParamCoords): uPlot.Scale {
  if (p.kind === 'log') return { time: false, distr: 3 };
  if (p.kind === 'categorical') return { time: false, range: () => [-0.5, Math.max(0, p.labels.length - 1) + 0.5] };
  return { time: false };
}

/** Tick labels stay short, and small values on a log axis do not round to 0. */
export function shortTick(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

export function paramAxis(p: ParamCoords, size?: number): uPlot.Axis {
  const base: uPlot.Axis = { ...axisStyle(), label: p.kind === 'log' ? `${p.name} (log)` : p.name, ...(size ? { size } : {}) };
  if (p.kind === 'log') return { ...base, values: (_u, splits) => splits.map((v) => (v == null ? '' : shortTick(v))) };
  if (p.kind !== 'categorical') return base;
  return { ...base, splits: () => p.labels.map((_, i) => i), values: (_u, splits) => splits.map((i) => p.labels[i] ?? '') };
}
