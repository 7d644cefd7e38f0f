// Turns a validated config plus run options into the concrete numbers and paths a sweep uses, so
// the runner itself never interprets the config.
import path from 'node:path';
import { resolveCheckpointPath, resolveStudyName, type HpoConfig } from '../../../shared/config.ts';
import type { Direction } from '../search/types.ts';
import { isStudyUrl, parseStudyUrl } from '../studies/studyUrl.ts';
import { StudyError } from '../studies/types.ts';

export interface SweepPlan {
  studyName: string;
  /** Objective 0 (the only one of a single-objective sweep). */
  direction: Direction;
  objectiveMetric: string;
  /** Every objective, in the study's objective order. */
  directions: Direction[];
  objectiveMetrics: string[];
  /** Metrics whose values (<= 0 feasible) are stored as the trial's `constraints` system attr. */
  constraintMetrics: string[];
  /** Absolute path of the study file the engine uses, or its study URL without the password: what
   * messages, events and the registry show. */
  studyPath: string;
  /** What the engine opens: the same path, or the study URL as given (it may hold a password:
   * never shown). */
  studyLocation: string;
  /** The study is a database server's (`postgresql://`), shared by workers on many machines. */
  shared: boolean;
  /** False: `studyPath` is a throw-away file for this run only (checkpoint.enabled: false). */
  checkpointEnabled: boolean;
  /** The configured checkpoint path (absolute), even when checkpointing is off. */
  checkpointPath: string;
  autoResume: boolean;
  maxTrials: number;
  maxConcurrent: number;
  maxFailed: number;
  sweepTimeoutMs: number | undefined;
  trialTimeoutMs: number | undefined;
  outputDir: string;
  /** Trial dirs are `<trialsRoot>/trial_<number>`. */
  trialsRoot: string;
  /** Working directory of trial processes. */
  trialCwd: string;
}

export interface PlanInput {
  config: HpoConfig;
  /** Output dir (made absolute against process.cwd()). */
  outputDir: string;
  /** Directory of the config file; relative trial.cwd resolves here. Default: process.cwd(). */
  configDir?: string;
  /** --max-trials override. */
  maxTrials?: number;
  /** Where the throw-away study goes when checkpointing is off. */
  ephemeralStudyPath?: string;
  /** `--storage`: a study file or URL instead of the config's. */
  storage?: string;
  /** `--slots`: trials at once in this process instead of sampling.max_concurrent_trials. */
  slots?: number;
}

const MINUTE = 60_000;

export function planSweep(input: PlanInput): SweepPlan {
  const { config } = input;
  const outputDir = path.resolve(input.outputDir);
  const configDir = path.resolve(input.configDir ?? process.cwd());
  const studyName = resolveStudyName(config);
  const configured = input.storage ?? resolveCheckpointPath(config, outputDir);
  const shared = isStudyUrl(configured);
  const url = shared ? parseStudyUrl(configured) : undefined;
  if (url && !config.checkpoint.enabled) {
    throw new StudyError('BAD_URL', `${url.redacted}: a study URL is a shared study, never a throw-away one; remove checkpoint.enabled: false, or use a study file.`);
  }
  const checkpointPath = url ? url.redacted : path.resolve(outputDir, configured);
  const maxTrials = input.maxTrials ?? config.sampling.max_trials;
  // The study is the engine's state even without a checkpoint: then it lives in a file that this
  // run creates fresh and deletes at the end, so nothing is ever resumed from it.
  const checkpointEnabled = config.checkpoint.enabled;
  const studyPath = checkpointEnabled
    ? checkpointPath
    : path.resolve(input.ephemeralStudyPath ?? path.join(outputDir, `.sweepdeck-unsaved-${process.pid}-${Date.now()}.db`));
  // The mission's layout: trial dirs sit beside the checkpoint, e.g. outputs/hpo/distilbert/trial_3.
  const trialsRoot = path.join(outputDir, config.backbone, studyName === `hpo_${config.backbone}` ? '' : studyName);
  return {
    studyName,
    direction: config.objective.goal,
    objectiveMetric: config.objective.metric,
    directions: config.objectives.map((o) => o.goal),
    objectiveMetrics: config.objectives.map((o) => o.metric),
    constraintMetrics: [...config.constraints],
    studyPath,
    studyLocation: url ? configured.trim() : studyPath,
    shared,
    checkpointEnabled,
    checkpointPath,
    autoResume: config.checkpoint.auto_resume,
    maxTrials,
    maxConcurrent: input.slots ?? config.sampling.max_concurrent_trials,
    maxFailed: config.sampling.max_failed_trials,
    sweepTimeoutMs: config.sampling.timeout_minutes !== undefined ? config.sampling.timeout_minutes * MINUTE : undefined,
    trialTimeoutMs: config.trial.timeout_minutes !== undefined ? config.trial.timeout_minutes * MINUTE : undefined,
    outputDir,
    trialsRoot,
    trialCwd: config.trial.cwd !== undefined ? path.resolve(configDir, config.trial.cwd) : configDir,
  };
}
