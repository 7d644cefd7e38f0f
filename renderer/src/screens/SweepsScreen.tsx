// Every sweep the app knows: started here, found in folders, or opened from study files.
import { useState } from 'react';
import type { SweepSummary } from '../../../shared/contract.ts';
import { useSweepAction, useSweeps } from '../api/queries.ts';
import { ErrorBox, EmptyState, Loading } from '../components/Notice.tsx';
import { OpenStudyUrl } from '../components/OpenStudyUrl.tsx';
import { ProgressBar } from '../components/ProgressBar.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { SweepActions } from '../components/SweepActions.tsx';
import { fmtTime, fmtValue } from '../lib/format.ts';
import { href, navigate } from '../lib/router.ts';
import { uniqueLabels } from '../lib/sweepLabels.ts';

function trackingTarget(s: SweepSummary): string {
  const t = s.tracking;
  if (!t.storeUri && !s.experimentName) return 'not tracked yet';
  return [s.experimentName, t.storeUri].filter(Boolean).join(' · ');
}

function SweepCard({ s, label, picked, onPick }: { s: SweepSummary; label: string; picked: boolean; onPick: (picked: boolean) => void }) {
  return (
    <li className={`sweep-card sweep-${s.state}`} aria-label={`Sweep ${label}`}>
      <div className="sweep-main">
        <div className="sweep-title">
          <input type="checkbox" className="compare-pick" aria-label={`Compare ${label}`} title="Choose for Compare studies" checked={picked} onChange={(e) => onPick(e.target.checked)} />
          <a href={href({ name: 'sweep', id: s.id })} className="sweep-name">
            {s.studyName}
          </a>
          <StateBadge state={s.state} />
          <span className="muted small">{s.storage === 'postgresql' ? 'PostgreSQL study' : s.source === 'file' ? 'opened study file' : s.source === 'folder' ? 'found in folder' : s.backbone ?? ''}</span>
        </div>
        {s.state === 'unresponsive' ? <p className="sweep-msg warn-text">{s.message}</p> : null}
        {s.readOnly ? <p className="sweep-msg muted small">Read-only: {s.readOnly}</p> : null}
        {s.state === 'missing' ? <p className="sweep-msg error-text">{s.message}</p> : null}
        {s.state === 'interrupted' || s.state === 'failed' ? <p className={`sweep-msg ${s.state === 'failed' ? 'error-text' : 'warn-text'}`}>{s.message ?? (s.state === 'interrupted' ? 'Interrupted before its budget was used: resume continues with the remaining trials.' : 'Failed.')}</p> : null}
        <ProgressBar value={s.finishedTrials} max={s.maxTrials} label={`Progress of ${s.studyName}`} state={s.state} />
        <dl className="facts">
          {s.objectives ? (
            // Several objectives have best trials (the Pareto front), not one best value.
            <div>
              <dt>Best trials</dt>
              <dd className="num">
                {s.objectives.frontSize} on front
                <span className="muted"> · {s.objectives.directions.map((d, k) => `${d === 'minimize' ? '↓' : '↑'} ${s.objectives?.names[k] ?? `objective ${k}`}`).join(', ')}</span>
              </dd>
            </div>
          ) : (
            <div>
              <dt>Best</dt>
              <dd className="num">
                {s.best ? `${fmtValue(s.best.value)} (trial ${s.best.number})` : '—'}
                {s.objectiveMetric ? <span className="muted"> {s.direction === 'minimize' ? '↓' : '↑'} {s.objectiveMetric}</span> : null}
              </dd>
            </div>
          )}
          <div>
            <dt>Tracking</dt>
            <dd className="ellipsis" title={s.tracking.storeUri ?? ''}>
              {trackingTarget(s)}
            </dd>
          </div>
          <div>
            <dt>Study</dt>
            <dd className="ellipsis path" title={s.studyPath}>
              {s.studyPath}
            </dd>
          </div>
          <div>
            <dt>Updated</dt>
            <dd>{fmtTime(s.updatedAt)}</dd>
          </div>
        </dl>
      </div>
      <SweepActions sweep={s} label={label} />
    </li>
  );
}

function OpenStudyForm() {
  const open = useSweepAction('sweeps.openStudyFile');
  const [path, setPath] = useState('');
  return (
    <form
      className="inline-form row"
      aria-label="Open a study file"
      onSubmit={(e) => {
        e.preventDefault();
        if (!path.trim()) return;
        open.mutate(
          { path: path.trim() },
          {
            onSuccess: (r) => {
              setPath('');
              const first = r.sweeps[0];
              if (r.sweeps.length === 1 && first) navigate({ name: 'sweep', id: first.id });
            },
          },
        );
      }}
    >
      <label className="grow">
        Optuna study file (.db)
        <input type="text" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/study.db" />
      </label>
      <button type="submit" disabled={!path.trim() || open.isPending}>
        {open.isPending ? 'Opening…' : 'Open study file'}
      </button>
      {open.error ? <ErrorBox error={open.error} title="The study file could not be opened" /> : null}
    </form>
  );
}

export function SweepsScreen() {
  const q = useSweeps();
  const sweeps = q.data?.sweeps ?? [];
  const order: Record<string, number> = { running: 0, stopping: 1, interrupted: 2, failed: 3, missing: 3, ready: 4, finished: 5 };
  const sorted = sweeps.slice().sort((a, b) => (order[a.state] ?? 9) - (order[b.state] ?? 9) || (b.updatedAt ?? 0) - (a.updatedAt ?? 0));
  const interrupted = sweeps.filter((s) => s.state === 'interrupted').length;
  const labels = uniqueLabels(sweeps);
  // Sweeps chosen for Compare studies, in the order chosen (their colours follow it).
  const [picked, setPicked] = useState<string[]>([]);
  const chosen = picked.filter((id) => sweeps.some((s) => s.id === id));
  const pick = (id: string, on: boolean) => setPicked((p) => (on ? [...p.filter((x) => x !== id), id] : p.filter((x) => x !== id)));
  return (
    <section className="screen" aria-labelledby="sweeps-h">
      <header className="screen-head">
        <h1 id="sweeps-h">Sweeps</h1>
        <a className="button primary" href={href({ name: 'new' })}>
          New sweep
        </a>
      </header>
      {/* Above the list, so it is a few Tab presses away however many sweeps there are. */}
      <h2 className="section-h">Open a study file</h2>
      <OpenStudyForm />
      <OpenStudyUrl />
      {interrupted > 0 ? (
        <div className="notice notice-warn" role="status">
          {interrupted === 1 ? 'One sweep was interrupted.' : `${interrupted} sweeps were interrupted.`} Resume continues with only the remaining trials; finished trials are kept.
        </div>
      ) : null}
      {q.isPending ? <Loading what="sweeps" /> : null}
      {q.isError ? <ErrorBox error={q.error} title="The sweeps could not be listed" onRetry={() => void q.refetch()} /> : null}
      {q.isSuccess && sweeps.length === 0 ? (
        <EmptyState title="No sweeps yet">
          <p>
            <a href={href({ name: 'new' })}>Start the example sweep</a> from the New sweep screen, or open a study file above (an Optuna <code>.db</code> made here or elsewhere).
          </p>
        </EmptyState>
      ) : null}
      {sorted.length > 1 ? (
        <div className="row toolbar compare-bar">
          <span className="muted small">{chosen.length < 2 ? 'Tick two or more sweeps to compare their histories on one chart.' : `${chosen.length} sweeps chosen.`}</span>
          {chosen.length >= 2 ? (
            <a className="button primary" href={href({ name: 'compare', ids: chosen })}>
              Compare {chosen.length} studies
            </a>
          ) : (
            <button type="button" className="primary" disabled>
              Compare studies
            </button>
          )}
        </div>
      ) : null}
      {sorted.length > 0 ? (
        <ul className="sweep-list" aria-label="Sweeps">
          {sorted.map((s) => (
            <SweepCard key={s.id} s={s} label={labels.get(s.id) ?? s.studyName} picked={chosen.includes(s.id)} onPick={(on) => pick(s.id, on)} />
          ))}
        </ul>
      ) : null}
    </section>
  );
}
