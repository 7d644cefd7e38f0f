// Trials RUNNING elsewhere (no heartbeats, e.g. left by a Python Optuna process) are failed by no
// runner, since nobody can tell whether their worker still lives. The user can fail one here, after
// confirming that its program no longer runs (as `sweepdeck sweep fail-trial` does).
import { useState } from 'react';
import { useFailTrial } from '../api/queries.ts';
import { ErrorBox } from './Notice.tsx';

export function FailElsewhereTrial({ sweepId, trialNumbers }: { sweepId: string; trialNumbers: number[] }) {
  const fail = useFailTrial(sweepId);
  const [confirming, setConfirming] = useState<number | null>(null);
  const [retry, setRetry] = useState(true);
  if (trialNumbers.length === 0) return null;
  return (
    <div className="card">
      <h2 className="card-h">Running elsewhere</h2>
      <p className="muted small">
        These trials are RUNNING without heartbeats: another program (e.g. Python Optuna) runs them, or ran them and stopped. Fail one only when its program no longer runs.
      </p>
      <div className="actions">
        {trialNumbers.map((n) => (
          <button key={n} type="button" className="danger" disabled={fail.isPending} aria-label={`Fail trial ${n}`} onClick={() => setConfirming(n)}>
            Fail trial {n}…
          </button>
        ))}
      </div>
      {confirming !== null ? (
        <div className="inline-form" role="alertdialog" aria-label={`Confirm failing trial ${confirming}`}>
          <p className="small">
            Mark trial {confirming} FAIL? If its program still runs, it will crash when it reports. This cannot be undone.
          </p>
          <label>
            <input type="checkbox" checked={retry} onChange={(e) => setRetry(e.target.checked)} /> Offer its params again to the next run
          </label>
          <div className="actions">
            <button
              type="button"
              className="danger"
              disabled={fail.isPending}
              onClick={() => fail.mutate({ id: sweepId, trialNumber: confirming, retry }, { onSuccess: () => setConfirming(null) })}
            >
              {fail.isPending ? 'Failing…' : `Yes, fail trial ${confirming}`}
            </button>
            <button type="button" disabled={fail.isPending} onClick={() => setConfirming(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : null}
      {fail.error ? <ErrorBox error={fail.error} title={`Could not fail trial ${confirming ?? ''}`} /> : null}
    </div>
  );
}
