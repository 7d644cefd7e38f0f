import type { SweepSummary } from '../../../shared/contract.ts';
import { useHostReachable } from '../api/hostConnection.ts';

const LABEL: Record<SweepSummary['state'], string> = {
  ready: 'Ready',
  running: 'Running',
  stopping: 'Stopping',
  interrupted: 'Interrupted',
  finished: 'Finished',
  failed: 'Failed',
  unresponsive: 'Not responding',
  missing: 'File missing',
};
// A glyph besides colour, so the state reads without colour vision too.
const GLYPH: Record<SweepSummary['state'], string> = {
  ready: '○',
  running: '●',
  stopping: '◐',
  interrupted: '⚠',
  finished: '✓',
  failed: '✕',
  unresponsive: '◌',
  missing: '⊘',
};

/** States only a live host can vouch for: with the host gone they may be over. */
const LIVE: ReadonlySet<SweepSummary['state']> = new Set(['running', 'stopping', 'unresponsive']);

export function StateBadge({ state }: { state: SweepSummary['state'] }) {
  const reachable = useHostReachable();
  if (!reachable && LIVE.has(state)) {
    return (
      <span className="badge badge-unknown" data-state="unknown" title={`Last known: ${LABEL[state]}. The host cannot be reached, so this may no longer be true.`}>
        <span aria-hidden="true">? </span>
        Unknown (was {LABEL[state]})
      </span>
    );
  }
  return (
    <span className={`badge badge-${state}`} data-state={state}>
      <span aria-hidden="true">{GLYPH[state]} </span>
      {LABEL[state]}
    </span>
  );
}

const TRIAL_CLASS: Record<string, string> = { COMPLETE: 'ok', PRUNED: 'pruned', FAIL: 'fail', RUNNING: 'running', WAITING: 'waiting' };

export function TrialStateBadge({ state }: { state: string }) {
  return <span className={`tbadge tbadge-${TRIAL_CLASS[state] ?? 'waiting'}`}>{state.toLowerCase()}</span>;
}
