// Timeline: trials over wall time, a bar per trial from start to end coloured by its state, stacked
// in lanes (trials running at the same time one above the other: lib/views/timeline.ts). Gaps across
// every lane are stalls; red bars are failures. Bars are written into one pixel buffer per lane (the
// state of highest concern wins a pixel), so 100,000 trials cost one pass.
import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { TrialScalars } from '../../../../shared/contract.ts';
import { TRIAL_STATES } from '../../../../shared/trialColumns.ts';
import { fmtDuration, fmtTime } from '../../lib/format.ts';
import { longestIdle, timelineLanes, type TimelineLanes } from '../../lib/views/timeline.ts';
import { pixel } from './cellPaint.ts';
import { STATE_RGB } from './palette.ts';
import { axisStyle, UPlotChart } from './UPlotChart.tsx';

/** Which state wins a pixel two bars share: the higher, the more it needs to be seen. */
const CONCERN: Record<TrialScalars['state'], number> = { WAITING: 1, COMPLETE: 2, PRUNED: 3, RUNNING: 4, FAIL: 5 };
const BY_CONCERN: Array<TrialScalars['state']> = [...TRIAL_STATES].sort((a, b) => CONCERN[a] - CONCERN[b]);
const WORDS = [0, ...BY_CONCERN.map((s) => pixel(...STATE_RGB[s], 0.9))];

interface Timeline extends TimelineLanes {
  starts: Float64Array;
  concern: Uint8Array;
  idle: { from: number; to: number } | null;
  from: number;
  to: number;
  started: number;
}

function buildTimeline(trials: readonly TrialScalars[], now: number): Timeline {
  const n = trials.length;
  const starts = new Float64Array(n);
  const ends = new Array<number | null>(n);
  const running = new Array<boolean>(n);
  const concern = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const t = trials[i]!;
    starts[i] = t.startedAt ?? NaN;
    ends[i] = t.completedAt;
    running[i] = t.state === 'RUNNING';
    concern[i] = BY_CONCERN.indexOf(t.state) + 1;
  }
  const lanes = timelineLanes(Array.from(starts, (s) => (Number.isFinite(s) ? s : null)), ends, running, now);
  let from = Infinity;
  let to = -Infinity;
  let started = 0;
  for (let i = 0; i < n; i++) {
    if (lanes.lane[i]! < 0) continue;
    started++;
    if (starts[i]! < from) from = starts[i]!;
    if (lanes.end[i]! > to) to = lanes.end[i]!;
  }
  const idle = longestIdle(Array.from(starts, (s) => (Number.isFinite(s) ? s : null)), lanes.end);
  return { ...lanes, starts, concern, idle, from, to, started };
}

function paintBars(u: uPlot, tl: Timeline): void {
  const { left, top, width, height } = u.bbox;
  const W = Math.max(1, Math.round(width));
  const H = Math.max(1, Math.round(height));
  // One row of pixels per lane: the highest concern of the bars over each pixel.
  const lanePx = new Uint8Array(tl.lanes * W);
  for (let i = 0; i < tl.lane.length; i++) {
    const lane = tl.lane[i]!;
    if (lane < 0) continue;
    const x0 = Math.max(0, Math.floor(u.valToPos(tl.starts[i]! / 1000, 'x', true) - left));
    // Every bar at least one pixel wide, however short the trial.
    const x1 = Math.min(W, Math.max(x0 + 1, Math.ceil(u.valToPos(tl.end[i]! / 1000, 'x', true) - left)));
    const c = tl.concern[i]!;
    const row = lane * W;
    // A bar wide enough to spare it starts with a blank pixel, so back-to-back trials stay apart.
    for (let x = x1 - x0 >= 4 ? x0 + 1 : x0; x < x1; x++) if (lanePx[row + x]! < c) lanePx[row + x] = c;
  }
  const img = new ImageData(W, H);
  const buf = new Uint32Array(img.data.buffer);
  // A gap between lanes when they are tall enough to spare one.
  const laneH = H / tl.lanes;
  const gap = laneH >= 5 ? 1 : 0;
  for (let y = 0; y < H; y++) {
    // Lane 0 at the bottom.
    const fromBottom = H - 1 - y;
    const lane = Math.min(tl.lanes - 1, Math.floor(fromBottom / laneH));
    if (gap && fromBottom - lane * laneH >= laneH - gap) continue;
    const row = lane * W;
    for (let x = 0; x < W; x++) {
      const c = lanePx[row + x]!;
      if (c) buf[y * W + x] = WORDS[c]!;
    }
  }
  const off = new OffscreenCanvas(W, H);
  off.getContext('2d')?.putImageData(img, 0, 0);
  u.ctx.drawImage(off, left, top);
}

/** A time of day to the second: stalls are often seconds long. */
const clock = (ms: number): string => new Date(ms).toLocaleTimeString();

export function TimelineChart({ trials }: { trials: readonly TrialScalars[] }) {
  const tl = useMemo(() => buildTimeline(trials, Date.now()), [trials]);
  const counts = useMemo(() => {
    const c: Record<TrialScalars['state'], number> = { COMPLETE: 0, PRUNED: 0, FAIL: 0, RUNNING: 0, WAITING: 0 };
    for (const t of trials) c[t.state]++;
    return c;
  }, [trials]);
  const data = useMemo<uPlot.AlignedData>(
    () => [
      [tl.from / 1000, tl.to / 1000],
      [0, tl.lanes],
    ],
    [tl],
  );
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      legend: { show: false },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true }, y: { auto: false, range: [0, Math.max(1, tl.lanes)] } },
      axes: [
        { ...axisStyle(), label: 'wall time' },
        { ...axisStyle(), label: 'trials at once', size: 60, splits: () => Array.from({ length: Math.min(tl.lanes, 10) + 1 }, (_, k) => Math.round((k * tl.lanes) / Math.min(tl.lanes, 10))) },
      ],
      series: [{ label: 'time' }, { label: 'lanes', paths: () => null, points: { show: false } }],
      hooks: { drawSeries: [(u: uPlot, i: number) => void (i === 1 && paintBars(u, tl))] },
    }),
    [tl],
  );
  if (tl.started === 0) return <p className="muted chart-empty">The timeline appears once a trial has started.</p>;
  const idle = tl.idle;
  return (
    <>
      <UPlotChart options={options} data={data} height={300} label={`Timeline of ${tl.started} trials over ${fmtDuration(tl.to - tl.from)} of wall time in ${tl.lanes} ${tl.lanes === 1 ? 'lane' : 'lanes'}`} />
      <p className="legend-line">
        {BY_CONCERN.filter((s) => s !== 'WAITING' || counts.WAITING > 0).map((s) => (
          <span key={s} className="legend-item">
            <span className={`swatch swatch-state-${s.toLowerCase()}`} aria-hidden="true" /> {s.toLowerCase()} ({counts[s]})
          </span>
        ))}
      </p>
      <p className="muted small">
        {tl.started} trials from {fmtTime(tl.from)} over {fmtDuration(tl.to - tl.from)}, at most {tl.lanes} at once.{' '}
        {idle ? `Longest stretch with nothing running: ${fmtDuration(idle.to - idle.from)}, from ${clock(idle.from)} to ${clock(idle.to)}.` : 'No stretch with nothing running.'}
      </p>
    </>
  );
}
