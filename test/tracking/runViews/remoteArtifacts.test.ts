// A tracking server's artifacts through the REST store, against a scripted loopback double of
// MLflow's artifacts/list (paged) and get-artifact routes: listed, opened (a body read no further
// than what is shown), refused before any request when the path would climb out, errors named.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRestStore } from '../../../electron/core/tracking/restStore.ts';
import { TEXT_MAX } from '../../../electron/core/tracking/runViews/localArtifacts.ts';

const requests: string[] = [];
let bodySent = 0;
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${url.pathname}?${url.searchParams}`);
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/api/2.0/mlflow/artifacts/list') {
      if (url.searchParams.get('page_token') === 'p2') return res.end(JSON.stringify({ root_uri: 'mlflow-artifacts:/1/r1/artifacts', files: [{ path: 'plots', is_dir: true }] }));
      return res.end(JSON.stringify({ root_uri: 'mlflow-artifacts:/1/r1/artifacts', files: [{ path: 'report.json', is_dir: false, file_size: 14 }], next_page_token: 'p2' }));
    }
    if (url.pathname === '/get-artifact') {
      const p = url.searchParams.get('path');
      if (p === 'report.json') {
        res.setHeader('content-length', '14');
        return res.end('{"f1": 0.7100}');
      }
      if (p === 'train.log') {
        // 4 MB without Content-Length, in chunks: the store stops reading after TEXT_MAX.
        res.setHeader('content-type', 'text/plain');
        const chunk = 'x'.repeat(64 * 1024);
        let sent = 0;
        const more = (): void => {
          while (sent < 64 && res.write(chunk)) {
            sent++;
            bodySent += chunk.length;
          }
          if (sent >= 64) res.end();
          else res.once('drain', more);
        };
        return more();
      }
      res.statusCode = 404;
      return res.end(`File ${p} not found`);
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('artifacts on a tracking server', () => {
  it('lists every page of artifacts/list', async () => {
    const rest = createRestStore(base, { retries: 0 });
    expect(await rest.listArtifacts('r1', '')).toEqual([
      { path: 'report.json', is_dir: false, file_size: 14 },
      { path: 'plots', is_dir: true },
    ]);
    expect(requests.filter((r) => r.startsWith('/api/2.0/mlflow/artifacts/list'))).toEqual(['/api/2.0/mlflow/artifacts/list?run_id=r1&run_uuid=r1', '/api/2.0/mlflow/artifacts/list?run_id=r1&run_uuid=r1&page_token=p2']);
  });

  it('opens a JSON artifact as text', async () => {
    const rest = createRestStore(base, { retries: 0 });
    expect(await rest.readArtifact('r1', 'report.json')).toEqual({ path: 'report.json', size: 14, kind: 'text', mime: 'application/json', text: '{"f1": 0.7100}', truncated: false });
  });

  it('reads a long body no further than what is shown', async () => {
    const rest = createRestStore(base, { retries: 0 });
    const log = await rest.readArtifact('r1', 'train.log');
    expect(log).toMatchObject({ kind: 'text', truncated: true });
    if (log.kind === 'text') expect(log.text.length).toBe(TEXT_MAX);
    // The server could not push its 4 MB: the reader let go well before.
    expect(bodySent).toBeLessThan(4 * 1024 * 1024);
  });

  it.each([['../../etc/passwd'], ['/etc/passwd'], ['a\\..\\..\\b']])('refuses %s before sending anything', async (p) => {
    const rest = createRestStore(base, { retries: 0 });
    const before = requests.length;
    await expect(rest.readArtifact('r1', p)).rejects.toThrow(`Artifact path '${p}'`);
    await expect(rest.listArtifacts('r1', p)).rejects.toThrow(`Artifact path '${p}'`);
    expect(requests.length).toBe(before);
  });

  it('names the artifact and the run when the server has no such file', async () => {
    const rest = createRestStore(base, { retries: 0 });
    await expect(rest.readArtifact('r1', 'nope.txt')).rejects.toThrow('get-artifact nope.txt of run r1: HTTP 404: File nope.txt not found');
  });
});
