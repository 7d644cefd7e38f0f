// The charts' metric history follows the store's page tokens: a store that pages (Azure ML answers
// at most 999 points a page) must not leave a chart with its first page only.
import { describe, expect, it } from 'vitest';
import { createClient, type Transport } from '../../shared/client.ts';
import { fetchMetricHistory } from '../../renderer/src/api/metricHistory.ts';

/** A service holding `total` points that answers pages of 999, as the Azure store does. */
function pagingService(total: number): Transport & { inputs: unknown[] } {
  const inputs: unknown[] = [];
  return {
    kind: 'http',
    inputs,
    invoke: async (channel, input) => {
      inputs.push(input);
      if (channel !== 'runs.metricHistory') return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: channel } };
      const from = Number((input as { pageToken?: string }).pageToken ?? 0);
      const to = Math.min(total, from + 999);
      const metrics = Array.from({ length: to - from }, (_, i) => ({ key: 'loss', value: (from + i) / 10, timestamp: 1000 + from + i, step: from + i }));
      return { ok: true, value: { metrics, nextPageToken: to < total ? String(to) : null } };
    },
    subscribe: () => () => {},
  };
}

describe('fetchMetricHistory', () => {
  it('gathers every page of a history longer than one page, in order', async () => {
    const t = pagingService(2500);
    const h = await fetchMetricHistory(createClient(t), 's1', 'r1', 'loss');
    expect(h.metrics).toHaveLength(2500);
    expect(h.metrics.map((m) => m.step)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    expect(h.nextPageToken).toBeNull();
    // The store picks the page size: no max_results is asked for.
    expect(t.inputs).toEqual([
      { storeId: 's1', runId: 'r1', key: 'loss' },
      { storeId: 's1', runId: 'r1', key: 'loss', pageToken: '999' },
      { storeId: 's1', runId: 'r1', key: 'loss', pageToken: '1998' },
    ]);
  });
});
