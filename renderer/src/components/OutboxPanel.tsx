// Settings' "Outbox": tracking writes waiting for a remote store, per store and sweep, with why they
// wait, the first waiting writes, and Retry. Empty when every write has reached its store.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { OutboxInfo } from '../../../shared/outbox.ts';
import { useClient } from '../api/clientContext.tsx';
import { useChannel } from '../api/queries.ts';
import { useFirstViewDrawn } from '../lib/firstView.ts';
import { fmtTime } from '../lib/format.ts';
import { ErrorBox, Loading } from './Notice.tsx';

export const outboxKey = ['outbox.list'] as const;

function OutboxRow({ o }: { o: OutboxInfo }) {
  const client = useClient();
  const qc = useQueryClient();
  const retry = useMutation({
    mutationFn: () => client.get('outbox.retry', { sweepId: o.sweepId }),
    onSettled: () => void qc.invalidateQueries({ queryKey: outboxKey }),
  });
  return (
    <li data-testid="outbox-row">
      <div className="grow">
        <strong>{o.studyName}</strong>{' '}
        <span className={o.pending > 0 ? 'warn-text small' : 'ok-text small'}>
          {o.pending} pending{o.running ? (o.online === false ? ' · store not answering' : ' · sweep running') : ''}
        </span>
        {o.lastError ? <div className="muted small">Last error: {o.lastError}</div> : null}
        {o.waiting.length ? (
          <details className="small">
            <summary>Details</summary>
            <div className="muted path" title={o.path}>
              Outbox file: {o.path}
            </div>
            <ol>
              {o.waiting.map((w) => (
                <li key={w.seq}>
                  {w.op}
                  {w.runId ? ` (run ${w.runId})` : ''} · queued {fmtTime(w.createdAt)} · {w.attempts} attempt{w.attempts === 1 ? '' : 's'}
                </li>
              ))}
            </ol>
            {o.pending > o.waiting.length ? <p className="muted">… and {o.pending - o.waiting.length} more.</p> : null}
          </details>
        ) : null}
        {retry.error ? <ErrorBox error={retry.error} title="Retry failed" /> : null}
      </div>
      {o.pending > 0 ? (
        <button type="button" onClick={() => retry.mutate()} disabled={retry.isPending} aria-label={`Retry the outbox of ${o.studyName}`}>
          {retry.isPending ? 'Retrying…' : 'Retry'}
        </button>
      ) : null}
    </li>
  );
}

/** The status bar's outbox item: every sweep's waiting writes (running or not), a link to the details. */
export function OutboxStatusItem({ fallback }: { fallback: number | undefined }) {
  const list = useChannel(outboxKey, 'outbox.list', {}, { enabled: useFirstViewDrawn() });
  const pending = list.data ? list.data.outboxes.reduce((n, o) => n + o.pending, 0) : fallback;
  return (
    <a className="status-item" href="#/settings" data-testid="status-outbox" title="Writes waiting for their tracking store: see Settings → Outbox">
      Outbox: {pending === undefined ? '…' : `${pending} pending`}
    </a>
  );
}

export function OutboxPanel() {
  const list = useChannel(outboxKey, 'outbox.list', {});
  const byStore = new Map<string, OutboxInfo[]>();
  for (const o of list.data?.outboxes ?? []) {
    const k = o.storeUri ?? 'unknown store';
    byStore.set(k, [...(byStore.get(k) ?? []), o]);
  }
  return (
    <section className="card" aria-labelledby="outbox-h" data-testid="outbox">
      <h2 className="card-h" id="outbox-h">
        Outbox
      </h2>
      {list.isPending ? <Loading what="the outbox" /> : null}
      {list.isError ? <ErrorBox error={list.error} title="The outbox could not be read" onRetry={() => void list.refetch()} /> : null}
      {list.data && byStore.size === 0 ? <p className="muted">Every tracking write has reached its store.</p> : null}
      {[...byStore].map(([store, rows]) => (
        <div key={store}>
          <h3 className="small path" title={store}>
            {store} · {rows.reduce((n, o) => n + o.pending, 0)} pending
          </h3>
          <ul className="store-list" aria-label={`Outbox for ${store}`}>
            {rows.map((o) => (
              <OutboxRow key={o.sweepId} o={o} />
            ))}
          </ul>
        </div>
      ))}
    </section>
  );
}
