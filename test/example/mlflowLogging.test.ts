// The trainer's own MLflow channel (REST, no client library), against a tiny local HTTP server that
// records what it receives. This checks the CLIENT side only: the request shape, the bearer token
// and how failures are survived. The server side of MLflow's REST API is checked elsewhere, by the
// endpoint's conformance test against the real MLflow transcript in ../shared/fixtures.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES } from '../support/peers.ts';
import { runTrainer } from './exampleSupport.ts';

interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: {
    run_id?: string;
    params?: Array<{ key: string; value: unknown }>;
    metrics?: Array<{ key: string; value: unknown; timestamp: unknown; step: unknown }>;
  };
}

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** `drop` answers nothing and destroys the connection, as a server closing a keep-alive socket does. */
async function recordingServer(reply: (req: Recorded) => { status: number; body: unknown } | 'drop' = () => ({ status: 200, body: {} })) {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (d: string) => { text += d; });
    req.on('end', () => {
      const rec: Recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: JSON.parse(text || '{}') as Recorded['body'] };
      requests.push(rec);
      const answer = reply(rec);
      if (answer === 'drop') { req.socket.destroy(); return; }
      res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { requests, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const ARGS = ['--learning-rate', '3e-5', '--batch-size', '16', '--dropout', '0.2', '--epochs', '3', '--warmup-steps', '100'];
const RUN_ID = '0123456789abcdef0123456789abcdef';
const TOKEN = 'test-token-7f3a';

describe('resume-ner trainer → MLflow REST', () => {
  it('logs params once and macro-f1/loss per epoch to its run with log-batch and the bearer token', async () => {
    const { requests, base } = await recordingServer();
    const before = Date.now();
    const r = await runTrainer(ARGS, { MLFLOW_TRACKING_URI: base, MLFLOW_RUN_ID: RUN_ID, MLFLOW_TRACKING_TOKEN: TOKEN });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/.*warning.*/g)?.join('\n') ?? null).toBeNull();

    for (const q of requests) {
      expect(q.method).toBe('POST');
      expect(q.url).toBe('/api/2.0/mlflow/runs/log-batch');
      expect(q.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(q.headers['content-type']).toMatch(/^application\/json/);
      expect(q.body.run_id).toBe(RUN_ID);
    }
    const params = requests.flatMap((q) => q.body.params ?? []);
    const byKey = new Map(params.map((p) => [p.key, p.value]));
    // The swept params exactly as the runner substituted them into argv, as strings (MLflow's type).
    expect(Object.fromEntries(['learning_rate', 'batch_size', 'dropout', 'epochs', 'warmup_steps'].map((k) => [k, byKey.get(k)])))
      .toEqual({ learning_rate: '3e-5', batch_size: '16', dropout: '0.2', epochs: '3', warmup_steps: '100' });
    for (const p of params) expect(typeof p.value).toBe('string');
    expect(new Set(params.map((p) => p.key)).size).toBe(params.length); // each param once

    const metrics = requests.flatMap((q) => q.body.metrics ?? []);
    const f1 = metrics.filter((m) => m.key === 'macro-f1');
    const loss = metrics.filter((m) => m.key === 'loss');
    // Same values and steps as the stdout channel, so a runner reading both sees one point per epoch.
    expect(f1.map((m) => m.value)).toEqual(r.f1);
    expect(f1.map((m) => m.step)).toEqual([0, 1, 2]);
    expect(loss.map((m) => m.value)).toEqual(r.loss);
    for (const m of metrics) {
      expect(Number.isInteger(m.timestamp)).toBe(true);
      expect(m.timestamp as number).toBeGreaterThanOrEqual(before);
      expect(m.timestamp as number).toBeLessThanOrEqual(Date.now());
    }
    // The run is the orchestrator's: the trainer never ends it.
    expect(requests.some((q) => q.url.includes('runs/update'))).toBe(false);
  });

  it('sends log-batch bodies of the same shape and JSON types as the real MLflow client did', async () => {
    // Field sets and JSON types, e.g. "metrics[].step:number", from one request body.
    const shape = (body: unknown): string[] => {
      const out = new Set<string>();
      const walk = (v: unknown, at: string): void => {
        if (Array.isArray(v)) v.forEach((x) => walk(x, `${at}[]`));
        else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, at ? `${at}.${k}` : k);
        else out.add(`${at}:${typeof v}`);
      };
      walk(body, '');
      return [...out].sort();
    };
    const transcript = readFileSync(path.join(FIXTURES, 'mlflow-2.12.2/rest-transcript.jsonl'), 'utf8')
      .split('\n').filter(Boolean).map((l) => JSON.parse(l) as { path: string; request: unknown });
    const realShapes = new Set(transcript.filter((t) => t.path === '/api/2.0/mlflow/runs/log-batch').map((t) => JSON.stringify(shape(t.request))));
    expect(realShapes.size).toBeGreaterThanOrEqual(2); // params-only and metrics-only batches

    const { requests, base } = await recordingServer();
    const r = await runTrainer(['--epochs', '2'], { MLFLOW_TRACKING_URI: base, MLFLOW_RUN_ID: RUN_ID });
    expect(r.code, r.stderr).toBe(0);
    expect(requests.length).toBeGreaterThanOrEqual(3);
    for (const q of requests) expect(realShapes, JSON.stringify(q.body)).toContain(JSON.stringify(shape(q.body)));
  });

  it('keeps the tracking URI path prefix and sends no Authorization header without a token', async () => {
    const { requests, base } = await recordingServer();
    const r = await runTrainer(['--epochs', '1'], { MLFLOW_TRACKING_URI: `${base}/mlflow/v1.0/ws/`, MLFLOW_RUN_ID: RUN_ID });
    expect(r.code, r.stderr).toBe(0);
    expect(requests.length).toBeGreaterThan(0);
    for (const q of requests) {
      expect(q.url).toBe('/mlflow/v1.0/ws/api/2.0/mlflow/runs/log-batch');
      expect(q.headers.authorization).toBeUndefined();
    }
  });

  it('accepts that the orchestrator already logged the params (400 INVALID_PARAMETER_VALUE) without a warning', async () => {
    const { requests, base } = await recordingServer((q) =>
      q.body.params?.some((p) => p.key === 'learning_rate')
        ? { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: 'Changing param values is not allowed. Param with key=\'learning_rate\' was already logged with value=\'3e-05\'' } }
        : { status: 200, body: {} });
    const r = await runTrainer(ARGS, { MLFLOW_TRACKING_URI: base, MLFLOW_RUN_ID: RUN_ID });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/.*warning.*/g)?.join('\n') ?? null).toBeNull();
    expect(requests.flatMap((q) => q.body.metrics ?? []).filter((m) => m.key === 'macro-f1')).toHaveLength(3);
  });

  it('resends a batch once, unchanged, when the connection drops before an answer', async () => {
    let dropped = 0;
    const { requests, base } = await recordingServer((q) =>
      q.body.metrics && dropped++ === 0 ? 'drop' : { status: 200, body: {} });
    const r = await runTrainer(ARGS, { MLFLOW_TRACKING_URI: base, MLFLOW_RUN_ID: RUN_ID });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/.*warning.*/g)?.join('\n') ?? null).toBeNull();
    const batches = requests.filter((q) => q.body.metrics).map((q) => JSON.stringify(q.body));
    expect(batches).toHaveLength(4); // epoch 0 twice, then epochs 1 and 2
    expect(batches[1]).toBe(batches[0]); // same timestamps: MLflow ignores the exact duplicate
    const steps = requests.flatMap((q) => q.body.metrics ?? []).filter((m) => m.key === 'macro-f1').map((m) => m.step);
    expect(steps).toEqual([0, 0, 1, 2]);
  });

  it('finishes training with a warning when the tracking server is down, never printing the token', async () => {
    const { base } = await recordingServer();
    await Promise.all(servers.splice(0).map((s) => new Promise((res) => s.close(res)))); // now nothing listens
    const r = await runTrainer(ARGS, { MLFLOW_TRACKING_URI: base, MLFLOW_RUN_ID: RUN_ID, MLFLOW_TRACKING_TOKEN: TOKEN });
    expect(r.code, r.stderr).toBe(0);
    expect(r.f1).toHaveLength(3);
    expect(r.stderr).toMatch(/warning: MLflow .* failed/);
    expect(r.stderr).toMatch(/training continues/);
    expect(r.stderr).not.toContain(TOKEN);
  });

  it('stops calling a failing server after three failures in a row and still reports every epoch on stdout', async () => {
    const { requests, base } = await recordingServer(() => ({ status: 503, body: { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'down' } }));
    const r = await runTrainer([...ARGS, '--epochs', '6'], { MLFLOW_TRACKING_URI: base, MLFLOW_RUN_ID: RUN_ID });
    expect(r.code, r.stderr).toBe(0);
    expect(r.f1).toHaveLength(6);
    expect(requests).toHaveLength(3);
    expect(r.stderr).toMatch(/503 TEMPORARILY_UNAVAILABLE/);
    expect(r.stderr).toMatch(/not logging to MLflow for the rest of this trial/);
  });

  it('does not try MLflow without MLFLOW_RUN_ID or with a non-HTTP tracking URI', async () => {
    const { requests, base } = await recordingServer();
    const a = await runTrainer(['--epochs', '1'], { MLFLOW_TRACKING_URI: base });
    const b = await runTrainer(['--epochs', '1'], { MLFLOW_TRACKING_URI: 'file:///tmp/mlruns', MLFLOW_RUN_ID: RUN_ID });
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(requests).toHaveLength(0);
    expect((a.stderr + b.stderr).match(/.*warning.*/g)).toBeNull();
  });
});
