// A tiny hash router: the app is one page served from a file (Electron) or the host, so routes live
// in location.hash and plain <a href="#/..."> links stay keyboard- and screen-reader-friendly.
import { useSyncExternalStore } from 'react';
import { parseRoute, type Route } from './routes.ts';

export { href, navigate, parseRoute, type Route } from './routes.ts';

const subscribe = (cb: () => void) => {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
};

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
