// React Query hooks for the Azure account: its status (kept fresh by the 'azure.account' event),
// the tenants it reaches, and the sign-in / cancel / sign-out actions.
import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { AccountStatus } from '../../../shared/azureAccount.ts';
import type { ChannelInput } from '../../../shared/contract.ts';
import { useFirstViewDrawn } from '../lib/firstView.ts';
import { useClient } from './clientContext.tsx';
import { useChannel } from './queries.ts';

export const azureKeys = {
  account: ['azure.account.status'] as const,
  tenants: ['azure.account.tenants'] as const,
};

export const useAzureAccount = () => useChannel(azureKeys.account, 'azure.account.status', {}, { enabled: useFirstViewDrawn(), staleTime: 60_000 });
export const useAzureTenants = (enabled: boolean) => useChannel(azureKeys.tenants, 'azure.account.tenants', {}, { enabled, staleTime: 60_000, retry: false });

/** The event carries the whole status: put it in place; a sign-in or sign-out changes the tenants too. */
export function onAzureAccountEvent(qc: QueryClient, status: AccountStatus): void {
  const before = qc.getQueryData<AccountStatus>(azureKeys.account);
  qc.setQueryData(azureKeys.account, status);
  if (before && (before.signedIn !== status.signedIn || before.account !== status.account || status.signIn?.state === 'signed-in')) {
    void qc.invalidateQueries({ queryKey: azureKeys.tenants });
  }
}

export function useAzureSignIn() {
  const client = useClient();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: ChannelInput<'azure.account.signIn'>) => client.get('azure.account.signIn', input),
    onSuccess: (attempt) => {
      qc.setQueryData<AccountStatus>(azureKeys.account, (old) => (old ? { ...old, signIn: attempt } : old));
      // The browser host cannot open the system browser: the page opens the sign-in page itself.
      if (attempt.state === 'waiting' && attempt.browserUrl && !attempt.openedExternally) window.open(attempt.browserUrl, '_blank', 'noopener');
    },
  });
}

export function useAzureCancel() {
  const client = useClient();
  return useMutation({ mutationFn: () => client.get('azure.account.cancel', {}) });
}

export function useAzureSignOut() {
  const client = useClient();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => client.get('azure.account.signOut', {}),
    onSuccess: (status) => {
      qc.setQueryData(azureKeys.account, status);
      qc.removeQueries({ queryKey: azureKeys.tenants });
    },
  });
}

export function useAzureRefresh() {
  const client = useClient();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => client.get('azure.account.status', { refresh: true }),
    onSuccess: (status) => {
      qc.setQueryData(azureKeys.account, status);
      void qc.invalidateQueries({ queryKey: azureKeys.tenants });
    },
  });
}
