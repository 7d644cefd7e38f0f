// Names for sweeps shown side by side (the list's cards, the Compare view's legend), unique among
// them: the study name, with its study file or URL when another shown sweep has the same study name.
import type { SweepSummary } from '../../../shared/contract.ts';

export function uniqueLabels(sweeps: ReadonlyArray<Pick<SweepSummary, 'id' | 'studyName' | 'studyPath'>>): Map<string, string> {
  const seen = new Map<string, number>();
  for (const s of sweeps) seen.set(s.studyName, (seen.get(s.studyName) ?? 0) + 1);
  return new Map(sweeps.map((s) => [s.id, (seen.get(s.studyName) ?? 0) > 1 ? `${s.studyName} in ${s.studyPath}` : s.studyName]));
}
