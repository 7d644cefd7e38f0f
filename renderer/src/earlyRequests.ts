// The page's first module, evaluated before the app's (main.tsx imports it ahead of boot.tsx, and
// modules run in import order): it makes the typed client and, when the page opens on a sweep (a
// link, a reload), sends that sweep's requests at once, or takes over the ones public/early.js sent
// even sooner, so they are on their way while the app's own script (React, the screens, uPlot) runs.
import type { ChannelOutput } from '../../shared/contract.ts';
import { createClient, createDefaultClient } from '../../shared/client.ts';
import { withEarlyReplies } from './api/earlyReplies.ts';
import { fetchTrials, type TrialsData } from './api/trialsData.ts';
import { parseRoute } from './lib/routes.ts';

export interface EarlyRequests {
  id: string;
  sweep: Promise<ChannelOutput<'sweeps.get'>>;
  trials: Promise<TrialsData>;
}

const route = parseRoute(window.location.hash);
export const client = createClient(withEarlyReplies(createDefaultClient().transport, route.name === 'sweep' ? route.id : null));

function send(): EarlyRequests | null {
  if (route.name !== 'sweep') return null;
  const { id } = route;
  const sent = { id, sweep: client.get('sweeps.get', { id }), trials: fetchTrials(client, id) };
  // A failure is reported by the query that takes the promise over (boot.tsx), not as unhandled.
  sent.sweep.catch(() => undefined);
  sent.trials.catch(() => undefined);
  return sent;
}

export const early: EarlyRequests | null = send();
