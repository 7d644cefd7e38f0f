// Renderer entry, kept tiny on purpose: it makes the typed client and, when the page opens on a
// sweep (a link, a reload), sends that sweep's requests at once (or takes over the ones
// public/early.js sent even sooner), before the app's script (React, the screens, uPlot) has even
// arrived. Parsing and running that script would otherwise hold the
// largest reply back by several hundred milliseconds. Then it loads the app (boot.tsx).
import type { ChannelOutput } from '../../shared/contract.ts';
import { createClient, createDefaultClient } from '../../shared/client.ts';
import { withEarlyReplies } from './api/earlyReplies.ts';
import { fetchTrials, type TrialsData } from './api/trialsData.ts';
import { parseRoute } from './lib/routes.ts';
import './styles.css';

export interface EarlyRequests {
  id: string;
  sweep: Promise<ChannelOutput<'sweeps.get'>>;
  trials: Promise<TrialsData>;
}

const route = parseRoute(window.location.hash);
const client = createClient(withEarlyReplies(createDefaultClient().transport, route.name === 'sweep' ? route.id : null));
let early: EarlyRequests | null = null;
if (route.name === 'sweep') {
  const { id } = route;
  early = { id, sweep: client.get('sweeps.get', { id }), trials: fetchTrials(client, id) };
  // A failure is reported by the query that takes the promise over (boot.tsx), not as unhandled.
  early.sweep.catch(() => undefined);
  early.trials.catch(() => undefined);
}

void import('./boot.tsx').then(
  (m) => m.boot(client, early),
  (e: unknown) => {
    const root = document.getElementById('root');
    if (root) root.textContent = `Sweepdeck could not load its screens (${e instanceof Error ? e.message : String(e)}). Reload the page.`;
  },
);
