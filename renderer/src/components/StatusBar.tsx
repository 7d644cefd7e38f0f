import { useSweeps, useTracking } from '../api/queries.ts';
import { AzureStatusItem } from './AzureStatusItem.tsx';
import { OutboxStatusItem } from './OutboxPanel.tsx';

export function StatusBar() {
  const tracking = useTracking();
  const sweeps = useSweeps();
  const running = sweeps.data?.sweeps.filter((s) => s.state === 'running' || s.state === 'stopping').length ?? 0;
  const t = tracking.data;
  return (
    <footer className="statusbar" aria-label="Status bar">
      <span className="status-item" title={t?.uri ?? ''}>
        <span className={`dot dot-${t?.mode ?? 'unknown'}`} aria-hidden="true" />
        Tracking: {t ? t.mode : tracking.isError ? 'unknown' : '…'}
        {t?.fallbackReason ? <span className="warn-text"> (fallback)</span> : null}
      </span>
      <OutboxStatusItem fallback={t?.pendingOutbox} />
      <span className="status-item">Running sweeps: {running}</span>
      <AzureStatusItem />
    </footer>
  );
}
