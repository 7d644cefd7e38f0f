// The sweep detail's analysis views, one at a time behind a row of tabs (WAI-ARIA tabs: arrow keys,
// Home and End move between them). The chosen view is kept in the URL (#/sweep/ID/VIEW), so a
// reload opens it again. Every view draws from the trials the page already has, so each follows the
// sweep live as its trials are refreshed.
import { useCallback, useDeferredValue, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { SweepDetail, TrialScalars } from '../../../shared/contract.ts';
import { hashWithView, STUDY_VIEWS, viewFromHash, type StudyView } from '../lib/views/viewRoute.ts';
import { ContourChart } from './charts/ContourChart.tsx';
import { EdfChart } from './charts/EdfChart.tsx';
import { HistoryChart } from './charts/HistoryChart.tsx';
import { ImportanceChart } from './charts/ImportanceChart.tsx';
import { IntermediateChart } from './charts/IntermediateChart.tsx';
import { ParallelCoords } from './charts/ParallelCoords.tsx';
import { RankChart } from './charts/RankChart.tsx';
import { SliceChart } from './charts/SliceChart.tsx';
import { TimelineChart } from './charts/TimelineChart.tsx';
import { Loading } from './Notice.tsx';

const NO_ROWS: readonly TrialScalars[] = [];

/** The view in the URL, and a setter that writes it there without adding a history entry. */
function useViewInUrl(): [StudyView, (v: StudyView) => void] {
  const [view, setView] = useState<StudyView>(() => viewFromHash(window.location.hash));
  useEffect(() => {
    const sync = (): void => setView(viewFromHash(window.location.hash));
    window.addEventListener('hashchange', sync);
    return () => window.removeEventListener('hashchange', sync);
  }, []);
  const choose = useCallback((v: StudyView) => {
    setView(v);
    const next = hashWithView(window.location.hash, v);
    if (next !== window.location.hash) window.history.replaceState(window.history.state, '', next);
  }, []);
  return [view, choose];
}

export function StudyViews({
  sweepId,
  trials,
  trialsReady,
  paramNames,
  distributions,
  metric,
  direction,
}: {
  sweepId: string;
  trials: readonly TrialScalars[];
  trialsReady: boolean;
  paramNames: readonly string[];
  distributions: SweepDetail['distributions'];
  metric: string | null;
  direction: 'minimize' | 'maximize' | null;
}) {
  const [view, choose] = useViewInUrl();
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);
  // The other views lag behind a running sweep's updates rather than hold up the table.
  const later = useDeferredValue(trials, NO_ROWS);
  const laterReady = later.length > 0 || trials.length === 0;

  const onKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    const at = STUDY_VIEWS.findIndex((v) => v.id === view);
    const last = STUDY_VIEWS.length - 1;
    const to = e.key === 'ArrowRight' ? (at === last ? 0 : at + 1) : e.key === 'ArrowLeft' ? (at === 0 ? last : at - 1) : e.key === 'Home' ? 0 : e.key === 'End' ? last : -1;
    if (to < 0) return;
    e.preventDefault();
    choose(STUDY_VIEWS[to]!.id);
    tabs.current[to]?.focus();
  };

  let body: ReactNode;
  if (!trialsReady) body = <Loading what="trials" />;
  else if (view === 'history') body = <HistoryChart trials={trials} direction={direction} metric={metric} />;
  else if (!laterReady) body = <Loading what="the chart" />;
  else if (view === 'intermediate') body = <IntermediateChart sweepId={sweepId} trials={later} metric={metric} />;
  else if (view === 'parallel') body = <ParallelCoords trials={later} params={paramNames} distributions={distributions} metric={metric} direction={direction} />;
  else if (view === 'importance') body = <ImportanceChart trials={later} params={paramNames} distributions={distributions} direction={direction} />;
  else if (view === 'slice') body = <SliceChart trials={later} params={paramNames} distributions={distributions} metric={metric} />;
  else if (view === 'contour') body = <ContourChart trials={later} params={paramNames} distributions={distributions} metric={metric} direction={direction} />;
  else if (view === 'edf') body = <EdfChart trials={later} metric={metric} />;
  else if (view === 'rank') body = <RankChart trials={later} params={paramNames} distributions={distributions} metric={metric} direction={direction} />;
  else body = <TimelineChart trials={later} />;

  return (
    <div className="card study-views">
      <div className="view-tabs" role="tablist" aria-label="Analysis views" onKeyDown={onKey}>
        {STUDY_VIEWS.map((v, i) => (
          <button
            key={v.id}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`view-tab-${v.id}`}
            aria-selected={v.id === view}
            aria-controls="view-panel"
            tabIndex={v.id === view ? 0 : -1}
            className="view-tab"
            onClick={() => choose(v.id)}
          >
            {v.label}
          </button>
        ))}
      </div>
      <div className="view-panel" role="tabpanel" id="view-panel" aria-labelledby={`view-tab-${view}`} tabIndex={0}>
        {body}
      </div>
    </div>
  );
}
