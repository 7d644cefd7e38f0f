// An Azure workspace store's offline mirror in the Experiments tree: online or offline (with the
// reason), last sync, a Sync button with progress and cancel, and the last error. Progress comes as
// 'azure.syncProgress' events; when a sync ends the store's experiments and runs are read again.
// When the browser says the network is back, the app is told (azure.reconnected).
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { ChannelOutput } from '../../../shared/contract.ts';
import { useClient } from '../api/clientContext.tsx';
import { keys, useChannel } from '../api/queries.ts';
import { refreshRunTables } from '../api/runViews.ts';
import { errorText, fmtTime } from '../lib/format.ts';

type MirrorStatus = ChannelOutput<'azure.mirrorStatus'>;

const statusKey = (storeId: string) => ['azure.mirrorStatus', storeId] as const;

function progressText(s: MirrorStatus): string {
  const p = s.progress;
  if (!p) return 'Syncing…';
  if (p.phase === 'histories') return `Making ${p.experiment ?? 'the experiment'} available offline: ${p.done}/${p.total ?? '?'} metric histories`;
  if (p.phase === 'runs') return `Syncing ${p.experiment ?? ''}: ${p.runs.toLocaleString()} runs read`;
  return 'Syncing: listing experiments…';
}

export function AzureMirrorBar({ storeId }: { storeId: string }) {
  const client = useClient();
  const qc = useQueryClient();
  const status = useChannel(statusKey(storeId), 'azure.mirrorStatus', { storeId });
  const [actionError, setActionError] = useState<string | null>(null);

  useEffect(() => {
    const offs = [
      client.on('azure.syncProgress', (s) => {
        if (s.storeId !== storeId) return;
        const was = qc.getQueryData<MirrorStatus>(statusKey(storeId));
        qc.setQueryData(statusKey(storeId), s);
        if (was?.syncing && !s.syncing) {
          void qc.invalidateQueries({ queryKey: keys.experiments(storeId) });
          void qc.invalidateQueries({ queryKey: ['runs.search', storeId] });
          refreshRunTables(qc, storeId);
        }
      }),
    ];
    const onOnline = (): void => {
      void client.get('azure.reconnected', {}).then(() => qc.invalidateQueries({ queryKey: statusKey(storeId) }));
    };
    window.addEventListener('online', onOnline);
    return () => {
      for (const off of offs) off();
      window.removeEventListener('online', onOnline);
    };
  }, [client, qc, storeId]);

  const act = (p: Promise<unknown>): void => {
    setActionError(null);
    p.then(() => qc.invalidateQueries({ queryKey: statusKey(storeId) })).catch((e: unknown) => setActionError(errorText(e)));
  };

  const s = status.data;
  if (!s) return status.isError ? <div className="muted small">Mirror status unavailable: {errorText(status.error)}</div> : null;
  return (
    <div className="mirror-bar small" data-testid="azure-mirror">
      <span className={`badge ${s.offline ? 'badge-interrupted' : 'badge-finished'}`} title={s.reason ?? undefined}>
        <span aria-hidden="true">{s.offline ? '⚠ ' : '● '}</span>
        {s.offline ? 'Offline' : 'Online'}
      </span>{' '}
      <span className="muted">{s.lastSyncAt ? `last sync ${fmtTime(s.lastSyncAt)}` : 'never synced'} · {s.runs.toLocaleString()} runs kept</span>{' '}
      {s.syncing ? (
        <>
          <span role="status">{progressText(s)}</span>{' '}
          <button type="button" className="button small" onClick={() => act(client.get('azure.syncCancel', { storeId }))}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" className="button small" onClick={() => act(client.get('azure.sync', { storeId }))}>
          Sync
        </button>
      )}
      {s.lastError ? <div className="notice notice-warn">Last sync: {s.lastError}</div> : null}
      {actionError ? <div className="notice notice-error">{actionError}</div> : null}
    </div>
  );
}

/** "Offline, as of …" above an Azure experiment's runs, with "Make available offline". */
export function MirroredNotice({ storeId, experimentId, page }: { storeId: string; experimentId: string; page: { offline?: boolean | undefined; asOf?: number | null | undefined; offlineReason?: string | null | undefined } }) {
  const client = useClient();
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  if (typeof page.offline !== 'boolean') return null;
  const makeOffline = (): void => {
    setError(null);
    client
      .get('azure.sync', { storeId, experimentIds: [experimentId], histories: true })
      .then((s) => qc.setQueryData(statusKey(storeId), s))
      .catch((e: unknown) => setError(errorText(e)));
  };
  return (
    <div className={`notice${page.offline ? ' notice-warn' : ''} small`} data-testid="mirrored-notice">
      {page.offline ? (
        <span>
          <strong>Offline</strong>: showing the local mirror as of {fmtTime(page.asOf ?? null)}
          {page.offlineReason ? ` (${page.offlineReason})` : ''}.
        </span>
      ) : (
        <span className="muted">Azure ML workspace, live; kept in the local mirror.</span>
      )}{' '}
      <button type="button" className="button small" onClick={makeOffline}>
        Make available offline
      </button>
      {error ? <div className="notice notice-error">{error}</div> : null}
    </div>
  );
}
