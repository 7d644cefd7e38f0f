// A sweep whose runner was SIGKILLed, as the app services see it: running while the runner's
// heartbeats come, then "not responding" once they are late, then interrupted once they are stale
// by the runner's own rule. Each change arrives on the event stream by itself (nothing re-reads the
// list meanwhile, as an open page would not), and Resume then works: the resumed runner judges the
// left-over trial stale too.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createAppServices, type AppServices } from '../../electron/app/appServices.ts';
import { AppFault } from '../../electron/app/appError.ts';
import { newestRunningHeartbeat } from '../../electron/app/sweepCatalog.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { STALE_HEARTBEATS, DEFAULT_HEARTBEAT_MS } from '../../electron/core/sweeps/heartbeat.ts';
import type { EventMessage } from '../../shared/events.ts';
import { REPO_ROOT } from '../support/peers.ts';
import { quickConfig, quickTrial } from '../support/quickSweep.ts';
import { until } from '../support/until.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-killed-runner-'));
let services: AppServices | undefined;
afterAll(async () => {
  await services?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

describe('a sweep whose runner was SIGKILLed', () => {
  it('turns unresponsive, then interrupted, on the event stream at the runner threshold, and resumes', async () => {
    // Trials of ~3 s, so one is RUNNING when the runner is killed.
    writeFileSync(path.join(tmp, 'trial.mjs'), quickTrial(1000));
    writeFileSync(path.join(tmp, 'hpo.yaml'), quickConfig(2, 'killed-runner'));
    const out = path.join(tmp, 'out');
    services = await createAppServices({ dataDir: path.join(tmp, 'data'), host: 'browser', exampleConfigPath: null, env });
    const app = services;
    const { id, studyPath } = app.sweeps.register({ configPath: path.join(tmp, 'hpo.yaml'), outputDir: out });

    // The runner in a process of its own (as a killed app host's would be), default heartbeat.
    const runner = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/sweepdeck.js'), 'sweep', 'run', 'hpo.yaml', '--output-dir', out, '--no-tracking'], {
      cwd: tmp,
      env,
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => runner.on('exit', (_code, signal) => resolve(signal)));
    const running = await until('the app to see the sweep running in another process', async () => {
      const s = app.sweeps.list().sweeps.find((x) => x.id === id);
      return s?.state === 'running' ? s : undefined;
    });
    expect(running.message).toMatch(/running in another process/);
    // Stop cannot reach another process's runner: the summary says this app does not run it.
    expect(running.runsHere).toBe(false);

    const seen: Array<{ state: string; message: string | null; at: number }> = [];
    const isProgress = (m: EventMessage): m is EventMessage<'sweep.progress'> => m.event === 'sweep.progress';
    app.bus.subscribe((m) => {
      if (isProgress(m) && m.payload.id === id) seen.push({ state: m.payload.state, message: m.payload.message, at: Date.now() });
    });
    runner.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const lastHeartbeat = await until('the last heartbeat in the study', async () => {
      const s = openStudyStorage(studyPath, { readonly: true });
      try {
        return newestRunningHeartbeat(studyPath, s.getStudy('hpo_tiny')!.studyId);
      } finally {
        s.close();
      }
    });

    // No list or get from here on: the events must come by themselves.
    await until('the unresponsive event', async () => seen.some((e) => e.state === 'unresponsive'), 30_000);
    const late = seen.find((e) => e.state === 'unresponsive')!;
    expect(late.message).toMatch(/^last heartbeat \d+ s ago; treated as interrupted in \d+ s/);
    await until('the interrupted event', async () => seen.some((e) => e.state === 'interrupted'), 30_000);
    const interrupted = seen.find((e) => e.state === 'interrupted')!;
    expect(seen.map((e) => e.state)).toEqual(['unresponsive', 'interrupted']);
    // Not before the runner's own threshold (15 s without a heartbeat).
    expect(interrupted.at - lastHeartbeat).toBeGreaterThan(STALE_HEARTBEATS * DEFAULT_HEARTBEAT_MS);
    expect(app.sweeps.list().sweeps.find((x) => x.id === id)?.state).toBe('interrupted');

    // Resume works now, and the resumed runner agrees: the left-over RUNNING trial is stale to it.
    const resumed = await app.sweeps.resume({ id });
    expect(resumed.state).toBe('running');
    await until('the resumed sweep to finish', async () => app.sweeps.list().sweeps.find((x) => x.id === id)?.state === 'finished', 60_000);
    expect(seen.some((e) => /marked 1 stale trial\(s\) failed/.test(e.message ?? ''))).toBe(true);
    const done = app.sweeps.list().sweeps.find((x) => x.id === id)!;
    expect(done.counts.COMPLETE).toBe(2);
    expect(done.counts.RUNNING).toBe(0);
  }, 120_000);

  it('Stop and Resume on an unresponsive sweep say why they cannot act', async () => {
    // The service's answers in that window, without waiting for a real runner to go quiet: a
    // study whose RUNNING trial's heartbeat is 12 s old.
    const dir = mkdtempSync(path.join(tmp, 'late-'));
    writeFileSync(path.join(dir, 'trial.mjs'), quickTrial(10));
    writeFileSync(path.join(dir, 'hpo.yaml'), quickConfig(1, 'late-runner'));
    const app = await createAppServices({ dataDir: path.join(dir, 'data'), host: 'browser', exampleConfigPath: null, env });
    try {
      const { id, studyPath } = app.sweeps.register({ configPath: path.join(dir, 'hpo.yaml'), outputDir: path.join(dir, 'out') });
      mkdirSync(path.dirname(studyPath), { recursive: true });
      const s = openStudyStorage(studyPath, { create: true });
      try {
        const study = s.createStudy('hpo_tiny', ['maximize']);
        const t = s.createTrial(study.studyId);
        s.heartbeat(t.trialId);
      } finally {
        s.close();
      }
      // Age the heartbeat by 12 s (Optuna's naive-UTC text format).
      const db = new Database(studyPath);
      const old = new Date(Date.now() - 12_000).toISOString().replace('T', ' ').replace('Z', '000');
      db.prepare('UPDATE trial_heartbeats SET heartbeat = ?').run(old);
      db.close();

      expect(app.sweeps.summary(id).state).toBe('unresponsive');
      const stop = (() => {
        try {
          app.sweeps.stop(id);
          return null;
        } catch (e) {
          return e;
        }
      })();
      expect(stop).toBeInstanceOf(AppFault);
      expect((stop as AppFault).code).toBe('CONFLICT');
      expect((stop as AppFault).message).toMatch(/runs in another process: last heartbeat 1\d s ago; treated as interrupted in \d s/);
      await expect(app.sweeps.resume({ id })).rejects.toThrow(/Resume works once it is interrupted/);
    } finally {
      await app.close();
    }
  });
});
