// MLflow REST traffic honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY (Node's global fetch does not):
// a loopback proxy written here counts its CONNECT tunnels and forwarded requests. A sweep tracked
// to the Azure double sends every MLflow call through the proxy (the double sees each one arrive
// from a tunnel's socket); with the double's host in NO_PROXY none goes through it. A plain-http
// MLflow server is reached through HTTP_PROXY the same way.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrackingEndpoint, type TrackingEndpoint } from '../../../electron/core/tracking/endpoint/server.ts';
import { proxyAwareFetch } from '../../../electron/core/tracking/proxyFetch.ts';
import { createRestStore } from '../../../electron/core/tracking/restStore.ts';
import { openSqliteStore } from '../../../electron/core/tracking/sqliteStore/sqliteStore.ts';
import type { TrackingStore } from '../../../electron/core/tracking/types.ts';
import { startAzureMlflowDouble, type AzureMlflowDouble } from '../../support/azureMlflowDouble.ts';
import { REPO_ROOT } from '../../support/peers.ts';
import { quickConfig, quickTrial } from '../../support/quickSweep.ts';

interface TestProxy {
  url: string;
  /** host:port of each CONNECT tunnel opened. */
  tunnels: string[];
  /** Local ports of the tunnels' upstream sockets (what the target sees as the client port). */
  upstreamPorts: Set<number>;
  /** Absolute URLs of plain-http requests forwarded. */
  forwarded: string[];
  close(): Promise<void>;
}

async function startProxy(): Promise<TestProxy> {
  const tunnels: string[] = [];
  const upstreamPorts = new Set<number>();
  const forwarded: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    // Plain http through a proxy: the request line carries the absolute URL.
    const target = new URL(req.url ?? '');
    forwarded.push(target.href);
    const up = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers: req.headers, agent: false }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const [host, port] = (req.url ?? '').split(':');
    tunnels.push(req.url ?? '');
    const up = net.connect(Number(port), host, () => {
      upstreamPorts.add(up.localPort ?? -1);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    for (const s of [up, client]) {
      sockets.add(s);
      s.on('error', () => (s === up ? client : up).destroy());
      s.on('close', () => sockets.delete(s));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    upstreamPorts,
    forwarded,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let work: string;
let azure: AzureMlflowDouble;
let proxy: TestProxy;
/** Client port of every MLflow request the double received. */
const mlflowClientPorts: number[] = [];

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-proxy-'));
  azure = await startAzureMlflowDouble({ dbFile: path.join(work, 'workspace-mlflow.db') });
  azure.double.addRoute(({ req, url }) => {
    if (url.pathname.includes('/api/2.0/mlflow/')) mlflowClientPorts.push(req.socket.remotePort ?? -1);
    return false;
  });
  proxy = await startProxy();
  fs.writeFileSync(path.join(work, 'trial.mjs'), quickTrial(20));
});
afterAll(async () => {
  await proxy.close();
  await azure.close();
  fs.rmSync(work, { recursive: true, force: true });
});

function sweepRun(config: string, out: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/sweepdeck.js'), 'sweep', 'run', config, '--output-dir', out], {
      cwd: work,
      env: { PATH: process.env.PATH ?? '', HOME: work, SWEEPDECK_DATA_DIR: path.join(work, 'data'), SWEEPDECK_AZURE_TIMEOUT_MS: '10000', ...env },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function finishedChildren(store: TrackingStore, experiment: string): Promise<string[]> {
  const e = await store.getExperimentByName(experiment);
  const { items } = await store.searchRuns({ experimentIds: [e?.experiment_id ?? ''], maxResults: 100 });
  return items.filter((r) => r.data.tags?.some((t) => t.key === 'mlflow.parentRunId')).map((r) => r.info.status);
}

describe('MLflow REST traffic and proxies', () => {
  it('a sweep tracked to Azure with HTTPS_PROXY sends every MLflow call through the proxy', async () => {
    mlflowClientPorts.length = 0;
    fs.writeFileSync(path.join(work, 'proxied.yaml'), quickConfig(2, 'through-proxy'));
    const r = await sweepRun('proxied.yaml', path.join(work, 'out-proxied'), { ...azure.double.env(), HTTPS_PROXY: proxy.url });
    expect(r.code, r.output).toBe(0);
    expect(await finishedChildren(azure.store, 'through-proxy')).toEqual(['FINISHED', 'FINISHED']);
    expect(proxy.tunnels.every((t) => t === `127.0.0.1:${azure.double.port}`)).toBe(true);
    // The sweep's writes (runs, params, metrics, histories), not only sign-in and ARM.
    expect(mlflowClientPorts.length).toBeGreaterThan(10);
    const direct = mlflowClientPorts.filter((p) => !proxy.upstreamPorts.has(p));
    expect(direct, 'MLflow calls that bypassed the proxy').toEqual([]);
  }, 120_000);

  it('with the host in NO_PROXY the same sweep opens no tunnel', async () => {
    mlflowClientPorts.length = 0;
    const before = proxy.tunnels.length;
    fs.writeFileSync(path.join(work, 'bypass.yaml'), quickConfig(2, 'no-proxy'));
    const r = await sweepRun('bypass.yaml', path.join(work, 'out-bypass'), { ...azure.double.env(), HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    expect(r.code, r.output).toBe(0);
    expect(await finishedChildren(azure.store, 'no-proxy')).toEqual(['FINISHED', 'FINISHED']);
    expect(mlflowClientPorts.length).toBeGreaterThan(10);
    expect(proxy.tunnels.length - before).toBe(0);
  }, 120_000);

  it('a plain-http MLflow server is reached through HTTP_PROXY, and directly when NO_PROXY names it', async () => {
    const local = openSqliteStore(path.join(work, 'plain.db'), { create: true });
    let endpoint: TrackingEndpoint | undefined;
    try {
      endpoint = await startTrackingEndpoint({ store: local });
      const token = endpoint.token;
      const via = createRestStore(endpoint.url, { token, retries: 0, fetch: proxyAwareFetch({ HTTP_PROXY: proxy.url }) });
      const id = await via.createExperiment('plain-through-proxy');
      expect((await via.getExperiment(id)).name).toBe('plain-through-proxy');
      expect(proxy.forwarded.map((u) => new URL(u).pathname)).toEqual(['/api/2.0/mlflow/experiments/create', '/api/2.0/mlflow/experiments/get']);
      const bypass = createRestStore(endpoint.url, { token, retries: 0, fetch: proxyAwareFetch({ HTTP_PROXY: proxy.url, NO_PROXY: `127.0.0.1:${endpoint.port}` }) });
      expect((await bypass.getExperiment(id)).name).toBe('plain-through-proxy');
      expect(proxy.forwarded.length).toBe(2);
      await via.close();
      await bypass.close();
    } finally {
      await endpoint?.close();
      await local.close();
    }
  });
});
