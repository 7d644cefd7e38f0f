// The endpoint's guards and error answers: bearer token, Host check against DNS rebinding, unknown
// routes, wrong methods, invalid input naming the field, the body size limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startLocalServer, type LocalServer } from './support.ts';

describe('embedded endpoint guards', () => {
  let s: LocalServer;
  let host: string;
  const auth = () => ({ Authorization: `Bearer ${s.endpoint.token}`, Host: host });

  beforeAll(async () => {
    s = await startLocalServer('auth');
    host = `127.0.0.1:${s.endpoint.port}`;
  });
  afterAll(async () => {
    await s?.close();
  });

  const getByName = '/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default';

  it('makes a random 32-byte token and a loopback URL on a free port', () => {
    expect(s.endpoint.token).toMatch(/^[0-9a-f]{64}$/);
    expect(s.endpoint.url).toBe(`http://127.0.0.1:${s.endpoint.port}`);
    expect(s.endpoint.port).toBeGreaterThan(0);
  });

  it('answers a request with the right token', async () => {
    const r = await rawRequest(s.endpoint.port, { path: getByName, headers: auth() });
    expect(r.status).toBe(200);
    expect((r.json() as { experiment: { experiment_id: string } }).experiment.experiment_id).toBe('0');
  });

  it('refuses a request without a token with 401 and an MLflow error body', async () => {
    const r = await rawRequest(s.endpoint.port, { path: getByName, headers: { Host: host } });
    expect(r.status).toBe(401);
    expect(r.json()).toMatchObject({ error_code: 'UNAUTHENTICATED' });
    expect(r.headers['www-authenticate']).toBe('Bearer');
  });

  it('refuses a wrong token, a token prefix, and the token sent as Basic', async () => {
    const t = s.endpoint.token;
    for (const value of [`Bearer ${t.slice(0, -1)}x`, `Bearer ${t.slice(0, 10)}`, `Bearer ${t}${t}`, `Basic ${Buffer.from(`u:${t}`).toString('base64')}`, t]) {
      const r = await rawRequest(s.endpoint.port, { path: getByName, headers: { Host: host, Authorization: value } });
      expect(r.status, value).toBe(401);
      expect((r.json() as { error_code: string }).error_code).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses foreign Host headers (DNS rebinding), even with the right token', async () => {
    for (const h of ['evil.example.com', `evil.example.com:${s.endpoint.port}`, `127.0.0.1:${s.endpoint.port + 1}`, '127.0.0.1', `[::1]:${s.endpoint.port}`]) {
      const r = await rawRequest(s.endpoint.port, { path: getByName, headers: { Authorization: `Bearer ${s.endpoint.token}`, Host: h } });
      expect(r.status, h).toBe(403);
      expect((r.json() as { error_code: string }).error_code).toBe('PERMISSION_DENIED');
    }
    const ok = await rawRequest(s.endpoint.port, { path: getByName, headers: { ...auth(), Host: `localhost:${s.endpoint.port}` } });
    expect(ok.status).toBe(200);
  });

  it('answers an unknown route with 404 ENDPOINT_NOT_FOUND and a wrong method with 405', async () => {
    const r = await rawRequest(s.endpoint.port, { path: '/api/2.0/mlflow/runs/explode', method: 'POST', headers: auth(), body: '{}' });
    expect(r.status).toBe(404);
    expect((r.json() as { error_code: string }).error_code).toBe('ENDPOINT_NOT_FOUND');
    const outside = await rawRequest(s.endpoint.port, { path: '/', headers: auth() });
    expect(outside.status).toBe(404);
    const m = await rawRequest(s.endpoint.port, { path: '/api/2.0/mlflow/runs/create', method: 'GET', headers: auth() });
    expect(m.status).toBe(405);
    expect(m.headers.allow).toBe('POST');
  });

  it('rejects invalid input with 400 INVALID_PARAMETER_VALUE naming the field', async () => {
    const post = (p: string, body: unknown) =>
      rawRequest(s.endpoint.port, { path: `/api/2.0/mlflow/${p}`, method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const cases: [string, unknown, string][] = [
      ['runs/log-metric', { run_id: 'abc', key: 'loss', timestamp: 1 }, "'value'"],
      ['runs/log-metric', { run_id: 'abc', key: 'loss', value: 'lots', timestamp: 1 }, "'value'"],
      ['runs/log-metric', { run_id: 'abc', key: 'loss', value: 1, timestamp: 1.5 }, "'timestamp'"],
      ['runs/log-batch', { metrics: [] }, "'run_id'"],
      ['runs/log-batch', { run_id: 'abc', metrics: [{ key: 'k', value: 1, timestamp: 'noon', step: 0 }] }, "'metrics.0.timestamp'"],
      ['runs/update', { run_id: 'abc', status: 'DONE' }, "'status'"],
      ['experiments/create', {}, "'name'"],
      ['runs/search', { experiment_ids: ['0'], max_results: 50001 }, "'max_results'"],
    ];
    for (const [p, body, field] of cases) {
      const r = await post(p, body);
      expect(r.status, `${p} ${JSON.stringify(body)}: ${r.text}`).toBe(400);
      const j = r.json() as { error_code: string; message: string };
      expect(j.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(j.message).toContain(field);
    }
    const bad = await rawRequest(s.endpoint.port, { path: '/api/2.0/mlflow/runs/create', method: 'POST', headers: auth(), body: '{"experiment_id": ' });
    expect(bad.status).toBe(400);
    expect((bad.json() as { error_code: string; message: string })).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('not valid JSON') });
  });

  it('accepts run_uuid for run_id, GET params from the query string, and NaN metric values', async () => {
    const post = (p: string, body: unknown) =>
      rawRequest(s.endpoint.port, { path: `/api/2.0/mlflow/${p}`, method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const created = await post('runs/create', { experiment_id: '0', run_name: 'nan', start_time: 1000 });
    const runId = (created.json() as { run: { info: { run_id: string } } }).run.info.run_id;
    expect((await post('runs/log-metric', { run_uuid: runId, key: 'm', value: 'NaN', timestamp: 5, step: 1 })).status).toBe(200);
    // Python's json module writes a bare NaN token; it is read as the double NaN too.
    const bare = await rawRequest(s.endpoint.port, { path: '/api/2.0/mlflow/runs/log-metric', method: 'POST', headers: auth(), body: `{"run_id": "${runId}", "key": "m", "value": NaN, "timestamp": 6, "step": 2}` });
    expect(bare.status, bare.text).toBe(200);
    const h = await rawRequest(s.endpoint.port, { path: `/api/2.0/mlflow/metrics/get-history?run_uuid=${runId}&metric_key=m&max_results=10`, headers: auth() });
    expect(h.status, h.text).toBe(200);
    expect((h.json() as { metrics: { value: unknown; step: number }[] }).metrics.map((m) => [m.value, m.step])).toEqual([['NaN', 1], ['NaN', 2]]);
  });

  it('refuses bodies over the size limit with 413', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(9 * 1024 * 1024) });
    const r = await rawRequest(s.endpoint.port, { path: '/api/2.0/mlflow/experiments/create', method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: big });
    expect(r.status).toBe(413);
    expect(r.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
  });
});
