// Settings / Azure ML workspace: the workspace new sweeps track to and where that comes from, and
// a picker (tenant -> subscription -> workspace, with search) that lists what the credentials
// reach. Azure is asked only when the user opens the list. A tenant that needs sign-in is shown
// with a Sign in button, never left out.
import { useMemo, useState } from 'react';
import type { AzureTenant, AzureWorkspaceInfo, CurrentWorkspace } from '../../../shared/contract.ts';
import { useAzureSubscriptions, useAzureTenants, useAzureWorkspaces, useChooseWorkspace, useCurrentWorkspace, useRefreshWorkspaces } from '../api/workspaceQueries.ts';
import { useAzureSignIn } from '../api/azureAccount.ts';
import { ErrorBox, Loading } from './Notice.tsx';

const KIND_LABEL: Record<AzureWorkspaceInfo['kind'], string> = { workspace: 'Workspace', hub: 'Hub', project: 'Project', 'feature-store': 'Feature store' };

const tenantName = (t: AzureTenant): string => t.displayName ?? t.defaultDomain ?? t.tenantId;

function CurrentLine({ current, environmentOverrides }: { current: CurrentWorkspace | null; environmentOverrides: boolean }) {
  if (!current) {
    return (
      <p data-testid="workspace-current">
        No Azure ML workspace chosen: new sweeps track to the local store{environmentOverrides ? ' or the target named in the environment' : ''}.
      </p>
    );
  }
  const facts = [current.kind ? KIND_LABEL[current.kind] : null, current.region].filter(Boolean).join(', ');
  return (
    <div data-testid="workspace-current">
      <p>
        New sweeps track to <strong>{current.workspaceName}</strong>
        {facts ? ` (${facts})` : ''} in resource group <strong>{current.resourceGroup}</strong>, subscription <code>{current.subscriptionId}</code>. Running sweeps keep the workspace they
        started with.
      </p>
      <p className="muted small" data-testid="workspace-source">
        {current.source === 'environment'
          ? 'Set by AZURE_SUBSCRIPTION_ID, AZURE_RESOURCE_GROUP and AZURE_WORKSPACE_NAME in the environment; they win over a workspace chosen here until they are unset.'
          : 'Chosen here (or with `sweepdeck azure use`) and remembered.'}
      </p>
    </div>
  );
}

function WorkspaceRows({ workspaces, current, tenantId }: { workspaces: AzureWorkspaceInfo[]; current: CurrentWorkspace | null; tenantId: string }) {
  const choose = useChooseWorkspace();
  const isCurrent = (w: AzureWorkspaceInfo): boolean =>
    !!current &&
    current.subscriptionId.toLowerCase() === w.subscriptionId.toLowerCase() &&
    current.resourceGroup.toLowerCase() === w.resourceGroup.toLowerCase() &&
    current.workspaceName.toLowerCase() === w.name.toLowerCase();
  return (
    <>
      <div className="table-wrap">
        <table className="grid" aria-label="Azure ML workspaces">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Region</th>
              <th scope="col">Resource group</th>
              <th scope="col">Subscription</th>
              <th scope="col">
                <span className="sr-only">Action</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {workspaces.map((w) => (
              <tr key={w.id} data-testid="workspace-row">
                <th scope="row">{w.name}</th>
                <td>
                  <span className={`badge badge-kind-${w.kind}`}>{KIND_LABEL[w.kind]}</span>
                </td>
                <td>{w.region}</td>
                <td>{w.resourceGroup}</td>
                <td title={w.subscriptionId}>{w.subscriptionName ?? w.subscriptionId}</td>
                <td>
                  {isCurrent(w) ? (
                    <span className="ok-text small">in use</span>
                  ) : (
                    <button
                      type="button"
                      aria-label={`Use workspace ${w.name}`}
                      disabled={choose.isPending || w.kind === 'hub'}
                      title={w.kind === 'hub' ? 'A hub does not track runs; choose one of its projects' : undefined}
                      onClick={() => choose.mutate({ tenantId, workspace: { subscriptionId: w.subscriptionId, resourceGroup: w.resourceGroup, workspaceName: w.name } })}
                    >
                      {choose.isPending && choose.variables?.workspace?.workspaceName === w.name ? 'Choosing…' : 'Use'}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {choose.isSuccess ? (
        <p role="status" className="ok-text small">
          Now tracking new sweeps to {choose.data.current?.workspaceName ?? 'the local store'} (tracking mode: {choose.data.tracking.mode}).
        </p>
      ) : null}
      {choose.error ? <ErrorBox error={choose.error} title="The workspace was not chosen" /> : null}
    </>
  );
}

function Picker({ current }: { current: CurrentWorkspace | null }) {
  const tenants = useAzureTenants(true);
  const refresh = useRefreshWorkspaces();
  const signIn = useAzureSignIn();
  const [picked, setPicked] = useState<string | null>(null);
  const [subscriptionId, setSubscriptionId] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const list = tenants.data?.tenants ?? [];
  const usable = list.filter((t) => t.status === 'ok');
  // The current workspace's tenant first, else the first tenant that answered.
  const tenantId = picked ?? usable.find((t) => t.tenantId === current?.tenantId)?.tenantId ?? usable[0]?.tenantId ?? null;
  const tenant = list.find((t) => t.tenantId === tenantId) ?? null;
  const subs = useAzureSubscriptions(tenant?.status === 'ok' ? tenantId : null);
  const workspaces = useAzureWorkspaces(tenant?.status === 'ok' ? tenantId : null, subscriptionId);
  const shown = useMemo(() => {
    const q = search.trim().toLowerCase();
    const all = workspaces.data?.workspaces ?? [];
    if (!q) return all;
    return all.filter((w) => [w.name, w.resourceGroup, w.region, KIND_LABEL[w.kind], w.subscriptionName ?? '', w.subscriptionId].some((f) => f.toLowerCase().includes(q)));
  }, [workspaces.data, search]);
  const needSignIn = list.filter((t) => t.status === 'needs-sign-in');
  const failed = list.filter((t) => t.status === 'error');

  if (tenants.isPending) return <Loading what="Azure tenants" />;
  if (tenants.isError) return <ErrorBox error={tenants.error} title="Azure workspaces could not be listed" onRetry={() => void tenants.refetch()} />;
  return (
    <div className="workspace-picker">
      <div className="row wrap">
        <label>
          Tenant
          <select
            aria-label="Tenant"
            value={tenantId ?? ''}
            onChange={(e) => {
              setPicked(e.target.value);
              setSubscriptionId(null);
            }}
          >
            {list.map((t) => (
              <option key={t.tenantId} value={t.tenantId}>
                {tenantName(t)}
                {t.status === 'needs-sign-in' ? ' (needs sign-in)' : t.status === 'error' ? ' (could not be listed)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Subscription
          <select aria-label="Subscription" value={subscriptionId ?? ''} onChange={(e) => setSubscriptionId(e.target.value || null)} disabled={!subs.data || subs.data.status !== 'ok'}>
            <option value="">All subscriptions{subs.data ? ` (${subs.data.subscriptions.length})` : ''}</option>
            {subs.data?.subscriptions.map((s) => (
              <option key={s.subscriptionId} value={s.subscriptionId}>
                {s.displayName}
              </option>
            ))}
          </select>
        </label>
        <label className="grow">
          Search
          <input type="search" aria-label="Search workspaces" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="name, resource group, region, kind" />
        </label>
        <button type="button" onClick={() => refresh.mutate()} disabled={refresh.isPending}>
          {refresh.isPending ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {needSignIn.length ? (
        <ul className="store-list" aria-label="Tenants that need sign-in">
          {needSignIn.map((t) => (
            <li key={t.tenantId} data-testid="tenant-needs-sign-in">
              <div>
                <strong>{tenantName(t)}</strong> <span className="warn-text small">needs sign-in</span>
                <div className="muted small">{t.message}</div>
              </div>
              <button
                type="button"
                disabled={signIn.isPending}
                title="Sign in to this tenant with a device code (shown in the Azure account card); the default tenant stays signed in"
                aria-label={`Sign in to ${tenantName(t)} for its workspaces`}
                onClick={() => signIn.mutate({ method: 'device-code', tenantId: t.tenantId, addTenant: true })}
              >
                Sign in
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {failed.map((t) => (
        <div key={t.tenantId} className="notice notice-warn" role="status">
          <strong>{tenantName(t)} could not be listed:</strong> {t.message}
        </div>
      ))}
      {refresh.error ? <ErrorBox error={refresh.error} title="Azure could not be asked again" /> : null}
      {tenant && tenant.status === 'ok' ? (
        workspaces.isPending ? (
          <Loading what="workspaces" />
        ) : workspaces.isError ? (
          <ErrorBox error={workspaces.error} title="The workspaces could not be listed" onRetry={() => void workspaces.refetch()} />
        ) : (
          <>
            {workspaces.data.subscriptionErrors.map((e) => (
              <div key={e.subscriptionId} className="notice notice-warn" role="status">
                <strong>Subscription {e.subscriptionId}:</strong> {e.message}
              </div>
            ))}
            {shown.length ? (
              <WorkspaceRows workspaces={shown} current={current} tenantId={tenant.tenantId} />
            ) : (
              <p className="muted">{search.trim() ? `No workspace matches '${search.trim()}'.` : 'No Azure ML workspaces in this selection.'}</p>
            )}
          </>
        )
      ) : null}
    </div>
  );
}

export function WorkspacePickerCard() {
  const current = useCurrentWorkspace();
  const choose = useChooseWorkspace();
  const [open, setOpen] = useState(false);
  const c = current.data?.current ?? null;
  return (
    <section className="card" aria-labelledby="workspace-h">
      <h2 className="card-h" id="workspace-h">
        Azure ML workspace
      </h2>
      {current.isError ? <ErrorBox error={current.error} title="The chosen workspace could not be read" /> : null}
      {current.data ? <CurrentLine current={c} environmentOverrides={current.data.environmentOverrides} /> : null}
      <div className="actions">
        <button type="button" className="primary" onClick={() => setOpen((o) => !o)} aria-expanded={open}>
          {open ? 'Hide workspaces' : 'Choose a workspace…'}
        </button>
        {c?.source === 'chosen' ? (
          <button type="button" onClick={() => choose.mutate({ workspace: null })} disabled={choose.isPending}>
            Forget this workspace
          </button>
        ) : null}
      </div>
      {choose.error ? <ErrorBox error={choose.error} title="The workspace was not forgotten" /> : null}
      {open ? <Picker current={c} /> : null}
    </section>
  );
}
