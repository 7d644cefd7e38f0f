// Contour: two params (picked by the user) against the objective. The plane is cut into a grid and
// each cell coloured by the mean objective of the finished trials in it (lib/views/contour.ts), amber
// for the best means, blue for the poorest; the trials themselves are drawn over it as dark dots.
import { useMemo } from 'react';
import type uPlot from 'uplot';
import { fmtValue } from '../../lib/format.ts';
import { cellsFor, contourGrid, type ContourGrid } from '../../lib/views/contour.ts';
import { objectiveValues, paramCoords, type ParamCoords } from '../../lib/views/paramCoords.ts';
import { paintDensity } from './cellPaint.ts';
import { goodRgb } from './palette.ts';
import { paramAxis, paramScale } from './paramAxis.ts';
import { ParamPicker } from './ParamPicker.tsx';
import { useParamPair, type ParamViewProps } from './paramPair.ts';
import { cssVar, UPlotChart } from './UPlotChart.tsx';

/** The trials' dots in the text colour, so they show in both palettes. */
function dotRgb(): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(cssVar('--fg', '#1c2230'));
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : [0x1c, 0x22, 0x30];
}

function fixed(p: ParamCoords, edges: number[]): uPlot.Scale {
  const lo = edges[0] ?? 0;
  const hi = edges[edges.length - 1] ?? 1;
  return { ...paramScale(p), auto: false, range: () => [lo, hi] };
}

function paintGrid(u: uPlot, g: ContourGrid, direction: 'minimize' | 'maximize' | null): void {
  const span = g.max - g.min || 1;
  const ctx = u.ctx;
  for (let r = 0; r < g.rows; r++) {
    const y0 = u.valToPos(g.y.edges[r]!, 'y', true);
    const y1 = u.valToPos(g.y.edges[r + 1]!, 'y', true);
    for (let c = 0; c < g.cols; c++) {
      const m = g.mean[r * g.cols + c]!;
      if (!Number.isFinite(m)) continue;
      const q = (m - g.min) / span;
      const [R, G, B] = goodRgb(direction === 'maximize' ? q : 1 - q);
      const x0 = u.valToPos(g.x.edges[c]!, 'x', true);
      const x1 = u.valToPos(g.x.edges[c + 1]!, 'x', true);
      ctx.fillStyle = `rgb(${R},${G},${B})`;
      // Rounded out to whole pixels so neighbouring cells leave no seam.
      ctx.fillRect(Math.floor(Math.min(x0, x1)), Math.floor(Math.min(y0, y1)), Math.ceil(Math.abs(x1 - x0)) + 1, Math.ceil(Math.abs(y1 - y0)) + 1);
    }
  }
}

export function ContourChart({ trials, params, distributions, metric, direction }: ParamViewProps) {
  const { px, py, setX, setY } = useParamPair(params);
  const objective = useMemo(() => objectiveValues(trials), [trials]);
  const cx = useMemo(() => (px === null ? null : paramCoords(trials, px, distributions[px])), [trials, px, distributions]);
  const cy = useMemo(() => (py === null ? null : paramCoords(trials, py, distributions[py])), [trials, py, distributions]);
  const grid = useMemo(() => {
    if (!cx || !cy) return null;
    let n = 0;
    for (let i = 0; i < objective.length; i++) if (Number.isFinite(objective[i]!) && Number.isFinite(cx.coords[i]!) && Number.isFinite(cy.coords[i]!)) n++;
    return contourGrid(cx, cy, objective, cellsFor(n));
  }, [cx, cy, objective]);
  const data = useMemo(() => {
    if (!grid || !cx || !cy) return null;
    // The trials' own positions, for the dots over the grid (x must ascend for uPlot: the dots are
    // drawn from these arrays directly, so order does not matter to them; the ends set the x range).
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < objective.length; i++) {
      if (!Number.isFinite(objective[i]!) || !Number.isFinite(cx.coords[i]!) || !Number.isFinite(cy.coords[i]!)) continue;
      xs.push(cx.coords[i]!);
      ys.push(cy.coords[i]!);
    }
    return { xs: Float64Array.from(xs), ys: Float64Array.from(ys) };
  }, [grid, cx, cy, objective]);
  const plotData = useMemo<uPlot.AlignedData | null>(() => {
    if (!grid || grid.x.edges.length === 0 || grid.y.edges.length === 0) return null;
    const x = grid.x.edges;
    const y = grid.y.edges;
    return [
      [x[0]!, x[x.length - 1]!],
      [y[0]!, y[y.length - 1]!],
    ];
  }, [grid]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'> | null>(() => {
    if (!grid || !cx || !cy || !data) return null;
    return {
      legend: { show: false },
      cursor: { show: false },
      scales: { x: fixed(cx, grid.x.edges), y: fixed(cy, grid.y.edges) },
      axes: [paramAxis(cx), paramAxis(cy, 70)],
      series: [
        { label: cx.name },
        { label: cy.name, paths: () => null, points: { show: false } },
      ],
      hooks: {
        drawSeries: [
          (u: uPlot, i: number) => {
            if (i !== 1) return;
            paintGrid(u, grid, direction);
            paintDensity(u, data.xs, data.ys, dotRgb());
          },
        ],
      },
    };
  }, [grid, cx, cy, data, direction]);
  if (params.length < 2 || px === null || py === null) return <p className="muted chart-empty">A contour needs a study with two or more params.</p>;
  return (
    <>
      <div className="chart-tools">
        <ParamPicker label="X" params={params} value={px} onChange={setX} />
        <ParamPicker label="Y" params={params} value={py} onChange={setY} />
        {grid ? <span className="muted small">{grid.placed} finished trials with both</span> : null}
      </div>
      {grid && plotData && options && grid.placed > 0 ? (
        <>
          <UPlotChart options={options} data={plotData} height={360} label={`Contour: mean ${metric ?? 'objective'} over ${px} and ${py}, ${grid.placed} trials`} />
          <p className="legend-line">
            <span className="muted small">mean {metric ?? 'value'} per cell:</span> <span className="swatch swatch-good" aria-hidden="true" /> best {fmtValue(direction === 'maximize' ? grid.max : grid.min)}{' '}
            <span className="gradient-bar" aria-hidden="true" /> <span className="swatch swatch-poor" aria-hidden="true" /> poorest {fmtValue(direction === 'maximize' ? grid.min : grid.max)} <span className="muted small">· dots: trials</span>
          </p>
        </>
      ) : (
        <p className="muted chart-empty">No finished trial has values for both {px} and {py} yet.</p>
      )}
    </>
  );
}
