// The synchronous SQLite StudyStorage behind the AsyncStudyStorage contract, so the runner, the
// engine and the CLI have one code path for a study file and a study URL. Each method runs the
// synchronous call at once (a throw becomes a rejection), so ordering and durability are exactly
// the wrapped storage's.
import type { TrialState } from '../search/types.ts';
import type { AsyncStudyStorage, StudyStorage } from './types.ts';
import { zeroCounts } from './trialRules.ts';

export interface PromisedStudyStorage extends AsyncStudyStorage {
  /** The wrapped storage (the trial claim uses its write transaction). */
  readonly sync: StudyStorage;
}

export function promisedStorage(s: StudyStorage): PromisedStudyStorage {
  const countTrials = async (studyId: number): Promise<Record<TrialState, number>> => {
    if (s.countTrials) return s.countTrials(studyId);
    const c = zeroCounts();
    for (const t of s.getTrials(studyId)) c[t.state]++;
    return c;
  };
  return {
    sync: s,
    path: s.path,
    listStudies: async () => s.listStudies(),
    getStudy: async (name) => s.getStudy(name),
    createStudy: async (name, directions) => s.createStudy(name, directions),
    setStudyUserAttr: async (studyId, key, value) => s.setStudyUserAttr(studyId, key, value),
    setStudySystemAttr: async (studyId, key, value) => s.setStudySystemAttr(studyId, key, value),
    createTrial: async (studyId, opts) => s.createTrial(studyId, opts),
    popWaitingTrial: async (studyId) => s.popWaitingTrial(studyId),
    setTrialParam: async (trialId, name, value, distribution) => s.setTrialParam(trialId, name, value, distribution),
    reportIntermediate: async (trialId, step, value) => s.reportIntermediate(trialId, step, value),
    finishTrial: async (trialId, state, value, steps) => s.finishTrial(trialId, state, value, steps),
    setTrialUserAttr: async (trialId, key, value) => s.setTrialUserAttr(trialId, key, value),
    setTrialLinkAttr: async (trialId, key, value) => s.setTrialLinkAttr(trialId, key, value),
    setTrialSystemAttr: async (trialId, key, value) => s.setTrialSystemAttr(trialId, key, value),
    heartbeat: async (trialId) => s.heartbeat(trialId),
    failStaleTrials: async (studyId, staleSeconds) => s.failStaleTrials(studyId, staleSeconds),
    runningElsewhere: async (studyId) => s.runningElsewhere(studyId),
    failTrial: async (studyId, number, reason) => s.failTrial(studyId, number, reason),
    getTrials: async (studyId, states) => s.getTrials(studyId, states),
    getTrial: async (trialId) => s.getTrial(trialId),
    getBestTrial: async (studyId) => s.getBestTrial(studyId),
    countTrials,
    ...(s.finishTrialFlushLater
      ? {
          finishTrialFlushLater: async (trialId, state, value, steps) => {
            const onDisk = s.finishTrialFlushLater!(trialId, state, value, steps);
            // A failed flush is the caller's to handle when it awaits onDisk; until then it is not unhandled.
            onDisk.catch(() => undefined);
            return { onDisk };
          },
        }
      : {}),
    close: async () => s.close(),
  };
}
