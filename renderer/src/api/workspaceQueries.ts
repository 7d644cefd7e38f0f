// React Query hooks for the Azure workspace picker (tenants -> subscriptions -> workspaces, the
// workspace in effect, choosing one). Azure answers are slow-ish: kept fresh for a minute, never
// refetched on window focus, never retried on their own (the picker has a Refresh button).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ChannelInput, ChannelOutput } from '../../../shared/contract.ts';
import { useClient } from './clientContext.tsx';
import { keys, useChannel } from './queries.ts';

export const workspaceKeys = {
  tenants: ['workspaces.tenants'] as const,
  subscriptions: (tenantId: string) => ['workspaces.subscriptions', tenantId] as const,
  list: (tenantId: string, subscriptionId: string | null) => ['workspaces.list', tenantId, subscriptionId ?? '*'] as const,
  current: ['workspaces.current'] as const,
};

const azureQuery = { staleTime: 60_000, refetchOnWindowFocus: false, retry: false } as const;

export const useAzureTenants = (enabled: boolean) => useChannel(workspaceKeys.tenants, 'workspaces.tenants', {}, { ...azureQuery, enabled });
export const useAzureSubscriptions = (tenantId: string | null) =>
  useChannel(workspaceKeys.subscriptions(tenantId ?? ''), 'workspaces.subscriptions', { tenantId: tenantId ?? '' }, { ...azureQuery, enabled: !!tenantId });
export const useAzureWorkspaces = (tenantId: string | null, subscriptionId: string | null) =>
  useChannel(
    workspaceKeys.list(tenantId ?? '', subscriptionId),
    'workspaces.list',
    { tenantId: tenantId ?? '', ...(subscriptionId ? { subscriptionId } : {}) },
    { ...azureQuery, enabled: !!tenantId },
  );
export const useCurrentWorkspace = () => useChannel(workspaceKeys.current, 'workspaces.current', {});

/** Asks Azure again (drops the service's and this page's cached answers). */
export function useRefreshWorkspaces() {
  const client = useClient();
  const qc = useQueryClient();
  return useMutation<ChannelOutput<'workspaces.tenants'>, Error, void>({
    mutationFn: () => client.get('workspaces.tenants', { refresh: true }),
    onSuccess: (out) => {
      qc.removeQueries({ queryKey: ['workspaces.subscriptions'] });
      qc.removeQueries({ queryKey: ['workspaces.list'] });
      qc.setQueryData(workspaceKeys.tenants, out);
    },
  });
}

/** Chooses the workspace new sweeps track to (or none); the tracking status comes back with it. */
export function useChooseWorkspace() {
  const client = useClient();
  const qc = useQueryClient();
  return useMutation<ChannelOutput<'workspaces.choose'>, Error, ChannelInput<'workspaces.choose'>>({
    mutationFn: (input) => client.get('workspaces.choose', input),
    onSuccess: (out) => {
      qc.setQueryData(keys.tracking, out.tracking);
      qc.setQueryData(workspaceKeys.current, { current: out.current, environmentOverrides: out.environmentOverrides });
      void qc.invalidateQueries({ queryKey: keys.stores });
    },
  });
}
