// SIGTERM on `sweepdeck serve` while a sweep runs (what Ctrl-C, a logout or a closed SSH session
// does): the host stops promptly without needing SIGKILL, the running trial is ended and kept as
// FAIL, every finished trial and its logged metric is kept, and a new `serve` on the same data shows
// the sweep as interrupted and resumes it to the end. The real CLI, as a child process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import type { SweepSummary } from '../../shared/contract.ts';
import { startServe, type ServedHost } from '../../e2e/browser/support.ts';
import { quickConfig, quickTrial } from '../support/quickSweep.ts';
import { until } from '../support/until.ts';

const MAX_TRIALS = 5;
let work: string;
let dataDir: string;
let host: ServedHost | null = null;
let client: Client | null = null;

async function up(): Promise<Client> {
  host = await startServe(dataDir, work, ['--no-example']);
  client = createClient(httpTransport(host.origin, host.token));
  return client;
}

function studyStates(file: string): Record<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT state, COUNT(*) AS n FROM trials GROUP BY state').all() as Array<{ state: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  } finally {
    db.close();
  }
}

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-serve-signal-'));
  dataDir = path.join(work, 'data');
  writeFileSync(path.join(work, 'trial.mjs'), quickTrial(400));
  writeFileSync(path.join(work, 'hpo.yaml'), quickConfig(MAX_TRIALS, 'serve-signal'));
});

afterAll(async () => {
  client?.close();
  await host?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('sweepdeck serve and SIGTERM', { timeout: 120_000 }, () => {
  it('stops a running sweep gracefully, keeps every finished trial and metric, and the next serve resumes it', async () => {
    let api = await up();
    const { id } = await api.get('sweeps.start', { configPath: path.join(work, 'hpo.yaml') });
    // Two finished trials and the third running.
    const running = await until('two finished trials and one running', async () => {
      const s = (await api.get('sweeps.get', { id })) as SweepSummary;
      return s.finishedTrials >= 2 && s.counts.RUNNING === 1 ? s : undefined;
    });
    api.close();
    const served = host!;
    await served.stop(); // rejects if SIGTERM was not enough
    expect(served.proc.exitCode, served.output()).toBe(0);
    expect(served.output()).toContain('SIGTERM: stopping');

    // Straight from the study file: nothing left RUNNING, nothing finished lost.
    const states = studyStates(running.studyPath);
    expect(states.RUNNING ?? 0).toBe(0);
    expect(states.COMPLETE ?? 0).toBeGreaterThanOrEqual(running.finishedTrials);
    expect(states.FAIL ?? 0).toBeGreaterThanOrEqual(1);

    api = await up();
    const listed = (await api.get('sweeps.list', {})).sweeps.find((s) => s.id === id);
    expect(listed?.state).toBe('interrupted');
    expect(listed?.finishedTrials).toBe(states.COMPLETE);
    // Each trial finished before the signal has its child run with its metric.
    const parentRunId = listed!.tracking.parentRunId!;
    const { run: parent } = await api.get('runs.get', { storeId: 'local', runId: parentRunId });
    const children = await api.get('runs.search', { storeId: 'local', experimentIds: [parent.info.experiment_id], filter: `tags.mlflow.parentRunId = '${parentRunId}'` });
    const scored = new Set(children.runs.filter((r) => (r.data.metrics ?? []).some((m) => m.key === 'score')).map((r) => r.info.run_id));
    const { trials } = await api.get('sweeps.trials', { id });
    const complete = trials.filter((t) => t.state === 'COMPLETE');
    expect(complete.length).toBe(states.COMPLETE);
    for (const t of complete) expect(scored.has(t.childRunId ?? ''), `trial ${t.number}`).toBe(true);

    await api.get('sweeps.resume', { id });
    const done = await until('the sweep to finish', async () => {
      const s = (await api.get('sweeps.get', { id })) as SweepSummary;
      return s.state === 'finished' ? s : undefined;
    });
    expect(done.finishedTrials).toBe(MAX_TRIALS);
    expect(done.counts.RUNNING).toBe(0);
  });
});
