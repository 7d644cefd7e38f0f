// `sweepdeck tracking serve` as a user runs it: a real child process, its first two stdout lines,
// requests with the printed token, and a clean stop on SIGTERM; also in front of a remote server.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRestStore } from '../../../electron/core/tracking/restStore.ts';
import { REPO_ROOT } from '../../support/peers.ts';
import { startLocalServer, tempDir, type LocalServer } from './support.ts';

const BIN = path.join(REPO_ROOT, 'bin', 'sweepdeck.js');

interface Served { child: ChildProcessWithoutNullStreams; uri: string; token: string; lines: string[]; stderr: () => string }

function serve(args: string[], env: Record<string, string | undefined> = {}, cwd = REPO_ROOT): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'tracking', 'serve', ...args], { cwd, env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed nothing in 20 s; stderr: ${err}`)), 20_000);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const lines = out.split('\n');
      if (lines.length >= 3) {
        clearTimeout(timer);
        resolve({ child, uri: lines[0]!.replace(/^MLFLOW_TRACKING_URI=/, ''), token: lines[1]!.replace(/^MLFLOW_TRACKING_TOKEN=/, ''), lines, stderr: () => err });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before printing its URI; stderr: ${err}`));
    });
  });
}

function stop(s: Served): Promise<number | null> {
  return new Promise((resolve) => {
    s.child.once('exit', (code) => resolve(code));
    s.child.kill('SIGTERM');
  });
}

describe('sweepdeck tracking serve', () => {
  const dirs: string[] = [];
  let remote: LocalServer | undefined;
  afterAll(async () => {
    await remote?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('prints the two MLFLOW_ lines first, serves the SQLite store with the env token, and stops cleanly on SIGTERM', async () => {
    const dir = tempDir('serve');
    dirs.push(dir);
    const db = path.join(dir, 'mlflow.db');
    const s = await serve(['--store', `sqlite:///${db}`], { SWEEPDECK_TRACKING_TOKEN: 'serve-test-token-123' });
    expect(s.lines[0]).toMatch(/^MLFLOW_TRACKING_URI=http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.lines[1]).toBe('MLFLOW_TRACKING_TOKEN=serve-test-token-123');
    const client = createRestStore(s.uri, { token: s.token, retries: 0 });
    const expId = await client.createExperiment('served');
    const run = await client.createRun({ experimentId: expId, runName: 'r' });
    await client.logMetric(run.info.run_id, { key: 'loss', value: 0.25, timestamp: 1, step: 0 });
    const denied = await fetch(`${s.uri}/api/2.0/mlflow/experiments/get?experiment_id=0`);
    expect(denied.status).toBe(401);
    expect(await stop(s)).toBe(0);
    expect(s.stderr()).toContain('stopped');
    expect(existsSync(db)).toBe(true);

    // The data is in the file: serve it again (random token this time) and read it back.
    const again = await serve(['--store', `sqlite:///${db}`, '--port', '0'], { SWEEPDECK_TRACKING_TOKEN: undefined });
    expect(again.token).toMatch(/^[0-9a-f]{64}$/);
    const c2 = createRestStore(again.uri, { token: again.token, retries: 0 });
    expect((await c2.getMetricHistory(run.info.run_id, 'loss')).items.map((m) => m.value)).toEqual([0.25]);
    expect(await stop(again)).toBe(0);
  });

  it('forwards to a remote MLflow server through the outbox', async () => {
    remote = await startLocalServer('serve-remote');
    const dir = tempDir('serve-outbox');
    dirs.push(dir);
    const outbox = path.join(dir, 'outbox.db');
    const s = await serve(['--store', remote.endpoint.url, '--outbox', outbox], { MLFLOW_TRACKING_TOKEN: remote.endpoint.token, SWEEPDECK_TRACKING_TOKEN: undefined });
    const client = createRestStore(s.uri, { token: s.token, retries: 0 });
    const run = await client.createRun({ experimentId: '0', runName: 'via-serve' });
    await client.logBatch(run.info.run_id, { metrics: [{ key: 'acc', value: 0.9, timestamp: 5, step: 1 }] });
    expect((await remote.store.getMetricHistory(run.info.run_id, 'acc')).items).toEqual([{ key: 'acc', value: 0.9, timestamp: 5, step: 1 }]);
    expect(existsSync(outbox)).toBe(true);
    expect(await stop(s)).toBe(0);
  });

  it('rejects a bad --port naming it', async () => {
    const child = spawn(process.execPath, [BIN, 'tracking', 'serve', '--port', 'eighty'], { cwd: REPO_ROOT });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(2);
    expect(err).toContain("--port 'eighty'");
  });
});
