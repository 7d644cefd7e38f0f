import { useStores } from './queries.ts';

/** The store a tracking URI belongs to (the local store when the URI is unknown but a run exists). */
export function useStoreIdFor(uri: string | null, hasRun: boolean): string | null {
  const stores = useStores();
  const list = stores.data?.stores ?? [];
  const norm = (u: string) => u.replace(/\/+$/, '');
  const hit = uri ? list.find((s) => norm(s.uri) === norm(uri)) : undefined;
  if (hit) return hit.id;
  return hasRun ? 'local' : null;
}
