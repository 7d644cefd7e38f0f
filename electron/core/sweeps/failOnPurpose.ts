// Fails an unfinished trial on purpose (the CLI's `sweep fail-trial`, the app's "Fail trial"), on a
// study file or a study URL alike. Meant for a trial RUNNING elsewhere (no heartbeats): no runner
// fails such a trial by itself, since nobody can tell whether its worker lives. A trial with
// heartbeats belongs to a Sweepdeck runner, so it is failed only with `force`.
import type { FrozenTrial, TrialState } from '../search/types.ts';
import type { AsyncStudyStorage } from '../studies/types.ts';
import { reofferOptions } from './studyEngine.ts';

export type FailOnPurpose =
  | { ok: true; was: TrialState; failed: FrozenTrial; reofferedAs: number | null }
  /** `missing`: no such trial (`last`: the highest number there); `finished`: it is `state`;
   * `heartbeats`: a Sweepdeck runner runs it, or ran it. Nothing was written. */
  | { ok: false; why: 'missing'; last: number }
  | { ok: false; why: 'finished'; state: TrialState }
  | { ok: false; why: 'heartbeats' };

export async function failTrialOnPurpose(
  storage: AsyncStudyStorage,
  studyId: number,
  number: number,
  opts: { reason: string; retry: boolean; force: boolean },
): Promise<FailOnPurpose> {
  const trials = await storage.getTrials(studyId);
  const trial = trials.find((t) => t.number === number);
  if (!trial) return { ok: false, why: 'missing', last: Math.max(0, ...trials.map((t) => t.number)) };
  if (trial.state !== 'RUNNING' && trial.state !== 'WAITING') return { ok: false, why: 'finished', state: trial.state };
  if (trial.state === 'RUNNING' && !opts.force && !(await storage.runningElsewhere(studyId)).some((t) => t.number === number)) return { ok: false, why: 'heartbeats' };
  // failTrial itself refuses a trial that finished meanwhile (a StudyError naming it).
  const failed = await storage.failTrial(studyId, number, opts.reason);
  const reofferedAs = opts.retry ? (await storage.createTrial(studyId, reofferOptions(failed))).number : null;
  return { ok: true, was: trial.state, failed, reofferedAs };
}
