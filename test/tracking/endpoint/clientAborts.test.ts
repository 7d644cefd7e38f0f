// The embedded MLflow endpoint when clients hang up mid-body (a killed trial, a hostile slow
// client): each is a client mistake reported once, never an internal error with a stack trace, and
// the endpoint keeps answering.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTrackingEndpoint } from '../../../electron/core/tracking/endpoint/server.ts';
import { openTrackingStore } from '../../../electron/core/tracking/openStore.ts';
import { abortedBody } from '../../support/abortedBody.ts';
import { until } from '../../support/until.ts';

describe('tracking endpoint: request bodies cut off by the client', () => {
  it('150 aborted bodies: onClientAborted once each, no internal error, the endpoint still answers', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-aborts-'));
    const store = await openTrackingStore(`sqlite:///${path.join(dir, 'mlflow.db')}`, { create: true });
    const internal: unknown[] = [];
    const aborted: string[] = [];
    const endpoint = await startTrackingEndpoint({ store, onInternalError: (e) => internal.push(e), onClientAborted: (p) => aborted.push(p) });
    try {
      for (let i = 0; i < 150; i++) await abortedBody(endpoint.port, '/api/2.0/mlflow/runs/log-batch', { authorization: `Bearer ${endpoint.token}` });
      await until('150 aborted bodies reported', async () => aborted.length >= 150 || internal.length > 0, 20_000);
      expect(internal).toEqual([]);
      expect(aborted).toHaveLength(150);
      expect(new Set(aborted)).toEqual(new Set(['/api/2.0/mlflow/runs/log-batch']));
      const r = await fetch(`${endpoint.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default`, { headers: { authorization: `Bearer ${endpoint.token}` } });
      expect(r.status).toBe(200);
    } finally {
      await endpoint.close();
      await store.close();
    }
  });
});
