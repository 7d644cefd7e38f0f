// The app's main flow through the browser host and the typed client, with the real runner, study
// storage and local MLflow store: start a sweep and watch progress over SSE, stop it midway,
// restart the host and see it interrupted, resume it to the end, open its parent run and find every
// trial as a child run with metrics; open the Optuna 3.1.0 fixture study (copied) and resume it.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport, type Client } from '../../shared/client.ts';
import type { SweepSummary } from '../../shared/contract.ts';
import type { EventPayload } from '../../shared/events.ts';
import { createAppServices, type AppServices } from '../../electron/app/appServices.ts';
import { startHost, type Host } from '../../electron/host/server.ts';
import { FIXTURE_STUDY_CONFIG as FIXTURE_CONFIG } from '../support/fixtureStudy.ts';
import { FIXTURES } from '../support/peers.ts';
import { quickConfig as config, quickTrial } from '../support/quickSweep.ts';
import { until } from '../support/until.ts';

let work: string;
let dataDir: string;
let app: AppServices;
let host: Host;
let client: Client;

async function up(): Promise<void> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: work };
  app = await createAppServices({ dataDir, host: 'browser', env, exampleConfigPath: null });
  host = await startHost({ app, rendererDir: null });
  client = createClient(httpTransport(host.origin, host.token, { reconnectMs: 50 }));
}

async function down(): Promise<void> {
  client.close();
  await host.close();
  await app.close();
}

const summary = async (id: string): Promise<SweepSummary> => (await client.get('sweeps.get', { id })) as SweepSummary;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-flow-'));
  dataDir = path.join(work, 'data');
  writeFileSync(path.join(work, 'trial.mjs'), quickTrial());
  writeFileSync(path.join(work, 'hpo.yaml'), config(4));
  writeFileSync(path.join(work, 'fixture.yaml'), FIXTURE_CONFIG);
  await up();
});

afterAll(async () => {
  await down();
  rmSync(work, { recursive: true, force: true });
});

describe('start, stop, restart, resume, browse', () => {
  let id = '';

  it('an invalid config shows its issues and starts nothing', async () => {
    const bad = config(4).replace('max: 1.0', 'max: -1.0');
    const v = await client.get('config.validate', { text: bad });
    expect(v.valid).toBe(false);
    expect(v.issues.some((i) => i.path.startsWith('search_space.x') && i.line !== null)).toBe(true);
    const r = await client.call('sweeps.start', { configText: bad });
    expect(r).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID' } });
    expect((await client.get('sweeps.list', {})).sweeps).toEqual([]);
  });

  it('starts a sweep and streams its progress, then stops it midway', async () => {
    const progress: Array<EventPayload<'sweep.progress'>> = [];
    const lines: string[] = [];
    client.on('sweep.progress', (p) => progress.push(p));
    client.on('sweep.trialLog', (p) => lines.push(p.line));
    const started = await client.get('sweeps.start', { configPath: path.join(work, 'hpo.yaml') });
    id = started.id;
    expect(started.state).toBe('running');
    expect(started.maxTrials).toBe(4);
    await until('a finished trial', async () => progress.some((p) => p.id === id && p.finishedTrials >= 1));
    expect(lines.some((l) => l.startsWith('score='))).toBe(true);
    const stopping = await client.get('sweeps.stop', { id });
    expect(['stopping', 'interrupted']).toContain(stopping.state);
    const s = await until('the stop to finish', async () => {
      const x = await summary(id);
      return x.state === 'interrupted' ? x : undefined;
    });
    expect(s.finishedTrials).toBeGreaterThanOrEqual(1);
    expect(s.finishedTrials).toBeLessThan(4);
  });

  it('after a host restart the sweep is interrupted, and one call resumes it to the end', async () => {
    await down();
    await up();
    const listed = (await client.get('sweeps.list', {})).sweeps.find((s) => s.id === id);
    expect(listed?.state).toBe('interrupted');
    expect(listed?.message).toBeTruthy();
    await client.get('sweeps.resume', { id });
    const done = await until('the sweep to finish', async () => {
      const x = await summary(id);
      return x.state === 'finished' ? x : undefined;
    });
    expect(done.finishedTrials).toBe(4);
    expect(done.best).not.toBeNull();
    expect(done.tracking.parentRunId).toBeTruthy();
    // The app read the study all along; still the runner could return it to rollback-journal mode
    // (what optuna-dashboard needs), so no reader of ours held it open.
    const db = new Database(done.studyPath, { readonly: true });
    expect(String(db.pragma('journal_mode', { simple: true }))).toBe('delete');
    db.close();
  });

  it('the trials table has every trial with its child run, and logs are readable', async () => {
    const { trials, total } = await client.get('sweeps.trials', { id });
    expect(total).toBe(trials.length);
    const complete = trials.filter((t) => t.state === 'COMPLETE');
    expect(complete.length).toBe(4);
    for (const t of complete) {
      expect(t.childRunId).toBeTruthy();
      expect(t.intermediate.length).toBe(3);
      expect(t.value).toBeCloseTo(Number(t.params.x), 5);
      expect(t.durationMs).toBeGreaterThan(0);
    }
    const log = await client.get('sweeps.trialLog', { id, trialNumber: complete[0]!.number, stream: 'stdout' });
    expect(log.text).toContain('score=');
  });

  it('the parent run has the checkpoint params and every trial as a child run with metrics', async () => {
    const s = await summary(id);
    const parentId = s.tracking.parentRunId!;
    const { run: parent } = await client.get('runs.get', { storeId: 'local', runId: parentId });
    const params = Object.fromEntries((parent.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params.checkpoint_path).toBe(s.studyPath);
    expect(params.backbone).toBe('tiny');
    const children = await client.get('runs.search', {
      storeId: 'local',
      experimentIds: [parent.info.experiment_id],
      filter: `tags.mlflow.parentRunId = '${parentId}'`,
    });
    const { trials } = await client.get('sweeps.trials', { id });
    const childIds = new Set(children.runs.map((r) => r.info.run_id));
    for (const t of trials.filter((x) => x.state === 'COMPLETE')) expect(childIds.has(t.childRunId!)).toBe(true);
    const withScore = children.runs.filter((r) => (r.data.metrics ?? []).some((m) => m.key === 'score'));
    expect(withScore.length).toBeGreaterThanOrEqual(4);
    const found = await client.get('runs.findSweep', { storeId: 'local', runId: parentId });
    expect(found).toEqual({ checkpointPath: s.studyPath, sweepId: id });
  });
});

describe('a study made by Python Optuna', () => {
  it('opens as interrupted, needs a config to resume, and resumes with one', async () => {
    const copy = path.join(work, 'fixture', 'study.db');
    rmSync(path.dirname(copy), { recursive: true, force: true });
    mkdirSync(path.dirname(copy), { recursive: true });
    copyFileSync(path.join(FIXTURES, 'optuna-3.1.0', 'study.db'), copy);
    const opened = await client.get('sweeps.openStudyFile', { path: copy });
    expect(opened.sweeps).toHaveLength(1);
    const s = opened.sweeps[0]!;
    expect(s.studyName).toBe('hpo_distilbert');
    expect(s.state).toBe('interrupted');
    expect(s.counts).toEqual({ RUNNING: 1, COMPLETE: 9, PRUNED: 2, FAIL: 1, WAITING: 0 });
    const noConfig = await client.call('sweeps.resume', { id: s.id });
    expect(noConfig).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: { needsConfig: true } } });
    await client.get('sweeps.resume', { id: s.id, configPath: path.join(work, 'fixture.yaml') });
    const done = await until('the fixture sweep to finish', async () => {
      const x = await summary(s.id);
      return x.state === 'finished' ? x : undefined;
    });
    // 9 + 2 finished before. The trial Python left RUNNING has no heartbeats: running elsewhere as far
    // as anyone can tell, so it is left alone (Optuna's rule) and holds no slot; the message says so.
    expect(done.finishedTrials).toBe(12);
    expect(done.counts.RUNNING).toBe(1);
    expect(done.counts.FAIL).toBe(1);
    expect(done.message).toMatch(/1 trial\(s\) RUNNING elsewhere/);
  });
});
