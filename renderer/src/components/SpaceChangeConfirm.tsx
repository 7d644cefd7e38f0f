// Before Resume: when the config's search space differs from the study's, the differences are listed
// and the user chooses (Resume anyway / Cancel). A change Optuna cannot make within a study (a
// param's kind, log scale or choices) is shown as a refusal, with no way to resume anyway.
import { useMutation } from '@tanstack/react-query';
import { useId } from 'react';
import type { ChannelInput, SpaceDiffReply } from '../../../shared/contract.ts';
import { useClient } from '../api/clientContext.tsx';

/** Asks the host for the difference (sweeps.spaceDiff). */
export function useSpaceDiffCheck() {
  const client = useClient();
  return useMutation<SpaceDiffReply, Error, ChannelInput<'sweeps.spaceDiff'>>({ mutationFn: (input) => client.get('sweeps.spaceDiff', input) });
}

/** The difference a refused resume carried (CONFLICT, details.spaceDiff), if any: the study changed
 * between the check and the resume. */
export function spaceDiffOf(e: unknown): SpaceDiffReply | null {
  const d = (e as { details?: unknown } | null)?.details;
  if (typeof d !== 'object' || d === null) return null;
  const s = (d as { spaceDiff?: unknown }).spaceDiff;
  return typeof s === 'object' && s !== null && Array.isArray((s as SpaceDiffReply).changes) ? (s as SpaceDiffReply) : null;
}

export function SpaceChangeConfirm({ diff, label, busy, onResume, onCancel }: { diff: SpaceDiffReply; label: string; busy: boolean; onResume: () => void; onCancel: () => void }) {
  const titleId = useId();
  const bodyId = useId();
  const refused = diff.refused;
  return (
    <div
      className={`notice ${refused ? 'notice-error' : 'notice-warn'} space-change`}
      role="alertdialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onCancel();
      }}
    >
      <strong id={titleId}>{refused ? `${label} cannot resume with this config` : `The config's search space differs from ${label}'s study`}</strong>
      <div id={bodyId}>
        <p className="small">
          Study '{diff.studyName}' in {diff.studyPath}
        </p>
        <ul className="space-changes">
          {diff.changes.map((c) => (
            <li key={c.param} data-change={c.change}>
              {c.text}
            </li>
          ))}
        </ul>
        <p className="small">
          {refused
            ? 'Optuna cannot make these changes within a study. Keep them as the study has them, or set a new study_name in the config to start a new study.'
            : 'Resuming adds trials sampled from the new space to the same study; earlier trials keep their values.'}
        </p>
      </div>
      <div className="confirm-row">
        {refused ? null : (
          <button type="button" className="primary" disabled={busy} aria-label={`Resume ${label} anyway`} onClick={onResume}>
            {busy ? 'Resuming…' : 'Resume anyway'}
          </button>
        )}
        <button type="button" autoFocus aria-label={`Cancel resuming ${label}`} onClick={onCancel}>
          {refused ? 'Close' : 'Cancel'}
        </button>
      </div>
    </div>
  );
}
