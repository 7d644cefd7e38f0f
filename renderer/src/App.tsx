import { lazy, Suspense, useEffect, useRef } from 'react';
import { useLiveEvents } from './api/liveEvents.ts';
import { useAppInfo, useSweeps } from './api/queries.ts';
import { StatusBar } from './components/StatusBar.tsx';
import { ConnectionBanner } from './components/ConnectionBanner.tsx';
import { useRefetchOnReconnect } from './api/hostConnection.ts';
import { useWatchedSweeps } from './api/watchSweeps.ts';
import { href, useRoute, type Route } from './lib/router.ts';
import { Loading } from './components/Notice.tsx';
import { SweepDetailScreen } from './screens/SweepDetailScreen.tsx';
import { SweepsScreen } from './screens/SweepsScreen.tsx';

// The sweeps list and a sweep's detail are where the app opens; the other screens load on first
// visit, which keeps the page's first script (parsed before any request is sent) smaller.
const ExperimentsScreen = lazy(() => import('./screens/ExperimentsScreen.tsx').then((m) => ({ default: m.ExperimentsScreen })));
const NewSweepScreen = lazy(() => import('./screens/NewSweepScreen.tsx').then((m) => ({ default: m.NewSweepScreen })));
const RunScreen = lazy(() => import('./screens/RunScreen.tsx').then((m) => ({ default: m.RunScreen })));
const CompareScreen = lazy(() => import('./screens/CompareScreen.tsx').then((m) => ({ default: m.CompareScreen })));
const SettingsScreen = lazy(() => import('./screens/SettingsScreen.tsx').then((m) => ({ default: m.SettingsScreen })));

function Screen({ route }: { route: Route }) {
  switch (route.name) {
    case 'sweeps':
      return <SweepsScreen />;
    case 'new':
      return <NewSweepScreen />;
    case 'sweep':
      return <SweepDetailScreen key={route.id} id={route.id} />;
    case 'compare':
      return <CompareScreen ids={route.ids} />;
    case 'experiments':
      return <ExperimentsScreen storeId={route.storeId} experimentId={route.experimentId} />;
    case 'run':
      return <RunScreen key={`${route.storeId}/${route.runId}`} storeId={route.storeId} runId={route.runId} />;
    case 'settings':
      return <SettingsScreen />;
  }
}

const NAV: Array<{ route: Route; label: string; match: Route['name'][] }> = [
  { route: { name: 'sweeps' }, label: 'Sweeps', match: ['sweeps', 'sweep', 'compare'] },
  { route: { name: 'new' }, label: 'New sweep', match: ['new'] },
  { route: { name: 'experiments', storeId: null, experimentId: null }, label: 'Experiments', match: ['experiments', 'run'] },
  { route: { name: 'settings' }, label: 'Settings', match: ['settings'] },
];

export function App() {
  useLiveEvents();
  const route = useRoute();
  useWatchedSweeps(route);
  useRefetchOnReconnect();
  const info = useAppInfo();
  const sweeps = useSweeps();
  const interrupted = sweeps.data?.sweeps.filter((s) => s.state === 'interrupted').length ?? 0;
  const main = useRef<HTMLElement>(null);
  const routeKey = JSON.stringify(route);
  const first = useRef(true);
  // Move focus to the new screen so keyboard and screen-reader users land on its content.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
    main.current?.scrollTo({ top: 0 });
  }, [routeKey]);

  return (
    <div className="app">
      <a className="skip" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ◆
          </span>{' '}
          Sweepdeck
        </div>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => {
              const cur = n.match.includes(route.name);
              return (
                <li key={n.label}>
                  <a href={href(n.route)} aria-current={cur ? 'page' : undefined} className={cur ? 'current' : undefined}>
                    {n.label}
                    {n.label === 'Sweeps' && interrupted > 0 ? (
                      <span className="nav-count warn" aria-label={`${interrupted} interrupted`}>
                        {interrupted}
                      </span>
                    ) : null}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
        <div className="sidebar-foot muted small">
          {info.data ? (
            <>
              v{info.data.version} · {info.data.host === 'browser' ? 'browser host' : 'desktop'}
            </>
          ) : null}
        </div>
      </aside>
      <main id="main" ref={main} tabIndex={-1}>
        <ConnectionBanner />
        <Suspense fallback={<Loading what="the screen" />}>
          <Screen route={route} />
        </Suspense>
      </main>
      <StatusBar />
    </div>
  );
}
