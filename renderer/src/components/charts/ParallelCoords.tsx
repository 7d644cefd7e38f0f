// Parallel coordinates drawn on a canvas (uPlot has none): one vertical axis per parameter plus the
// objective, one polyline per finished trial coloured by its value (best end highlighted).
import { useEffect, useMemo, useRef } from 'react';
import type { SweepDetail, TrialScalars } from '../../../../shared/contract.ts';
import { paramOf } from '../../../../shared/trialColumns.ts';
import { fmtParam } from '../../lib/format.ts';
import { afterQuiet } from '../../lib/scrollQuiet.ts';
import { cssVar } from './UPlotChart.tsx';

type Dist = SweepDetail['distributions'][string];

interface Axis {
  name: string;
  /** Position in [0, 1] (0 = bottom), or null when missing. */
  pos: (t: TrialScalars) => number | null;
  ticks: Array<[number, string]>;
}

/** Tick labels stay short: axes sit close together. */
function short(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-2 || a >= 1e5)) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

function numericAxis(name: string, values: number[], log: boolean, get: (t: TrialScalars) => unknown): Axis {
  const f = (x: number) => (log && x > 0 ? Math.log(x) : x);
  const fin = values.filter((v) => Number.isFinite(f(v)));
  const lo = Math.min(...fin.map(f));
  const hi = Math.max(...fin.map(f));
  const span = hi - lo || 1;
  const inv = (p: number) => (log ? Math.exp(lo + p * span) : lo + p * span);
  return {
    name,
    pos: (t) => {
      const v = get(t);
      return typeof v === 'number' && Number.isFinite(f(v)) ? (f(v) - lo) / span : null;
    },
    ticks: fin.length ? [0, 0.5, 1].map((p) => [p, short(inv(p))] as [number, string]) : [],
  };
}

function buildAxes(trials: readonly TrialScalars[], params: readonly string[], dists: Record<string, Dist>, metric: string): Axis[] {
  const axes: Axis[] = [];
  for (const p of params) {
    const d = dists[p];
    const vals = trials.map((t) => paramOf(t, p)).filter((v) => v !== undefined && v !== null);
    if (d?.kind === 'categorical' || vals.some((v) => typeof v !== 'number')) {
      const choices = d?.kind === 'categorical' ? d.choices.map((c) => fmtParam(c)) : [...new Set(vals.map((v) => fmtParam(v)))];
      const at = new Map(choices.map((c, i) => [c, choices.length === 1 ? 0.5 : i / (choices.length - 1)]));
      axes.push({ name: p, pos: (t) => at.get(fmtParam(paramOf(t, p))) ?? null, ticks: choices.map((c) => [at.get(c)!, c]) });
    } else {
      axes.push(numericAxis(p, vals as number[], d?.log === true, (t) => paramOf(t, p)));
    }
  }
  axes.push(numericAxis(metric, trials.map((t) => t.value ?? NaN), false, (t) => t.value));
  return axes;
}

/** The most polylines stroked in one path, in one task. */
const LINES_PER_TASK = 1000;

export function ParallelCoords({
  trials,
  params,
  distributions,
  metric,
  direction,
}: {
  trials: readonly TrialScalars[];
  params: readonly string[];
  distributions: Record<string, Dist>;
  metric: string | null;
  direction: 'minimize' | 'maximize' | null;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const wrap = useRef<HTMLDivElement>(null);
  // Memoised: a new array on every render would restart the (stepped) drawing each time.
  const done = useMemo(() => trials.filter((t) => t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value)), [trials]);

  useEffect(() => {
    const canvas = ref.current;
    const box = wrap.current;
    if (!canvas || !box || done.length === 0) return;
    let frame = 0;
    let cancelStep = (): void => {};
    /** The drawing in steps, each run as its own task: set-up, then one colour band at a time, then
     * the axes. 10,000 polylines stroked at once took ~70 ms, long enough to stall a frame of
     * scrolling; a band is an eighth of that. */
    function* steps(): Generator<void, void, void> {
      const dpr = window.devicePixelRatio || 1;
      const W = Math.max(300, box!.clientWidth);
      const H = 280;
      canvas!.width = W * dpr;
      canvas!.height = H * dpr;
      canvas!.style.width = `${W}px`;
      canvas!.style.height = `${H}px`;
      const g = canvas!.getContext('2d');
      if (!g) return;
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      g.clearRect(0, 0, W, H);
      const axes = buildAxes(done, params, distributions, metric ?? 'value');
      const padL = 16;
      const padR = 64;
      const top = 40;
      const bottom = H - 22;
      const x = (i: number) => padL + (i * (W - padL - padR)) / Math.max(1, axes.length - 1);
      const y = (p: number) => bottom - p * (bottom - top);
      const valueAxis = axes[axes.length - 1]!;
      // Lines are grouped into a few colour bands, one path per band: a handful of stroke calls
      // instead of one per trial keeps 10,000 trials cheap. Worse bands first, so the best end on top.
      const BANDS = 8;
      const bands: TrialScalars[][] = Array.from({ length: BANDS }, () => []);
      for (const t of done) {
        const q = valueAxis.pos(t) ?? 0;
        const good = direction === 'minimize' ? 1 - q : q;
        bands[Math.min(BANDS - 1, Math.floor(good * BANDS))]!.push(t);
      }
      yield;
      g.lineWidth = 1;
      for (let k = 0; k < BANDS; k++) {
        const band = bands[k]!;
        if (band.length === 0) continue;
        const good = (k + 0.5) / BANDS;
        // Blue (poor) to amber (good).
        const r = Math.round(91 + good * (245 - 91));
        const gg = Math.round(141 + good * (158 - 141));
        const b = Math.round(239 + good * (11 - 239));
        g.strokeStyle = `rgba(${r},${gg},${b},${0.2 + 0.6 * good})`;
        g.beginPath();
        let inPath = 0;
        for (const t of band) {
          // A big band goes in several paths, each stroked in its own task: the canvas is rasterised
          // when the frame is drawn, and 12,000 polylines in one path (a band of 100,000 trials) made
          // frames of several hundred milliseconds, on the first draw and on every live update. (A
          // band of up to LINES_PER_TASK lines, any study up to ~8,000 trials, is one path as before.)
          if (inPath === LINES_PER_TASK) {
            g.stroke();
            yield;
            g.beginPath();
            inPath = 0;
          }
          inPath++;
          let started = false;
          axes.forEach((a, i) => {
            const p = a.pos(t);
            if (p === null) return;
            if (!started) g.moveTo(x(i), y(p));
            else g.lineTo(x(i), y(p));
            started = true;
          });
        }
        g.stroke();
        yield;
      }
      const fg = cssVar('--fg', '#222');
      const muted = cssVar('--fg-muted', '#777');
      g.font = '11px system-ui, sans-serif';
      axes.forEach((a, i) => {
        g.strokeStyle = muted;
        g.beginPath();
        g.moveTo(x(i), top);
        g.lineTo(x(i), bottom);
        g.stroke();
        g.fillStyle = fg;
        g.textAlign = i === 0 ? 'left' : i === axes.length - 1 ? 'right' : 'center';
        // Names alternate between two rows so neighbours do not overlap.
        g.fillText(a.name, x(i) + (i === axes.length - 1 ? 40 : 0), i % 2 === 0 ? 12 : 27);
        g.fillStyle = muted;
        g.textAlign = 'left';
        for (const [p, label] of a.ticks) g.fillText(label, x(i) + 4, y(p) + 4);
      });
    }
    // Each step in its own task, none while the trials table is being scrolled.
    const run = (it: Generator<void, void, void>): void => {
      if (!it.next().done) cancelStep = afterQuiet(() => run(it));
    };
    // Drawn after the frame that shows the table and history: this chart is the heaviest to paint.
    const schedule = (): void => {
      cancelAnimationFrame(frame);
      cancelStep();
      frame = requestAnimationFrame(() => {
        cancelStep = afterQuiet(() => run(steps()));
      });
    };
    schedule();
    const ro = new ResizeObserver(schedule);
    ro.observe(box);
    return () => {
      cancelAnimationFrame(frame);
      cancelStep();
      ro.disconnect();
    };
  }, [done, params, distributions, metric, direction]);

  if (done.length === 0) return <p className="muted chart-empty">Parallel coordinates appear once trials complete.</p>;
  return (
    <div ref={wrap} className="chart">
      <canvas ref={ref} role="img" aria-label={`Parallel coordinates of ${done.length} finished trials over ${params.length} parameters and ${metric ?? 'the objective'}`} />
    </div>
  );
}
