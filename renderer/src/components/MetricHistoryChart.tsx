// Metric history of one or more runs (runs.metricHistory), step on x, one series per run.
import { useQueries } from '@tanstack/react-query';
import { useMemo } from 'react';
import type uPlot from 'uplot';
import { useClient } from '../api/clientContext.tsx';
import { fetchMetricHistory } from '../api/metricHistory.ts';
import { keys } from '../api/queries.ts';
import { axisStyle, INT_INCRS, UPlotChart } from './charts/UPlotChart.tsx';
import { ErrorBox, Loading } from './Notice.tsx';

const PALETTE = ['#5b8def', '#f59e0b', '#10b981', '#ef4444', '#a855f7', '#06b6d4', '#84cc16', '#ec4899'];

export function MetricHistoryChart({ storeId, runs, metricKey }: { storeId: string; runs: ReadonlyArray<{ id: string; name: string }>; metricKey: string }) {
  const client = useClient();
  const results = useQueries({
    queries: runs.map((r) => ({
      queryKey: keys.metricHistory(storeId, r.id, metricKey),
      queryFn: () => fetchMetricHistory(client, storeId, r.id, metricKey),
    })),
  });
  const ready = results.every((q) => q.isSuccess);
  const failed = results.find((q) => q.isError);
  const dataKey = results.map((q) => q.dataUpdatedAt).join(',');
  const data = useMemo(() => {
    if (!ready) return null;
    const steps = new Set<number>();
    for (const q of results) for (const m of q.data?.metrics ?? []) steps.add(m.step);
    const xs = [...steps].sort((a, b) => a - b);
    const at = new Map(xs.map((s, i) => [s, i]));
    const cols = results.map((q) => {
      const ys = new Array<number | null>(xs.length).fill(null);
      for (const m of q.data?.metrics ?? []) ys[at.get(m.step)!] = Number.isFinite(m.value) ? m.value : null;
      return ys;
    });
    return [xs, ...cols] as uPlot.AlignedData;
    // dataKey stands for the results' data.
  }, [ready, dataKey]);
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      scales: { x: { time: false } },
      axes: [
        { ...axisStyle(), label: 'step', incrs: INT_INCRS },
        { ...axisStyle(), label: metricKey, size: 60 },
      ],
      series: [{ label: 'step' }, ...runs.map((r, i) => ({ label: r.name, stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: true, points: { show: true, size: 4 } }))],
    }),
    [runs, metricKey],
  );
  if (failed) return <ErrorBox error={failed.error} title={`The history of ${metricKey} could not be read`} />;
  if (!data) return <Loading what={`${metricKey} history`} />;
  return <UPlotChart options={options} data={data} height={220} label={`History of ${metricKey} for ${runs.map((r) => r.name).join(', ')}`} />;
}
