// A tiny hash router: the app is one page served from a file (Electron) or the host, so routes live
// in location.hash and plain <a href="#/..."> links stay keyboard- and screen-reader-friendly.
// No React here: the page's first script reads the route to start its requests before React loads.

export type Route =
  | { name: 'sweeps' }
  | { name: 'new' }
  | { name: 'sweep'; id: string }
  /** Two or more sweeps' histories on one chart, in the order chosen. */
  | { name: 'compare'; ids: string[] }
  | { name: 'experiments'; storeId: string | null; experimentId: string | null }
  | { name: 'run'; storeId: string; runId: string }
  | { name: 'settings' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const [head, a, b] = parts;
  if (head === 'compare') return { name: 'compare', ids: parts.slice(1) };
  switch (head) {
    case 'new':
      return { name: 'new' };
    case 'sweep':
      return a ? { name: 'sweep', id: a } : { name: 'sweeps' };
    case 'experiments':
      return { name: 'experiments', storeId: a ?? null, experimentId: b ?? null };
    case 'run':
      return a && b ? { name: 'run', storeId: a, runId: b } : { name: 'experiments', storeId: null, experimentId: null };
    case 'settings':
      return { name: 'settings' };
    default:
      return { name: 'sweeps' };
  }
}

export function href(route: Route): string {
  const e = encodeURIComponent;
  switch (route.name) {
    case 'sweeps':
      return '#/sweeps';
    case 'new':
      return '#/new';
    case 'sweep':
      return `#/sweep/${e(route.id)}`;
    case 'experiments':
      return ['#/experiments', route.storeId, route.experimentId].filter((x) => x !== null).map((x, i) => (i === 0 ? x : e(x as string))).join('/');
    case 'compare':
      return ['#/compare', ...route.ids.map(e)].join('/');
    case 'run':
      return `#/run/${e(route.storeId)}/${e(route.runId)}`;
    case 'settings':
      return '#/settings';
  }
}

export function navigate(route: Route): void {
  window.location.hash = href(route);
}
