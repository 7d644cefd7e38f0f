// The picked trial's user and system attributes, as Optuna stores them (values shown as JSON
// unless they are plain strings). Read again when the trial's state changes.
import type { TrialStateName } from '../../../shared/trialColumnKeys.ts';
import { useChannel } from '../api/queries.ts';
import { ErrorBox } from './Notice.tsx';

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
  const q = useChannel(['sweeps.trialAttrs', sweepId, trialNumber, state ?? ''], 'sweeps.trialAttrs', { id: sweepId, trialNumber });
  if (q.isError) return <ErrorBox error={q.error} title={`The attributes of trial ${trialNumber} could not be read`} onRetry={() => void q.refetch()} />;
  if (!q.data) return null;
  return (
    <div className="trial-attrs">
      <AttrTable label={`User attributes of trial ${trialNumber}`} attrs={q.data.userAttrs} />
      <AttrTable label={`System attributes of trial ${trialNumber}`} attrs={q.data.systemAttrs} />
    </div>
  );
}
