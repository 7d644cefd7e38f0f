// `sweep run` on an existing study whose search space differs from the config's: the difference is
// shown and the run refused (exit 2) unless --accept-space-change is given; a change Optuna refuses
// (a param's kind, log scale or categorical choices) is refused always. Only reads the study file.
import type { HpoConfig } from '../../shared/config.ts';
import { spaceDiffLines } from '../core/search/spaceDiffText.ts';
import { openStudyStorage } from '../core/studies/optunaSqliteStorage.ts';
import { StudyError } from '../core/studies/types.ts';
import { resumedStudyFile, studySpaceDiff } from '../core/sweeps/spaceCheck.ts';
import type { SpaceDiff } from '../core/search/spaceDiff.ts';
import { CliError } from './cliSupport.ts';

export const ACCEPT_FLAG = '--accept-space-change';

/** Lines to print before the run (the accepted difference), or [] when the spaces agree. Throws
 * CliError (exit 2) when the run must not go on. */
export function searchSpaceGate(config: HpoConfig, configPath: string, outputDir: string, configDir: string, accept: boolean): string[] {
  const study = resumedStudyFile({ config, outputDir, configDir });
  if (!study) return [];
  let diff: SpaceDiff | null;
  try {
    const storage = openStudyStorage(study.studyPath, { readonly: true });
    try {
      diff = studySpaceDiff(storage, study.studyName, config);
    } finally {
      storage.close();
    }
  } catch (e) {
    if (!(e instanceof StudyError)) throw e;
    // Locked past the busy timeout: said now, as the runner would say it, rather than waited for twice.
    if (e.code === 'LOCKED') throw new CliError(`checkpoint.storage_path ${study.studyPath}: ${e.message}`);
    // Any other file the runner cannot use either (or can recover, as a hot journal): it says why.
    return [];
  }
  if (!diff || diff.params.length === 0) return [];
  const where = `study '${study.studyName}' in ${study.studyPath}`;
  const list = spaceDiffLines(diff).map((l) => `  - ${l}`).join('\n');
  if (diff.incompatible) {
    const refused = spaceDiffLines({ params: diff.params.filter((p) => p.change === 'incompatible'), incompatible: true });
    throw new CliError(
      `the search_space of ${configPath} cannot continue ${where}: ${refused.join('; ')}.\n` +
        `Every difference from the study:\n${list}\nNothing was changed; ${ACCEPT_FLAG} does not apply to these.`,
    );
  }
  if (!accept) {
    throw new CliError(
      `the search_space of ${configPath} differs from ${where}:\n${list}\n` +
        `Resuming would add trials sampled from the new space to the same study (earlier trials keep theirs). ` +
        `To resume anyway, run again with ${ACCEPT_FLAG}; to keep the study's space, restore search_space; ` +
        `for a new study, set a new study_name. Nothing was changed.`,
    );
  }
  return [`search space changed from ${where} (accepted with ${ACCEPT_FLAG}):`, ...spaceDiffLines(diff).map((l) => `  - ${l}`)];
}
