// A tracking server's artifacts through the REST store, against a scripted loopback double of
// MLflow's artifacts/list (paged) and get-artifact routes: listed, opened (a body read no further
// than what is shown), refused before any request when the path would climb out, errors named.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRestStore } from '../../../electron/core/tracking/restStore.ts';
import { TEXT_MAX } from '../../../electron/core/tracking/runViews/localArtifacts.ts';
import { tempApp } from '../../contract/support.ts';

const requests: string[] = [];
let bodySent = 0;
let server: http.Server;
let base = '';
const localLookalike = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-lookalike-'));
writeFileSync(path.join(localLookalike, 'local-only.txt'), 'must not be listed');

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${url.pathname}?${url.searchParams}`);
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/api/2.0/mlflow/artifacts/list') {
      if (url.searchParams.get('page_token') === 'p2') return res.end(JSON.stringify({ root_uri: 'mlflow-artifacts:/1/r1/artifacts', files: [{ path: 'plots', is_dir: true }] }));
      return res.end(JSON.stringify({ root_uri: 'mlflow-artifacts:/1/r1/artifacts', files: [{ path: 'report.json', is_dir: false, file_size: 14 }], next_page_token: 'p2' }));
    }
    if (url.pathname === '/api/2.0/mlflow/runs/get') {
      // The server's artifact_uri is a path on its side; a folder of that name exists here too.
      const info = { run_id: 'r1', run_uuid: 'r1', run_name: 'r1', experiment_id: '1', user_id: 'u', status: 'FINISHED', start_time: 1, artifact_uri: localLookalike, lifecycle_stage: 'active' };
      return res.end(JSON.stringify({ run: { info, data: {} } }));
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
  rmSync(localLookalike, { recursive: true, force: true });
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

describe('artifacts of a remote store in the app', () => {
  it("are asked of the server, never looked for at the server's path on this machine", async () => {
    const t = await tempApp();
    try {
      const added = await t.app.dispatch('stores.add', { kind: 'remote', uri: base });
      if (!added.ok) throw new Error(added.error.message);
      const storeId = (added.value as { id: string }).id;
      const listed = await t.app.dispatch('runs.artifacts', { storeId, runId: 'r1' });
      expect(listed).toEqual({ ok: true, value: { root: localLookalike, available: true, reason: null, files: [{ path: 'report.json', is_dir: false, file_size: 14 }, { path: 'plots', is_dir: true }] } });
      const opened = await t.app.dispatch('runs.artifact', { storeId, runId: 'r1', path: 'report.json' });
      expect(opened).toMatchObject({ ok: true, value: { kind: 'text', text: '{"f1": 0.7100}' } });
      const best = await t.app.dispatch('runs.metricSummaries', { storeId, runIds: ['r1'] });
      expect(best).toMatchObject({ ok: true, value: { available: false, summaries: [] } });
    } finally {
      await t.cleanup();
    }
  });
});
