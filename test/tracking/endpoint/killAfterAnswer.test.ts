// An answered log-batch is durable: `sweepdeck tracking serve` on a SQLite store takes batches of
// 1,000 points from three concurrent clients and is killed (SIGKILL, no shutdown code runs) the
// moment the 20th answer arrives, with other batches still in flight. The file, opened directly
// afterwards, holds every answered point, each batch whole or not at all, and latest_metrics
// agrees with the stored rows.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../electron/core/tracking/sqliteStore/sqliteStore.ts';
import { REPO_ROOT } from '../../support/peers.ts';
import { tempDir } from './support.ts';

const BIN = path.join(REPO_ROOT, 'bin', 'sweepdeck.js');
const TOKEN = 'kill-test-token-0123456789';
const KEYS = 10;
const STEPS_PER_BATCH = 100;
const KILL_AFTER = 20;

/** Batch `b` of a client: steps b*100 .. b*100+99 of keys m0..m9; a few NaN and ±inf values. */
function batchBody(runId: string, b: number): string {
  const metrics: { key: string; value: number | string; timestamp: number; step: number }[] = [];
  for (let s = b * STEPS_PER_BATCH; s < (b + 1) * STEPS_PER_BATCH; s++) {
    for (let k = 0; k < KEYS; k++) metrics.push({ key: `m${k}`, value: s % 97 === 0 ? 'NaN' : s % 89 === 0 ? (k % 2 ? 'Infinity' : '-Infinity') : s + k / 10, timestamp: 1_700_000_000_000 + s, step: s });
  }
  return JSON.stringify({ run_id: runId, metrics });
}

describe('a killed tracking server', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('keeps every point it answered for, each batch whole, with latest_metrics matching the rows', async () => {
    const dir = tempDir('kill-after-answer');
    dirs.push(dir);
    const file = path.join(dir, 'mlflow.db');
    const setup = openSqliteStore(file, { create: true });
    const expId = await setup.createExperiment('kill');
    const runIds: string[] = [];
    for (let c = 0; c < 3; c++) runIds.push((await setup.createRun({ experimentId: expId, runName: `client_${c}`, startTime: 1 })).info.run_id);
    await setup.close();

    const child = spawn(process.execPath, [BIN, 'tracking', 'serve', '--store', `sqlite:///${file}`], { cwd: REPO_ROOT, env: { ...process.env, SWEEPDECK_TRACKING_TOKEN: TOKEN } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const uri = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /^MLFLOW_TRACKING_URI=(\S+)$/m.exec(out);
        if (m) resolve(m[1]!);
      });
      void exited.then(() => reject(new Error(`serve exited before printing its URI; stderr: ${stderr}`)));
    });

    // answered[c] = the batches of client c answered with 200 before the kill.
    const answered: number[][] = runIds.map(() => []);
    let total = 0;
    let killed = false;
    const client = async (c: number) => {
      for (let b = 0; !killed; b++) {
        let status: number;
        try {
          const res = await fetch(`${uri}/api/2.0/mlflow/runs/log-batch`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
            body: batchBody(runIds[c]!, b),
          });
          status = res.status;
          if (status !== 200) throw new Error(`batch ${b} of client ${c} answered ${status}: ${await res.text()}`);
          await res.arrayBuffer();
        } catch (err) {
          if (killed) return; // in flight when the server died: no answer, no promise made
          throw err;
        }
        if (killed) return; // read after the kill: counted only if answered before it
        answered[c]!.push(b);
        if (++total === KILL_AFTER) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    };
    await Promise.all([0, 1, 2].map(client));
    expect(await exited).toBe('SIGKILL');
    expect(answered.flat()).toHaveLength(KILL_AFTER);

    const db = new Database(file, { readonly: true });
    try {
      for (const [c, runId] of runIds.entries()) {
        const stored = db.prepare('SELECT "key" AS key, step, value, is_nan FROM metrics WHERE run_uuid = ?').all(runId) as { key: string; step: number; value: number; is_nan: number }[];
        const batches = new Map<number, number>();
        for (const r of stored) batches.set(Math.floor(r.step / STEPS_PER_BATCH), (batches.get(Math.floor(r.step / STEPS_PER_BATCH)) ?? 0) + 1);
        // Every answered batch is there; any stored batch (also one in flight at the kill) is whole.
        for (const b of answered[c]!) expect(batches.get(b), `client ${c} batch ${b}`).toBe(KEYS * STEPS_PER_BATCH);
        for (const [b, n] of batches) expect(n, `client ${c} batch ${b}`).toBe(KEYS * STEPS_PER_BATCH);
        const nan = stored.find((r) => r.key === 'm0' && r.step === 0);
        if (nan) expect(nan).toEqual({ key: 'm0', step: 0, value: 0, is_nan: 1 });
        const inf = stored.find((r) => r.key === 'm1' && r.step === 89);
        if (inf) expect(inf).toEqual({ key: 'm1', step: 89, value: 1.7976931348623157e308, is_nan: 0 });
        const lastStep = Math.max(...stored.map((r) => r.step));
        const latest = db.prepare('SELECT "key" AS key, step FROM latest_metrics WHERE run_uuid = ? ORDER BY "key"').all(runId);
        expect(latest).toEqual(stored.length === 0 ? [] : Array.from({ length: KEYS }, (_, k) => ({ key: `m${k}`, step: lastStep })));
      }
    } finally {
      db.close();
    }
  });
});
