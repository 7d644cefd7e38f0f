// The headless sweep runner: claims trial slots from the study, runs each trial's command as a child
// process, turns its metric lines into intermediate values and pruning decisions, and records every
// outcome in the study before reporting it. A kill at any moment loses no finished trial: the study
// file is the only state, and a resume picks up from it.
//
// Choices worth knowing:
// - Graceful stop terminates running trials, marks them FAIL (system attr fail_reason "stopped by
//   user") and offers their params again as WAITING trials, which a resume runs first.
// - The sweep timeout stops new trials from starting; running trials finish (bounded by the trial
//   timeout), as Optuna's optimize(timeout=...) does. Resume then continues.
// - With checkpoint.enabled false the engine still keeps its state in a study file: a fresh one for
//   this run, deleted at the end.
// - max_failed_trials counts failures caused by trials in this run (not trials failed because a
//   runner was killed), so repeated kills never exhaust it.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HpoConfig } from '../../../shared/config.ts';
import { SearchSpaceExhaustedError } from '../search/errors.ts';
import type { FinishedState, FrozenTrial, TrialState } from '../search/types.ts';
import { isStopRequest, SYS_PARENT_RUN, SYS_STOP_REQUESTED, SYS_WORKER_HOST, SYS_WORKER_PID, SYS_WORKER_SLOT, type StopRequest } from '../studies/sweepdeckAttrs.ts';
import { StudyError, type AsyncStudyStorage } from '../studies/types.ts';
import { buildArgv } from './argvTemplate.ts';
import { DEFAULT_HEARTBEAT_MS, STALE_HEARTBEATS } from './heartbeat.ts';
import { parseMetricLine } from './metricLines.ts';
import { storeSweepConfig } from './sharedConfig.ts';
import { staleRetryOptions } from './staleRetry.ts';
import { StudyEngine, SYS_FAIL_REASON } from './studyEngine.ts';
import { planSweep, type SweepPlan } from './sweepPlan.ts';
import { openSweepStore, type SweepStore } from './sweepStore.ts';
import { trialEnvironment } from './trialEnv.ts';
import { TrialProcess, type TrialExit } from './trialProcess.ts';
import type { SearchComponents, SweepCounts, SweepEvent, SweepFront, SweepHooks, SweepResult, SweepStatus, TrialRef, TrialStartResult } from './types.ts';

export type { SearchComponents } from './types.ts';

/** Opens the study file or study URL a sweep runs on. */
export type OpenStorage = (location: string, opts: { create: boolean; runner: boolean }) => Promise<SweepStore>;

export interface RunSweepOptions {
  config: HpoConfig;
  outputDir: string;
  /** Directory of the config file (trial cwd default). */
  configDir?: string;
  maxTrials?: number;
  hooks?: SweepHooks;
  onEvent?: (e: SweepEvent) => void;
  /** Trials heartbeat this often; RUNNING trials older than 3x this are stale on resume. */
  heartbeatIntervalMs?: number;
  /** SIGTERM -> SIGKILL grace for stopped, pruned and timed-out trials. */
  killGraceMs?: number;
  /** How often hooks.pollTrialMetrics is called while a trial runs. */
  metricPollIntervalMs?: number;
  /** A trial command that fails this many times in a row, the same way, before any trial of this run
   * succeeds, is treated as broken and ends the sweep. */
  brokenCommandThreshold?: number;
  /** Injected in tests; default: the Optuna SQLite storage for a file, the PostgreSQL one for a
   * study URL, and the config's search components. */
  openStorage?: OpenStorage;
  components?: SearchComponents;
  /** The study file or `postgresql://` URL (`--storage`), instead of the config's. */
  storage?: string;
  /** Trials run at once by this process (`--slots`), instead of sampling.max_concurrent_trials. */
  slots?: number;
  /** 'run' (default) starts the sweep: it removes a stop request left in the study. A 'worker' joins
   * one: it honours a stop request, even one made before it started. */
  role?: 'run' | 'worker';
  /** How often the study is checked for a stop request (default: the heartbeat interval). */
  stopPollMs?: number;
  /** Called once the study is open and set up (before the first trial): e.g. to store the config. */
  onStudyReady?: (ctx: { store: SweepStore; studyId: number }) => Promise<void>;
}

export interface SweepHandle {
  /** Resolves when the sweep ends; rejects with SweepSetupError when it could not start. */
  done: Promise<SweepResult>;
  /** Graceful stop: running trials are terminated, marked FAIL and re-offered. Idempotent. */
  stop(): void;
}

/** The sweep could not start; the message says what to do. */
export class SweepSetupError extends Error {
  constructor(
    message: string,
    readonly code: 'CHECKPOINT_EXISTS' | 'DIRECTION_MISMATCH' | 'STORAGE' | 'CONFIG',
    /** For STORAGE: the StudyError's code (CORRUPT, LOCKED, READ_ONLY_FILE, ...). */
    readonly studyCode?: string,
  ) {
    super(message);
    this.name = 'SweepSetupError';
  }
}

// The staleness rule is shared with the app (heartbeat.ts).
export { DEFAULT_HEARTBEAT_MS, STALE_HEARTBEATS };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const BUDGET_STATES: readonly TrialState[] = ['COMPLETE', 'PRUNED', 'RUNNING'];

export function runSweep(options: RunSweepOptions): SweepHandle {
  const runner = new SweepRunner(options);
  return { done: runner.run(), stop: () => runner.stop() };
}

/** Study user attrs that let the app show a study file's progress without its config. */
export function sweepStudyAttrs(config: HpoConfig, plan: SweepPlan): Record<string, unknown> {
  return {
    backbone: config.backbone,
    experiment_name: config.experiment_name,
    objective_metric: plan.objectiveMetric,
    objective_goal: plan.direction,
    max_trials: plan.maxTrials,
    sampling_algorithm: config.sampling.algorithm,
    // Only a multi-objective study gets these, so a single-objective study's attrs stay as they were.
    ...(plan.directions.length > 1 ? { objective_metrics: plan.objectiveMetrics, objective_goals: plan.directions } : {}),
  };
}

function sweepCounts(c: Record<TrialState, number>): SweepCounts {
  return { finished: c.COMPLETE + c.PRUNED, complete: c.COMPLETE, pruned: c.PRUNED, failed: c.FAIL, running: c.RUNNING, waiting: c.WAITING };
}

interface RunningTrial {
  ref: TrialRef;
  proc: TrialProcess | undefined;
  done: Promise<void>;
}

function failureSignature(exit: TrialExit): string {
  const lastErr = exit.stderrTail.split('\n').filter((l) => l.trim()).pop() ?? '';
  return `${exit.kind}|${exit.code}|${exit.signal}|${lastErr}`;
}

class SweepRunner {
  private readonly opts: RunSweepOptions;
  private readonly hbMs: number;
  private readonly running = new Map<number, RunningTrial>();
  private stopping = false;
  private timedOut = false;
  private fatal: string | undefined;
  private failuresThisRun = 0;
  private completesThisRun = 0;
  private sameFailureStreak: { sig: string; n: number } | undefined;
  private trialsStarted = 0;
  private storage: AsyncStudyStorage | undefined;
  private store: SweepStore | undefined;
  /** Slot numbers (0-based) of this process's running trials. */
  private readonly slotsInUse = new Set<number>();
  /** The runner's environment as the sweep started, which trials inherit (through the policy of
   * trialEnv.ts): copied once, as reading process.env costs some 50 µs per trial. */
  private readonly inheritedEnv: Readonly<Record<string, string | undefined>> = { ...process.env };
  /** Finishes committed but not yet on disk (see StudyEngine.tellFlushLater). */
  private readonly flushing = new Set<Promise<void>>();
  private stopRequest: StopRequest | undefined;
  private engine: StudyEngine | undefined;
  private plan: SweepPlan | undefined;

  constructor(opts: RunSweepOptions) {
    this.opts = opts;
    this.hbMs = opts.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_MS;
  }

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const r of this.running.values()) r.proc?.stop('stopped');
  }

  private emit(e: SweepEvent): void {
    try {
      this.opts.onEvent?.(e);
    } catch {
      // A listener's bug must not break the sweep.
    }
  }

  private warn(message: string): void {
    this.emit({ type: 'warning', message });
  }

  /** Runs a hook; a failure becomes a warning. */
  private async hook<T>(name: string, fn: (() => T | Promise<T>) | undefined): Promise<T | undefined> {
    if (!fn) return undefined;
    try {
      return await fn();
    } catch (err) {
      this.warn(`tracking hook ${name} failed (the sweep goes on): ${(err as Error).message}`);
      return undefined;
    }
  }

  async run(): Promise<SweepResult> {
    const { config } = this.opts;
    let plan: SweepPlan;
    try {
      plan = planSweep({ config, outputDir: this.opts.outputDir, configDir: this.opts.configDir, maxTrials: this.opts.maxTrials, ...(this.opts.storage !== undefined ? { storage: this.opts.storage } : {}), ...(this.opts.slots !== undefined ? { slots: this.opts.slots } : {}) });
    } catch (err) {
      if (err instanceof StudyError) throw new SweepSetupError(err.message, 'CONFIG', err.code);
      throw err;
    }
    this.plan = plan;
    const hooks = this.opts.hooks ?? {};

    if (plan.checkpointEnabled && !plan.shared && existsSync(plan.studyPath) && !plan.autoResume) {
      throw new SweepSetupError(
        `checkpoint ${plan.studyPath} already exists and checkpoint.auto_resume is false. To continue that sweep set ` +
          `checkpoint.auto_resume: true; to start a new one move or delete the file, or use another --output-dir or checkpoint.storage_path.`,
        'CHECKPOINT_EXISTS',
      );
    }
    mkdirSync(plan.outputDir, { recursive: true });
    if (!plan.shared) mkdirSync(path.dirname(plan.studyPath), { recursive: true });

    let components: SearchComponents;
    try {
      components = this.opts.components ?? (await import('./searchComponents.ts')).searchComponents(config);
    } catch (err) {
      throw new SweepSetupError(`search_space / sampling: ${(err as Error).message}`, 'CONFIG');
    }
    const open = this.opts.openStorage ?? openSweepStore;
    let store: SweepStore;
    try {
      store = await open(plan.studyLocation, { create: true, runner: true });
    } catch (err) {
      if (err instanceof StudyError) {
        // A URL's own messages name it (without its password) already.
        throw new SweepSetupError(plan.shared ? err.message : `checkpoint.storage_path ${plan.studyPath}: ${err.message}`, 'STORAGE', err.code);
      }
      throw err;
    }
    const storage = store.storage;
    this.store = store;
    this.storage = storage;
    try {
      return await this.runOpen(store, plan, components, hooks);
    } catch (err) {
      // A study file problem found while setting up (e.g. a param stored with another distribution).
      if (err instanceof StudyError) throw new SweepSetupError(`${plan.studyPath}: ${err.message}`, 'STORAGE', err.code);
      throw err;
    } finally {
      try {
        await storage.close();
      } catch (err) {
        this.warn(`closing ${plan.studyPath} failed: ${(err as Error).message}`);
      }
      if (!plan.checkpointEnabled && !plan.shared) rmSync(plan.studyPath, { force: true });
      for (const ext of plan.checkpointEnabled ? [] : ['-wal', '-shm', '-journal']) rmSync(plan.studyPath + ext, { force: true });
    }
  }

  private async counts(): Promise<SweepCounts> {
    return sweepCounts(await this.storage!.countTrials(this.engine!.studyId));
  }

  private async runOpen(store: SweepStore, plan: SweepPlan, components: SearchComponents, hooks: SweepHooks): Promise<SweepResult> {
    const { config } = this.opts;
    const storage = store.storage;
    let study = await storage.getStudy(plan.studyName);
    const existed = study !== undefined;
    if (!study) {
      try {
        study = await storage.createStudy(plan.studyName, plan.directions);
      } catch (err) {
        // Another runner created it a moment ago: join that one.
        if (!(err instanceof StudyError && err.code === 'STUDY_EXISTS')) throw err;
        study = (await storage.getStudy(plan.studyName))!;
      }
    }
    const dirs = study.directions;
    if (dirs.length !== plan.directions.length || dirs.some((d, i) => d !== plan.directions[i])) {
      const field = plan.directions.length > 1 ? 'objectives' : 'objective.goal';
      throw new SweepSetupError(
        `study '${plan.studyName}' in ${plan.studyPath} has direction(s) ${dirs.join(', ')} but ${field} ${plan.directions.length > 1 ? 'says' : 'is'} ${plan.directions.join(', ')}: ` +
          `fix ${dirs.length > 1 && plan.directions.length === 1 ? 'the config (give objectives: one {metric, goal} per direction)' : field}, or use another study_name for a new study.`,
        'DIRECTION_MISMATCH',
      );
    }
    const engine = new StudyEngine({ store, studyId: study.studyId, direction: plan.direction, directions: plan.directions, ...components });
    this.engine = engine;
    const before = await this.counts();
    const resumed = existed && before.finished + before.failed + before.running + before.waiting > 0;

    for (const [k, v] of Object.entries(sweepStudyAttrs(config, plan))) {
      if (JSON.stringify(study.userAttrs[k]) !== JSON.stringify(v)) await storage.setStudyUserAttr(study.studyId, k, v);
    }
    // Optuna >= 3.2 and optuna-dashboard show the objective's name from this key.
    if (!Array.isArray(study.systemAttrs['study:metric_names'])) await storage.setStudySystemAttr(study.studyId, 'study:metric_names', plan.objectiveMetrics);
    // Starting a sweep takes back an earlier Stop; a joining worker honours it.
    if ((this.opts.role ?? 'run') === 'run' && study.systemAttrs[SYS_STOP_REQUESTED] !== undefined && study.systemAttrs[SYS_STOP_REQUESTED] !== null) {
      await store.clearStudySystemAttr(study.studyId, SYS_STOP_REQUESTED);
    } else if (isStopRequest(study.systemAttrs[SYS_STOP_REQUESTED])) {
      this.onStopRequest(study.systemAttrs[SYS_STOP_REQUESTED]);
    }
    // A parent-run claim whose worker died before it wrote the run id would keep every worker
    // waiting: starting the sweep takes it back (tracking makes or continues the parent then).
    const parentClaim = study.systemAttrs[SYS_PARENT_RUN];
    if ((this.opts.role ?? 'run') === 'run' && parentClaim && typeof parentClaim === 'object' && (parentClaim as { run_id?: unknown }).run_id === '') {
      await store.clearStudySystemAttr(study.studyId, SYS_PARENT_RUN);
    }
    if (plan.shared) await storeSweepConfig(store, study, config, this.opts.role ?? 'run');
    await this.opts.onStudyReady?.({ store, studyId: study.studyId });

    // Trials of a dead runner: FAIL them, as Optuna's heartbeat handling does, and offer their params
    // again. A RUNNING trial with a fresh heartbeat belongs to a live runner and is left alone, and so
    // is one without heartbeats (running elsewhere, e.g. Python Optuna): the user may fail it on
    // purpose (`sweepdeck sweep fail-trial`).
    const { failed: stale, reoffered } = await this.failStale();
    const counts = await this.counts();
    const runningElsewhere = (await storage.runningElsewhere(study.studyId)).map((t) => t.number);
    this.emit({ type: 'sweep-start', studyName: plan.studyName, studyPath: plan.studyPath, resumed, maxTrials: plan.maxTrials, counts, staleFailed: stale.map((t) => t.number), reoffered, runningElsewhere });

    const studyId = study.studyId;
    await this.hook('onSweepStart', hooks.onSweepStart && (() =>
      hooks.onSweepStart!({
        studyId,
        studyName: plan.studyName,
        checkpointPath: plan.checkpointPath,
        checkpointEnabled: plan.checkpointEnabled,
        resumed,
        maxTrials: plan.maxTrials,
        outputDir: plan.outputDir,
        studyUserAttrs: { ...study.userAttrs },
        setStudyUserAttr: (k, v) => storage.setStudyUserAttr(studyId, k, v),
        trialUserAttrs: async () => (await storage.getTrials(studyId)).map((t) => ({ trialId: t.trialId, userAttrs: t.userAttrs })),
        trialStates: async () =>
          (await storage.getTrials(studyId)).map((t) => {
            const reason = t.systemAttrs[SYS_FAIL_REASON];
            return { trialId: t.trialId, number: t.number, state: t.state, userAttrs: t.userAttrs, ...(typeof reason === 'string' ? { failReason: reason } : {}) };
          }),
        setTrialLinkAttr: (trialId, k, v) => storage.setTrialLinkAttr(trialId, k, v),
        trialIntermediateValues: async (trialId) => (await storage.getTrial(trialId)).intermediateValues,
        studySystemAttrs: async () => (await storage.getStudy(plan.studyName))?.systemAttrs ?? {},
        claimStudySystemAttr: (k, v) => store.insertStudySystemAttr(studyId, k, v),
        setStudySystemAttr: (k, v) => storage.setStudySystemAttr(studyId, k, v),
        shared: store.shared,
        counts,
      })));

    const sweepTimer = plan.sweepTimeoutMs !== undefined ? setTimeout(() => (this.timedOut = true), plan.sweepTimeoutMs) : undefined;
    const stopWatch = this.watchStopRequests(plan.studyName);
    let status: SweepStatus;
    let message: string | undefined;
    try {
      ({ status, message } = await this.loop(plan, hooks));
    } catch (err) {
      // A storage failure mid-sweep: stop what runs, and report. Finished trials are committed.
      this.fatal = `storage error on ${plan.studyPath}: ${(err as Error).message}`;
      this.stop();
      await Promise.allSettled([...this.running.values()].map((r) => r.done));
      status = 'failed';
      message = this.fatal;
    } finally {
      clearTimeout(sweepTimer);
      stopWatch.end();
      await stopWatch.idle();
    }
    const result: SweepResult = {
      status,
      ...(message !== undefined ? { message } : {}),
      counts: await this.safeCounts(),
      best: await this.safeBest(),
      ...(await this.safeFront()),
      studyName: plan.studyName,
      studyPath: plan.studyPath,
      checkpointPath: plan.checkpointPath,
      checkpointEnabled: plan.checkpointEnabled,
      maxTrials: plan.maxTrials,
      trialsStarted: this.trialsStarted,
    };
    await this.hook('onSweepEnd', hooks.onSweepEnd && (() => hooks.onSweepEnd!({ status: result.status, ...(message !== undefined ? { message } : {}), counts: result.counts, best: result.best, ...(result.front ? { front: result.front } : {}) })));
    this.emit({ type: 'sweep-end', result });
    return result;
  }

  private async safeCounts(): Promise<SweepCounts> {
    try {
      return await this.counts();
    } catch (err) {
      this.warn(`reading the final counts failed: ${(err as Error).message}`);
      return { finished: 0, complete: 0, pruned: 0, failed: 0, running: 0, waiting: 0 };
    }
  }

  private async safeBest(): Promise<{ number: number; value: number } | null> {
    try {
      return await this.engine!.best();
    } catch (err) {
      this.warn(`reading the best trial failed: ${(err as Error).message}`);
      return null;
    }
  }

  private async safeFront(): Promise<{ front?: SweepFront }> {
    try {
      const front = await this.engine?.front();
      return front ? { front } : {};
    } catch (err) {
      this.warn(`reading the Pareto front failed: ${(err as Error).message}`);
      return {};
    }
  }

  /** A stop asked for through the study (the app's Stop, on any machine): stop like stop(). */
  private onStopRequest(req: StopRequest): void {
    if (this.stopRequest) return;
    this.stopRequest = req;
    this.stop();
  }

  /** Polls the study for a stop request while the sweep runs. */
  private watchStopRequests(studyName: string): { end(): void; idle(): Promise<void> } {
    let checking: Promise<void> = Promise.resolve();
    let warned = false;
    const check = async (): Promise<void> => {
      try {
        const req = (await this.storage!.getStudy(studyName))?.systemAttrs[SYS_STOP_REQUESTED];
        if (isStopRequest(req)) this.onStopRequest(req);
      } catch (err) {
        if (!warned) this.warn(`checking the study for a stop request failed (tried again): ${(err as Error).message}`);
        warned = true;
      }
    };
    const timer = setInterval(() => (checking = checking.then(check)), this.opts.stopPollMs ?? this.hbMs);
    timer.unref();
    return { end: () => clearInterval(timer), idle: () => checking };
  }

  /** FAILs the study's stale RUNNING trials (their runner died) and runs their params again: on a
   * study file every time; on a shared study once per trial, as Optuna's RetryFailedTrialCallback. */
  private async failStale(): Promise<{ failed: FrozenTrial[]; reoffered: number[] }> {
    const storage = this.storage!;
    const engine = this.engine!;
    const failed = await storage.failStaleTrials(engine.studyId, (STALE_HEARTBEATS * this.hbMs) / 1000);
    const reoffered: number[] = [];
    for (const t of failed) {
      if (!this.store!.shared) {
        reoffered.push(await engine.reoffer(t));
        continue;
      }
      const retry = staleRetryOptions(t);
      if (retry) reoffered.push((await storage.createTrial(engine.studyId, retry)).number);
    }
    return { failed, reoffered };
  }

  private halted(): boolean {
    return this.stopping || this.timedOut || this.fatal !== undefined || this.failuresThisRun >= Math.max(1, this.plan!.maxFailed);
  }

  private async loop(plan: SweepPlan, hooks: SweepHooks): Promise<{ status: SweepStatus; message?: string }> {
    const engine = this.engine!;
    const budget = { limit: plan.maxTrials, states: BUDGET_STATES };
    let waitingAnnounced = false;
    let gridDone: string | undefined;
    for (;;) {
      let exhausted = false;
      while (!this.halted() && this.running.size < plan.maxConcurrent) {
        // Every finished trial is on disk before another trial starts: with several slots, another
        // trial's finish may still be on its way there.
        if (this.flushing.size > 0) {
          const failed = (await Promise.allSettled([...this.flushing])).find((r) => r.status === 'rejected');
          if (failed) throw failed.reason;
          continue;
        }
        let asked;
        try {
          const slot = this.freeSlot();
          // Who runs the trial and where its files go are written by the claim itself.
          asked = await engine.ask(budget, { [SYS_WORKER_HOST]: os.hostname(), [SYS_WORKER_PID]: process.pid, [SYS_WORKER_SLOT]: slot }, (number) => ({ trial_dir: this.trialDirOf(plan, number) }));
          if (asked) this.startTrial(asked, slot, plan, hooks);
        } catch (err) {
          // A grid that has proposed every point: the sweep is complete, not broken.
          if (!(err instanceof SearchSpaceExhaustedError)) throw err;
          gridDone = err.message;
          break;
        }
        if (!asked) {
          exhausted = true;
          break;
        }
      }
      if (this.running.size === 0) {
        if (gridDone !== undefined && !this.halted()) return { status: 'completed', message: gridDone };
        if (this.fatal !== undefined) return { status: 'failed', message: this.fatal };
        if (this.stopping) {
          const by = this.stopRequest ? `stopped by a stop request in the study (from ${this.stopRequest.by} at ${this.stopRequest.at})` : 'stopped by user';
          return { status: 'stopped', message: `${by}; the study is resumable` };
        }
        if (this.failuresThisRun >= Math.max(1, plan.maxFailed)) {
          return { status: 'failed', message: `${this.failuresThisRun} trials failed in this run, reaching sampling.max_failed_trials (${plan.maxFailed}); see fail_reason and stderr.log in the trial dirs under ${plan.trialsRoot}` };
        }
        if (this.timedOut) return { status: 'timed-out', message: `sampling.timeout_minutes (${this.opts.config.sampling.timeout_minutes}) reached; the study is resumable` };
        if (exhausted) {
          const c = await this.counts();
          if (c.finished >= plan.maxTrials) return { status: 'completed' };
          // The remaining slots are held by RUNNING trials of another runner. Wait: they finish (the
          // sweep completes), fail (a slot frees up) or go stale (their runner died: fail them and
          // re-offer their params).
          const { failed: stale } = await this.failStale();
          if (stale.length) continue;
          if (!waitingAnnounced) {
            waitingAnnounced = true;
            this.emit({ type: 'waiting', running: c.running, finished: c.finished, maxTrials: plan.maxTrials });
          }
          await sleep(Math.min(this.hbMs, 1000));
          continue;
        }
        // Not reachable: with nothing running and nothing halting, the claim above starts a trial.
        return { status: 'failed', message: 'internal error: the runner had nothing to run and no reason to stop' };
      }
      await Promise.race([...this.running.values()].map((r) => r.done));
    }
  }

  /** The lowest slot number not in use by this process. */
  private freeSlot(): number {
    let slot = 0;
    while (this.slotsInUse.has(slot)) slot++;
    return slot;
  }

  private trialDirOf(plan: SweepPlan, number: number): string {
    return path.join(plan.trialsRoot, `trial_${number}`);
  }

  private startTrial(asked: { trialId: number; number: number; params: TrialRef['params']; fromWaiting: boolean }, slot: number, plan: SweepPlan, hooks: SweepHooks): void {
    this.trialsStarted++;
    this.slotsInUse.add(slot);
    const ref: TrialRef = { trialId: asked.trialId, number: asked.number, params: asked.params, trialDir: this.trialDirOf(plan, asked.number) };
    const entry: RunningTrial = { ref, proc: undefined, done: Promise.resolve() };
    entry.done = this.runTrial(entry, asked.fromWaiting, plan, hooks)
      .catch((err: unknown) => {
        entry.proc?.stop('stopped');
        // Another process finished the trial meanwhile: on a shared study a worker that judged its
        // heartbeat stale (a stall longer than the grace period). The trial is theirs now; this
        // runner goes on with others.
        if (err instanceof StudyError && err.code === 'TRIAL_FINISHED') {
          this.warn(`trial ${ref.number} was finished by another process while it ran here (its heartbeat looked stale to it), so its result here is dropped: ${err.message}`);
          return;
        }
        this.fatal ??= `trial ${ref.number}: ${(err as Error).message}`;
        this.stop();
      })
      .finally(() => {
        this.running.delete(ref.number);
        this.slotsInUse.delete(slot);
      });
    this.running.set(ref.number, entry);
  }

  private async runTrial(entry: RunningTrial, fromWaiting: boolean, plan: SweepPlan, hooks: SweepHooks): Promise<void> {
    const { ref } = entry;
    const storage = this.storage!;
    const engine = this.engine!;
    // The claim gave the trial its first heartbeat (both storages write one when a trial becomes
    // RUNNING), so a resuming runner never takes this fresh trial for a dead one.
    let hbWarned = false;
    let beating: Promise<void> = Promise.resolve();
    const beat = async (): Promise<void> => {
      try {
        await storage.heartbeat(ref.trialId);
      } catch (err) {
        if (!hbWarned) this.warn(`heartbeat of trial ${ref.number} failed: ${(err as Error).message}`);
        hbWarned = true;
      }
    };
    // One heartbeat at a time: a slow database must not pile them up.
    const hbTimer = setInterval(() => (beating = beating.then(beat)), this.hbMs);
    hbTimer.unref();
    try {
      this.emit({ type: 'trial-start', number: ref.number, params: ref.params, trialDir: ref.trialDir, fromWaiting });
      const started = (await this.hook('onTrialStart', hooks.onTrialStart && (() => hooks.onTrialStart!(ref)))) as TrialStartResult | undefined;
      for (const [k, v] of Object.entries(started?.userAttrs ?? {})) await storage.setTrialUserAttr(ref.trialId, k, v);

      const outcome = await this.execute(entry, plan, hooks, started?.env ?? {});
      clearInterval(hbTimer);
      await beating;
      const reason = outcome.state === 'FAIL' ? outcome.reason : undefined;
      // The finish is committed here; it is on disk once onDisk resolves. Nothing is reported and no
      // trial starts before that (every finished trial is durable before the next trial starts).
      const { final, onDisk } = await engine.tellFlushLater(ref, outcome.state, outcome.values ?? outcome.value, reason, outcome.constraints, outcome.unstoredSteps);
      this.flushing.add(onDisk);
      const flushed = (): boolean => this.flushing.delete(onDisk);
      onDisk.then(flushed, flushed);
      let reofferedAs: number | undefined;
      if (final === 'FAIL' && outcome.reoffer) {
        await onDisk;
        reofferedAs = await engine.reoffer(await storage.getTrial(ref.trialId));
      }
      const value = final === 'FAIL' ? null : outcome.value;
      const finalReason = final === 'FAIL' ? (reason ?? String((await storage.getTrial(ref.trialId)).systemAttrs[SYS_FAIL_REASON] ?? '')) : undefined;
      this.account(final, outcome);
      // Meanwhile: the progress read, and the next trial's params when this runner asks next with
      // nothing else running (they depend on this trial's result, which is known now).
      const progress = await engine.progress();
      if (this.running.size === 1 && !outcome.fatal && !this.halted()) engine.proposeNext();
      await onDisk;
      this.emit({ type: 'trial-end', number: ref.number, state: final, value, ...(finalReason ? { reason: finalReason } : {}), durationMs: outcome.durationMs, ...(reofferedAs !== undefined ? { reofferedAs } : {}) });
      await this.hook('onTrialEnd', hooks.onTrialEnd && (() => hooks.onTrialEnd!(ref, final, value, finalReason)));
      const counts = sweepCounts(progress.counts);
      const best = progress.best;
      const front = await engine.front();
      this.emit({ type: 'progress', counts, maxTrials: plan.maxTrials, best });
      await this.hook('onProgress', hooks.onProgress && (() => hooks.onProgress!(counts, best, front)));
      if (outcome.fatal) {
        this.fatal ??= outcome.fatal;
        this.stop();
      }
    } finally {
      clearInterval(hbTimer);
    }
  }

  /** Failure accounting: the cap, and the broken-command rule. */
  private account(final: FinishedState, outcome: TrialOutcome): void {
    if (final !== 'FAIL') {
      if (final === 'COMPLETE') this.completesThisRun++;
      this.sameFailureStreak = undefined;
      return;
    }
    if (outcome.reoffer) return; // stopped by us, not the trial's fault
    this.failuresThisRun++;
    if (this.completesThisRun > 0 || !outcome.signature) return;
    const s = this.sameFailureStreak;
    this.sameFailureStreak = s && s.sig === outcome.signature ? { sig: s.sig, n: s.n + 1 } : { sig: outcome.signature, n: 1 };
    const threshold = this.opts.brokenCommandThreshold ?? 3;
    if (this.sameFailureStreak.n >= threshold) {
      this.fatal ??= `the trial command failed the same way ${this.sameFailureStreak.n} times in a row and no trial succeeded, so the sweep stops instead of looping. Last reason: ${outcome.reason ?? 'unknown'}`;
    }
  }

  private async execute(entry: RunningTrial, plan: SweepPlan, hooks: SweepHooks, hookEnv: Record<string, string>): Promise<TrialOutcome> {
    const { ref } = entry;
    const { config } = this.opts;
    const engine = this.engine!;
    const metric = plan.objectiveMetric;
    const objective = new Map<number, number>();
    let printedCount = 0;
    let pruned = false;
    const intermediate = (): Array<[number, number]> => [...objective.entries()].sort((a, b) => a[0] - b[0]);
    // Steps are stored and judged one after another, in the order printed; the first failure ends
    // the trial and is raised once it has exited.
    let reporting: Promise<void> = Promise.resolve();
    let reportError: { err: unknown } | undefined;
    // Without a pruner a step is only stored: it is written on the next turn of the event loop, and
    // one that the trial's end overtakes (a short trial's last line comes with its exit) goes into
    // the finish's commit instead of a transaction of its own.
    const deferred = !engine.prunes;
    let unstored: Array<[number, number]> = [];
    let flushing: NodeJS.Immediate | undefined;
    let exited = false;
    const flush = (): void => {
      flushing = undefined;
      const batch = unstored;
      unstored = [];
      reporting = reporting
        .then(async () => {
          for (const [step, value] of batch) await engine.record(ref, step, value);
        })
        .catch((err: unknown) => {
          reportError ??= { err };
          entry.proc?.stop('stopped');
        });
    };
    const addObjective = (step: number, value: number): void => {
      objective.set(step, value);
      this.emit({ type: 'trial-intermediate', number: ref.number, step, value });
      if (deferred) {
        unstored.push([step, value]);
        if (!exited && flushing === undefined) flushing = setImmediate(flush);
        return;
      }
      const upToHere = intermediate();
      reporting = reporting
        .then(async () => {
          // A step that arrives after the prune decision (before the stop lands) is still the trial's:
          // the study keeps it (the pruned value is the last step), and so does its MLflow run.
          if (pruned) await engine.record(ref, step, value);
          else if (await engine.report(ref, step, value, upToHere)) {
            pruned = true;
            entry.proc?.stop('pruned');
          }
        })
        .catch((err: unknown) => {
          // The step could not be stored: the trial cannot go on.
          reportError ??= { err };
          entry.proc?.stop('stopped');
        });
    };

    let argv: string[];
    try {
      argv = buildArgv(config.trial.command, { params: ref.params, backbone: config.backbone, trialNumber: ref.number, trialDir: ref.trialDir });
    } catch (err) {
      const reason = (err as Error).message;
      return { state: 'FAIL', value: null, reason, durationMs: 0, fatal: reason, reoffer: false };
    }
    // The policy of what a trial sees (no credential of the app's) lives in trialEnv.ts.
    const env = trialEnvironment({
      inherited: this.inheritedEnv,
      user: config.trial.env,
      sweep: {
        ...hookEnv,
        SWEEPDECK_TRIAL_NUMBER: String(ref.number),
        SWEEPDECK_PARAMS: JSON.stringify(ref.params),
        SWEEPDECK_TRIAL_DIR: ref.trialDir,
        SWEEPDECK_STUDY_NAME: plan.studyName,
        SWEEPDECK_OBJECTIVE_METRIC: metric,
        ...(plan.objectiveMetrics.length > 1 ? { SWEEPDECK_OBJECTIVE_METRICS: plan.objectiveMetrics.join(',') } : {}),
      },
    });
    const metricWrites: Promise<unknown>[] = [];
    // The other objectives and the constraints: each metric's value at its highest step, as objective
    // 0's value is its last intermediate value.
    const others = new Set([...plan.objectiveMetrics.slice(1), ...plan.constraintMetrics].filter((m) => m !== metric));
    const lastOf = new Map<string, { step: number; value: number }>();
    const proc = new TrialProcess({
      argv,
      cwd: plan.trialCwd,
      trialDir: ref.trialDir,
      env,
      ...(plan.trialTimeoutMs !== undefined ? { timeoutMs: plan.trialTimeoutMs } : {}),
      killGraceMs: this.opts.killGraceMs ?? 5000,
      onStdoutLine: (line) => {
        this.emit({ type: 'trial-log', number: ref.number, stream: 'stdout', line });
        const parsed = parseMetricLine(line);
        if (!parsed) return;
        for (const [key, value] of parsed.metrics) {
          let step: number;
          if (key === metric) {
            // Without an explicit step, the n-th objective line printed is step n-1 (0-based).
            step = parsed.step ?? printedCount;
            printedCount = Math.max(printedCount, step + 1);
            addObjective(step, value);
          } else {
            step = parsed.step ?? Math.max(0, printedCount - 1);
          }
          if (others.has(key)) {
            const seen = lastOf.get(key);
            if (!seen || step >= seen.step) lastOf.set(key, { step, value });
          }
          this.emit({ type: 'trial-metric', number: ref.number, key, value, step });
          if (hooks.onTrialMetric) metricWrites.push(this.hook('onTrialMetric', () => hooks.onTrialMetric!(ref, key, value, step)));
        }
      },
      onStderrLine: (line) => this.emit({ type: 'trial-log', number: ref.number, stream: 'stderr', line }),
    });
    entry.proc = proc;
    if (this.stopping) proc.stop('stopped');

    // The second metric channel (tracking): new steps of the objective become intermediate values.
    const poll = async (): Promise<void> => {
      if (!hooks.pollTrialMetrics) return;
      const points = await this.hook('pollTrialMetrics', () => hooks.pollTrialMetrics!(ref));
      for (const p of points ?? []) {
        if (!objective.has(p.step)) addObjective(p.step, p.value);
      }
      // The other objectives and the constraints the trial logged there: a printed step stays as printed.
      for (const m of others) {
        const more = await this.hook('pollTrialMetrics', () => hooks.pollTrialMetrics!(ref, m));
        for (const p of more ?? []) {
          const seen = lastOf.get(m);
          if (!seen || p.step > seen.step) lastOf.set(m, { step: p.step, value: p.value });
        }
      }
    };
    let polling = Promise.resolve();
    const pollTimer = hooks.pollTrialMetrics
      ? setInterval(() => (polling = polling.then(poll)), this.opts.metricPollIntervalMs ?? 2000)
      : undefined;
    const exit = await proc.done;
    exited = true;
    clearImmediate(flushing);
    flushing = undefined;
    clearInterval(pollTimer);
    await polling;
    // A pruned trial may have logged steps after the last poll too.
    if (exit.kind === 'exited' && (!exit.stopReason || exit.stopReason === 'pruned')) await poll();
    await Promise.all(metricWrites);
    await reporting;
    if (reportError) throw reportError.err;

    const steps = intermediate();
    const last = steps.length ? steps[steps.length - 1]![1] : null;
    const tail = exit.stderrTail.trim() ? `\nstderr (last lines):\n${exit.stderrTail.trimEnd()}` : '';
    const base = { durationMs: exit.durationMs, ...(unstored.length > 0 ? { unstoredSteps: unstored } : {}) };
    if (exit.kind === 'spawn-error') {
      const reason = exit.error ?? 'the trial command could not be started';
      return { ...base, state: 'FAIL', value: null, reason, fatal: reason, reoffer: false };
    }
    if (exit.stopReason === 'pruned' || (pruned && exit.stopReason === null)) {
      return { ...base, state: 'PRUNED', value: last, reoffer: false };
    }
    if (exit.stopReason === 'stopped' || exit.stopReason === 'sweep-timeout') {
      return { ...base, state: 'FAIL', value: null, reason: 'stopped by user', reoffer: true };
    }
    if (exit.stopReason === 'timeout') {
      return { ...base, state: 'FAIL', value: null, reason: `trial timed out after ${config.trial.timeout_minutes} minutes (trial.timeout_minutes)${tail}`, reoffer: false, signature: 'timeout' };
    }
    if (exit.code !== 0) {
      const how = exit.signal ? `killed by signal ${exit.signal}` : `exited with code ${exit.code}`;
      return { ...base, state: 'FAIL', value: null, reason: `trial command ${how}${tail}`, reoffer: false, signature: failureSignature(exit) };
    }
    if (last === null) {
      return {
        ...base,
        state: 'FAIL',
        value: null,
        reason: `no objective value: the trial printed no '${metric}=<number>' line on stdout${tail}`,
        reoffer: false,
        signature: `no-objective|${failureSignature(exit)}`,
      };
    }
    if (Number.isNaN(last)) {
      return { ...base, state: 'FAIL', value: null, reason: `objective ${metric} is NaN`, reoffer: false, signature: `nan|${failureSignature(exit)}` };
    }
    const valueOf = (m: string): number | undefined => (m === metric ? last : lastOf.get(m)?.value);
    for (const [what, names] of [['objective', plan.objectiveMetrics], ['constraint', plan.constraintMetrics]] as const) {
      for (const m of names) {
        const v = valueOf(m);
        if (v === undefined) {
          return { ...base, state: 'FAIL', value: null, reason: `no value for ${what} '${m}': the trial printed no '${m}=<number>' line on stdout${tail}`, reoffer: false, signature: `no-${what}|${m}|${failureSignature(exit)}` };
        }
        if (Number.isNaN(v)) return { ...base, state: 'FAIL', value: null, reason: `${what} ${m} is NaN`, reoffer: false, signature: `nan|${m}|${failureSignature(exit)}` };
      }
    }
    return {
      ...base,
      state: 'COMPLETE',
      value: last,
      ...(plan.objectiveMetrics.length > 1 ? { values: plan.objectiveMetrics.map((m) => valueOf(m)!) } : {}),
      ...(plan.constraintMetrics.length > 0 ? { constraints: plan.constraintMetrics.map((m) => valueOf(m)!) } : {}),
      reoffer: false,
    };
  }
}

interface TrialOutcome {
  state: FinishedState;
  /** Objective 0's value. */
  value: number | null;
  /** A multi-objective COMPLETE: every objective's value, objective order. */
  values?: number[];
  /** The constraint metrics' values (Optuna's constraints_func result), when the config has any. */
  constraints?: number[];
  reason?: string;
  durationMs: number;
  /** The trial was stopped by us: its params are offered again. */
  reoffer: boolean;
  /** Ends the sweep (e.g. the command does not exist). */
  fatal?: string;
  /** Identifies "the same failure" for the broken-command rule. */
  signature?: string;
  /** Intermediate values the trial's end overtook: stored with its finish. */
  unstoredSteps?: ReadonlyArray<readonly [number, number]>;
}
