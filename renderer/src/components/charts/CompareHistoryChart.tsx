// Several studies' best-so-far lines on one chart (the Compare view), one colour per study, with the
// History view's linear / log switch for the value axis.
import { useMemo, useState } from 'react';
import uPlot from 'uplot';
import type { CompareHistory } from '../../lib/views/compareHistory.ts';
import { ScaleToggle } from './ScaleToggle.tsx';
import { axisStyle, INT_INCRS, UPlotChart } from './UPlotChart.tsx';

/** One colour per study, in the order chosen; told apart on light and dark backgrounds. */
export const STUDY_COLORS = ['#2563eb', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#0891b2', '#db2777', '#65a30d'] as const;

export const studyColor = (i: number): string => STUDY_COLORS[i % STUDY_COLORS.length]!;

const stepped = uPlot.paths.stepped?.({ align: 1 });

/** `labels[i]` names the study of `h`'s line i (compareHistory). */
export function CompareHistoryChart({ history: h, labels: names, metric }: { history: CompareHistory; labels: readonly string[]; metric: string | null }) {
  const [logWanted, setLog] = useState(false);
  const log = logWanted && h.positive;
  const labels = names.join('\n');
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      legend: { show: true },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
      axes: [
        { ...axisStyle(), label: 'trial', incrs: INT_INCRS },
        { ...axisStyle(), label: `best ${metric ?? 'value'} so far${log ? ' (log)' : ''}`, size: 60 },
      ],
      series: [{ label: 'trial' }, ...labels.split('\n').map((label, i) => ({ label, stroke: studyColor(i), width: 2, points: { show: false }, ...(stepped ? { paths: stepped } : {}) }))],
    }),
    [metric, log, labels],
  );
  if (h.finished.every((n) => n === 0)) return <p className="muted chart-empty">No study has a finished trial yet: the lines appear with the first results.</p>;
  return (
    <>
      <ScaleToggle log={log} onChange={setLog} label="Value axis" disabledReason={h.positive ? null : 'A log axis needs every best value above zero.'} />
      <UPlotChart
        options={options}
        data={h.data}
        height={320}
        label={`Best-so-far history of ${names.length} studies${log ? ', log scale' : ''}: ${names.map((n, i) => `${n} (${h.finished[i] ?? 0} finished trials)`).join(', ')}`}
      />
    </>
  );
}
