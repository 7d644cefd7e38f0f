// The picked trial's user and system attributes, as Optuna stores them (values shown as JSON
// unless they are plain strings), and its note (user attr `note`, so Python Optuna sees it). Read
// again when the trial's state changes.
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { TrialStateName } from '../../../shared/trialColumnKeys.ts';
import { useClient } from '../api/clientContext.tsx';
import { useChannel } from '../api/queries.ts';
import { ErrorBox } from './Notice.tsx';

function NoteEditor({ sweepId, trialNumber, saved, onSaved }: { sweepId: string; trialNumber: number; saved: string; onSaved: () => void }) {
  const client = useClient();
  const [text, setText] = useState(saved);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    const r = await client.call('sweeps.setTrialNote', { id: sweepId, trialNumber, note: text });
    setBusy(false);
    if (r.ok) onSaved();
    else setError(r.error.message);
  };
  return (
    <form
      className="trial-note"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label>
        Note on trial {trialNumber} <span className="muted small">(user attr note)</span>
        <textarea rows={2} maxLength={10_000} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <button type="submit" disabled={busy || text === saved}>
        {busy ? 'Saving…' : 'Save note'}
      </button>
      {error ? (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}

const shown = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function AttrTable({ label, attrs }: { label: string; attrs: Record<string, unknown> }) {
  const entries = Object.entries(attrs).sort(([a], [b]) => a.localeCompare(b));
  return (
    <table className="grid" aria-label={label}>
      <caption className="small muted">{label}</caption>
      <tbody>
        {entries.length === 0 ? (
          <tr>
            <td className="muted">None.</td>
          </tr>
        ) : null}
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td className="mono">{shown(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function TrialAttrs({ sweepId, trialNumber, state }: { sweepId: string; trialNumber: number; state: TrialStateName | undefined }) {
  const key = ['sweeps.trialAttrs', sweepId, trialNumber, state ?? ''];
  const q = useChannel(key, 'sweeps.trialAttrs', { id: sweepId, trialNumber });
  const qc = useQueryClient();
  if (q.isError) return <ErrorBox error={q.error} title={`The attributes of trial ${trialNumber} could not be read`} onRetry={() => void q.refetch()} />;
  if (!q.data) return null;
  const note = typeof q.data.userAttrs.note === 'string' ? q.data.userAttrs.note : '';
  return (
    <div className="trial-attrs">
      <NoteEditor key={`${trialNumber}:${note}`} sweepId={sweepId} trialNumber={trialNumber} saved={note} onSaved={() => void qc.invalidateQueries({ queryKey: key })} />
      <AttrTable label={`User attributes of trial ${trialNumber}`} attrs={q.data.userAttrs} />
      <AttrTable label={`System attributes of trial ${trialNumber}`} attrs={q.data.systemAttrs} />
    </div>
  );
}
