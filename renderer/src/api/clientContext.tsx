// The typed client, provided once to the whole tree.
import { createContext, useContext, type ReactNode } from 'react';
import type { Client } from '../../../shared/client.ts';

const ClientContext = createContext<Client | null>(null);

export function ClientProvider({ client, children }: { client: Client; children: ReactNode }) {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

export function useClient(): Client {
  const c = useContext(ClientContext);
  if (!c) throw new Error('useClient needs a ClientProvider above it');
  return c;
}

/** The client when there is one: for small pieces (a state badge) also drawn outside the app. */
export function useMaybeClient(): Client | null {
  return useContext(ClientContext);
}
