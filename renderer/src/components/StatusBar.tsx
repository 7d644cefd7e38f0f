import { useHostReachable } from '../api/hostConnection.ts';
import { useSweeps, useTracking } from '../api/queries.ts';
import { AzureStatusItem } from './AzureStatusItem.tsx';
import { OutboxStatusItem } from './OutboxPanel.tsx';

export function StatusBar() {
  const tracking = useTracking();
  const sweeps = useSweeps();
  const running = sweeps.data?.sweeps.filter((s) => s.state === 'running' || s.state === 'stopping').length ?? 0;
  // Without the host, what it said last is no claim about now: the dot goes grey, counts unknown.
  const reachable = useHostReachable();
  const t = reachable ? tracking.data : undefined;
  return (
    <footer className="statusbar" aria-label="Status bar">
      <span className="status-item" title={t?.fallbackReason ? `Falling back to the local store: ${t.fallbackReason}` : (t?.uri ?? '')}>
        {/* Amber while falling back: the mode alone (local) would look like all is well. */}
        <span className={`dot dot-${t?.fallbackReason ? 'fallback' : (t?.mode ?? 'unknown')}`} data-testid="tracking-dot" aria-hidden="true" />
        Tracking: {t ? t.mode : !reachable || tracking.isError ? 'unknown' : '…'}
        {!reachable ? <span className="muted"> (host unreachable)</span> : null}
        {t?.fallbackReason ? <span className="warn-text"> (fallback)</span> : null}
      </span>
      {t?.azure ? (
        <span
          className="status-item"
          data-testid="status-workspace"
          title={`${t.azure.subscriptionId}/${t.azure.resourceGroup}/${t.azure.workspaceName} (${t.azureSource === 'environment' ? 'from AZURE_* in the environment' : 'chosen in Sweepdeck'})`}
        >
          Workspace: {t.azure.workspaceName}
          {t.azureSource === 'environment' ? <span className="muted"> (env)</span> : null}
        </span>
      ) : null}
      <OutboxStatusItem fallback={t?.pendingOutbox} />
      <span className="status-item">Running sweeps: {reachable ? running : '?'}</span>
      <AzureStatusItem />
    </footer>
  );
}
