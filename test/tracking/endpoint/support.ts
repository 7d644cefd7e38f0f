// Shared by the endpoint, REST and outbox tests: a fresh MLflow SQLite store in a temp dir behind
// the embedded endpoint, and a raw HTTP helper that can set any header (fetch refuses Host).
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTrackingEndpoint, type TrackingEndpoint } from '../../../electron/core/tracking/endpoint/server.ts';
import { openTrackingStore } from '../../../electron/core/tracking/openStore.ts';
import type { TrackingStore } from '../../../electron/core/tracking/types.ts';

export interface LocalServer {
  dir: string;
  store: TrackingStore;
  endpoint: TrackingEndpoint;
  close(): Promise<void>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `sweepdeck-${prefix}-`));
}

/** A new SQLite store (created by openStore.ts, as the app does) served by the endpoint. */
export async function startLocalServer(prefix = 'endpoint', token?: string): Promise<LocalServer> {
  const dir = tempDir(prefix);
  const store = await openTrackingStore(`sqlite:///${path.join(dir, 'mlflow.db')}`, { create: true });
  const endpoint = await startTrackingEndpoint({ store, token });
  return {
    dir,
    store,
    endpoint,
    async close() {
      await endpoint.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): unknown;
}

export function rawRequest(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as unknown });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}
