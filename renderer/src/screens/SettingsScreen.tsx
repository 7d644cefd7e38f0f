// Settings / Tracking: the mode in use and why, the Azure workspace (prefilled from settings or the
// AZURE_* environment), the fallback toggle, a remote MLflow server, the local store, extra stores.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ChannelInput, TrackingStatus } from '../../../shared/contract.ts';
import { useClient } from '../api/clientContext.tsx';
import { keys, useStores, useTracking } from '../api/queries.ts';
import { AzureAccountPanel } from '../components/AzureAccountPanel.tsx';
import { OutboxPanel } from '../components/OutboxPanel.tsx';
import { TrustedRootsPanel } from '../components/TrustedRootsPanel.tsx';
import { ErrorBox, Loading } from '../components/Notice.tsx';
import { WorkspacePickerCard } from '../components/WorkspacePicker.tsx';
import { fmtTime } from '../lib/format.ts';

function TrackingForm({ status }: { status: TrackingStatus }) {
  const client = useClient();
  const qc = useQueryClient();
  const [sub, setSub] = useState(status.azure?.subscriptionId ?? '');
  const [rg, setRg] = useState(status.azure?.resourceGroup ?? '');
  const [ws, setWs] = useState(status.azure?.workspaceName ?? '');
  const [remote, setRemote] = useState(status.remoteUri ?? '');
  const [fallback, setFallback] = useState(status.fallbackToLocal);
  const [local, setLocal] = useState(status.localStorePath);
  const save = useMutation({
    mutationFn: (input: ChannelInput<'tracking.configure'>) => client.get('tracking.configure', input),
    onSuccess: (s) => {
      qc.setQueryData(keys.tracking, s);
      void qc.invalidateQueries({ queryKey: keys.stores });
    },
  });
  const azureParts = [sub, rg, ws].map((x) => x.trim());
  const azureComplete = azureParts.every(Boolean);
  const azurePartial = !azureComplete && azureParts.some(Boolean);
  return (
    <form
      className="card form"
      aria-label="Tracking settings"
      onSubmit={(e) => {
        e.preventDefault();
        if (azurePartial) return;
        save.mutate({
          azure: azureComplete ? { subscriptionId: azureParts[0]!, resourceGroup: azureParts[1]!, workspaceName: azureParts[2]! } : null,
          remoteUri: remote.trim() ? remote.trim() : null,
          fallbackToLocal: fallback,
          ...(local.trim() && local.trim() !== status.localStorePath ? { localStorePath: local.trim() } : {}),
        });
      }}
    >
      <fieldset>
        <legend>Azure ML workspace (by hand)</legend>
        <p className="muted small">
          Prefilled with the workspace in use ({status.azureSource === 'environment' ? 'from AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP and AZURE_WORKSPACE_NAME, which win over these fields' : status.azureSource === 'chosen' ? 'chosen in Sweepdeck' : 'none'}). Leave all three empty for local or remote tracking.
        </p>
        <label>
          Subscription ID
          <input type="text" value={sub} onChange={(e) => setSub(e.target.value)} autoComplete="off" />
        </label>
        <label>
          Resource group
          <input type="text" value={rg} onChange={(e) => setRg(e.target.value)} autoComplete="off" />
        </label>
        <label>
          Workspace name
          <input type="text" value={ws} onChange={(e) => setWs(e.target.value)} autoComplete="off" />
        </label>
        {azurePartial ? <p className="error-text small">Fill all three Azure fields, or clear them all.</p> : null}
      </fieldset>
      <fieldset>
        <legend>Other targets</legend>
        <label>
          Remote MLflow server URL
          <input type="url" value={remote} onChange={(e) => setRemote(e.target.value)} placeholder="https://mlflow.example.org" />
        </label>
        <label className="check">
          <input type="checkbox" checked={fallback} onChange={(e) => setFallback(e.target.checked)} /> Fall back to the local store when Azure or the remote server cannot be reached
        </label>
        <label>
          Local store path
          <input type="text" value={local} onChange={(e) => setLocal(e.target.value)} />
        </label>
      </fieldset>
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending || azurePartial}>
          {save.isPending ? 'Applying…' : 'Apply tracking settings'}
        </button>
        {save.isSuccess ? (
          <span role="status" className="ok-text small">
            Applied: now {save.data.mode}.
          </span>
        ) : null}
      </div>
      {save.error ? <ErrorBox error={save.error} title="The tracking settings were not applied" /> : null}
    </form>
  );
}

function StoresCard() {
  const client = useClient();
  const qc = useQueryClient();
  const stores = useStores();
  const [kind, setKind] = useState<'sqlite' | 'mlruns' | 'remote'>('sqlite');
  const [where, setWhere] = useState('');
  const [label, setLabel] = useState('');
  const add = useMutation({
    mutationFn: () => {
      const l = label.trim() ? { label: label.trim() } : {};
      return client.get('stores.add', kind === 'remote' ? { kind, uri: where.trim(), ...l } : { kind, path: where.trim(), ...l });
    },
    onSuccess: () => {
      setWhere('');
      setLabel('');
      void qc.invalidateQueries({ queryKey: keys.stores });
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => client.get('stores.remove', { id }),
    onSettled: () => void qc.invalidateQueries({ queryKey: keys.stores }),
  });
  return (
    <section className="card" aria-labelledby="stores-h">
      <h2 className="card-h" id="stores-h">
        Stores
      </h2>
      {stores.isError ? <ErrorBox error={stores.error} title="The stores could not be listed" /> : null}
      <ul className="store-list">
        {stores.data?.stores.map((s) => (
          <li key={s.id}>
            <div>
              <strong>{s.label}</strong> <span className="muted small">{s.kind}{s.readOnly ? ', read-only' : ''}</span>
              <div className="muted small path">{s.uri}</div>
            </div>
            {s.builtin ? (
              <span className="muted small">built in</span>
            ) : (
              <button type="button" aria-label={`Remove store ${s.label}`} disabled={remove.isPending} onClick={() => remove.mutate(s.id)}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {remove.error ? <ErrorBox error={remove.error} title="The store was not removed" /> : null}
      <form
        className="row wrap"
        aria-label="Add a store"
        onSubmit={(e) => {
          e.preventDefault();
          if (where.trim()) add.mutate();
        }}
      >
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.target.value as typeof kind)}>
            <option value="sqlite">MLflow SQLite file</option>
            <option value="mlruns">mlruns folder</option>
            <option value="remote">Remote MLflow server</option>
          </select>
        </label>
        <label className="grow">
          {kind === 'remote' ? 'Server URL' : 'Path'}
          <input type="text" value={where} onChange={(e) => setWhere(e.target.value)} placeholder={kind === 'remote' ? 'https://…' : kind === 'sqlite' ? '/path/to/mlflow.db' : '/path/to/mlruns'} />
        </label>
        <label>
          Label (optional)
          <input type="text" value={label} onChange={(e) => setLabel(e.target.value)} />
        </label>
        <button type="submit" disabled={!where.trim() || add.isPending}>
          {add.isPending ? 'Adding…' : 'Add store'}
        </button>
      </form>
      {add.error ? <ErrorBox error={add.error} title="The store was not added" /> : null}
    </section>
  );
}

export function SettingsScreen() {
  const t = useTracking();
  return (
    <section className="screen" aria-labelledby="settings-h">
      <header className="screen-head">
        <h1 id="settings-h">Settings / Tracking</h1>
      </header>
      <AzureAccountPanel />
      <TrustedRootsPanel />
      {t.isPending ? <Loading what="tracking status" /> : null}
      {t.isError ? <ErrorBox error={t.error} title="The tracking status could not be read" onRetry={() => void t.refetch()} /> : null}
      {t.data ? (
        <>
          <div className="card">
            <dl className="facts">
              <div>
                <dt>Mode</dt>
                <dd>
                  <span className={`mode mode-${t.data.mode}`}>{t.data.mode}</span>
                </dd>
              </div>
              <div>
                <dt>Tracking URI</dt>
                <dd className="path">
                  <code>{t.data.uri}</code>
                </dd>
              </div>
              <div>
                <dt>Pending outbox writes</dt>
                <dd>{t.data.pendingOutbox}</dd>
              </div>
              <div>
                <dt>Checked</dt>
                <dd>{fmtTime(t.data.checkedAt)}</dd>
              </div>
            </dl>
            {t.data.fallbackReason ? (
              <div className="notice notice-warn" role="status">
                <strong>Using the local store instead:</strong> {t.data.fallbackReason}
              </div>
            ) : null}
          </div>
          <WorkspacePickerCard />
          {/* Remounted when the workspace in use changes (e.g. chosen in the picker), so its fields never hold a stale one. */}
          <TrackingForm key={JSON.stringify(t.data.azure)} status={t.data} />
        </>
      ) : null}
      <StoresCard />
      <OutboxPanel />
    </section>
  );
}
