// A uPlot chart that follows its container's width. uPlot styles through the CSSOM, which the
// strict CSP allows (its stylesheet is bundled, not inline).
import { useEffect, useLayoutEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export function axisStyle(): Pick<uPlot.Axis, 'stroke' | 'grid' | 'ticks'> {
  const fg = cssVar('--fg-muted', '#888');
  const grid = cssVar('--grid', 'rgba(128,128,128,0.15)');
  return { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
}

interface XRange {
  min: number;
  max: number;
}

/** The x scale's range on the chart's element (`data-x-range="min max"`), for tests and tools:
 * whether a zoom survived new data is read from here, not from pixels. */
function noteXScale(u: uPlot): void {
  const { min, max } = u.scales.x ?? {};
  if (min !== undefined && max !== undefined && min !== null && max !== null) u.root.parentElement?.setAttribute('data-x-range', `${min} ${max}`);
}

/** Follows the user's zooms: an x scale set while the mouse is down over the plot (uPlot zooms on
 * a drag's release) is a zoom, kept in `zoom`; a double click (uPlot's reset) forgets it. Scales
 * set otherwise (new data, a resize) are not the user's. */
function watchZoomGestures(u: uPlot, zoom: { current: XRange | null }): () => void {
  let pressed = false;
  const down = (): void => {
    pressed = true;
    // Released anywhere (uPlot listens on the document): uPlot's zoom runs in that release and its
    // setScale hooks right after; the gesture ends once they have run.
    document.addEventListener('mouseup', () => setTimeout(() => (pressed = false), 0), { once: true });
  };
  const reset = (): void => {
    zoom.current = null;
  };
  const onScale = (v: uPlot, key: string): void => {
    if (key !== 'x' || !pressed) return;
    const { min, max } = v.scales.x ?? {};
    if (typeof min === 'number' && typeof max === 'number') zoom.current = { min, max };
  };
  u.hooks.setScale = [...(u.hooks.setScale ?? []), onScale];
  u.over.addEventListener('mousedown', down);
  u.over.addEventListener('dblclick', reset);
  return () => {
    u.over.removeEventListener('mousedown', down);
    u.over.removeEventListener('dblclick', reset);
  };
}

/** Tick steps for integer axes (trial numbers, steps): never 0.5. */
export const INT_INCRS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];

export function UPlotChart({
  options,
  data,
  height = 240,
  label,
  onDrawn,
  describe,
}: {
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height?: number;
  label: string;
  onDrawn?: () => void;
  /** More for assistive technology, after the axes' names (e.g. a categorical axis's choices). */
  describe?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const dataRef = useRef(data);
  dataRef.current = data;
  const drawnRef = useRef(onDrawn);
  drawnRef.current = onDrawn;
  /** The x range the user zoomed to (dragged over the plot), null while the chart shows it all. */
  const zoom = useRef<XRange | null>(null);

  // Rebuilt only when the options (the series set) change; data updates go through setData.
  // A layout effect: the chart is drawn before the browser paints, so it appears in the same frame
  // as the rest of the screen instead of one frame later.
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const width = Math.max(200, el.clientWidth);
    // uPlot draws in a microtask after construction; its draw hook says when the canvas holds the chart.
    const hooks = {
      ...options.hooks,
      draw: [...(options.hooks?.draw ?? []), () => drawnRef.current?.()],
      setScale: [...(options.hooks?.setScale ?? []), (u: uPlot, key: string) => (key === 'x' ? noteXScale(u) : undefined)],
    };
    zoom.current = null;
    const p = new uPlot({ ...options, hooks, width, height }, dataRef.current, el);
    plot.current = p;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (Math.abs(w - p.width) > 1) p.setSize({ width: w, height });
    });
    ro.observe(el);
    const stopWatching = watchZoomGestures(p, zoom);
    return () => {
      stopWatching();
      ro.disconnect();
      p.destroy();
      plot.current = null;
    };
  }, [options, height]);

  useEffect(() => {
    const p = plot.current;
    if (!p || p.data === data) return;
    // New data (a live update) re-ranges the axes to it, but the x range the user zoomed to stays.
    const kept = zoom.current;
    if (!kept) p.setData(data);
    else
      p.batch(() => {
        p.setData(data);
        p.setScale('x', kept);
      });
  }, [data]);

  // uPlot draws the axis names on the canvas: said here too, for screen readers.
  const axes = (options.axes ?? [])
    .map((a, i) => (typeof a.label === 'string' ? `${i === 0 ? 'x' : 'y'} axis: ${a.label}` : null))
    .filter((x) => x !== null)
    .join('; ');
  const description = [axes, describe].filter(Boolean).join('; ');
  return <div className="chart" ref={ref} role="img" aria-label={label} aria-description={description || undefined} />;
}
