// The status bar's Azure item: the account and the credential-chain link that answered, e.g.
// "Azure: ada@contoso.example (Azure CLI)", or that nobody is signed in.
import { useAzureAccount } from '../api/azureAccount.ts';

export function AzureStatusItem() {
  const account = useAzureAccount();
  const s = account.data;
  const text = !s ? (account.isError ? 'unknown' : '…') : s.link ? `${s.account ?? 'signed in'} (${s.link})` : s.signIn?.state === 'waiting' ? 'signing in…' : 'not signed in';
  const title = [s?.tenantId ? `tenant ${s.tenantId}` : '', s?.cloud ?? '', s?.notice ?? '', s && !s.link ? (s.problem ?? '') : ''].filter(Boolean).join(' · ');
  return (
    <span className="status-item" title={title} data-testid="status-azure">
      Azure: {text}
      {s?.notice && s.signedIn ? <span className="warn-text"> (this session only)</span> : null}
    </span>
  );
}
