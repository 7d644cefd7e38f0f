// Rank: two params (picked by the user), each finished trial a point coloured by its objective's rank
// among all finished trials (amber = best, blue = poorest). Points are binned into small cells and a
// cell shows its best trial, so good regions stay visible under 100,000 trials.
import { useMemo } from 'react';
import type uPlot from 'uplot';
import { binMin } from '../../lib/views/binning.ts';
import { objectiveValues, paramCoords } from '../../lib/views/paramCoords.ts';
import { rankShares } from '../../lib/views/rank.ts';
import { cellsOf, paintCells, pixel } from './cellPaint.ts';
import { goodRgb } from './palette.ts';
import { paramAxis, paramScale } from './paramAxis.ts';
import { ParamPicker } from './ParamPicker.tsx';
import { useParamPair, type ParamViewProps } from './paramPair.ts';
import { UPlotChart } from './UPlotChart.tsx';

/** Rank shares in 1/64 steps: a pixel word per step instead of per cell. */
const LEVELS = 64;
const WORDS = Array.from({ length: LEVELS + 1 }, (_, k) => {
  const [r, g, b] = goodRgb(1 - k / LEVELS);
  return pixel(r, g, b, 0.9);
});

export function RankChart({ trials, params, distributions, metric, direction }: ParamViewProps) {
  const { px, py, setX, setY } = useParamPair(params);
  const ranks = useMemo(() => rankShares(objectiveValues(trials), direction), [trials, direction]);
  const cx = useMemo(() => (px === null ? null : paramCoords(trials, px, distributions[px])), [trials, px, distributions]);
  const cy = useMemo(() => (py === null ? null : paramCoords(trials, py, distributions[py])), [trials, py, distributions]);
  // The ranked trials with both params, in any order: a cell keeps its best rank.
  const pts = useMemo(() => {
    if (!cx || !cy) return null;
    const idx: number[] = [];
    for (let i = 0; i < ranks.length; i++) if (Number.isFinite(ranks[i]!) && Number.isFinite(cx.coords[i]!) && Number.isFinite(cy.coords[i]!)) idx.push(i);
    return { xs: Float64Array.from(idx, (i) => cx.coords[i]!), ys: Float64Array.from(idx, (i) => cy.coords[i]!), rank: Float64Array.from(idx, (i) => ranks[i]!) };
  }, [cx, cy, ranks]);
  // uPlot is given only the corners (its x data must ascend, and it takes its ranges from the data);
  // the points are painted from pts.
  const data = useMemo(() => {
    if (!pts || pts.xs.length === 0) return null;
    let x0 = Infinity;
    let x1 = -Infinity;
    let y0 = Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < pts.xs.length; i++) {
      x0 = Math.min(x0, pts.xs[i]!);
      x1 = Math.max(x1, pts.xs[i]!);
      y0 = Math.min(y0, pts.ys[i]!);
      y1 = Math.max(y1, pts.ys[i]!);
    }
    return [
      [x0, x1],
      [y0, y1],
    ] as uPlot.AlignedData;
  }, [pts]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'> | null>(() => {
    if (!cx || !cy || !pts) return null;
    return {
      legend: { show: false },
      cursor: { drag: { x: true, y: false } },
      scales: { x: paramScale(cx), y: paramScale(cy) },
      axes: [paramAxis(cx), paramAxis(cy, 70)],
      series: [{ label: cx.name }, { label: cy.name, paths: () => null, points: { show: false } }],
      hooks: {
        drawSeries: [
          (u: uPlot, i: number) => {
            if (i !== 1) return;
            const grid = cellsOf(u, pts.xs, pts.ys, 6);
            const best = binMin(grid.px, grid.py, pts.rank, grid.cols, grid.rows);
            paintCells(u, grid, (k) => (Number.isFinite(best[k]!) ? WORDS[Math.round(best[k]! * LEVELS)]! : 0));
          },
        ],
      },
    };
  }, [cx, cy, pts]);
  if (params.length < 2 || px === null || py === null) return <p className="muted chart-empty">The rank view needs a study with two or more params.</p>;
  const n = pts?.xs.length ?? 0;
  return (
    <>
      <div className="chart-tools">
        <ParamPicker label="X" params={params} value={px} onChange={setX} />
        <ParamPicker label="Y" params={params} value={py} onChange={setY} />
        <span className="muted small">{n} finished trials with both</span>
      </div>
      {data && options && n > 0 ? (
        <>
          <UPlotChart options={options} data={data} height={360} label={`Rank of ${metric ?? 'the objective'} over ${px} and ${py}, ${n} trials`} />
          <p className="legend-line">
            <span className="muted small">rank of {metric ?? 'value'}:</span> <span className="swatch swatch-good" aria-hidden="true" /> best <span className="gradient-bar" aria-hidden="true" />{' '}
            <span className="swatch swatch-poor" aria-hidden="true" /> poorest <span className="muted small">· a cell shows its best trial</span>
          </p>
        </>
      ) : (
        <p className="muted chart-empty">No finished trial has values for both {px} and {py} yet.</p>
      )}
    </>
  );
}
