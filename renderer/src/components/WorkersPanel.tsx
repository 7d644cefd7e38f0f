// Who runs a PostgreSQL study's trials: each Sweepdeck worker by host and process (its running
// trials, last heartbeat, stale marks), and one row for Python Optuna or other workers, whose
// trials do not say who runs them. Stop here asks every Sweepdeck worker, on any machine, to stop,
// through the study itself; a study only Python workers drive is watched read-only.
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { StudyWorker, SweepSummary } from '../../../shared/contract.ts';
import { useChannel, useSweepAction } from '../api/queries.ts';
import { fmtDuration } from '../lib/format.ts';
import { ErrorBox, Loading } from './Notice.tsx';

const POLL_MS = 2000;
const workersKey = (id: string) => ['sweeps.workers', id] as const;

function workerName(w: StudyWorker): string {
  return w.kind === 'python' ? 'Python Optuna / unknown worker' : `${w.host ?? '?'} (pid ${w.pid ?? '?'})`;
}

function heartbeatText(w: StudyWorker, now: number): string {
  if (w.lastHeartbeatAt === null) return w.kind === 'python' ? 'none (Python Optuna sends none by default)' : 'none';
  const ago = `${fmtDuration(Math.max(0, now - w.lastHeartbeatAt))} ago`;
  return w.heartbeat === 'late' ? `${ago} (late)` : ago;
}

export function WorkersPanel({ sweep }: { sweep: SweepSummary }) {
  const q = useChannel(workersKey(sweep.id), 'sweeps.workers', { id: sweep.id }, { refetchInterval: POLL_MS });
  const stop = useSweepAction('sweeps.stop');
  const qc = useQueryClient();
  const [confirm, setConfirm] = useState(false);
  const data = q.data;
  const now = Date.now();
  const sweepdeckRunning = (data?.workers ?? []).some((w) => w.kind === 'sweepdeck' && w.running.length > 0);
  return (
    <section className="card" aria-labelledby="workers-h" style={{ gridColumn: '1 / -1' }}>
      <h2 className="card-h" id="workers-h">
        Workers
      </h2>
      {q.isPending ? <Loading what="workers" /> : null}
      {q.isError ? <ErrorBox error={q.error} title="The workers could not be read" onRetry={() => void q.refetch()} /> : null}
      {data?.error ? <div className="notice notice-error">{data.error}</div> : null}
      {data?.readOnly ? (
        <p className="notice notice-warn" role="note" aria-label="Read-only study">
          Read-only: {data.readOnly}
        </p>
      ) : null}
      {data?.stopRequested ? (
        <p className="notice notice-warn" role="status">
          Stop requested at {data.stopRequested.at} by {data.stopRequested.by}: Sweepdeck workers end their trials and exit. Resume removes the request.
        </p>
      ) : null}
      {data && data.workers.length === 0 ? <p className="muted small">No trial is running, and none finished recently.</p> : null}
      {data && data.workers.length > 0 ? (
        <div className="table-wrap">
        <table className="grid" aria-label="Workers">
          <thead>
            <tr>
              <th scope="col">Worker</th>
              <th scope="col">Trials running</th>
              <th scope="col">Finished recently</th>
              <th scope="col">Last heartbeat</th>
              <th scope="col">Stale</th>
            </tr>
          </thead>
          <tbody>
            {data.workers.map((w) => (
              <tr key={`${w.kind}:${w.host ?? ''}:${w.pid ?? ''}`} aria-label={`Worker ${workerName(w)}`}>
                <td>{workerName(w)}</td>
                <td className="num">{w.running.length > 0 ? `${w.running.length} (${w.running.join(', ')})` : '0'}</td>
                <td className="num">{w.recentFinished}</td>
                <td>{heartbeatText(w, now)}</td>
                <td className={w.stale.length > 0 ? 'error-text' : ''}>
                  {w.stale.length > 0 ? `stale: trial ${w.stale.join(', ')} (past the grace period; its worker is gone)` : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      ) : null}
      {data && !data.readOnly && !data.stopRequested && sweepdeckRunning ? (
        <div className="actions">
          <button type="button" className="danger" disabled={stop.isPending || confirm} aria-label={`Stop the workers of ${sweep.studyName}`} onClick={() => setConfirm(true)}>
            {stop.isPending ? 'Stopping…' : 'Stop workers'}
          </button>
        </div>
      ) : null}
      {confirm ? (
        <div className="confirm-row" role="group" aria-label={`Confirm stopping the workers of ${sweep.studyName}`}>
          <span className="small">Ask every Sweepdeck worker of {sweep.studyName}, on every machine, to stop? Their running trials end and are offered again on Resume; finished trials are kept. Python Optuna workers do not read the request.</span>
          <button
            type="button"
            className="danger"
            autoFocus
            aria-label={`Yes, stop the workers of ${sweep.studyName}`}
            onClick={() => {
              setConfirm(false);
              stop.mutate({ id: sweep.id }, { onSettled: () => void qc.invalidateQueries({ queryKey: workersKey(sweep.id) }) });
            }}
          >
            Yes, stop
          </button>
          <button type="button" onClick={() => setConfirm(false)}>
            Keep running
          </button>
        </div>
      ) : null}
      {stop.error ? <ErrorBox error={stop.error} title={`Could not stop the workers of ${sweep.studyName}`} /> : null}
    </section>
  );
}
