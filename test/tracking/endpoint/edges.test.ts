// MLflow compatibility at the edges, through HTTP against the embedded endpoint: what MLflow's own
// server accepts we accept (Unicode keys, int64 steps, JSON numbers that overflow a double), and
// what it refuses we refuse with INVALID_PARAMETER_VALUE naming the field and the value, never a
// 500 and never a server path in the reply.
import { rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOp, encodeOp } from '../../../electron/core/tracking/outboxQueue.ts';
import { createRestStore } from '../../../electron/core/tracking/restStore.ts';
import { rawRequest, startLocalServer, type LocalServer, type RawResponse } from './support.ts';

let srv: LocalServer;
let runId = '';
let expId = '';

function call(method: 'GET' | 'POST', route: string, body?: string): Promise<RawResponse> {
  return rawRequest(srv.endpoint.port, {
    method,
    path: `/api/2.0/mlflow/${route}`,
    headers: { Authorization: `Bearer ${srv.endpoint.token}`, 'Content-Type': 'application/json' },
    body,
  });
}

/** The step column as SQLite holds it: its storage class and exact text. */
function storedSteps(key: string): Array<{ kind: string; text: string }> {
  const db = new Database(path.join(srv.dir, 'mlflow.db'), { readonly: true });
  try {
    return db.prepare('SELECT typeof(step) AS kind, CAST(step AS TEXT) AS text FROM metrics WHERE run_uuid = ? AND "key" = ? ORDER BY rowid').all(runId, key) as Array<{ kind: string; text: string }>;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  srv = await startLocalServer('edges');
  const exp = await call('POST', 'experiments/create', JSON.stringify({ name: 'edges' }));
  expId = (exp.json() as { experiment_id: string }).experiment_id;
  const created = await call('POST', 'runs/create', JSON.stringify({ experiment_id: expId, start_time: 1 }));
  runId = (created.json() as { run: { info: { run_id: string } } }).run.info.run_id;
});

afterAll(async () => {
  await srv?.close();
});

describe('keys', () => {
  it('accepts Unicode letters and digits in metric and param keys, as MLflow\'s \\w does', async () => {
    const p = await call('POST', 'runs/log-parameter', JSON.stringify({ run_id: runId, key: 'précision', value: '0.9' }));
    expect(p.status, p.text).toBe(200);
    const m = await call('POST', 'runs/log-metric', JSON.stringify({ run_id: runId, key: '损失', value: 0.5, timestamp: 1, step: 0 }));
    expect(m.status, m.text).toBe(200);
    const b = await call('POST', 'runs/log-batch', JSON.stringify({ run_id: runId, metrics: [{ key: 'ﾃｽﾄ٣', value: 1, timestamp: 1, step: 0 }], tags: [{ key: 'étiquette', value: 'x' }] }));
    expect(b.status, b.text).toBe(200);
    const got = (await call('GET', `runs/get?run_id=${runId}`)).json() as { run: { data: { params: Array<{ key: string }>; metrics: Array<{ key: string }>; tags: Array<{ key: string }> } } };
    expect(got.run.data.params.map((x) => x.key)).toContain('précision');
    expect(got.run.data.metrics.map((x) => x.key)).toEqual(expect.arrayContaining(['损失', 'ﾃｽﾄ٣']));
    expect(got.run.data.tags.map((x) => x.key)).toContain('étiquette');
  });

  it('finds runs by those keys in a search filter, unquoted as MLflow allows', async () => {
    for (const filter of ["params.précision = '0.9'", 'metrics.损失 < 1', "tags.étiquette = 'x'"]) {
      const r = await call('POST', 'runs/search', JSON.stringify({ experiment_ids: [expId], filter }));
      expect(r.status, `${filter}: ${r.text}`).toBe(200);
      expect((r.json() as { runs?: Array<{ info: { run_id: string } }> }).runs?.map((x) => x.info.run_id), filter).toEqual([runId]);
    }
  });

  it('still refuses what MLflow refuses: punctuation and names that resolve to other paths', async () => {
    for (const key of ['a*b', 'a//b', '../x', 'é\u0301']) {
      const r = await call('POST', 'runs/log-metric', JSON.stringify({ run_id: runId, key, value: 1, timestamp: 1, step: 0 }));
      expect(r.status, key).toBe(400);
      expect(r.json(), key).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    }
  });
});

describe('int64 steps', () => {
  it('stores 2^53+1 and the int64 extremes exactly as SQLite INTEGERs, sent as JSON numbers or strings, and returns them exactly', async () => {
    const one = await call('POST', 'runs/log-metric', `{"run_id": "${runId}", "key": "big", "value": 1, "timestamp": 1, "step": 9007199254740993}`);
    expect(one.status, one.text).toBe(200);
    const asString = await call('POST', 'runs/log-metric', JSON.stringify({ run_id: runId, key: 'big', value: 2, timestamp: 1, step: '9223372036854775807' }));
    expect(asString.status, asString.text).toBe(200);
    const batch = await call('POST', 'runs/log-batch', `{"run_id": "${runId}", "metrics": [{"key": "big", "value": 3, "timestamp": 1, "step": -9223372036854775808}, {"key": "big", "value": 4, "timestamp": 1, "step": 5}]}`);
    expect(batch.status, batch.text).toBe(200);
    expect(storedSteps('big')).toEqual([
      { kind: 'integer', text: '9007199254740993' },
      { kind: 'integer', text: '9223372036854775807' },
      { kind: 'integer', text: '-9223372036854775808' },
      { kind: 'integer', text: '5' },
    ]);
    // History in step order, each step as the integer literal that was sent.
    const history = await call('GET', `metrics/get-history?run_id=${runId}&metric_key=big`);
    expect(history.text.match(/"step":-?\d+/g)).toEqual(['"step":-9223372036854775808', '"step":5', '"step":9007199254740993', '"step":9223372036854775807']);
    // The latest value is the one at the greatest step, compared exactly.
    const run = await call('GET', `runs/get?run_id=${runId}`);
    expect(run.text).toContain('{"key":"big","value":2,"timestamp":1,"step":9223372036854775807}');
  });

  it('refuses steps outside int64 (or not integers) with INVALID_PARAMETER_VALUE naming the field and the exact value sent', async () => {
    const cases: Array<[string, string, string, string]> = [
      ['runs/log-metric', `{"run_id": "${runId}", "key": "big", "value": 1, "timestamp": 1, "step": 9223372036854775808}`, 'step', '9223372036854775808'],
      ['runs/log-metric', JSON.stringify({ run_id: runId, key: 'big', value: 1, timestamp: 1, step: '-9223372036854775809' }), 'step', '-9223372036854775809'],
      ['runs/log-batch', `{"run_id": "${runId}", "metrics": [{"key": "big", "value": 1, "timestamp": 1, "step": 18446744073709551616}]}`, 'metrics.0.step', '18446744073709551616'],
      ['runs/log-metric', `{"run_id": "${runId}", "key": "big", "value": 1, "timestamp": 1, "step": 1e300}`, 'step', '1e+300'],
      ['runs/log-metric', `{"run_id": "${runId}", "key": "big", "value": 1, "timestamp": 1, "step": 1.5}`, 'step', '1.5'],
    ];
    for (const [route, body, field, shown] of cases) {
      const r = await call('POST', route, body);
      expect(r.status, body).toBe(400);
      const e = r.json() as { error_code: string; message: string };
      expect(e.error_code, body).toBe('INVALID_PARAMETER_VALUE');
      expect(e.message, body).toContain(`'${field}'`);
      expect(e.message, body).toContain(shown);
    }
    expect(storedSteps('big')).toHaveLength(4);
  });
});

describe('int64 steps through our own clients', () => {
  it('the REST store sends and reads back a step beyond 2^53 exactly, and the outbox\'s stored form keeps it', async () => {
    const rest = createRestStore(srv.endpoint.url, { token: srv.endpoint.token });
    const step = 2n ** 62n + 1n;
    await rest.logMetric(runId, { key: 'viaRest', value: 1, timestamp: 1, step });
    await rest.logBatch(runId, { metrics: [{ key: 'viaRest', value: 2, timestamp: 1, step: -step }] });
    expect((await rest.getMetricHistory(runId, 'viaRest')).items.map((m) => m.step)).toEqual([-step, step]);
    expect(storedSteps('viaRest').map((r) => r.text)).toEqual([String(step), String(-step)]);
    const op = { op: 'logBatch', runId, metrics: [{ key: 'k', value: -Infinity, timestamp: 1, step }] };
    expect(decodeOp(encodeOp(op))).toEqual(op);
  });
});

describe('metric values', () => {
  it('reads a JSON number too large for a double (1e400) as Infinity, as Python\'s json module does, and stores it as "Infinity" is stored', async () => {
    const one = await call('POST', 'runs/log-metric', `{"run_id": "${runId}", "key": "huge", "value": 1e400, "timestamp": 1, "step": 0}`);
    expect(one.status, one.text).toBe(200);
    const batch = await call('POST', 'runs/log-batch', `{"run_id": "${runId}", "metrics": [{"key": "huge", "value": -1e400, "timestamp": 2, "step": 1}]}`);
    expect(batch.status, batch.text).toBe(200);
    const named = await call('POST', 'runs/log-batch', JSON.stringify({ run_id: runId, metrics: [{ key: 'named', value: 'Infinity', timestamp: 1, step: 0 }, { key: 'named', value: '-Infinity', timestamp: 2, step: 1 }] }));
    expect(named.status, named.text).toBe(200);
    const values = async (key: string) =>
      ((await call('GET', `metrics/get-history?run_id=${runId}&metric_key=${key}`)).json() as { metrics: Array<{ value: unknown }> }).metrics.map((m) => m.value);
    const huge = await values('huge');
    expect(huge).toHaveLength(2);
    expect(huge).toEqual(await values('named'));
  });
});

describe('searches and failures', () => {
  it('refuses a filter or order_by too large for the store with INVALID_PARAMETER_VALUE, not a 500', async () => {
    const filter = Array.from({ length: 2000 }, (_, i) => `params.k${i} = 'v'`).join(' AND ');
    const f = await call('POST', 'runs/search', JSON.stringify({ experiment_ids: [expId], filter }));
    expect(f.status, f.text).toBe(400);
    expect(f.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('at most 500') });
    const order_by = Array.from({ length: 100 }, (_, i) => `params.k${i}`);
    const o = await call('POST', 'runs/search', JSON.stringify({ experiment_ids: [expId], order_by }));
    expect(o.status, o.text).toBe(400);
    expect(o.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('at most 50') });
    // The largest allowed still answer.
    const fine = await call('POST', 'runs/search', JSON.stringify({ experiment_ids: [expId], filter: filter.split(' AND ').slice(0, 500).join(' AND '), order_by: order_by.slice(0, 50) }));
    expect(fine.status, fine.text).toBe(200);
  });

  it('names an integer field\'s overflowing value as Infinity, not null', async () => {
    const r = await call('POST', 'runs/create', `{"experiment_id": "${expId}", "start_time": 1e400}`);
    expect(r.status).toBe(400);
    const e = r.json() as { error_code: string; message: string };
    expect(e.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(e.message).toContain("Invalid value Infinity for parameter 'start_time'");
  });

  it('answers 40,000 experiment_ids (beyond SQLite\'s variable limit) instead of a 500', async () => {
    const ids = Array.from({ length: 40_000 }, (_, i) => String(i));
    const r = await call('POST', 'runs/search', JSON.stringify({ experiment_ids: ids, max_results: 10 }));
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    expect((r.json() as { runs: unknown[] }).runs).toHaveLength(1);
  });

  it('answers an internal failure of the store without its file path or the SQLite message', async () => {
    const other = await startLocalServer('edges-closed');
    try {
      await other.store.close();
      const r = await rawRequest(other.endpoint.port, {
        path: '/api/2.0/mlflow/experiments/get?experiment_id=0',
        headers: { Authorization: `Bearer ${other.endpoint.token}` },
      });
      expect(r.status).toBe(500);
      expect(r.json()).toMatchObject({ error_code: 'INTERNAL_ERROR' });
      expect(r.text).not.toContain(other.dir);
      expect(r.text).not.toContain('mlflow.db');
    } finally {
      await other.endpoint.close();
      rmSync(other.dir, { recursive: true, force: true });
    }
  });
});
