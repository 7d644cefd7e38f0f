// `sweep run` on an existing study whose search space differs from the config's: the difference is
// shown and the run refused (exit 2) unless --accept-space-change is given; a change Optuna refuses
// (a param's kind, log scale or categorical choices) is refused always. Only reads the study (the
// one the run would resume: --storage's when given, a file or a study URL).
import type { HpoConfig } from '../../shared/config.ts';
import { spaceDiffLines } from '../core/search/spaceDiffText.ts';
import { openStudyStorage } from '../core/studies/optunaSqliteStorage.ts';
import { StudyError } from '../core/studies/types.ts';
import { resumedStudyFile, studySpaceDiff, studySpaceDiffAsync } from '../core/sweeps/spaceCheck.ts';
import type { SpaceDiff } from '../core/search/spaceDiff.ts';
import { CliError } from './cliSupport.ts';

export const ACCEPT_FLAG = '--accept-space-change';

/** Lines to print before the run (the accepted difference), or [] when the spaces agree. Throws
 * CliError (exit 2) when the run must not go on. */
export async function searchSpaceGate(config: HpoConfig, configPath: string, outputDir: string, configDir: string, accept: boolean, storageOverride?: string): Promise<string[]> {
  const study = resumedStudyFile({ config, outputDir, configDir, ...(storageOverride !== undefined ? { storage: storageOverride } : {}) });
  if (!study) return [];
  let diff: SpaceDiff | null;
  try {
    diff = study.shared ? await urlSpaceDiff(study.studyLocation, study.studyName, config) : fileSpaceDiff(study.studyPath, study.studyName, config);
  } catch (e) {
    if (!(e instanceof StudyError)) throw e;
    // Locked past the busy timeout: said now, as the runner would say it, rather than waited for twice.
    if (e.code === 'LOCKED') throw new CliError(`${storageOverride !== undefined ? '--storage' : 'checkpoint.storage_path'} ${study.studyPath}: ${e.message}`);
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

function fileSpaceDiff(file: string, studyName: string, config: HpoConfig): SpaceDiff | null {
  const storage = openStudyStorage(file, { readonly: true });
  try {
    return studySpaceDiff(storage, studyName, config);
  } finally {
    storage.close();
  }
}

async function urlSpaceDiff(url: string, studyName: string, config: HpoConfig): Promise<SpaceDiff | null> {
  // Loaded here only: a run on a study file never pays for the PostgreSQL client.
  const { openPostgresStudyStorage } = await import('../core/studies/optunaPostgresStorage.ts');
  const storage = await openPostgresStudyStorage(url, { readonly: true, poolSize: 1 });
  try {
    return await studySpaceDiffAsync(storage, studyName, config);
  } finally {
    await storage.close();
  }
}
