// The outbox under a failing remote: trials log through the app's embedded endpoint, whose store is
// the outbox in front of a REST store that reaches the "remote" (our endpoint on its own SQLite
// file) through a fault-injecting proxy. The remote drops out for part of a sweep-like workload
// (≥1,000 metric points over several runs, runs created during the outage too), the app restarts
// during the outage (outbox file closed and reopened by a new instance), answers get lost after
// the remote processed them, and in the end the remote holds every point exactly once, in order.
import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startTrackingEndpoint, type TrackingEndpoint } from '../../../electron/core/tracking/endpoint/server.ts';
import { createOutboxStore, OUTBOX_ID_TAG, type OutboxStatus, type OutboxStore } from '../../../electron/core/tracking/outbox.ts';
import { createRestStore } from '../../../electron/core/tracking/restStore.ts';
import type { Metric, TrackingStore } from '../../../electron/core/tracking/types.ts';
import { startLocalServer, tempDir, type LocalServer } from '../endpoint/support.ts';
import { startFaultProxy, type FaultProxy } from './faultProxy.ts';

const TRIALS = 6;
const STEPS = 100;
const BATCH = 10;

describe('tracking outbox with a fault-injecting proxy in front of the remote', () => {
  let remote: LocalServer;
  let proxy: FaultProxy;
  let appDir: string;
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    await proxy?.close();
    await remote?.close();
    if (appDir) rmSync(appDir, { recursive: true, force: true });
  });

  it('delivers every point exactly once, in step order, across an outage with an app restart', async () => {
    remote = await startLocalServer('outbox-remote');
    proxy = await startFaultProxy(remote.endpoint.port);
    appDir = tempDir('outbox-app');
    const outboxFile = path.join(appDir, 'tracking-outbox.db');
    const statuses: OutboxStatus[] = [];
    const rejected: { op: string; error: string }[] = [];

    interface App { outbox: OutboxStore; endpoint: TrackingEndpoint }
    const openApp = async (port?: number, token?: string): Promise<App> => {
      const rest = createRestStore(proxy.url, { token: remote.endpoint.token, retries: 1, backoffMs: 20, timeoutMs: 3000 });
      const outbox = createOutboxStore(rest, outboxFile, { retryDelayMs: 50, maxRetryDelayMs: 300 });
      outbox.on('status', (s) => statuses.push(s));
      outbox.on('rejected', (r) => rejected.push(r));
      const endpoint = await startTrackingEndpoint({ store: outbox, port, token });
      return { outbox, endpoint };
    };
    let app = await openApp();
    cleanups.push(async () => {
      await app.endpoint.close();
      await app.outbox.close();
    });
    const { port, token } = app.endpoint;
    // What a trial's MLflow client does, over HTTP to the app's endpoint (same port and token after the restart).
    const trial: TrackingStore = createRestStore(app.endpoint.url, { token, retries: 4, backoffMs: 50 });

    // The sweep's orchestrator side, while the remote is up.
    const expId = await app.outbox.createExperiment('outbox-sweep');
    const parent = await app.outbox.createRun({ experimentId: expId, runName: 'hpo_outbox', startTime: 1_000 });
    await app.outbox.logBatch(parent.info.run_id, { params: [{ key: 'backbone', value: 'distilbert' }, { key: 'max_trials', value: String(TRIALS) }] });

    const expected = new Map<string, Map<string, Metric[]>>(); // child id as the trial knows it -> key -> points
    const childIds: string[] = [];
    let restartPending = -1;
    let points = 0;

    for (let t = 0; t < TRIALS; t++) {
      if (t === 2) {
        // A param that changes value while offline: the remote refuses it on replay, the rest goes on.
        await app.outbox.logParam(parent.info.run_id, { key: 'backbone', value: 'bert' });
      }
      const child = await app.outbox.createRun({
        experimentId: expId,
        runName: `trial_${t}`,
        startTime: 2_000 + t,
        tags: [{ key: 'mlflow.parentRunId', value: parent.info.run_id }, { key: 'trial_number', value: String(t) }],
      });
      const runId = child.info.run_id;
      childIds.push(runId);
      const series = new Map<string, Metric[]>([['loss', []], ['acc', []], ['epoch_time', []]]);
      expected.set(runId, series);

      // The trial attaches to its run as `mlflow.start_run()` with MLFLOW_RUN_ID does.
      expect((await trial.getRun(runId)).info.run_name).toBe(`trial_${t}`);
      await trial.updateRun(runId, { status: 'RUNNING' });
      await trial.logBatch(runId, { params: [{ key: 'lr', value: String(1e-5 * (t + 1)) }] });

      for (let step = 0; step < STEPS; step += BATCH) {
        if (t === 1 && step === 50) proxy.mode = 'down';
        if (t === 2 && step === 50) {
          // App restart during the outage: close everything, reopen the same outbox file.
          const before = app.outbox.pending();
          expect(before).toBeGreaterThan(0);
          await app.endpoint.close();
          await app.outbox.close();
          app = await openApp(port, token);
          restartPending = app.outbox.pending();
          expect(restartPending).toBe(before);
        }
        if (t === 3 && step === 30) proxy.mode = 'drop-response';
        if (t === 3 && step === 60) proxy.mode = 'up';

        const batch: Metric[] = [];
        for (let s = step; s < step + BATCH; s++) {
          const ts = 1_000_000 + t * 10_000 + s;
          const loss: Metric = { key: 'loss', value: 1 / (s + 1) + t, timestamp: ts, step: s };
          const acc: Metric = { key: 'acc', value: s / STEPS, timestamp: ts, step: s };
          batch.push(loss, acc);
          series.get('loss')!.push(loss);
          series.get('acc')!.push(acc);
        }
        await trial.logBatch(runId, { metrics: batch });
        const et: Metric = { key: 'epoch_time', value: 0.5 + step / 1000, timestamp: 1_000_000 + t * 10_000 + step, step: step / BATCH };
        await trial.logMetric(runId, et);
        series.get('epoch_time')!.push(et);
        points += batch.length + 1;
      }
      if (t === 2) {
        // Offline, for a run created offline: the history a runner reads back comes from the outbox.
        const h = await trial.getMetricHistory(runId, 'loss');
        expect(h.items).toEqual(series.get('loss'));
      }
      await trial.updateRun(runId, { status: 'FINISHED', endTime: 3_000 + t });
      await app.outbox.logMetric(parent.info.run_id, { key: 'best_value', value: t / 10, timestamp: 4_000 + t, step: t });
    }
    expect(points).toBeGreaterThanOrEqual(1000);

    proxy.mode = 'up';
    await app.outbox.drain(45_000);
    expect(app.outbox.pending()).toBe(0);

    // The outage was seen, and so were lost answers.
    expect(statuses.some((s) => !s.online && s.pending > 0)).toBe(true);
    expect(statuses.at(-1)?.online).toBe(true);
    expect(restartPending).toBeGreaterThan(0);
    expect(proxy.dropped).toBeGreaterThan(0);
    expect(rejected.map((r) => r.op)).toEqual(['logParam']);
    expect(rejected[0]!.error).toContain('backbone');

    // Read the remote's own store: no run twice, every point once, in order.
    const runs = await remote.store.searchRuns({ experimentIds: [expId], runViewType: 'ALL', maxResults: 100 });
    expect(runs.items).toHaveLength(TRIALS + 1);
    const mappings = app.outbox.mappings();
    const offline = childIds.filter((id) => mappings.has(id));
    expect(offline.length).toBeGreaterThanOrEqual(2); // trials created during the outage got placeholders
    for (let t = 0; t < TRIALS; t++) {
      const realId = mappings.get(childIds[t]!) ?? childIds[t]!;
      const run = await remote.store.getRun(realId);
      expect(run.info.run_name).toBe(`trial_${t}`);
      expect(run.info.status).toBe('FINISHED');
      expect(run.info.end_time).toBe(3_000 + t);
      expect(run.data.tags).toContainEqual({ key: 'mlflow.parentRunId', value: parent.info.run_id });
      expect(run.data.params).toContainEqual({ key: 'lr', value: String(1e-5 * (t + 1)) });
      if (mappings.has(childIds[t]!)) expect(run.data.tags).toContainEqual({ key: OUTBOX_ID_TAG, value: childIds[t]! });
      for (const [key, want] of expected.get(childIds[t]!)!) {
        const got = await remote.store.getMetricHistory(realId, key, { maxResults: 25000 });
        expect(got.items, `trial ${t} ${key}`).toEqual(want);
      }
    }
    const best = await remote.store.getMetricHistory(parent.info.run_id, 'best_value', { maxResults: 25000 });
    expect(best.items.map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5]);
    const parentRun = await remote.store.getRun(parent.info.run_id);
    expect(parentRun.data.params).toContainEqual({ key: 'backbone', value: 'distilbert' });
  });

  it('finds a run whose create answer was lost instead of creating it twice, and does not hammer a dead remote', async () => {
    const r2 = await startLocalServer('outbox-remote2');
    const p2 = await startFaultProxy(r2.endpoint.port);
    const dir = tempDir('outbox-app2');
    cleanups.push(async () => {
      await p2.close();
      await r2.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const open = () => createOutboxStore(createRestStore(p2.url, { token: r2.endpoint.token, retries: 0, timeoutMs: 3000 }), path.join(dir, 'outbox.db'), { retryDelayMs: 200, maxRetryDelayMs: 400 });
    let outbox = open();
    cleanups.push(() => outbox.close());
    const expId = await outbox.createExperiment('ambiguous');

    // The remote creates the run but the answer never arrives: the outbox cannot tell.
    p2.mode = 'drop-response';
    const run = await outbox.createRun({ experimentId: expId, runName: 'lost-answer', startTime: 42 });
    expect(p2.dropped).toBe(1);
    expect(outbox.pending()).toBe(1);
    p2.mode = 'down';
    // A burst of writes while the remote is down is queued without one attempt each.
    const attemptsBefore = p2.dropped;
    for (let step = 0; step < 200; step++) await outbox.logMetric(run.info.run_id, { key: 'x', value: step, timestamp: 100 + step, step });
    expect(outbox.pending()).toBe(201);
    expect(p2.dropped - attemptsBefore).toBeLessThan(20);

    // Restart, then the remote returns: the placeholder maps to the run made by the lost create.
    await outbox.close();
    outbox = open();
    expect(outbox.pending()).toBe(201);
    p2.mode = 'up';
    await outbox.drain(30_000);
    const runs = await r2.store.searchRuns({ experimentIds: [expId], runViewType: 'ALL' });
    expect(runs.items.map((r) => r.info.run_name)).toEqual(['lost-answer']);
    const realId = outbox.mappings().get(run.info.run_id);
    expect(realId).toBe(runs.items[0]!.info.run_id);
    const h = await r2.store.getMetricHistory(realId!, 'x', { maxResults: 25000 });
    expect(h.items.map((m) => m.step)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    // Reads with the placeholder keep working after the mapping.
    expect((await outbox.getRun(run.info.run_id)).info.run_id).toBe(realId);
  });

  it('refuses a second owner of the same outbox file (two flushers would send entries twice)', async () => {
    const dir = tempDir('outbox-lock');
    const file = path.join(dir, 'outbox.db');
    const remoteStub = createRestStore('http://127.0.0.1:1', { retries: 0 });
    const first = createOutboxStore(remoteStub, file, { closeRemote: false });
    try {
      expect(() => createOutboxStore(remoteStub, file, { closeRemote: false })).toThrow(/in use by another Sweepdeck process/);
    } finally {
      await first.close();
    }
    const again = createOutboxStore(remoteStub, file);
    expect(again.pending()).toBe(0);
    await again.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
