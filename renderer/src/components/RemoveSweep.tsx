// Remove a sweep from the list, after asking: the files stay where they are.
import { useState } from 'react';
import type { SweepSummary } from '../../../shared/contract.ts';
import { useSweepAction } from '../api/queries.ts';
import { navigate, useRoute } from '../lib/router.ts';
import { ErrorBox } from './Notice.tsx';

export function RemoveSweep({ sweep, label }: { sweep: SweepSummary; label: string }) {
  const remove = useSweepAction('sweeps.remove');
  const route = useRoute();
  const [asking, setAsking] = useState(false);
  const running = sweep.state === 'running' || sweep.state === 'stopping';
  if (!asking) {
    return (
      <button type="button" disabled={running || remove.isPending} aria-label={`Remove ${label}`} title={running ? 'Stop it before removing it' : 'Take it off the list; no file is deleted'} onClick={() => setAsking(true)}>
        Remove
      </button>
    );
  }
  return (
    <div className="confirm-row" role="group" aria-label={`Confirm removing ${label}`}>
      <span className="small">Remove {label} from the list? Its files stay.</span>
      <button
        type="button"
        className="danger"
        autoFocus
        disabled={remove.isPending}
        aria-label={`Yes, remove ${label}`}
        onClick={() =>
          remove.mutate(
            { id: sweep.id },
            {
              onSuccess: () => {
                setAsking(false);
                if (route.name === 'sweep') navigate({ name: 'sweeps' });
              },
            },
          )
        }
      >
        {remove.isPending ? 'Removing…' : 'Yes, remove'}
      </button>
      <button type="button" aria-label={`Keep ${label}`} onClick={() => setAsking(false)}>
        Cancel
      </button>
      {remove.error ? <ErrorBox error={remove.error} title={`Could not remove ${label}`} /> : null}
    </div>
  );
}
