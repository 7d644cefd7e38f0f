// A run's whole history of one metric for the charts. The store sizes its pages (Azure ML answers at
// most 999 points a page), so the caller follows the page tokens instead of asking for a size.
import type { Client } from '../../../shared/client.ts';
import type { ChannelOutput } from '../../../shared/contract.ts';

type History = ChannelOutput<'runs.metricHistory'>;

/** Enough for a million points at Azure's page size; a server that never ends its tokens stops here. */
const MAX_PAGES = 1100;

export async function fetchMetricHistory(client: Client, storeId: string, runId: string, key: string): Promise<History> {
  const metrics: History['metrics'] = [];
  let pageToken: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const r: History = await client.get('runs.metricHistory', { storeId, runId, key, ...(pageToken !== null ? { pageToken } : {}) });
    metrics.push(...r.metrics);
    pageToken = r.nextPageToken;
    if (pageToken === null) break;
  }
  return { metrics, nextPageToken: null };
}
