// Plugs SweepTracking into the runner's hooks. Tracking never costs a trial: the runner reports a
// failing hook as a warning and goes on, and a remote store sits behind the outbox.
import type { FinishedState } from '../search/types.ts';
import type { SweepFront, SweepHooks, TrialRef } from '../sweeps/types.ts';
import {
  STUDY_ATTR_PARENT_RUN,
  STUDY_ATTR_RESUME_COUNT,
  STUDY_ATTR_TRACKING_URI,
  SweepTracking,
  type ProgressCounts,
  TRIAL_ATTR_RUN,
} from './sweepTracking.ts';
import type { HpoConfig } from '../../../shared/config.ts';
import type { TrackingSession } from './trackingSession.ts';
import type { TrackingStore } from './types.ts';
import type { OutboxStore } from './outbox.ts';
import { agreeOnParentRun } from './sharedParentRun.ts';
import { redactUrl } from '../studies/studyUrl.ts';

export interface TrackingHooksInput {
  store: TrackingStore;
  /** The embedded endpoint trials log through. */
  endpoint: { url: string; token: string };
  experimentName: string;
  backbone: string;
  objectiveMetric: string;
  /** Every objective's metric, objective order (a multi-objective sweep logs each one's best). */
  objectiveMetrics?: readonly string[];
  /** Receives the tracker once the parent run exists (the CLI prints its id). */
  onStarted?: (tracking: SweepTracking) => void;
  /** The outbox in front of a remote store: runs made while it was away get placeholder ids, which
   * the study must not keep once the remote ids are known (the study may be opened elsewhere). */
  outbox?: Pick<OutboxStore, 'mappings' | 'on' | 'off'>;
  /** Shared studies: how long a worker waits for another to create the parent run. */
  parentRunWaitMs?: number;
}

type StartContext = Parameters<NonNullable<SweepHooks['onSweepStart']>>[0];

/**
 * The study's run links (the parent run id on the study, a child run id on each trial), indexed by
 * run id: when the outbox has created an offline-made run remotely, the link naming its placeholder
 * is rewritten to the remote id with one write, without reading the study again.
 */
class StudyRunLinks {
  private readonly trialByRun = new Map<string, number>();
  /** Relinks are written one after another; the first failure is kept for onSweepEnd to report. */
  private writing: Promise<void> = Promise.resolve();
  private failure: unknown;

  private constructor(private readonly ctx: StartContext) {}

  static async read(ctx: StartContext): Promise<StudyRunLinks> {
    const links = new StudyRunLinks(ctx);
    for (const t of await ctx.trialUserAttrs()) {
      const run = t.userAttrs[TRIAL_ATTR_RUN];
      if (typeof run === 'string') links.trialByRun.set(run, t.trialId);
    }
    return links;
  }

  /** Waits for the relinks so far; throws the first that failed. */
  async settled(): Promise<void> {
    await this.writing;
    if (this.failure !== undefined) throw this.failure;
  }

  addTrial(runId: string, trialId: number): void {
    this.trialByRun.set(runId, trialId);
  }

  relink(placeholder: string, runId: string): void {
    const { ctx } = this;
    const writes: Array<() => Promise<void>> = [];
    if (ctx.studyUserAttrs[STUDY_ATTR_PARENT_RUN] === placeholder) {
      writes.push(() => ctx.setStudyUserAttr(STUDY_ATTR_PARENT_RUN, runId));
      ctx.studyUserAttrs[STUDY_ATTR_PARENT_RUN] = runId;
    }
    const trialId = this.trialByRun.get(placeholder);
    if (trialId !== undefined) {
      writes.push(() => ctx.setTrialLinkAttr(trialId, TRIAL_ATTR_RUN, runId));
      this.trialByRun.delete(placeholder);
      this.trialByRun.set(runId, trialId);
    }
    for (const w of writes) {
      this.writing = this.writing.then(w).catch((err: unknown) => {
        this.failure ??= err;
      });
    }
  }
}

interface LiveTrial {
  runId: string;
  stdout: Array<{ key: string; value: number; step: number }>;
}

export function createTrackingHooks(input: TrackingHooksInput): SweepHooks {
  let tracking: SweepTracking | undefined;
  const live = new Map<number, LiveTrial>();
  let links: StudyRunLinks | undefined;
  let study: StartContext | undefined;
  let stopRelinking = () => {};
  let ctxForEnd: StartContext | undefined;

  const frontMetrics = (front: SweepFront | undefined): Pick<ProgressCounts, 'front'> => {
    if (!front) return {};
    const names = input.objectiveMetrics ?? [input.objectiveMetric];
    return { front: { size: front.size, best: front.bestPerObjective.map((value, i) => ({ metric: names[i] ?? `objective_${i}`, value })) } };
  };

  const need = (): SweepTracking => {
    if (!tracking) throw new Error('tracking did not start (see the earlier warning)');
    return tracking;
  };

  return {
    async onSweepStart(ctx) {
      study = ctx;
      // Runs an earlier session made offline and the outbox has created since.
      const { outbox } = input;
      if (outbox) {
        const studyLinks = await StudyRunLinks.read(ctx);
        links = studyLinks;
        for (const [placeholder, runId] of outbox.mappings()) studyLinks.relink(placeholder, runId);
        const onMapped = (m: { placeholder: string; runId: string }) => studyLinks.relink(m.placeholder, m.runId);
        outbox.on('mapped', onMapped);
        stopRelinking = () => outbox.off('mapped', onMapped);
      }
      const attrs = ctx.studyUserAttrs;
      const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
      const startInput = {
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
      };
      if (ctx.shared) {
        // Many workers, one sweep: one parent run, made by whichever worker claims it first.
        let made: SweepTracking | undefined;
        const agreed = await agreeOnParentRun(
          ctx,
          redactUrl(input.store.uri),
          async () => {
            made = await SweepTracking.start(startInput);
            return made.parentRunId;
          },
          input.parentRunWaitMs !== undefined ? { waitMs: input.parentRunWaitMs } : {},
        );
        tracking = made ?? (await SweepTracking.start({ ...startInput, joinParentRunId: agreed.runId }));
      } else {
        tracking = await SweepTracking.start(startInput);
      }
      for (const [k, v] of Object.entries(tracking.studyAttrs())) {
        await ctx.setStudyUserAttr(k, v);
        ctx.studyUserAttrs[k] = v;
      }
      // Child runs left RUNNING by a runner that died are closed once their trial is finished in the
      // study (with its state); those of trials still running (another live runner's) stay open.
      ctxForEnd = ctx;
      await closeFinished(tracking, ctx);
      input.onStarted?.(tracking);
    },

    async onTrialStart(trial: TrialRef) {
      const t = need();
      const ref = await t.startTrial(trial);
      live.set(trial.number, { runId: ref.runId, stdout: [] });
      links?.addTrial(ref.runId, trial.trialId);
      return { env: SweepTracking.trialEnv(ref, input.endpoint), userAttrs: { [TRIAL_ATTR_RUN]: ref.runId } };
    },

    onTrialMetric(trial, key, value, step) {
      live.get(trial.number)?.stdout.push({ key, value, step });
    },

    async pollTrialMetrics(trial, metric) {
      const lt = live.get(trial.number);
      if (!lt || !tracking) return [];
      const points = await tracking.history(lt.runId, metric ?? input.objectiveMetric);
      return points.map((m) => ({ step: Number(m.step), value: m.value }));
    },

    async onTrialEnd(trial, state: FinishedState, _value, reason) {
      const lt = live.get(trial.number);
      if (!lt) return;
      live.delete(trial.number);
      const t = need();
      const points = study ? await study.trialIntermediateValues(trial.trialId) : [];
      await t.syncTrialMetrics(lt.runId, { key: input.objectiveMetric, points }, lt.stdout);
      await t.endTrial(lt.runId, state, reason);
    },

    async onProgress(counts, best, front) {
      await tracking?.updateProgress({ finished: counts.finished, completed: counts.complete, best: best?.value ?? null, ...frontMetrics(front) });
    },

    async onSweepEnd(summary) {
      // The study closes after this hook; links mapped later are rewritten at the next start.
      stopRelinking();
      const relinked = links?.settled();
      if (!tracking) return relinked;
      // A sweep leaves no RUNNING run behind, whatever happened before: trials failed as stale during
      // this run (their runner died, maybe moments before this one started) get their runs closed
      // here. A failure here must not keep the parent RUNNING.
      let childError: unknown;
      try {
        if (ctxForEnd) await closeFinished(tracking, ctxForEnd);
      } catch (err) {
        childError = err;
      }
      // On a shared study one worker's end is not the sweep's: the parent run stays open for the
      // others, and ends with the sweep (the worker that sees the budget reached).
      if (study?.shared && summary.status !== 'completed') {
        await tracking.updateProgress({ finished: summary.counts.finished, completed: summary.counts.complete, best: summary.best?.value ?? null, ...frontMetrics(summary.front) });
        if (childError !== undefined) throw childError;
        await relinked;
        return;
      }
      const status = summary.status === 'completed' ? 'FINISHED' : summary.status === 'failed' ? 'FAILED' : 'KILLED';
      await tracking.finish(status, {
        finished: summary.counts.finished,
        completed: summary.counts.complete,
        best: summary.best?.value ?? null,
        ...frontMetrics(summary.front),
      });
      if (childError !== undefined) throw childError;
      await relinked;
    },
  };
}

/** Closes the child runs whose trial is finished in the study, with the trial's state. */
async function closeFinished(tracking: SweepTracking, ctx: StartContext): Promise<number> {
  const trials = await ctx.trialStates();
  const byRun = new Map<string, (typeof trials)[number]>();
  const byNumber = new Map<number, (typeof trials)[number]>();
  for (const t of trials) {
    const run = t.userAttrs[TRIAL_ATTR_RUN];
    if (typeof run === 'string') byRun.set(run, t);
    byNumber.set(t.number, t);
  }
  return tracking.closeFinishedChildren((runId, trialNumber) => {
    // The run id the study holds, else the run's trial_number tag (a run whose id never reached the
    // study: the runner died in between). Numbers are unique in a study, and so is its parent run.
    const t = byRun.get(runId) ?? (trialNumber !== undefined ? byNumber.get(trialNumber) : undefined);
    if (!t || (t.state !== 'COMPLETE' && t.state !== 'PRUNED' && t.state !== 'FAIL')) return undefined;
    return { state: t.state, ...(t.failReason !== undefined ? { reason: t.failReason } : {}) };
  });
}

/** The hooks for one sweep over an open tracking session (its store and embedded endpoint). */
export function sessionTrackingHooks(session: TrackingSession, config: HpoConfig, onStarted?: (tracking: SweepTracking) => void): SweepHooks {
  return createTrackingHooks({
    store: session.store,
    endpoint: { url: session.endpoint.url, token: session.endpoint.token },
    experimentName: config.experiment_name,
    backbone: config.backbone,
    objectiveMetric: config.objective.metric,
    objectiveMetrics: config.objectives.map((o) => o.metric),
    ...(onStarted ? { onStarted } : {}),
    ...(session.outbox ? { outbox: session.outbox } : {}),
  });
}
