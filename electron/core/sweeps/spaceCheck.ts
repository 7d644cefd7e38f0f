// Before a sweep resumes an existing study: how the config's search space differs from the one the
// study's trials hold. The CLI and the app ask this before they call the runner; it only reads.
import { existsSync } from 'node:fs';
import type { HpoConfig } from '../../../shared/config.ts';
import { diffSpaces, studySpaceOf, type SpaceDiff } from '../search/spaceDiff.ts';
import { buildSearchSpace } from '../search/space.ts';
import type { StudyStorage } from '../studies/types.ts';
import { planSweep, type PlanInput } from './sweepPlan.ts';

/** The difference for study `studyName` in an open storage; null when the storage has no such study. */
export function studySpaceDiff(storage: StudyStorage, studyName: string, config: HpoConfig): SpaceDiff | null {
  const study = storage.getStudy(studyName);
  if (!study) return null;
  return diffSpaces(studySpaceOf(storage.getTrials(study.studyId)), buildSearchSpace(config.search_space));
}

/** The study file a run of `input` would resume, or null when it would resume nothing: no
 * checkpoint, no file yet, or auto_resume off (the runner refuses that case with its own message). */
export function resumedStudyFile(input: PlanInput): { studyPath: string; studyName: string } | null {
  const plan = planSweep(input);
  if (!plan.checkpointEnabled || !plan.autoResume || !existsSync(plan.studyPath)) return null;
  return { studyPath: plan.studyPath, studyName: plan.studyName };
}
