// Compare studies: two or more sweeps' best-so-far histories on one chart, one colour per study, in
// the order they were chosen. The sweeps are in the URL (#/compare/ID/ID...), so a reload or a shared
// link opens the same comparison. Studies with different directions are drawn each relative to its
// own direction, and the screen says so.
import { useMemo, useRef } from 'react';
import type { SweepSummary } from '../../../shared/contract.ts';
import { useTrialsOf } from '../api/compareTrials.ts';
import type { TrialsData } from '../api/trialsData.ts';
import { useSweeps } from '../api/queries.ts';
import { CompareHistoryChart, studyColor } from '../components/charts/CompareHistoryChart.tsx';
import { EmptyState, ErrorBox, Loading } from '../components/Notice.tsx';
import { fmtValue } from '../lib/format.ts';
import { href } from '../lib/router.ts';
import { compareHistory, mixture, type Direction } from '../lib/views/compareHistory.ts';
import { uniqueLabels } from '../lib/sweepLabels.ts';

function verb(d: Direction, many: boolean): string {
  if (d === null) return many ? 'state no direction' : 'states no direction';
  return many ? d : `${d}s`;
}

function DirectionNote({ studies }: { studies: ReadonlyArray<{ label: string; direction: Direction }> }) {
  const groups = new Map<Direction, string[]>();
  for (const s of studies) groups.set(s.direction, [...(groups.get(s.direction) ?? []), s.label]);
  const said = [...groups].map(([d, names]) => `${names.join(', ')} ${verb(d, names.length > 1)}`);
  return (
    <div className="notice notice-warn" role="note" aria-label="Directions differ">
      <strong>These studies do not share a direction:</strong> {said.join('; ')}. Each line is the best so far in its own study&apos;s direction: a minimized study&apos;s line falls as it improves, a maximized study&apos;s line rises.
    </div>
  );
}

function Legend({ rows }: { rows: ReadonlyArray<{ s: SweepSummary; label: string; direction: Direction; finished: number | null; best: number | null }> }) {
  return (
    <ul className="compare-legend" aria-label="Studies compared">
      {rows.map((r, i) => (
        <li key={r.s.id}>
          <span className="compare-swatch" style={{ background: studyColor(i) }} aria-hidden="true" />
          <a href={href({ name: 'sweep', id: r.s.id })}>{r.label}</a>{' '}
          <span className="muted small">
            {r.direction === 'minimize' ? '↓ minimize' : r.direction === 'maximize' ? '↑ maximize' : 'no direction'}
            {r.s.objectiveMetric ? ` ${r.s.objectiveMetric}` : ''}
            {r.finished === null ? ' · loading…' : ` · best ${r.best === null ? '—' : fmtValue(r.best)} over ${r.finished} finished trials`}
            {r.s.storage === 'postgresql' ? ' · PostgreSQL study' : ''}
          </span>{' '}
          <span className="muted small path ellipsis" title={r.s.studyPath}>
            {r.s.studyPath}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** The same array as last render while its items are the same objects: a live update with nothing
 * new keeps each study's data object (trialsData.ts), so the chart is not recomputed. */
function useSameList<T>(items: T[]): T[] {
  const held = useRef(items);
  const prev = held.current;
  if (prev.length !== items.length || items.some((x, i) => x !== prev[i])) held.current = items;
  return held.current;
}

export function CompareScreen({ ids: asked }: { ids: string[] }) {
  const ids = useMemo(() => [...new Set(asked)], [asked]);
  const sweeps = useSweeps();
  const byId = useMemo(() => new Map((sweeps.data?.sweeps ?? []).map((s) => [s.id, s])), [sweeps.data]);
  const known = useMemo(() => ids.filter((id) => byId.has(id)), [ids, byId]);
  const unknown = sweeps.data ? ids.filter((id) => !byId.has(id)) : [];
  const trials = useTrialsOf(known);
  const labels = useMemo(() => uniqueLabels(known.map((id) => byId.get(id)!)), [known, byId]);
  const datas = useSameList(trials.map((q) => q.data));
  const history = useMemo(() => {
    const all = datas.filter((d): d is TrialsData => d !== undefined);
    return all.length >= 2 && all.length === datas.length ? compareHistory(all.map((d) => ({ trials: d.trials, direction: d.direction }))) : null;
  }, [datas]);
  const studies = known.map((id, i) => {
    const s = byId.get(id)!;
    return { s, label: labels.get(id) ?? s.studyName, direction: datas[i]?.direction ?? s.direction, metric: s.objectiveMetric };
  });
  const mixed = mixture(studies);
  const metrics = [...new Set(studies.map((s) => s.metric).filter((m): m is string => m !== null))];
  const axisMetric = !mixed.metrics && metrics.length === 1 ? metrics[0]! : null;

  return (
    <section className="screen" aria-labelledby="compare-h">
      <header className="screen-head">
        <h1 id="compare-h">Compare studies</h1>
        <a className="button" href={href({ name: 'sweeps' })}>
          Choose studies
        </a>
      </header>
      {sweeps.isPending ? <Loading what="sweeps" /> : null}
      {sweeps.isError ? <ErrorBox error={sweeps.error} title="The sweeps could not be listed" onRetry={() => void sweeps.refetch()} /> : null}
      {unknown.length > 0 ? (
        <div className="notice notice-warn" role="status">
          {unknown.length === 1 ? 'One sweep in this link is' : `${unknown.length} sweeps in this link are`} not on the Sweeps list (removed, or never opened in this app): {unknown.join(', ')}.{' '}
          {known.length >= 2 ? <a href={href({ name: 'compare', ids: known })}>Compare the other {known.length}</a> : <>Open the study files again from the Sweeps screen, then choose them.</>}
        </div>
      ) : null}
      {sweeps.data && known.length < 2 ? (
        <EmptyState title="Choose two or more studies">
          <p>
            On the <a href={href({ name: 'sweeps' })}>Sweeps</a> screen, tick two or more sweeps (study files or study URLs) and press Compare: their best-so-far histories are drawn on one chart.
          </p>
        </EmptyState>
      ) : null}
      {known.length >= 2 ? (
        <>
          {mixed.directions ? <DirectionNote studies={studies} /> : null}
          {mixed.metrics ? (
            <div className="notice notice-warn" role="note" aria-label="Objectives differ">
              <strong>These studies measure different objectives:</strong> {studies.map((s) => `${s.label}: ${s.metric ?? 'not named'}`).join('; ')}. Their values share one axis, so compare their shapes rather than their levels.
            </div>
          ) : null}
          <Legend rows={studies.map((st, i) => ({ ...st, finished: history ? history.finished[i]! : null, best: history ? history.best[i]! : null }))} />
          {trials.map((q, i) =>
            q.isError ? <ErrorBox key={known[i]} error={q.error} title={`The trials of ${studies[i]!.label} could not be read`} onRetry={() => void q.refetch()} /> : null,
          )}
          <section className="card" aria-label="Best-so-far histories">
            {history ? <CompareHistoryChart history={history} labels={studies.map((s) => s.label)} metric={axisMetric} /> : trials.some((q) => q.isError) ? null : <Loading what="the trials" />}
          </section>
        </>
      ) : null}
    </section>
  );
}
