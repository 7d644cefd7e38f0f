// The outbox made visible, through the contract's dispatch: a stopped sweep whose remote store was
// down holds writes in its outbox file; outbox.list shows how many, the first waiting writes and
// why they wait; outbox.retry opens the store (now up) and flushes them, and the run arrives.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxInfo } from '../../shared/outbox.ts';
import type { Result } from '../../shared/result.ts';
import { loadCore } from '../../electron/app/core.ts';
import { createDispatch, type Dispatch } from '../../electron/app/dispatch.ts';
import { OutboxService } from '../../electron/app/outboxService.ts';
import type { SweepsService } from '../../electron/app/sweepsService.ts';
import { createOutboxStore } from '../../electron/core/tracking/outbox.ts';
import { createRestStore } from '../../electron/core/tracking/restStore.ts';
import { outboxPath } from '../../electron/core/tracking/trackingSession.ts';
import { startLocalServer, tempDir, type LocalServer } from '../tracking/endpoint/support.ts';
import { until } from '../support/until.ts';
import { unusedLoopbackPort } from '../support/loopbackPort.ts';

let remote: LocalServer;
let outputDir: string;
let dispatch: Dispatch;
let experimentId: string;

beforeAll(async () => {
  remote = await startLocalServer('outbox-visible');
  experimentId = await remote.store.createExperiment('visible');
  outputDir = tempDir('outbox-sweep');
  // The sweep ran while its store was away: two writes wait in its outbox file.
  const down = createRestStore(`http://127.0.0.1:${await unusedLoopbackPort()}`, { retries: 0, timeoutMs: 2_000 });
  const outbox = createOutboxStore(down, outboxPath(outputDir), { retryDelayMs: 50, maxRetryDelayMs: 100 });
  const run = await outbox.createRun({ experimentId, runName: 'trial_0', startTime: 1_000 });
  await outbox.logMetric(run.info.run_id, { key: 'f1', value: 0.5, timestamp: 2_000, step: 1 });
  // The flusher has tried the store and recorded why it failed.
  await until('a failed replay to be recorded', async () => outbox.peek(1)[0]?.lastError);
  await outbox.close();

  const sweeps: Pick<SweepsService, 'list' | 'liveTracking'> = {
    list: () => ({
      folders: [],
      sweeps: [
        { id: 'sweep-1', studyName: 'visible_study', outputDir, tracking: { storeUri: remote.endpoint.url, experimentId, parentRunId: null } },
        // A sweep with no outbox is not listed.
        { id: 'sweep-2', studyName: 'local_study', outputDir: tempDir('outbox-none'), tracking: { storeUri: null, experimentId: null, parentRunId: null } },
      ] as ReturnType<SweepsService['list']>['sweeps'],
    }),
    liveTracking: () => null,
  };
  const service = new OutboxService({ sweeps, core: await loadCore(), env: { MLFLOW_TRACKING_TOKEN: remote.endpoint.token } });
  dispatch = createDispatch({ 'outbox.list': async () => service.list(), 'outbox.retry': (i) => service.retry(i) });
});

afterAll(async () => {
  await remote?.close();
  if (outputDir) rmSync(outputDir, { recursive: true, force: true });
});

async function call<T>(channel: string, input: unknown = {}): Promise<T> {
  const r = (await dispatch(channel, input)) as Result<T>;
  if (!r.ok) throw new Error(`${channel}: ${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe('outbox channels', () => {
  it('list: the stopped sweep, its store, the writes waiting in order and why they wait', async () => {
    const { outboxes } = await call<{ outboxes: OutboxInfo[] }>('outbox.list');
    expect(outboxes).toHaveLength(1);
    const o = outboxes[0]!;
    expect(o).toMatchObject({ sweepId: 'sweep-1', studyName: 'visible_study', storeUri: remote.endpoint.url, path: path.join(outputDir, '.sweepdeck', 'outbox.db'), running: false, pending: 2, online: null });
    expect(o.waiting.map((w) => w.op)).toEqual(['createRun', 'logMetric']);
    expect(o.lastError).toMatch(/ECONNREFUSED|refused|could not reach/i);
  });

  it('retry: the store is up again, the writes go, and the run is there with its metric', async () => {
    const after = await call<OutboxInfo>('outbox.retry', { sweepId: 'sweep-1', timeoutMs: 20_000 });
    expect(after).toMatchObject({ pending: 0, waiting: [], lastError: null });
    const runs = await remote.store.searchRuns({ experimentIds: [experimentId] });
    expect(runs.items.map((r) => r.info.run_name)).toEqual(['trial_0']);
    expect(runs.items[0]?.data.metrics?.map((m) => [m.key, m.value])).toEqual([['f1', 0.5]]);
    expect((await call<{ outboxes: OutboxInfo[] }>('outbox.list')).outboxes).toEqual([]);
  });

  it('retry of an unknown sweep names it', async () => {
    const r = await dispatch('outbox.retry', { sweepId: 'nope' });
    expect(r).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(JSON.stringify(r)).toContain("'nope'");
  });
});
