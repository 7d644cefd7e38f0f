// A sweep tracked to a remote that is down: its child and parent runs get placeholder ids from the
// outbox, and the study records them. Once the outbox has created the runs remotely, the study's
// links (trial -> child run, study -> parent run) must name the remote runs, so that the study
// opened anywhere else (another machine, Python Optuna, the app without this outbox) still finds
// them. Both ways are checked: mapped while the sweep runs, and mapped after it ended (the next
// resume rewrites them).
import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startTrackedSweep } from '../../electron/core/sweeps/trackedSweep.ts';
import { openTrackingSession } from '../../electron/core/tracking/trackingSession.ts';
import { STUDY_ATTR_PARENT_RUN, TRIAL_ATTR_RUN } from '../../electron/core/tracking/sweepTracking.ts';
import { startLocalServer, type LocalServer } from '../tracking/endpoint/support.ts';
import { startFaultProxy, type FaultProxy } from '../tracking/outbox/faultProxy.ts';
import { configInput, parseConfig, readTrials, tmpDir } from '../sweeps/support.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';

function studyAttrs(file: string, name: string): Record<string, unknown> {
  const s = openStudyStorage(file, { readonly: true });
  try {
    return s.getStudy(name)!.userAttrs;
  } finally {
    s.close();
  }
}

describe('study run links after an outage of the remote tracking server', () => {
  let remote: LocalServer | undefined;
  let proxy: FaultProxy | undefined;
  const dirs: string[] = [];
  afterAll(async () => {
    await proxy?.close();
    await remote?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('rewrites placeholder run ids in the study to the remote ids, during the sweep and at the next resume', async () => {
    remote = await startLocalServer('links-remote');
    proxy = await startFaultProxy(remote.endpoint.port);
    const out = tmpDir('links');
    dirs.push(out);
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, MLFLOW_TRACKING_TOKEN: remote.endpoint.token };
    const config = parseConfig(configInput({ sampling: { algorithm: 'random', max_trials: 3, max_concurrent_trials: 1, seed: 3 } }));
    const studyFile = path.join(out, 'tiny', 'study.db');
    const studyName = 'hpo_tiny';

    // 0. The remote is up for another study's sweep: the outbox learns the experiment.
    const warmup = await startTrackedSweep({ config: { ...config, study_name: 'warmup' }, outputDir: out, maxTrials: 1, heartbeatIntervalMs: 300 }, { trackingUri: proxy.url, env });
    expect((await warmup.done).status).toBe('completed');

    // 1. The remote is down for the whole first sweep of our study, which still gets tracked (parent
    //    and children queued), and the session closes with the writes queued.
    proxy.mode = 'down';
    const warnings: string[] = [];
    const first = await startTrackedSweep(
      { config, outputDir: out, maxTrials: 2, heartbeatIntervalMs: 300, onEvent: (e) => e.type === 'warning' && warnings.push(e.message) },
      { trackingUri: proxy.url, env },
    );
    expect((await first.done).status).toBe('completed');
    expect(warnings).toEqual([]);
    const offlineLinks = readTrials(studyFile, studyName).map((t) => t.userAttrs[TRIAL_ATTR_RUN]);
    const offlineParent = studyAttrs(studyFile, studyName)[STUDY_ATTR_PARENT_RUN];
    expect(offlineLinks).toHaveLength(2);
    const remoteIds = async () => new Set((await remote!.store.searchRuns({ experimentIds: ['0', '1', '2'], maxResults: 100 })).items.map((r) => r.info.run_id));
    for (const id of [...offlineLinks, offlineParent]) expect(await remoteIds()).not.toContain(id);

    // 2. The remote is back; the resume's session replays the outbox, and the study's links follow.
    proxy.mode = 'up';
    const session = await openTrackingSession({ experimentName: config.experiment_name, trackingUri: proxy.url, outputDir: out, env });
    try {
      await session.outbox!.drain(30_000);
      const resumed = await startTrackedSweep({ config, outputDir: out, maxTrials: 3, heartbeatIntervalMs: 300, onEvent: (e) => e.type === 'warning' && warnings.push(e.message) }, { session });
      expect((await resumed.done).status).toBe('completed');
      expect(warnings).toEqual([]);
      const parent = await resumed.parentRun;
      expect(parent.continued).toBe(true);

      const trials = readTrials(studyFile, studyName);
      expect(trials).toHaveLength(3);
      const ids = await remoteIds();
      for (const t of trials) expect(ids).toContain(t.userAttrs[TRIAL_ATTR_RUN]);
      expect(studyAttrs(studyFile, studyName)[STUDY_ATTR_PARENT_RUN]).toBe(parent.runId);
      expect(ids).toContain(parent.runId);
      // The children the first sweep made offline are the same runs, now under their remote ids.
      const mapped = session.outbox!.mappings();
      expect(trials.slice(0, 2).map((t) => t.userAttrs[TRIAL_ATTR_RUN])).toEqual(offlineLinks.map((id) => mapped.get(id as string)));

      // 3. Down again when a trial starts, up again while it runs (a 4 s trial, the outbox retries
      //    after about 1 s): its link is rewritten while the sweep runs, with no drain after it.
      proxy.mode = 'down';
      const slow = parseConfig(configInput({
        sampling: { algorithm: 'random', max_trials: 3, max_concurrent_trials: 1, seed: 3 },
        trial: { ...config.trial, env: { OBJ_STEPS: '4', OBJ_SLEEP_MS: '1000' } },
      }));
      const third = await startTrackedSweep({ config: slow, outputDir: out, maxTrials: 4, heartbeatIntervalMs: 300 }, { session });
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (readTrials(studyFile, studyName).length >= 4) {
            clearInterval(timer);
            proxy!.mode = 'up';
            resolve();
          }
        }, 20);
      });
      expect((await third.done).status).toBe('completed');
      const fourth = readTrials(studyFile, studyName)[3]!;
      expect(await remoteIds()).toContain(fourth.userAttrs[TRIAL_ATTR_RUN]);
      expect(session.outbox!.mappings().size).toBeGreaterThan(mapped.size);
    } finally {
      await session.close();
    }
  }, 90_000);
});
