// A sweep whose study file or config moved: give its new place. The host checks the file there
// (it must hold the same study, or be a valid config) before it is used.
import { useState } from 'react';
import type { SweepSummary } from '../../../shared/contract.ts';
import { useSweepAction } from '../api/queries.ts';
import { ErrorBox } from './Notice.tsx';

export function LocateFile({ sweep, label, onDone }: { sweep: SweepSummary; label: string; onDone: () => void }) {
  const locate = useSweepAction('sweeps.locate');
  const [path, setPath] = useState('');
  return (
    <form
      className="inline-form"
      aria-label={`Locate the file of ${label}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (path.trim()) locate.mutate({ id: sweep.id, path: path.trim() }, { onSuccess: onDone });
      }}
    >
      <label>
        New path of the missing file (absolute)
        <input type="text" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/path/to/study.db or /path/to/hpo.yaml" autoFocus />
      </label>
      <div className="actions">
        <button type="submit" className="primary" disabled={!path.trim() || locate.isPending}>
          {locate.isPending ? 'Checking…' : 'Use this file'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      {locate.error ? <ErrorBox error={locate.error} title="That file cannot be used" /> : null}
    </form>
  );
}
