// The in-process ask/tell engine over one study: sampling, pruning decisions and durable storage.
// The runner drives it for every trial, and the engine-overhead bench measures it directly, so what
// is benchmarked is exactly what runs.
import { bestPerObjective, paretoFront, SYS_CONSTRAINTS } from '../search/multiObjective.ts';
import type { Direction, Distribution, FinishedState, FrozenTrial, ParamValue, Pruner, Sampler, SearchSpace, TrialState } from '../search/types.ts';
import { bestOfTrials, countStates } from '../studies/trialRules.ts';
import type { AsyncStudyStorage, CreateTrialOptions } from '../studies/types.ts';
import type { SweepStore } from './sweepStore.ts';
import type { SweepFront } from './types.ts';
import type { ParamsWithDistributions, SlotBudget, TrialClaimer } from './trialClaims.ts';

/** Trial system attr keys the engine writes. `fixed_params` is Optuna's own enqueue convention. */
export const SYS_FIXED_PARAMS = 'fixed_params';
export const SYS_FAILED_TRIAL = 'failed_trial';
export const SYS_FAIL_REASON = 'fail_reason';

export interface AskedTrial {
  trialId: number;
  number: number;
  params: Record<string, ParamValue>;
  /** True when the trial re-runs params offered by a WAITING trial (enqueued, or re-offered). */
  fromWaiting: boolean;
}

export interface StudyEngineOptions {
  store: SweepStore;
  studyId: number;
  space: SearchSpace;
  sampler: Sampler;
  pruner: Pruner;
  direction: Direction;
  /** Every objective's direction (default: [direction]). */
  directions?: readonly Direction[];
}

/** A sampler's proposal, or its failure, made ahead of the ask() that uses it. */
type Proposal = () => { params: Record<string, ParamValue>; systemAttrs: Record<string, unknown> };

const FINISHED: ReadonlySet<TrialState> = new Set(['COMPLETE', 'PRUNED', 'FAIL']);

function valueFits(v: unknown, d: Distribution): v is ParamValue {
  if (d.kind === 'categorical') return d.choices.some((c) => c === v || (typeof c === 'number' && typeof v === 'number' && Number.isNaN(c) && Number.isNaN(v)));
  if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  if (d.kind === 'int' && !Number.isInteger(v)) return false;
  if (v < d.low || v > d.high) return false;
  // On the step grid, with Optuna's tolerance.
  const step = d.step;
  if (step === null || step === undefined) return true;
  const k = (v - d.low) / step;
  return Math.abs(k - Math.round(k)) < 1e-8;
}

/** A WAITING trial that offers a failed trial's params again (Optuna's enqueue convention, plus the
 * number of the trial it re-runs); the next claim takes it first. */
export function reofferOptions(failed: FrozenTrial): CreateTrialOptions {
  const fixed: Record<string, ParamValue> = {};
  const prev = failed.systemAttrs[SYS_FIXED_PARAMS];
  if (prev && typeof prev === 'object' && !Array.isArray(prev)) Object.assign(fixed, prev as Record<string, ParamValue>);
  Object.assign(fixed, failed.params);
  return { state: 'WAITING', systemAttrs: { [SYS_FIXED_PARAMS]: fixed, [SYS_FAILED_TRIAL]: failed.number } };
}

export class StudyEngine {
  readonly storage: AsyncStudyStorage;
  readonly studyId: number;
  private readonly claims: TrialClaimer;
  readonly space: SearchSpace;
  readonly direction: Direction;
  readonly directions: readonly Direction[];
  private readonly sampler: Sampler;
  private readonly pruner: Pruner;

  constructor(opts: StudyEngineOptions) {
    this.storage = opts.store.storage;
    this.claims = opts.store.claims;
    this.studyId = opts.studyId;
    this.space = opts.space;
    this.direction = opts.direction;
    this.directions = opts.directions ?? [opts.direction];
    // As Optuna: pruning judges one objective's intermediate values, which several objectives lack.
    if (this.directions.length > 1 && opts.pruner.name !== 'none') {
      throw new Error(`the ${opts.pruner.name} pruner cannot judge a multi-objective study (${this.directions.length} objectives): Optuna does not prune multi-objective studies either; use early_termination policy none`);
    }
    this.sampler = opts.sampler;
    this.pruner = opts.pruner;
  }

  /** A history read by progress(), which the next ask() samples from instead of reading again. */
  private recent: FrozenTrial[] | undefined;
  /** The next ask()'s proposal, made early from `recent` by proposeNext(). */
  private early: { from: FrozenTrial[]; proposal: Proposal } | undefined;

  /** Every trial of the study. The storage keeps finished trials in memory and re-reads only new
   * trials and those it last saw unfinished, so this costs O(new) reads per call. */
  history(): Promise<FrozenTrial[]> {
    return this.storage.getTrials(this.studyId);
  }

  /**
   * The study's counts by state and its best trial, from one history read (what countTrials and
   * getBestTrial give, without their two reads). The next ask() samples from that same read: a
   * runner reports progress after each trial and asks right after, so one read serves both.
   */
  async progress(): Promise<{ counts: Record<TrialState, number>; best: { number: number; value: number } | null }> {
    const history = await this.history();
    this.recent = history;
    // Several objectives have a front (front()), not one best.
    return { counts: countStates(history), best: this.directions.length > 1 ? null : bestOfTrials(history, this.direction) };
  }

  /** Finished trials only (what samplers and pruners learn from). */
  async finishedHistory(): Promise<FrozenTrial[]> {
    return (await this.history()).filter((t) => FINISHED.has(t.state));
  }

  /**
   * Starts the next trial: the oldest WAITING trial first (its `fixed_params` and stored params are
   * kept, the rest sampled), else a new sampled trial. With a budget, returns null when the study
   * already holds `budget.limit` trials in the budget's states; the check and the creation happen in
   * one atomic claim, so concurrent runners never overshoot. `systemAttrs` are written with the
   * claim (who runs the trial), and so are `userAttrs` (given the trial's number).
   */
  async ask(budget?: SlotBudget, systemAttrs?: Record<string, unknown>, userAttrs?: (number: number) => Record<string, unknown>): Promise<AskedTrial | null> {
    // Sampling reads the history outside the write lock: it may take milliseconds and must not block
    // other writers. The proposal is used for a new trial, or to fill a WAITING trial's gaps.
    const history = this.recent ?? (await this.history());
    const early = this.early?.from === history ? this.early.proposal : undefined;
    this.recent = undefined;
    this.early = undefined;
    const proposed = early ? early() : this.propose(history);
    const proposal = proposed.params;
    const attrs = { ...proposed.systemAttrs, ...systemAttrs };
    return this.claims.claim(this.studyId, {
      ...(budget ? { budget } : {}),
      ...(Object.keys(attrs).length > 0 ? { systemAttrs: attrs } : {}),
      ...(userAttrs ? { userAttrs } : {}),
      newTrialParams: () => this.withDistributions(proposal),
      waitingParams: (waiting) => this.fillWaiting(waiting, proposal),
    });
  }

  private propose(history: FrozenTrial[]): { params: Record<string, ParamValue>; systemAttrs: Record<string, unknown> } {
    return this.sampler.propose ? this.sampler.propose(this.space, history, this.direction) : { params: this.sampler.sample(this.space, history, this.direction), systemAttrs: {} };
  }

  /**
   * Samples the next ask()'s params now, from the history progress() read: a runner calls it while
   * a finished trial's commit reaches the disk, when it will ask next and nothing else can change
   * the study meanwhile. The next ask() takes this proposal when it samples from that same read (the
   * same sampler call it would make itself, with the same inputs), and the proposal is dropped
   * otherwise. A sampler's failure (a grid with no point left) is raised by that ask().
   */
  proposeNext(): void {
    const from = this.recent;
    if (!from) return;
    let proposal: Proposal;
    try {
      const made = this.propose(from);
      proposal = () => made;
    } catch (err) {
      proposal = () => {
        throw err;
      };
    }
    this.early = { from, proposal };
  }

  private withDistributions(params: Record<string, ParamValue>): Record<string, { value: ParamValue; distribution: Distribution }> {
    const out: Record<string, { value: ParamValue; distribution: Distribution }> = {};
    for (const [name, distribution] of this.space) {
      const value = params[name];
      if (value === undefined) throw new Error(`sampler ${this.sampler.name} returned no value for param '${name}'`);
      out[name] = { value, distribution };
    }
    return out;
  }

  /** A popped WAITING trial's params: stored ones stay, `fixed_params` next, sampled last. */
  private fillWaiting(waiting: FrozenTrial, proposal: Record<string, ParamValue>): ParamsWithDistributions {
    const fixedRaw = waiting.systemAttrs[SYS_FIXED_PARAMS];
    const fixed = fixedRaw && typeof fixedRaw === 'object' && !Array.isArray(fixedRaw) ? (fixedRaw as Record<string, unknown>) : {};
    const params: ParamsWithDistributions = {};
    for (const [name, distribution] of this.space) {
      const stored = waiting.params[name];
      const f = fixed[name];
      let value: ParamValue;
      if (stored !== undefined) value = stored;
      else if (f !== undefined && valueFits(f, distribution)) value = f;
      else value = proposal[name] as ParamValue;
      params[name] = { value, distribution };
    }
    return params;
  }

  /** True when reported values are judged by a pruner (else a value is only stored, so a runner
   * may hand it to tell() instead, when the trial ends before it is written). */
  get prunes(): boolean {
    return this.pruner.name !== 'none';
  }

  /** Stores an intermediate value without asking the pruner (the trial is already being pruned). */
  record(trial: { trialId: number }, step: number, value: number): Promise<void> {
    return this.storage.reportIntermediate(trial.trialId, step, value);
  }

  /** Records an intermediate value; returns true when the pruner says to stop the trial. */
  async report(trial: { trialId: number; number: number }, step: number, value: number, intermediate: Array<[number, number]>): Promise<boolean> {
    await this.storage.reportIntermediate(trial.trialId, step, value);
    if (this.pruner.name === 'none') return false;
    return this.pruner.shouldPrune({ number: trial.number, intermediateValues: intermediate }, await this.finishedHistory(), this.direction);
  }

  /**
   * Finishes a trial. COMPLETE needs a finite-or-infinite value (NaN becomes FAIL, as in Optuna);
   * PRUNED takes the last intermediate value when none is given, as Optuna does. `unstoredSteps`
   * (intermediate values not written yet) are stored in the same commit.
   */
  async tell(
    trial: { trialId: number },
    state: FinishedState,
    value?: number | readonly number[] | null,
    failReason?: string,
    constraints?: readonly number[],
    unstoredSteps?: ReadonlyArray<readonly [number, number]>,
  ): Promise<FinishedState> {
    return (await this.settle(trial, state, value, failReason, constraints, unstoredSteps, false)).final;
  }

  /**
   * tell, for a runner with work to do while the finish reaches the disk: resolves once the finish
   * is committed (a kill of this process cannot lose it), with `onDisk`, which resolves once it is on
   * disk as tell's finish is (a power loss cannot lose it either). Whatever must wait for a durable
   * finish (the next trial's start, reporting the result) awaits onDisk. A storage without the split
   * finishes durably first, and onDisk is already resolved.
   */
  async tellFlushLater(
    trial: { trialId: number },
    state: FinishedState,
    value?: number | readonly number[] | null,
    failReason?: string,
    constraints?: readonly number[],
    unstoredSteps?: ReadonlyArray<readonly [number, number]>,
  ): Promise<{ final: FinishedState; onDisk: Promise<void> }> {
    return this.settle(trial, state, value, failReason, constraints, unstoredSteps, true);
  }

  private async settle(
    trial: { trialId: number },
    state: FinishedState,
    value: number | readonly number[] | null | undefined,
    failReason: string | undefined,
    constraints: readonly number[] | undefined,
    unstoredSteps: ReadonlyArray<readonly [number, number]> | undefined,
    flushLater: boolean,
  ): Promise<{ final: FinishedState; onDisk: Promise<void> }> {
    let final = state;
    let v: number | readonly number[] | null = value ?? null;
    const hasNaN = Array.isArray(v) ? v.some((x) => Number.isNaN(x)) : typeof v === 'number' && Number.isNaN(v);
    if (state === 'COMPLETE' && (v === null || hasNaN)) {
      final = 'FAIL';
      failReason ??= v === null ? 'no objective value' : 'objective value is NaN';
      v = null;
    }
    if (final === 'FAIL') v = null;
    if (final === 'PRUNED' && v !== null && hasNaN) v = null;
    if (failReason !== undefined && final === 'FAIL') await this.storage.setTrialSystemAttr(trial.trialId, SYS_FAIL_REASON, failReason);
    // Optuna's constraints_func runs in after_trial, before the trial is finished, for COMPLETE and
    // PRUNED trials; the values are stored as the system attr `constraints`.
    if (constraints && (final === 'COMPLETE' || final === 'PRUNED')) await this.storage.setTrialSystemAttr(trial.trialId, SYS_CONSTRAINTS, [...constraints]);
    if (flushLater && this.storage.finishTrialFlushLater) {
      const { onDisk } = await this.storage.finishTrialFlushLater(trial.trialId, final, v, unstoredSteps);
      return { final, onDisk };
    }
    await this.storage.finishTrial(trial.trialId, final, v, unstoredSteps);
    return { final, onDisk: Promise.resolve() };
  }

  /** Offers a trial's params again as a WAITING trial, which the next ask() takes first. */
  async reoffer(failed: FrozenTrial): Promise<number> {
    return (await this.storage.createTrial(this.studyId, reofferOptions(failed))).number;
  }

  /** A multi-objective study's front and per-objective bests; undefined with one objective. */
  async front(): Promise<SweepFront | undefined> {
    if (this.directions.length < 2) return undefined;
    // After progress(), its history read serves (it is kept for the next ask, not consumed here).
    const done = this.recent ? this.recent.filter((t) => t.state === 'COMPLETE') : await this.storage.getTrials(this.studyId, ['COMPLETE']);
    return { size: paretoFront(done, this.directions).length, bestPerObjective: bestPerObjective(done, this.directions) };
  }

  async best(): Promise<{ number: number; value: number } | null> {
    const b = await this.storage.getBestTrial(this.studyId);
    return b && b.value !== null ? { number: b.number, value: b.value } : null;
  }
}
