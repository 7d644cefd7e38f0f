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
import path from 'node:path';
import type { HpoConfig } from '../../../shared/config.ts';
import { SearchSpaceExhaustedError } from '../search/errors.ts';
import type { FinishedState, Pruner, Sampler, SearchSpace, TrialState } from '../search/types.ts';
import { StudyError, type StudyStorage } from '../studies/types.ts';
import { buildArgv } from './argvTemplate.ts';
import { DEFAULT_HEARTBEAT_MS, STALE_HEARTBEATS } from './heartbeat.ts';
import { withAtomicClaims } from './atomicClaims.ts';
import { parseMetricLine } from './metricLines.ts';
import { StudyEngine, SYS_FAIL_REASON } from './studyEngine.ts';
import { planSweep, type SweepPlan } from './sweepPlan.ts';
import { trialEnvironment } from './trialEnv.ts';
import { TrialProcess, type TrialExit } from './trialProcess.ts';
import type { SweepCounts, SweepEvent, SweepHooks, SweepResult, SweepStatus, TrialRef, TrialStartResult } from './types.ts';

export type OpenStorage = (file: string, opts: { create: boolean; runner: boolean }) => StudyStorage | Promise<StudyStorage>;

export interface SearchComponents {
  space: SearchSpace;
  sampler: Sampler;
  pruner: Pruner;
}

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
  /** Injected in tests; default: the Optuna SQLite storage and the config's search components. */
  openStorage?: OpenStorage;
  components?: SearchComponents;
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
  };
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
  private storage: StudyStorage | undefined;
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
    const plan = planSweep({ config, outputDir: this.opts.outputDir, configDir: this.opts.configDir, maxTrials: this.opts.maxTrials });
    this.plan = plan;
    const hooks = this.opts.hooks ?? {};

    if (plan.checkpointEnabled && existsSync(plan.studyPath) && !plan.autoResume) {
      throw new SweepSetupError(
        `checkpoint ${plan.studyPath} already exists and checkpoint.auto_resume is false. To continue that sweep set ` +
          `checkpoint.auto_resume: true; to start a new one move or delete the file, or use another --output-dir or checkpoint.storage_path.`,
        'CHECKPOINT_EXISTS',
      );
    }
    mkdirSync(plan.outputDir, { recursive: true });
    mkdirSync(path.dirname(plan.studyPath), { recursive: true });

    let components: SearchComponents;
    try {
      components = this.opts.components ?? (await import('./searchComponents.ts')).searchComponents(config);
    } catch (err) {
      throw new SweepSetupError(`search_space / sampling: ${(err as Error).message}`, 'CONFIG');
    }
    const open = this.opts.openStorage ?? (await import('../studies/optunaSqliteStorage.ts')).openStudyStorage;
    let storage: StudyStorage;
    try {
      storage = withAtomicClaims(await open(plan.studyPath, { create: true, runner: true }));
    } catch (err) {
      if (err instanceof StudyError) {
        throw new SweepSetupError(`checkpoint.storage_path ${plan.studyPath}: ${err.message}`, 'STORAGE', err.code);
      }
      throw err;
    }
    this.storage = storage;
    try {
      return await this.runOpen(storage, plan, components, hooks);
    } catch (err) {
      // A study file problem found while setting up (e.g. a param stored with another distribution).
      if (err instanceof StudyError) throw new SweepSetupError(`${plan.studyPath}: ${err.message}`, 'STORAGE', err.code);
      throw err;
    } finally {
      try {
        storage.close();
      } catch (err) {
        this.warn(`closing ${plan.studyPath} failed: ${(err as Error).message}`);
      }
      if (!plan.checkpointEnabled) rmSync(plan.studyPath, { force: true });
      for (const ext of plan.checkpointEnabled ? [] : ['-wal', '-shm', '-journal']) rmSync(plan.studyPath + ext, { force: true });
    }
  }

  private counts(): SweepCounts {
    const storage = this.storage!;
    const studyId = this.engine!.studyId;
    let c: Record<TrialState, number>;
    if (storage.countTrials) c = storage.countTrials(studyId);
    else {
      c = { RUNNING: 0, COMPLETE: 0, PRUNED: 0, FAIL: 0, WAITING: 0 };
      for (const t of storage.getTrials(studyId)) c[t.state]++;
    }
    return { finished: c.COMPLETE + c.PRUNED, complete: c.COMPLETE, pruned: c.PRUNED, failed: c.FAIL, running: c.RUNNING, waiting: c.WAITING };
  }

  private async runOpen(storage: StudyStorage, plan: SweepPlan, components: SearchComponents, hooks: SweepHooks): Promise<SweepResult> {
    const { config } = this.opts;
    let study = storage.getStudy(plan.studyName);
    const existed = study !== undefined;
    if (!study) {
      try {
        study = storage.createStudy(plan.studyName, [plan.direction]);
      } catch (err) {
        // Another runner created it a moment ago: join that one.
        if (!(err instanceof StudyError && err.code === 'STUDY_EXISTS')) throw err;
        study = storage.getStudy(plan.studyName)!;
      }
    }
    const dirs = study.directions;
    if (dirs.length !== 1 || dirs[0] !== plan.direction) {
      throw new SweepSetupError(
        `study '${plan.studyName}' in ${plan.studyPath} has direction(s) ${dirs.join(', ')} but objective.goal is ${plan.direction}: ` +
          `fix objective.goal, or use another study_name for a new study.`,
        'DIRECTION_MISMATCH',
      );
    }
    const engine = new StudyEngine({ storage, studyId: study.studyId, direction: plan.direction, ...components });
    this.engine = engine;
    const before = this.counts();
    const resumed = existed && before.finished + before.failed + before.running + before.waiting > 0;

    for (const [k, v] of Object.entries(sweepStudyAttrs(config, plan))) {
      if (JSON.stringify(study.userAttrs[k]) !== JSON.stringify(v)) storage.setStudyUserAttr(study.studyId, k, v);
    }
    // Optuna >= 3.2 and optuna-dashboard show the objective's name from this key.
    if (!Array.isArray(study.systemAttrs['study:metric_names'])) storage.setStudySystemAttr(study.studyId, 'study:metric_names', [plan.objectiveMetric]);

    // Trials of a dead runner: FAIL them, as Optuna's heartbeat handling does, and offer their params
    // again. A RUNNING trial with a fresh heartbeat belongs to a live runner and is left alone, and so
    // is one without heartbeats (running elsewhere, e.g. Python Optuna): the user may fail it on
    // purpose (`sweepdeck sweep fail-trial`).
    const stale = storage.failStaleTrials(study.studyId, (STALE_HEARTBEATS * this.hbMs) / 1000);
    const reoffered = stale.map((t) => engine.reoffer(t));
    const counts = this.counts();
    const runningElsewhere = storage.runningElsewhere(study.studyId).map((t) => t.number);
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
        trialUserAttrs: () => storage.getTrials(studyId).map((t) => ({ trialId: t.trialId, userAttrs: t.userAttrs })),
        trialStates: () =>
          storage.getTrials(studyId).map((t) => {
            const reason = t.systemAttrs[SYS_FAIL_REASON];
            return { trialId: t.trialId, number: t.number, state: t.state, userAttrs: t.userAttrs, ...(typeof reason === 'string' ? { failReason: reason } : {}) };
          }),
        setTrialLinkAttr: (trialId, k, v) => storage.setTrialLinkAttr(trialId, k, v),
        trialIntermediateValues: (trialId) => storage.getTrial(trialId).intermediateValues,
        counts,
      })));

    const sweepTimer = plan.sweepTimeoutMs !== undefined ? setTimeout(() => (this.timedOut = true), plan.sweepTimeoutMs) : undefined;
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
    }
    const result: SweepResult = {
      status,
      ...(message !== undefined ? { message } : {}),
      counts: this.safeCounts(),
      best: this.safeBest(),
      studyName: plan.studyName,
      studyPath: plan.studyPath,
      checkpointPath: plan.checkpointPath,
      checkpointEnabled: plan.checkpointEnabled,
      maxTrials: plan.maxTrials,
      trialsStarted: this.trialsStarted,
    };
    await this.hook('onSweepEnd', hooks.onSweepEnd && (() => hooks.onSweepEnd!({ status: result.status, ...(message !== undefined ? { message } : {}), counts: result.counts, best: result.best })));
    this.emit({ type: 'sweep-end', result });
    return result;
  }

  private safeCounts(): SweepCounts {
    try {
      return this.counts();
    } catch {
      return { finished: 0, complete: 0, pruned: 0, failed: 0, running: 0, waiting: 0 };
    }
  }

  private safeBest(): { number: number; value: number } | null {
    try {
      return this.engine!.best();
    } catch {
      return null;
    }
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
        let asked;
        try {
          asked = engine.ask(budget);
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
        this.startTrial(asked, plan, hooks);
      }
      if (this.running.size === 0) {
        if (gridDone !== undefined && !this.halted()) return { status: 'completed', message: gridDone };
        if (this.fatal !== undefined) return { status: 'failed', message: this.fatal };
        if (this.stopping) return { status: 'stopped', message: 'stopped by user; the study is resumable' };
        if (this.failuresThisRun >= Math.max(1, plan.maxFailed)) {
          return { status: 'failed', message: `${this.failuresThisRun} trials failed in this run, reaching sampling.max_failed_trials (${plan.maxFailed}); see fail_reason and stderr.log in the trial dirs under ${plan.trialsRoot}` };
        }
        if (this.timedOut) return { status: 'timed-out', message: `sampling.timeout_minutes (${this.opts.config.sampling.timeout_minutes}) reached; the study is resumable` };
        if (exhausted) {
          const c = this.counts();
          if (c.finished >= plan.maxTrials) return { status: 'completed' };
          // The remaining slots are held by RUNNING trials of another runner. Wait: they finish (the
          // sweep completes), fail (a slot frees up) or go stale (their runner died: fail them and
          // re-offer their params).
          const stale = this.storage!.failStaleTrials(engine.studyId, (STALE_HEARTBEATS * this.hbMs) / 1000);
          for (const t of stale) engine.reoffer(t);
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

  private startTrial(asked: { trialId: number; number: number; params: TrialRef['params']; fromWaiting: boolean }, plan: SweepPlan, hooks: SweepHooks): void {
    this.trialsStarted++;
    const ref: TrialRef = { trialId: asked.trialId, number: asked.number, params: asked.params, trialDir: path.join(plan.trialsRoot, `trial_${asked.number}`) };
    const entry: RunningTrial = { ref, proc: undefined, done: Promise.resolve() };
    entry.done = this.runTrial(entry, asked.fromWaiting, plan, hooks)
      .catch((err: unknown) => {
        this.fatal ??= `trial ${ref.number}: ${(err as Error).message}`;
        this.stop();
      })
      .finally(() => this.running.delete(ref.number));
    this.running.set(ref.number, entry);
  }

  private async runTrial(entry: RunningTrial, fromWaiting: boolean, plan: SweepPlan, hooks: SweepHooks): Promise<void> {
    const { ref } = entry;
    const storage = this.storage!;
    const engine = this.engine!;
    // First heartbeat at once: a resuming runner must not take this fresh trial for a dead one.
    storage.heartbeat(ref.trialId);
    let hbWarned = false;
    const hbTimer = setInterval(() => {
      try {
        storage.heartbeat(ref.trialId);
      } catch (err) {
        if (!hbWarned) this.warn(`heartbeat of trial ${ref.number} failed: ${(err as Error).message}`);
        hbWarned = true;
      }
    }, this.hbMs);
    hbTimer.unref();
    try {
      storage.setTrialUserAttr(ref.trialId, 'trial_dir', ref.trialDir);
      this.emit({ type: 'trial-start', number: ref.number, params: ref.params, trialDir: ref.trialDir, fromWaiting });
      const started = (await this.hook('onTrialStart', hooks.onTrialStart && (() => hooks.onTrialStart!(ref)))) as TrialStartResult | undefined;
      for (const [k, v] of Object.entries(started?.userAttrs ?? {})) storage.setTrialUserAttr(ref.trialId, k, v);

      const outcome = await this.execute(entry, plan, hooks, started?.env ?? {});
      clearInterval(hbTimer);
      const reason = outcome.state === 'FAIL' ? outcome.reason : undefined;
      const final = engine.tell(ref, outcome.state, outcome.value, reason);
      let reofferedAs: number | undefined;
      if (final === 'FAIL' && outcome.reoffer) reofferedAs = engine.reoffer(storage.getTrial(ref.trialId));
      const value = final === 'FAIL' ? null : outcome.value;
      const finalReason = final === 'FAIL' ? (reason ?? String(storage.getTrial(ref.trialId).systemAttrs[SYS_FAIL_REASON] ?? '')) : undefined;
      this.account(final, outcome);
      this.emit({ type: 'trial-end', number: ref.number, state: final, value, ...(finalReason ? { reason: finalReason } : {}), durationMs: outcome.durationMs, ...(reofferedAs !== undefined ? { reofferedAs } : {}) });
      await this.hook('onTrialEnd', hooks.onTrialEnd && (() => hooks.onTrialEnd!(ref, final, value, finalReason)));
      const counts = this.counts();
      const best = engine.best();
      this.emit({ type: 'progress', counts, maxTrials: plan.maxTrials, best });
      await this.hook('onProgress', hooks.onProgress && (() => hooks.onProgress!(counts, best)));
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
    const addObjective = (step: number, value: number): void => {
      objective.set(step, value);
      this.emit({ type: 'trial-intermediate', number: ref.number, step, value });
      // A step that arrives after the prune decision (before the stop lands) is still the trial's:
      // the study keeps it (the pruned value is the last step), and so does its MLflow run.
      if (pruned) engine.record(ref, step, value);
      else if (engine.report(ref, step, value, intermediate())) {
        pruned = true;
        entry.proc?.stop('pruned');
      }
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
      inherited: process.env,
      user: config.trial.env,
      sweep: {
        ...hookEnv,
        SWEEPDECK_TRIAL_NUMBER: String(ref.number),
        SWEEPDECK_PARAMS: JSON.stringify(ref.params),
        SWEEPDECK_TRIAL_DIR: ref.trialDir,
        SWEEPDECK_STUDY_NAME: plan.studyName,
        SWEEPDECK_OBJECTIVE_METRIC: metric,
      },
    });
    const metricWrites: Promise<unknown>[] = [];
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
    };
    let polling = Promise.resolve();
    const pollTimer = hooks.pollTrialMetrics
      ? setInterval(() => (polling = polling.then(poll)), this.opts.metricPollIntervalMs ?? 2000)
      : undefined;
    const exit = await proc.done;
    clearInterval(pollTimer);
    await polling;
    // A pruned trial may have logged steps after the last poll too.
    if (exit.kind === 'exited' && (!exit.stopReason || exit.stopReason === 'pruned')) await poll();
    await Promise.all(metricWrites);

    const steps = intermediate();
    const last = steps.length ? steps[steps.length - 1]![1] : null;
    const tail = exit.stderrTail.trim() ? `\nstderr (last lines):\n${exit.stderrTail.trimEnd()}` : '';
    const base = { durationMs: exit.durationMs };
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
    return { ...base, state: 'COMPLETE', value: last, reoffer: false };
  }
}

interface TrialOutcome {
  state: FinishedState;
  value: number | null;
  reason?: string;
  durationMs: number;
  /** The trial was stopped by us: its params are offered again. */
  reoffer: boolean;
  /** Ends the sweep (e.g. the command does not exist). */
  fatal?: string;
  /** Identifies "the same failure" for the broken-command rule. */
  signature?: string;
}
