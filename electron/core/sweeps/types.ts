// The runner's public shapes: hooks the tracking layer implements, progress events, the result.
import type { FinishedState, ParamValue, Pruner, Sampler, SearchSpace, TrialState } from '../search/types.ts';

/** The config's search space, sampler and pruner, as the engine needs them (searchComponents.ts). */
export interface SearchComponents {
  space: SearchSpace;
  sampler: Sampler;
  pruner: Pruner;
}

export interface TrialRef {
  trialId: number;
  number: number;
  params: Record<string, ParamValue>;
  trialDir: string;
}

export interface SweepCounts {
  /** COMPLETE + PRUNED: what max_trials counts. */
  finished: number;
  complete: number;
  pruned: number;
  failed: number;
  /** RUNNING in the study (this runner's and any other's). */
  running: number;
  waiting: number;
}

export interface SweepStartContext {
  studyId: number;
  studyName: string;
  /** Configured checkpoint path (absolute), also when checkpointing is off. */
  checkpointPath: string;
  checkpointEnabled: boolean;
  /** The study held trials before this run started. */
  resumed: boolean;
  maxTrials: number;
  outputDir: string;
  /** The study's user attrs as they were at start (tracking keeps its run ids there). */
  studyUserAttrs: Record<string, unknown>;
  setStudyUserAttr(key: string, value: unknown): Promise<void>;
  /** Every trial's user attrs now; with the setter, valid until onSweepEnd returns. */
  trialUserAttrs(): Promise<Array<{ trialId: number; userAttrs: Record<string, unknown> }>>;
  /** Every trial's number and state now, with its fail_reason (tracking closes the child runs of
   * finished trials from it); valid until onSweepEnd returns. */
  trialStates(): Promise<Array<{ trialId: number; number: number; state: TrialState; userAttrs: Record<string, unknown>; failReason?: string }>>;
  /** Sets a link attr (a run id), also on finished trials: see StudyStorage.setTrialLinkAttr. */
  setTrialLinkAttr(trialId: number, key: string, value: unknown): Promise<void>;
  /** A trial's intermediate values of the objective as the study holds them, by step. */
  trialIntermediateValues(trialId: number): Promise<Array<[step: number, value: number]>>;
  /** The study's system attrs now (shared by every worker: the parent run claim lives there). */
  studySystemAttrs(): Promise<Record<string, unknown>>;
  setStudySystemAttr(key: string, value: unknown): Promise<void>;
  /** Inserts a study system attr only when the study has none under that key; true when this call
   * wrote it (the first of several workers racing for it). */
  claimStudySystemAttr(key: string, value: unknown): Promise<boolean>;
  /** True when the study is a database shared by workers on many machines. */
  shared: boolean;
  counts: SweepCounts;
}

export interface TrialStartResult {
  /** Extra env for the trial process, e.g. MLFLOW_RUN_ID. */
  env?: Record<string, string>;
  /** Stored on the trial (e.g. the child run id). */
  userAttrs?: Record<string, unknown>;
}

export interface SweepSummary {
  status: SweepStatus;
  message?: string;
  counts: SweepCounts;
  best: { number: number; value: number } | null;
  /** A multi-objective sweep only (best is then null). */
  front?: SweepFront;
}

/** A multi-objective study's Pareto front (Optuna's best_trials) and each objective's best value. */
export interface SweepFront {
  size: number;
  /** Objective order; null while no trial is COMPLETE. */
  bestPerObjective: Array<number | null>;
}

/**
 * What the tracking layer plugs in. Every hook is optional and may be async. A hook that throws is
 * reported as a warning and the sweep goes on: tracking must never cost a trial.
 */
export interface SweepHooks {
  onSweepStart?(ctx: SweepStartContext): void | Promise<void>;
  onTrialStart?(trial: TrialRef): TrialStartResult | void | Promise<TrialStartResult | void>;
  /** Every metric the trial printed on stdout (objective included). */
  onTrialMetric?(trial: TrialRef, key: string, value: number, step: number): void | Promise<void>;
  onTrialEnd?(trial: TrialRef, state: FinishedState, value: number | null, reason: string | undefined): void | Promise<void>;
  /** After each trial end, with the study's counts. */
  onProgress?(counts: SweepCounts, best: { number: number; value: number } | null, front?: SweepFront): void | Promise<void>;
  onSweepEnd?(summary: SweepSummary): void | Promise<void>;
  /** A second metric channel (e.g. MLflow history the trial logs itself): the objective's points so
   * far (or those of `metric`: the other objectives and the constraints of a multi-objective sweep).
   * Polled while the trial runs and once after it exits; steps already known are ignored. */
  pollTrialMetrics?(trial: TrialRef, metric?: string): Promise<ReadonlyArray<{ step: number; value: number }>>;
}

export type SweepStatus =
  /** max_trials finished trials reached. */
  | 'completed'
  /** stop() was called (e.g. Ctrl-C); the study is resumable. */
  | 'stopped'
  /** sampling.timeout_minutes passed; the study is resumable. */
  | 'timed-out'
  /** The sweep could not go on: broken command, too many failures, storage error. */
  | 'failed'
  /** Not produced any more (kept so existing callers still type-check): when other runners' trials
   * hold the last slots, the runner now waits for them ('waiting' event) and ends 'completed'. */
  | 'slots-held-elsewhere';

export type SweepEvent =
  | { type: 'sweep-start'; studyName: string; studyPath: string; resumed: boolean; maxTrials: number; counts: SweepCounts; staleFailed: number[]; reoffered: number[]; runningElsewhere: number[] }
  | { type: 'trial-start'; number: number; params: Record<string, ParamValue>; trialDir: string; fromWaiting: boolean }
  | { type: 'trial-intermediate'; number: number; step: number; value: number }
  | { type: 'trial-metric'; number: number; key: string; value: number; step: number }
  | { type: 'trial-log'; number: number; stream: 'stdout' | 'stderr'; line: string }
  | { type: 'trial-end'; number: number; state: FinishedState; value: number | null; reason?: string; durationMs: number; reofferedAs?: number }
  | { type: 'progress'; counts: SweepCounts; maxTrials: number; best: { number: number; value: number } | null }
  | { type: 'warning'; message: string }
  /** Nothing left to start here, but trials of another runner still hold slots: waiting for them. */
  | { type: 'waiting'; running: number; finished: number; maxTrials: number }
  | { type: 'sweep-end'; result: SweepResult };

export interface SweepResult extends SweepSummary {
  studyName: string;
  studyPath: string;
  checkpointPath: string;
  checkpointEnabled: boolean;
  maxTrials: number;
  /** Trials this run started. */
  trialsStarted: number;
}
