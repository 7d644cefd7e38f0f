// `sweepdeck sweep fail-trial STUDY_DB --trial N [--study NAME] [--retry] [--force]`: fails an
// unfinished trial on purpose. Meant for a trial RUNNING elsewhere (no heartbeats, e.g. left by a
// Python Optuna process that stopped): no runner fails such a trial by itself, because nobody can
// tell whether its worker still lives. A trial with heartbeats belongs to a Sweepdeck runner (the
// next `sweep run` fails it once its heartbeat is stale), so it needs --force.
import path from 'node:path';
import { reofferTrial } from '../../core/sweeps/studyEngine.ts';
import { CliError, parseCli, printedHelp } from '../cliSupport.ts';
import { oneLine, print } from '../terminalText.ts';
import { withStudyFile } from '../withStudyFile.ts';
import { pickStudy } from './sweepStatus.ts';

const USAGE = `Usage: sweepdeck sweep fail-trial STUDY_DB --trial N [--study NAME] [--retry] [--force]

Marks trial N (RUNNING or WAITING) FAIL, with system attr fail_reason. For a trial RUNNING elsewhere
(no heartbeats: \`sweep status\` lists them) whose program no longer runs.

  --trial N      the trial's number
  --study NAME   the study, when the file holds several
  --retry        offer its params again: the next \`sweep run\` runs them first
  --force        also fail a trial that has heartbeats (a Sweepdeck runner's; that runner's
                 sweep then stops with an error)

Exit codes: 0 failed as asked, 1 the study or trial cannot be changed, 2 bad input.`;

export const FAILED_BY_USER = 'failed on purpose by the user (sweepdeck sweep fail-trial)';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(
    {
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        trial: { type: 'string' },
        study: { type: 'string' },
        retry: { type: 'boolean' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
  if (printedHelp(values, USAGE)) return 0;
  if (positionals.length !== 1) throw new CliError(`expected one STUDY_DB file, got ${positionals.length}.\n\n${USAGE}`);
  const raw = values.trial;
  const number = raw === undefined ? NaN : Number(raw);
  if (raw === undefined || !Number.isSafeInteger(number) || number < 0) {
    throw new CliError(`--trial ${raw === undefined ? 'is required' : JSON.stringify(raw)}: give the trial's number (a whole number >= 0).\n\n${USAGE}`);
  }
  const file = path.resolve(positionals[0] as string);
  return withStudyFile(file, {}, (storage) => {
    const study = pickStudy(file, storage.listStudies(), values.study);
    const trial = storage.getTrials(study.studyId).find((t) => t.number === number);
    if (!trial) throw new CliError(`study '${study.name}' in ${file} has no trial ${number} (its trials are 0 to ${Math.max(0, ...storage.getTrials(study.studyId).map((t) => t.number))}).`, 1);
    if (trial.state !== 'RUNNING' && trial.state !== 'WAITING') throw new CliError(`trial ${number} of study '${study.name}' is already ${trial.state}; finished trials are never changed.`, 1);
    const elsewhere = trial.state === 'RUNNING' && storage.runningElsewhere(study.studyId).some((t) => t.number === number);
    if (trial.state === 'RUNNING' && !elsewhere && !values.force) {
      throw new CliError(
        `trial ${number} of study '${study.name}' has heartbeats: a Sweepdeck runner runs it, or ran it (the next \`sweep run\` fails it once its heartbeat is stale). ` +
          'Stop that sweep instead, or pass --force to fail it anyway.',
        1,
      );
    }
    const failed = storage.failTrial(study.studyId, number, FAILED_BY_USER);
    // The study name is stored text: shown made visible, on its line.
    print(`trial ${failed.number} of study '${oneLine(study.name)}' is now ${failed.state} (was ${trial.state})`);
    if (values.retry) print(`its params are offered again as trial ${reofferTrial(storage, study.studyId, failed)}; the next sweep run runs them first`);
    return 0;
  });
}
