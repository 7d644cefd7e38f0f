// Sweep detail: live trials table, charts, a trial's log tail, checkpoint with reveal-in-folder.
import { memo, useEffect, useMemo, useState } from 'react';
import { useClient } from '../api/clientContext.tsx';
import { usePrefetchIntermediate, useSweep, useTrials } from '../api/queries.ts';
import { useStoreIdFor } from '../api/storeFor.ts';
import { LogTail } from '../components/LogTail.tsx';
import { FailElsewhereTrial } from '../components/FailElsewhereTrial.tsx';
import { ErrorBox, Loading } from '../components/Notice.tsx';
import { ProgressBar } from '../components/ProgressBar.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { StudyViews } from '../components/StudyViews.tsx';
import { BestTrials } from '../components/BestTrials.tsx';
import { SweepActions } from '../components/SweepActions.tsx';
import { TrialAttrs } from '../components/TrialAttrs.tsx';
import { TrialsTable } from '../components/TrialsTable.tsx';
import { WorkersPanel } from '../components/WorkersPanel.tsx';
import { errorCode, fmtValue } from '../lib/format.ts';
import { href } from '../lib/router.ts';
import { firstViewDrawn } from '../lib/firstView.ts';
import { objectiveLabels, type StudyObjectives } from '../lib/views/objectives.ts';
import { indexOfTrial, lastInState } from '../lib/trialsOrder.ts';
import { useSameContent } from '../lib/useSameContent.ts';

function RevealPath({ path, isUrl = false }: { path: string; isUrl?: boolean }) {
  const client = useClient();
  const [msg, setMsg] = useState<{ kind: 'ok' | 'info' | 'error'; text: string } | null>(null);
  return (
    <div className="reveal">
      <code className="path" title={path}>
        {path}
      </code>
      {/* A study URL (PostgreSQL) is no file to reveal. */}
      {isUrl ? null : (
        <button
          type="button"
          aria-label="Reveal checkpoint in folder"
          onClick={() =>
            void client.call('shell.revealPath', { path }).then((r) => {
              if (r.ok) setMsg(r.value.revealed ? { kind: 'ok', text: 'Shown in your file manager.' } : { kind: 'info', text: 'The file manager did not open.' });
              else if (r.error.code === 'NOT_AVAILABLE') setMsg({ kind: 'info', text: 'Reveal in folder works in the desktop app; in the browser, copy the path above.' });
              else setMsg({ kind: 'error', text: r.error.message });
            })
          }
        >
          Reveal in folder
        </button>
      )}
      <button type="button" aria-label="Copy checkpoint path" onClick={() => void navigator.clipboard?.writeText(path).then(() => setMsg({ kind: 'ok', text: 'Path copied.' }), () => setMsg({ kind: 'info', text: 'Copying is not allowed here; select the path instead.' }))}>
        Copy
      </button>
      {msg ? (
        <span role="status" className={msg.kind === 'error' ? 'error-text small' : 'muted small'}>
          {msg.text}
        </span>
      ) : null}
    </div>
  );
}

/** Memoised: the app shell re-renders as its own queries arrive (sweep list, app info), which must
 * not re-render a screen holding 10,000 rows. */
export const SweepDetailScreen = memo(function SweepDetailScreen({ id }: { id: string }) {
  const sweep = useSweep(id);
  const trials = useTrials(id);
  const s = sweep.data;
  const storeId = useStoreIdFor(s?.tracking.storeUri ?? null, Boolean(s?.tracking.parentRunId));
  const rows = useMemo(() => trials.data?.trials ?? [], [trials.data]);
  usePrefetchIntermediate(id, rows.length > 0);
  // The same objects while their content is: a live update's re-read must not make the table and
  // views that depend on them compute again.
  const distributions = useSameContent(s?.distributions);
  const paramNames = useSameContent(
    useMemo(() => {
      const names = new Set(Object.keys(distributions ?? {}));
      for (const t of rows.slice(0, 200)) for (const k of Object.keys(t.params)) names.add(k);
      return [...names];
    }, [distributions, rows]),
  );
  const categoricalParams = useMemo(() => new Set(Object.entries(distributions ?? {}).flatMap(([k, d]) => (d.kind === 'categorical' ? [k] : []))), [distributions]);
  const [picked, setPicked] = useState<number | null>(null);
  // From the table's columns (kept up to date from each live update's changed rows), not by reading
  // every row again on each update.
  const lastRunning = useMemo(() => rows[lastInState(rows, 'RUNNING')]?.number, [rows]);
  const selected = picked ?? lastRunning ?? rows[rows.length - 1]?.number ?? null;
  const selectedRow = useMemo(() => (selected === null ? undefined : rows[indexOfTrial(rows, selected)]), [rows, selected]);
  // A multi-objective study: directions and front from the trials' reply (as fresh as the trials),
  // names and constraints from the summary.
  const mo = trials.data?.objectives;
  const moSummary = s?.objectives;
  const objectives = useMemo<StudyObjectives | undefined>(() => {
    const directions = mo?.directions ?? moSummary?.directions;
    if (!directions || directions.length < 2) return undefined;
    return {
      directions,
      labels: objectiveLabels(moSummary?.names, directions.length),
      front: new Set(mo?.front ?? []),
      constrained: (moSummary?.constrained ?? false) || rows.some((t) => t.feasible !== undefined),
    };
  }, [mo, moSummary, rows]);

  // Nothing to draw (no trials yet, or an error): the held shell requests need not wait.
  const nothingToDraw = sweep.isError || trials.isError || (trials.data !== undefined && rows.length === 0);
  useEffect(() => {
    if (nothingToDraw) firstViewDrawn();
  }, [nothingToDraw]);

  if (sweep.isPending) return <Loading what="the sweep" />;
  if (sweep.isError)
    return (
      <section className="screen">
        <ErrorBox error={sweep.error} title={errorCode(sweep.error) === 'NOT_FOUND' ? 'This sweep is not known (any more)' : 'The sweep could not be loaded'} onRetry={() => void sweep.refetch()} />
        <a href={href({ name: 'sweeps' })}>Back to sweeps</a>
      </section>
    );
  if (!s) return null;
  const direction = trials.data?.direction ?? s.direction;

  return (
    <section className="screen" aria-labelledby="detail-h">
      <nav className="crumbs" aria-label="Breadcrumb">
        <a href={href({ name: 'sweeps' })}>Sweeps</a> <span aria-hidden="true">/</span> <span>{s.studyName}</span>
      </nav>
      <header className="screen-head">
        <h1 id="detail-h">
          {s.studyName} <StateBadge state={s.state} />
        </h1>
        <SweepActions sweep={s} showOpen={false} />
      </header>
      {s.message && (s.state === 'interrupted' || s.state === 'failed' || s.state === 'unresponsive' || s.state === 'missing') ? <div className={`notice ${s.state === 'failed' || s.state === 'missing' ? 'notice-error' : 'notice-warn'}`}>{s.message}</div> : null}
      <div className="detail-grid">
        <div className="card">
          <ProgressBar value={s.finishedTrials} max={s.maxTrials} label={`Progress of ${s.studyName}`} state={s.state} />
          <dl className="facts">
            {objectives ? (
              <>
                <div>
                  <dt>Objectives</dt>
                  <dd data-testid="objectives">{objectives.labels.map((l, k) => `${objectives.directions[k]} ${l}`).join(' · ')}</dd>
                </div>
                <div className="facts-wide">
                  <dt>Best trials (Pareto front: {objectives.front.size})</dt>
                  <dd>
                    <BestTrials trials={rows} objectives={objectives} onSelect={setPicked} />
                  </dd>
                </div>
              </>
            ) : (
              <>
                <div>
                  <dt>Best</dt>
                  <dd className="num">{s.best ? `${fmtValue(s.best.value)} (trial ${s.best.number})` : '—'}</dd>
                </div>
                <div>
                  <dt>Objective</dt>
                  <dd>{s.objectiveMetric ? `${direction ?? ''} ${s.objectiveMetric}` : direction ?? '—'}</dd>
                </div>
              </>
            )}
            <div>
              <dt>Trials</dt>
              <dd>
                {s.counts.COMPLETE} complete · {s.counts.PRUNED} pruned · {s.counts.FAIL} failed · {s.counts.RUNNING} running
              </dd>
            </div>
            <div>
              <dt>Tracking</dt>
              <dd>
                {s.experimentName ?? '—'}
                {s.tracking.parentRunId && storeId ? (
                  <>
                    {' · '}
                    <a href={href({ name: 'run', storeId, runId: s.tracking.parentRunId })}>Open parent run</a>
                  </>
                ) : (
                  <span className="muted"> · no parent run yet</span>
                )}
              </dd>
            </div>
          </dl>
        </div>
        <div className="card">
          <h2 className="card-h">Checkpoint</h2>
          <RevealPath path={s.checkpointPath || s.studyPath} isUrl={s.storage === 'postgresql'} />
          {s.configPath ? (
            <p className="muted small">
              Config: <code>{s.configPath}</code>
            </p>
          ) : (
            <p className="muted small">No HPO config here (a study made elsewhere): Resume asks for one.</p>
          )}
        </div>
        {/* A PostgreSQL study's trials are listed by worker in the Workers panel instead. */}
        {s.storage === 'postgresql' ? <WorkersPanel sweep={s} /> : null}
        <FailElsewhereTrial sweepId={id} trialNumbers={s.runningElsewhere} />
      </div>

      <StudyViews sweepId={id} trials={rows} trialsReady={trials.isSuccess || trials.data !== undefined} paramNames={paramNames} distributions={distributions ?? s.distributions} metric={s.objectiveMetric} direction={direction} objectives={objectives} selectedTrial={selected} onSelectTrial={setPicked} />

      <div className="table-log">
        <div className="card card-flush">
          <h2 className="card-h pad">
            Trials <span className="muted small">{trials.data ? `${trials.data.total}` : ''}</span>
          </h2>
          {trials.isError ? <ErrorBox error={trials.error} title="The trials could not be read" onRetry={() => void trials.refetch()} /> : null}
          {trials.data && rows.length === 0 ? <p className="muted pad">No trials yet. Start or resume the sweep to run some.</p> : null}
          {rows.length > 0 ? <TrialsTable trials={rows} paramNames={paramNames} categoricalParams={categoricalParams} storeId={storeId} selected={selected} onSelect={setPicked} objectives={objectives} /> : null}
        </div>
        <div className="card">
          <h2 className="card-h">
            Log {selected !== null ? `of trial ${selected}` : ''}
            {selectedRow?.reason ? <span className="muted small"> · {selectedRow.reason}</span> : null}
          </h2>
          {selected !== null ? <LogTail key={`${id}:${selected}`} sweepId={id} trialNumber={selected} live={selectedRow?.state === 'RUNNING'} /> : <p className="muted">Pick a trial in the table to see its output.</p>}
          {selected !== null ? <TrialAttrs sweepId={id} trialNumber={selected} state={selectedRow?.state} /> : null}
        </div>
      </div>
    </section>
  );
});
