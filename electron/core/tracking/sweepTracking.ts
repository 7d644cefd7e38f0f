// The mission's run layout for one sweep: one MLflow parent run per sweep carrying the checkpoint
// metadata, one child run per trial. The link is kept on both sides: the study's user attrs hold
// the parent run id and each trial's user attrs hold its child run id, while the runs carry the
// checkpoint path and trial number. Every call here goes to a TrackingStore, so the same code
// serves the local SQLite store, a remote server and Azure (through the outbox).
import type { KeyValue, Metric, RunStatus, TrackingStore } from './types.ts';
import { compareSteps, MlflowError, StoreUnavailableError } from './types.ts';

/** Study user-attr keys that lead from a checkpoint to its runs. */
export const STUDY_ATTR_PARENT_RUN = 'mlflow_parent_run_id';
export const STUDY_ATTR_EXPERIMENT = 'mlflow_experiment_id';
export const STUDY_ATTR_TRACKING_URI = 'mlflow_tracking_uri';
export const STUDY_ATTR_RESUME_COUNT = 'sweepdeck_resume_count';
/** Trial user-attr key that holds the trial's child run id. */
export const TRIAL_ATTR_RUN = 'mlflow_run_id';

export interface SweepTrackingInput {
  store: TrackingStore;
  experimentName: string;
  backbone: string;
  maxTrials: number;
  studyName: string;
  /** Absolute path of the Optuna SQLite checkpoint. */
  checkpointPath: string;
  checkpointEnabled: boolean;
  /** The study already held trials before this run started. */
  resumedFromCheckpoint: boolean;
  /** What the study remembers from an earlier sweep session (its user attrs). */
  previous: { parentRunId?: string; trackingUri?: string; resumeCount?: number };
  /** A parent run another worker of the same shared study made: join it as it is (no new run, no
   * resume tags: the sweep is one, however many workers join it). */
  joinParentRunId?: string;
  now?: () => Date;
}

export interface TrialRunRef {
  runId: string;
  experimentId: string;
}

export interface ProgressCounts {
  finished: number; // COMPLETE + PRUNED
  completed: number; // COMPLETE only
  best: number | null;
  /** A multi-objective sweep: the front's size and each objective's best, by metric name. */
  front?: { size: number; best: Array<{ metric: string; value: number | null }> };
}

/** `hpo_{backbone}_{YYYYmmdd_HHMMSS}` in local time, as the seed notebook named them. */
export function parentRunName(backbone: string, at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${at.getFullYear()}${p(at.getMonth() + 1)}${p(at.getDate())}_${p(at.getHours())}${p(at.getMinutes())}${p(at.getSeconds())}`;
  return `hpo_${backbone}_${stamp}`;
}

async function getOrCreateExperiment(store: TrackingStore, name: string): Promise<string> {
  const found = await store.getExperimentByName(name);
  if (found) {
    if (found.lifecycle_stage === 'deleted') await store.restoreExperiment(found.experiment_id);
    return found.experiment_id;
  }
  try {
    return await store.createExperiment(name);
  } catch (err) {
    // Another runner may have created it between our lookup and create.
    if (err instanceof MlflowError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') {
      const again = await store.getExperimentByName(name);
      if (again) return again.experiment_id;
    }
    throw err;
  }
}

/** Whether the store still holds this run as an active run (a resume continues it then). */
async function liveRun(store: TrackingStore, runId: string): Promise<boolean> {
  try {
    const run = await store.getRun(runId);
    return run.info.lifecycle_stage === 'active';
  } catch (err) {
    if (err instanceof MlflowError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return false;
    // The remote is away: the study names this run as its parent, so continue it (the writes wait
    // in the outbox) rather than leave a second parent behind.
    if (err instanceof StoreUnavailableError) return true;
    throw err;
  }
}

export class SweepTracking {
  private constructor(
    readonly store: TrackingStore,
    readonly experimentId: string,
    readonly parentRunId: string,
    /** True when an earlier session's parent run was continued rather than a new one made. */
    readonly continuedParent: boolean,
    readonly resumeCount: number,
    private readonly now: () => Date,
  ) {}

  /** Creates the parent run, or continues the study's earlier one when the active store has it. */
  static async start(input: SweepTrackingInput): Promise<SweepTracking> {
    const { store } = input;
    const now = input.now ?? (() => new Date());
    const experimentId = await getOrCreateExperiment(store, input.experimentName);
    const prevId = input.previous.parentRunId;
    const sameStore = !input.previous.trackingUri || input.previous.trackingUri === store.uri;
    const resumeCount = input.resumedFromCheckpoint ? (input.previous.resumeCount ?? 0) + 1 : 0;
    if (input.joinParentRunId) return new SweepTracking(store, experimentId, input.joinParentRunId, true, input.previous.resumeCount ?? 0, now);

    if (prevId && sameStore && (await liveRun(store, prevId))) {
      await store.updateRun(prevId, { status: 'RUNNING' });
      await store.logBatch(prevId, {
        tags: [
          { key: 'resumed_from_checkpoint', value: 'true' },
          { key: 'sweepdeck.resume_count', value: String(resumeCount) },
        ],
      });
      return new SweepTracking(store, experimentId, prevId, true, resumeCount, now);
    }

    const tags: KeyValue[] = [
      { key: 'resumed_from_checkpoint', value: String(input.resumedFromCheckpoint) },
      { key: 'sweepdeck.resume_count', value: String(resumeCount) },
      { key: 'sweepdeck.kind', value: 'sweep' },
    ];
    // A new parent for a resumed study links back to the run it continues.
    if (prevId) tags.push({ key: 'sweepdeck.previous_parent_run_id', value: prevId });
    const run = await store.createRun({
      experimentId,
      runName: parentRunName(input.backbone, now()),
      startTime: now().getTime(),
      tags,
    });
    const parentRunId = run.info.run_id;
    await store.logBatch(parentRunId, {
      params: [
        { key: 'backbone', value: input.backbone },
        { key: 'max_trials', value: String(input.maxTrials) },
        { key: 'study_name', value: input.studyName },
        { key: 'checkpoint_path', value: input.checkpointPath },
        { key: 'checkpoint_enabled', value: String(input.checkpointEnabled) },
        { key: 'checkpoint_storage_type', value: /^postgres/i.test(input.checkpointPath) ? 'postgresql' : 'sqlite' },
      ],
    });
    return new SweepTracking(store, experimentId, parentRunId, false, resumeCount, now);
  }

  /** Study user attrs to persist so the next session finds this parent run. */
  studyAttrs(): Record<string, unknown> {
    return {
      [STUDY_ATTR_PARENT_RUN]: this.parentRunId,
      [STUDY_ATTR_EXPERIMENT]: this.experimentId,
      [STUDY_ATTR_TRACKING_URI]: this.store.uri,
      [STUDY_ATTR_RESUME_COUNT]: this.resumeCount,
    };
  }

  /** Creates the trial's child run with its params; MLflow's tags make the UI nest it. */
  async startTrial(trial: { number: number; params: Record<string, unknown> }): Promise<TrialRunRef> {
    const run = await this.store.createRun({
      experimentId: this.experimentId,
      runName: `trial_${trial.number}`,
      startTime: this.now().getTime(),
      tags: [
        { key: 'mlflow.parentRunId', value: this.parentRunId },
        { key: 'trial_number', value: String(trial.number) },
      ],
    });
    const params = Object.entries(trial.params).map(([key, value]) => ({ key, value: String(value) }));
    if (params.length) await this.store.logBatch(run.info.run_id, { params });
    return { runId: run.info.run_id, experimentId: this.experimentId };
  }

  /** MLflow's own variables, so an unmodified training script logs into its child run. */
  static trialEnv(ref: TrialRunRef, endpoint: { url: string; token: string }): Record<string, string> {
    return {
      MLFLOW_TRACKING_URI: endpoint.url,
      MLFLOW_TRACKING_TOKEN: endpoint.token,
      MLFLOW_RUN_ID: ref.runId,
      MLFLOW_EXPERIMENT_ID: ref.experimentId,
    };
  }

  /** The points the trial logged itself through MLflow for one key, in step order. The store picks
   * its page size (Azure refuses pages of 1,000 or more); this pages through whatever it gives. */
  async history(runId: string, key: string): Promise<Metric[]> {
    const out: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.store.getMetricHistory(runId, key, pageToken ? { pageToken } : {});
      out.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return out.sort((a, b) => compareSteps(a.step, b.step) || a.timestamp - b.timestamp);
  }

  /**
   * Brings the child run level with what the runner saw, never logging a step the run already holds:
   * the objective gets the study's intermediate values (the reference both must agree on), every
   * other key its stdout points. A pruned trial is stopped right after printing a step, before it
   * can log that step itself, so the last step often comes from here. A non-objective key the trial
   * logs itself at other steps than it prints (per batch in MLflow, per epoch on stdout) is left
   * alone: its own history is the source of truth there.
   */
  async syncTrialMetrics(
    runId: string,
    objective: { key: string; points: ReadonlyArray<readonly [step: number, value: number]> },
    stdout: ReadonlyArray<{ key: string; value: number; step: number }>,
  ): Promise<void> {
    const wanted = new Map<string, Map<number, number>>();
    for (const p of stdout) {
      if (p.key === objective.key) continue;
      let byStep = wanted.get(p.key);
      if (!byStep) wanted.set(p.key, (byStep = new Map()));
      byStep.set(p.step, p.value); // a step printed twice keeps its last value, as the study does
    }
    wanted.set(objective.key, new Map(objective.points));
    const ts = this.now().getTime();
    const metrics: Metric[] = [];
    for (const [key, byStep] of wanted) {
      if (!byStep.size) continue;
      const held = new Set((await this.history(runId, key)).map((m) => m.step));
      if (key !== objective.key && [...held].some((step) => typeof step !== 'number' || !byStep.has(step))) continue;
      const missing = [...byStep].filter(([step]) => !held.has(step)).sort((a, b) => a[0] - b[0]);
      for (const [step, value] of missing) metrics.push({ key, value, step, timestamp: ts });
    }
    for (let i = 0; i < metrics.length; i += 1000) await this.store.logBatch(runId, { metrics: metrics.slice(i, i + 1000) });
  }

  /** Closes a child run with the status that matches the trial's end. */
  async endTrial(runId: string, state: 'COMPLETE' | 'PRUNED' | 'FAIL', reason?: string): Promise<void> {
    const status: RunStatus = state === 'COMPLETE' ? 'FINISHED' : state === 'PRUNED' ? 'KILLED' : 'FAILED';
    const tags: KeyValue[] = [{ key: 'optuna.trial_state', value: state }];
    if (reason) tags.push({ key: 'sweepdeck.fail_reason', value: reason.slice(0, 5000) });
    await this.store.logBatch(runId, { tags });
    await this.store.updateRun(runId, { status, endTime: this.now().getTime() });
  }

  /**
   * Closes the child runs of this parent still RUNNING whose trial is finished in the study, with the
   * trial's state (a runner that died left them; its trials were failed as stale since). A child run
   * whose trial still runs (another live runner's) is left alone. `trialOf` maps a run to its trial's
   * end, by the run id the study holds or the run's trial_number tag; undefined: still running.
   */
  async closeFinishedChildren(trialOf: (runId: string, trialNumber: number | undefined) => { state: 'COMPLETE' | 'PRUNED' | 'FAIL'; reason?: string } | undefined): Promise<number> {
    const open: Array<{ runId: string; trialNumber: number | undefined }> = [];
    let pageToken: string | undefined;
    try {
      do {
        const page = await this.store.searchRuns({
          experimentIds: [this.experimentId],
          // Azure ML refuses any filter on attributes.status, so the status is checked here.
          filter: `tags.\`mlflow.parentRunId\` = '${this.parentRunId}'`,
          maxResults: 1000,
          ...(pageToken ? { pageToken } : {}),
        });
        for (const run of page.items) {
          if (run.info.status !== 'RUNNING') continue;
          const tag = (run.data.tags ?? []).find((t) => t.key === 'trial_number')?.value;
          const n = tag !== undefined && /^\d+$/.test(tag) ? Number(tag) : undefined;
          open.push({ runId: run.info.run_id, trialNumber: n });
        }
        pageToken = page.nextPageToken;
      } while (pageToken);
    } catch (err) {
      // Offline the children cannot be listed; the next start or end with the remote back closes them.
      if (err instanceof StoreUnavailableError) return 0;
      throw err;
    }
    let closed = 0;
    for (const run of open) {
      const end = trialOf(run.runId, run.trialNumber);
      if (!end) continue;
      await this.endTrial(run.runId, end.state, end.reason ?? (end.state === 'FAIL' ? 'the runner stopped before the trial ended' : undefined));
      closed++;
    }
    return closed;
  }

  /** Parent metrics are updated as trials end, so a live sweep shows its progress in MLflow. */
  async updateProgress(c: ProgressCounts): Promise<void> {
    const ts = this.now().getTime();
    const step = c.finished;
    const metrics: Metric[] = [
      { key: 'n_trials', value: c.finished, timestamp: ts, step },
      { key: 'n_completed_trials', value: c.completed, timestamp: ts, step },
    ];
    if (c.best !== null) metrics.push({ key: 'best_value', value: c.best, timestamp: ts, step });
    if (c.front) {
      metrics.push({ key: 'pareto_front_size', value: c.front.size, timestamp: ts, step });
      for (const b of c.front.best) if (b.value !== null) metrics.push({ key: `best_${b.metric}`, value: b.value, timestamp: ts, step });
    }
    await this.store.logBatch(this.parentRunId, { metrics });
  }

  /** Ends the parent run. Its status is written even when the progress metrics cannot be (a full
   * disk refuses the new metric rows first): a run left RUNNING would look alive forever. */
  async finish(status: 'FINISHED' | 'FAILED' | 'KILLED', counts: ProgressCounts): Promise<void> {
    let progressError: unknown;
    try {
      await this.updateProgress(counts);
    } catch (err) {
      progressError = err;
    }
    await this.store.updateRun(this.parentRunId, { status, endTime: this.now().getTime() });
    if (progressError !== undefined) throw progressError;
  }
}
