// Settings' "Azure account": sign in with the browser or a device code (the code shown big, with
// Copy and the URL), the sign-in in progress with Cancel, and once signed in the account, tenant,
// the credential-chain link that answered, the cloud, the tenants (one needing sign-in has its own
// button), and Sign out. Nothing here ever sees a token.
import { useState } from 'react';
import { AZURE_CLOUD_NAMES, type AccountStatus, type AccountTenant, type AzureCloud, type SignInAttempt, type SignInMethod } from '../../../shared/azureAccount.ts';
import { useAzureAccount, useAzureCancel, useAzureRefresh, useAzureSignIn, useAzureSignOut, useAzureTenants } from '../api/azureAccount.ts';
import { fmtTime } from '../lib/format.ts';
import { ErrorBox, Loading } from './Notice.tsx';

const CLOUD_LABEL: Record<AzureCloud, string> = {
  AzureCloud: 'Azure (public)',
  AzureChinaCloud: 'Azure China',
  AzureUSGovernment: 'Azure US Government',
};

function CopyButton({ text, what }: { text: string; what: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  return (
    <button
      type="button"
      aria-label={`Copy the ${what}`}
      onClick={() => {
        navigator.clipboard
          .writeText(text)
          .then(() => setCopied('yes'))
          .catch(() => setCopied('failed'));
      }}
    >
      {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Select and copy it' : 'Copy'}
    </button>
  );
}

function Attempt({ attempt }: { attempt: SignInAttempt }) {
  const cancel = useAzureCancel();
  const what = attempt.tenantId ? `tenant ${attempt.tenantId}` : 'Azure';
  if (attempt.state === 'starting' || attempt.state === 'waiting') {
    return (
      <div className="notice" role="status" aria-label="Sign-in in progress" data-testid="azure-sign-in">
        {attempt.method === 'device-code' && attempt.userCode ? (
          <>
            <p>
              To sign in to {what}, open{' '}
              <a href={attempt.verificationUri ?? '#'} target="_blank" rel="noreferrer noopener">
                {attempt.verificationUri}
              </a>{' '}
              on any device and enter this code:
            </p>
            <div className="row">
              <code className="device-code" aria-label="Device code">
                {attempt.userCode}
              </code>
              <CopyButton text={attempt.userCode} what="device code" />
            </div>
            {attempt.expiresAt ? <p className="muted small">The code expires at {fmtTime(attempt.expiresAt)}.</p> : null}
          </>
        ) : attempt.browserUrl ? (
          <p>
            {attempt.openedExternally ? 'Finish signing in in your browser.' : 'Finish signing in in the tab that opened.'} If no page opened,{' '}
            <a href={attempt.browserUrl} target="_blank" rel="noreferrer noopener">
              open the sign-in page
            </a>
            .
          </p>
        ) : (
          <Loading what="the sign-in page" />
        )}
        <p className="muted small">
          <span className="spinner" aria-hidden="true" /> Waiting for the sign-in to finish…
        </p>
        <button type="button" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
          Cancel sign-in
        </button>
        {cancel.error ? <ErrorBox error={cancel.error} title="The sign-in was not cancelled" /> : null}
      </div>
    );
  }
  if (attempt.state === 'signed-in') return null;
  const title = attempt.state === 'cancelled' ? 'Sign-in cancelled' : attempt.state === 'timeout' ? 'Sign-in timed out' : 'Sign-in failed';
  return (
    <div className={`notice ${attempt.state === 'cancelled' ? '' : 'notice-warn'}`} role="status" data-testid="azure-sign-in-ended">
      <strong>{title}:</strong> {attempt.error}
    </div>
  );
}

function SignInButtons({ cloud, label }: { cloud?: AzureCloud; label: string }) {
  const signIn = useAzureSignIn();
  const go = (method: SignInMethod): void => signIn.mutate({ method, ...(cloud ? { cloud } : {}) });
  return (
    <>
      <div className="actions">
        <button type="button" className="primary" onClick={() => go('browser')} disabled={signIn.isPending} aria-label={`${label} with browser`}>
          {label} with browser
        </button>
        <button type="button" onClick={() => go('device-code')} disabled={signIn.isPending} aria-label={`${label} with a device code`}>
          {label} with a device code
        </button>
      </div>
      {signIn.error ? <ErrorBox error={signIn.error} title="The sign-in did not start" /> : null}
    </>
  );
}

function tenantName(t: AccountTenant): string {
  return t.displayName ?? t.defaultDomain ?? t.tenantId;
}

function Tenants({ status }: { status: AccountStatus }) {
  const tenants = useAzureTenants(status.link !== null);
  const signIn = useAzureSignIn();
  const method: SignInMethod = status.signedInVia === 'browser' ? 'browser' : 'device-code';
  if (tenants.isPending) return <Loading what="tenants" />;
  if (tenants.isError) return <ErrorBox error={tenants.error} title="The tenants could not be listed" onRetry={() => void tenants.refetch()} />;
  return (
    <>
      <h3 className="small muted">Tenants</h3>
      <ul className="store-list" aria-label="Tenants">
        {tenants.data.tenants.map((t) => (
          <li key={t.tenantId} data-testid="azure-tenant" data-state={t.state}>
            <div>
              <strong>{tenantName(t)}</strong> <span className="muted small">{t.defaultDomain ?? ''}{t.category ? ` · ${t.category}` : ''}</span>
              {t.tenantId === status.tenantId ? <span className="muted small"> · default</span> : null}
              <div className={t.state === 'signed in' ? 'ok-text small' : 'warn-text small'}>{t.state}</div>
              {t.detail ? <div className="muted small">{t.detail}</div> : null}
            </div>
            {t.state === 'needs sign-in' && status.signedIn ? (
              <button
                type="button"
                aria-label={`Sign in to ${tenantName(t)}`}
                disabled={signIn.isPending || (status.signIn !== null && (status.signIn.state === 'waiting' || status.signIn.state === 'starting'))}
                onClick={() => signIn.mutate({ method, tenantId: t.tenantId, addTenant: true })}
              >
                Sign in
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {signIn.error ? <ErrorBox error={signIn.error} title="The sign-in did not start" /> : null}
    </>
  );
}

function SignedIn({ status }: { status: AccountStatus }) {
  const signOut = useAzureSignOut();
  return (
    <>
      <dl className="facts">
        <div>
          <dt>Account</dt>
          <dd data-testid="azure-account-name">{status.account}</dd>
        </div>
        <div>
          <dt>Tenant</dt>
          <dd className="path">{status.tenantId}</dd>
        </div>
        <div>
          <dt>Signed in through</dt>
          <dd>
            {status.link}
            {status.signedInVia ? ` (${status.signedInVia})` : ''}
          </dd>
        </div>
        <div>
          <dt>Token cache</dt>
          <dd className="small path" title={status.tokenCache ?? ""}>{status.tokenCache}</dd>
        </div>
      </dl>
      <div className="actions">
        <button type="button" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
          {signOut.isPending ? 'Signing out…' : 'Sign out'}
        </button>
      </div>
      {signOut.error ? <ErrorBox error={signOut.error} title="Sign-out failed" /> : null}
    </>
  );
}

export function AzureAccountPanel() {
  const account = useAzureAccount();
  const refresh = useAzureRefresh();
  const [cloud, setCloud] = useState<AzureCloud | null>(null);
  const s = account.data;
  const busy = s?.signIn?.state === 'starting' || s?.signIn?.state === 'waiting';
  return (
    <section className="card" aria-labelledby="azure-account-h" data-testid="azure-account">
      <h2 className="card-h" id="azure-account-h">
        Azure account
      </h2>
      {account.isPending ? <Loading what="the Azure account" /> : null}
      {account.isError ? <ErrorBox error={account.error} title="The Azure account could not be read" onRetry={() => void account.refetch()} /> : null}
      {s ? (
        <>
          {s.notice ? (
            <div className="notice notice-warn" role="status" data-testid="azure-notice">
              {s.notice}
            </div>
          ) : null}
          {s.signedIn ? (
            <SignedIn status={s} />
          ) : (
            <>
              {s.link ? (
                <p>
                  Azure answers through <strong>{s.link}</strong>
                  {s.account ? ` as ${s.account}` : ''}. Sign in here to use another account.
                </p>
              ) : (
                <p>Not signed in, and no other Azure credential answered (Azure CLI, a service principal in AZURE_*, …).</p>
              )}
              {s.problem ? (
                <details className="muted small">
                  <summary>Why</summary>
                  {s.problem}
                </details>
              ) : null}
            </>
          )}
          <div className="row wrap">
            <label>
              Cloud
              <select
                aria-label="Azure cloud"
                value={cloud ?? s.cloud}
                disabled={s.signedIn || busy}
                title={s.signedIn ? 'Sign out to sign in to another cloud.' : undefined}
                onChange={(e) => setCloud(e.target.value as AzureCloud)}
              >
                {AZURE_CLOUD_NAMES.map((c) => (
                  <option key={c} value={c}>
                    {CLOUD_LABEL[c]}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" onClick={() => refresh.mutate()} disabled={refresh.isPending}>
              {refresh.isPending ? 'Checking…' : 'Check again'}
            </button>
            <span className="muted small">Checked {fmtTime(s.checkedAt)}</span>
          </div>
          {refresh.error ? <ErrorBox error={refresh.error} title="The Azure account could not be checked" /> : null}
          {s.signIn ? <Attempt attempt={s.signIn} /> : null}
          {!s.signedIn && !busy ? <SignInButtons label="Sign in" {...(cloud ? { cloud } : {})} /> : null}
          {s.link ? <Tenants status={s} /> : null}
        </>
      ) : null}
    </section>
  );
}
