// Before a sweep resumes an existing study: how the config's search space differs from the one the
// study's trials hold. The CLI and the app ask this before they call the runner; it only reads.
import { existsSync } from 'node:fs';
import type { HpoConfig } from '../../../shared/config.ts';
import { diffSpaces, studySpaceOf, type SpaceDiff } from '../search/spaceDiff.ts';
import { buildSearchSpace } from '../search/space.ts';
import type { FrozenTrial } from '../search/types.ts';
import type { AsyncStudyStorage, StudyStorage } from '../studies/types.ts';
import { planSweep, type PlanInput } from './sweepPlan.ts';

/** How the config's search space differs from the one `trials` hold. */
export const diffWith = (trials: readonly FrozenTrial[], config: HpoConfig): SpaceDiff => diffSpaces(studySpaceOf(trials), buildSearchSpace(config.search_space));

/** The difference for study `studyName` in an open storage; null when the storage has no such study. */
export function studySpaceDiff(storage: StudyStorage, studyName: string, config: HpoConfig): SpaceDiff | null {
  const study = storage.getStudy(studyName);
  return study ? diffWith(storage.getTrials(study.studyId), config) : null;
}

/** The same through the async contract (a study URL). */
export async function studySpaceDiffAsync(storage: AsyncStudyStorage, studyName: string, config: HpoConfig): Promise<SpaceDiff | null> {
  const study = await storage.getStudy(studyName);
  return study ? diffWith(await storage.getTrials(study.studyId), config) : null;
}

/** The study a run of `input` would resume, or null when it would resume nothing: no checkpoint,
 * no file yet, or auto_resume off (the runner refuses that case with its own message). A study URL
 * is returned as `studyLocation` (it may hold a password) beside its redacted `studyPath`; whether
 * the server holds the study is for the reader to find. */
export function resumedStudyFile(input: PlanInput): { studyPath: string; studyLocation: string; studyName: string; shared: boolean } | null {
  const plan = planSweep(input);
  if (!plan.checkpointEnabled || !plan.autoResume) return null;
  if (!plan.shared && !existsSync(plan.studyPath)) return null;
  return { studyPath: plan.studyPath, studyLocation: plan.studyLocation, studyName: plan.studyName, shared: plan.shared };
}
