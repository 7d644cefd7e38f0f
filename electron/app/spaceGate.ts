// The app's side of a resume whose config has another search space than the study: the difference
// as the contract carries it (sweeps.spaceDiff), and the refusal of a resume that did not accept it
// (or that Optuna could not make at all). The same words as the CLI's (core/search/spaceDiffText.ts).
import type { SpaceDiffReply } from '../../shared/contract.ts';
import type { SpaceDiff } from '../core/search/spaceDiff.ts';
import { paramDiffText } from '../core/search/spaceDiffText.ts';
import { AppFault } from './appError.ts';

export function spaceDiffReply(studyPath: string, studyName: string, diff: SpaceDiff | null): SpaceDiffReply {
  return {
    studyPath,
    studyName,
    changes: (diff?.params ?? []).map((p) => ({ param: p.param, change: p.change, text: paramDiffText(p) })),
    refused: diff?.incompatible ?? false,
  };
}

/** Throws CONFLICT (details.spaceDiff: the difference) unless the spaces agree or the change was
 * accepted and Optuna can make it. Nothing has been written when it throws. */
export function gateSpaceChange(d: SpaceDiffReply, configPath: string, accepted: boolean): void {
  if (d.changes.length === 0) return;
  const where = `study '${d.studyName}' in ${d.studyPath}`;
  if (d.refused) {
    const why = d.changes.filter((c) => c.change === 'incompatible').map((c) => c.text);
    throw new AppFault('CONFLICT', `The HPO config ${configPath} cannot resume ${where}: ${why.join('; ')}. Nothing was changed.`, { spaceDiff: d });
  }
  if (accepted) return;
  throw new AppFault(
    'CONFLICT',
    `The search space of ${configPath} differs from ${where}:\n${d.changes.map((c) => `- ${c.text}`).join('\n')}\n` +
      'Resume anyway to add trials from the new space to the same study (earlier trials keep theirs), or set a new study_name in the config for a new study. Nothing was changed.',
    { spaceDiff: d },
  );
}
