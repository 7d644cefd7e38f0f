// Plugs SweepTracking into the runner's hooks. Tracking never costs a trial: the runner reports a
// failing hook as a warning and goes on, and a remote store sits behind the outbox.
import type { FinishedState } from '../search/types.ts';
import type { SweepHooks, TrialRef } from '../sweeps/types.ts';
import {
  STUDY_ATTR_PARENT_RUN,
  STUDY_ATTR_RESUME_COUNT,
  STUDY_ATTR_TRACKING_URI,
  SweepTracking,
  TRIAL_ATTR_RUN,
} from './sweepTracking.ts';
import type { HpoConfig } from '../../../shared/config.ts';
import type { TrackingSession } from './trackingSession.ts';
import type { TrackingStore } from './types.ts';
import type { OutboxStore } from './outbox.ts';

export interface TrackingHooksInput {
  store: TrackingStore;
  /** The embedded endpoint trials log through. */
  endpoint: { url: string; token: string };
  experimentName: string;
  backbone: string;
  objectiveMetric: string;
  /** Receives the tracker once the parent run exists (the CLI prints its id). */
  onStarted?: (tracking: SweepTracking) => void;
  /** The outbox in front of a remote store: runs made while it was away get placeholder ids, which
   * the study must not keep once the remote ids are known (the study may be opened elsewhere). */
  outbox?: Pick<OutboxStore, 'mappings' | 'on' | 'off'>;
}

type StartContext = Parameters<NonNullable<SweepHooks['onSweepStart']>>[0];

/** Rewrites the study's run links (parent and child run ids) that name a placeholder by now mapped. */
function relinkStudy(ctx: StartContext, map: ReadonlyMap<string, string>): void {
  if (map.size === 0) return;
  const parent = ctx.studyUserAttrs[STUDY_ATTR_PARENT_RUN];
  if (typeof parent === 'string' && map.has(parent)) {
    ctx.setStudyUserAttr(STUDY_ATTR_PARENT_RUN, map.get(parent));
    ctx.studyUserAttrs[STUDY_ATTR_PARENT_RUN] = map.get(parent);
  }
  for (const t of ctx.trialUserAttrs()) {
    const run = t.userAttrs[TRIAL_ATTR_RUN];
    if (typeof run === 'string' && map.has(run)) ctx.setTrialLinkAttr(t.trialId, TRIAL_ATTR_RUN, map.get(run));
  }
}

interface LiveTrial {
  runId: string;
  stdout: Array<{ key: string; value: number; step: number }>;
}

export function createTrackingHooks(input: TrackingHooksInput): SweepHooks {
  let tracking: SweepTracking | undefined;
  const live = new Map<number, LiveTrial>();
  let stopRelinking = () => {};

  const need = (): SweepTracking => {
    if (!tracking) throw new Error('tracking did not start (see the earlier warning)');
    return tracking;
  };

  return {
    async onSweepStart(ctx) {
      // Runs an earlier session made offline and the outbox has created since.
      const { outbox } = input;
      if (outbox) {
        relinkStudy(ctx, outbox.mappings());
        const onMapped = (m: { placeholder: string; runId: string }) => relinkStudy(ctx, new Map([[m.placeholder, m.runId]]));
        outbox.on('mapped', onMapped);
        stopRelinking = () => outbox.off('mapped', onMapped);
      }
      const attrs = ctx.studyUserAttrs;
      const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
      tracking = await SweepTracking.start({
        store: input.store,
        experimentName: input.experimentName,
        backbone: input.backbone,
        maxTrials: ctx.maxTrials,
        studyName: ctx.studyName,
        checkpointPath: ctx.checkpointPath,
        checkpointEnabled: ctx.checkpointEnabled,
        resumedFromCheckpoint: ctx.resumed,
        previous: {
          parentRunId: str(attrs[STUDY_ATTR_PARENT_RUN]),
          trackingUri: str(attrs[STUDY_ATTR_TRACKING_URI]),
          resumeCount: typeof attrs[STUDY_ATTR_RESUME_COUNT] === 'number' ? (attrs[STUDY_ATTR_RESUME_COUNT] as number) : undefined,
        },
      });
      for (const [k, v] of Object.entries(tracking.studyAttrs())) {
        ctx.setStudyUserAttr(k, v);
        ctx.studyUserAttrs[k] = v;
      }
      // Child runs left RUNNING by a runner that died are closed, unless another runner is live.
      if (ctx.counts.running === 0) await tracking.closeOrphanChildren();
      input.onStarted?.(tracking);
    },

    async onTrialStart(trial: TrialRef) {
      const t = need();
      const ref = await t.startTrial(trial);
      live.set(trial.number, { runId: ref.runId, stdout: [] });
      return { env: SweepTracking.trialEnv(ref, input.endpoint), userAttrs: { [TRIAL_ATTR_RUN]: ref.runId } };
    },

    onTrialMetric(trial, key, value, step) {
      live.get(trial.number)?.stdout.push({ key, value, step });
    },

    async pollTrialMetrics(trial) {
      const lt = live.get(trial.number);
      if (!lt || !tracking) return [];
      const points = await tracking.history(lt.runId, input.objectiveMetric);
      return points.map((m) => ({ step: m.step, value: m.value }));
    },

    async onTrialEnd(trial, state: FinishedState, _value, reason) {
      const lt = live.get(trial.number);
      if (!lt) return;
      live.delete(trial.number);
      const t = need();
      await t.relayStdoutMetrics(lt.runId, lt.stdout);
      await t.endTrial(lt.runId, state, reason);
    },

    async onProgress(counts, best) {
      await tracking?.updateProgress({ finished: counts.finished, completed: counts.complete, best: best?.value ?? null });
    },

    async onSweepEnd(summary) {
      // The study closes after this hook; links mapped later are rewritten at the next start.
      stopRelinking();
      if (!tracking) return;
      const status = summary.status === 'completed' ? 'FINISHED' : summary.status === 'failed' ? 'FAILED' : 'KILLED';
      await tracking.finish(status, {
        finished: summary.counts.finished,
        completed: summary.counts.complete,
        best: summary.best?.value ?? null,
      });
    },
  };
}

/** The hooks for one sweep over an open tracking session (its store and embedded endpoint). */
export function sessionTrackingHooks(session: TrackingSession, config: HpoConfig, onStarted?: (tracking: SweepTracking) => void): SweepHooks {
  return createTrackingHooks({
    store: session.store,
    endpoint: { url: session.endpoint.url, token: session.endpoint.token },
    experimentName: config.experiment_name,
    backbone: config.backbone,
    objectiveMetric: config.objective.metric,
    ...(onStarted ? { onStarted } : {}),
    ...(session.outbox ? { outbox: session.outbox } : {}),
  });
}
