// The sweep detail's analysis views, one at a time behind a row of tabs (WAI-ARIA tabs: arrow keys,
// Home and End move between them). The chosen view is kept in the URL (#/sweep/ID/VIEW), so a
// reload opens it again. Every view draws from the trials the page already has, so each follows the
// sweep live as its trials are refreshed.
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { SweepDetail, TrialScalars } from '../../../shared/contract.ts';
import { withObjective } from '../../../shared/trialColumns.ts';
import type { StudyObjectives } from '../lib/views/objectives.ts';
import { hashWithView, STUDY_VIEWS, viewFromHash, type StudyView } from '../lib/views/viewRoute.ts';
import { ContourChart } from './charts/ContourChart.tsx';
import { EdfChart } from './charts/EdfChart.tsx';
import { HistoryChart } from './charts/HistoryChart.tsx';
import { ImportanceChart } from './charts/ImportanceChart.tsx';
import { IntermediateChart } from './charts/IntermediateChart.tsx';
import { ParallelCoords } from './charts/ParallelCoords.tsx';
import { ParetoChart } from './charts/ParetoChart.tsx';
import { RankChart } from './charts/RankChart.tsx';
import { SliceChart } from './charts/SliceChart.tsx';
import { TimelineChart } from './charts/TimelineChart.tsx';
import { Loading } from './Notice.tsx';

const NO_ROWS: readonly TrialScalars[] = [];
const SINGLE_OBJECTIVE_VIEWS = STUDY_VIEWS.filter((v) => v.id !== 'pareto');

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
  metric: studyMetric,
  direction: studyDirection,
  objectives,
  selectedTrial = null,
  onSelectTrial,
}: {
  sweepId: string;
  trials: readonly TrialScalars[];
  trialsReady: boolean;
  paramNames: readonly string[];
  distributions: SweepDetail['distributions'];
  metric: string | null;
  direction: 'minimize' | 'maximize' | null;
  /** A multi-objective study: the Pareto tab, and an objective picker the other views share. */
  objectives?: StudyObjectives;
  selectedTrial?: number | null;
  onSelectTrial?: (trial: number) => void;
}) {
  const [chosen, choose] = useViewInUrl();
  const views = objectives ? STUDY_VIEWS : SINGLE_OBJECTIVE_VIEWS;
  const view = chosen === 'pareto' && !objectives ? 'history' : chosen;
  // The views other than the Pareto one draw one objective at a time: the picked one's values are
  // the trials' `value`, its direction and name the chart's.
  const [picked, setPicked] = useState(0);
  const k = objectives && picked < objectives.labels.length ? picked : 0;
  const shown = useMemo(() => (objectives ? withObjective(trials, k) : trials), [trials, objectives, k]);
  const metric = objectives ? (objectives.labels[k] ?? studyMetric) : studyMetric;
  const direction = objectives ? (objectives.directions[k] ?? studyDirection) : studyDirection;
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);
  // The other views lag behind a running sweep's updates rather than hold up the table.
  const later = useDeferredValue(shown, NO_ROWS);
  const laterReady = later.length > 0 || trials.length === 0;
  // A live update redraws the history in a render of its own after the table's, so the two are not
  // one long frame; its first draw is not held back.
  const historyLater = useDeferredValue(shown);
  const history = historyLater.length > 0 ? historyLater : shown;

  const onKey = (e: KeyboardEvent<HTMLDivElement>): void => {
    const at = views.findIndex((v) => v.id === view);
    const last = views.length - 1;
    const to = e.key === 'ArrowRight' ? (at === last ? 0 : at + 1) : e.key === 'ArrowLeft' ? (at === 0 ? last : at - 1) : e.key === 'Home' ? 0 : e.key === 'End' ? last : -1;
    if (to < 0) return;
    e.preventDefault();
    choose(views[to]!.id);
    tabs.current[to]?.focus();
  };

  let body: ReactNode;
  if (!trialsReady) body = <Loading what="trials" />;
  else if (view === 'history') body = <HistoryChart trials={history} direction={direction} metric={metric} />;
  else if (view === 'pareto' && objectives) body = <ParetoChart trials={trials} objectives={objectives} selected={selectedTrial} onSelect={(n) => onSelectTrial?.(n)} />;
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
        {views.map((v, i) => (
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
        {objectives && view !== 'pareto' && view !== 'timeline' ? (
          <div className="chart-tools">
            <label className="inline">
              Objective
              <select value={k} onChange={(e) => setPicked(Number(e.target.value))}>
                {objectives.labels.map((l, i) => (
                  <option key={i} value={i}>
                    {l} ({objectives.directions[i]})
                  </option>
                ))}
              </select>
            </label>
          </div>
        ) : null}
        {body}
      </div>
    </div>
  );
}
