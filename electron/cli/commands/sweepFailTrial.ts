// `sweepdeck sweep fail-trial STUDY_DB --trial N [--study NAME] [--retry] [--force]`: fails an
// unfinished trial on purpose. Meant for a trial RUNNING elsewhere (no heartbeats, e.g. left by a
// Python Optuna process that stopped): no runner fails such a trial by itself, because nobody can
// tell whether its worker still lives. A trial with heartbeats belongs to a Sweepdeck runner (the
// next `sweep run` fails it once its heartbeat is stale), so it needs --force.
import { failTrialOnPurpose } from '../../core/sweeps/failOnPurpose.ts';
import { isStudyUrl, redactUrl } from '../../core/studies/studyUrl.ts';
import { CliError, parseCli, printedHelp } from '../cliSupport.ts';
import { oneLine, print } from '../terminalText.ts';
import { studyLocation, withStudy } from '../withStudy.ts';
import { pickStudy } from './sweepStatus.ts';

const USAGE = `Usage: sweepdeck sweep fail-trial STUDY_DB|postgresql://USER@HOST:PORT/DB --trial N [--study NAME] [--retry] [--force]

Marks trial N (RUNNING or WAITING) FAIL, with system attr fail_reason. For a trial RUNNING elsewhere
(no heartbeats: \`sweep status\` lists them) whose program no longer runs.

  --trial N      the trial's number
  --study NAME   the study, when the file or database holds several
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
  if (positionals.length !== 1) throw new CliError(`expected one STUDY_DB file or study URL, got ${positionals.length}.\n\n${USAGE}`);
  const raw = values.trial;
  const number = raw === undefined ? NaN : Number(raw);
  if (raw === undefined || !Number.isSafeInteger(number) || number < 0) {
    throw new CliError(`--trial ${raw === undefined ? 'is required' : JSON.stringify(raw)}: give the trial's number (a whole number >= 0).\n\n${USAGE}`);
  }
  const location = studyLocation(positionals[0] as string);
  const where = isStudyUrl(location) ? redactUrl(location) : location;
  return withStudy(location, { readonly: false }, async (storage) => {
    const study = pickStudy(where, await storage.listStudies(), values.study);
    const r = await failTrialOnPurpose(storage, study.studyId, number, { reason: FAILED_BY_USER, retry: values.retry === true, force: values.force === true });
    if (!r.ok) {
      if (r.why === 'missing') throw new CliError(`study '${study.name}' in ${where} has no trial ${number} (its trials are 0 to ${r.last}).`, 1);
      if (r.why === 'finished') throw new CliError(`trial ${number} of study '${study.name}' is already ${r.state}; finished trials are never changed.`, 1);
      throw new CliError(
        `trial ${number} of study '${study.name}' has heartbeats: a Sweepdeck runner runs it, or ran it (the next \`sweep run\` fails it once its heartbeat is stale). ` +
          'Stop that sweep instead, or pass --force to fail it anyway.',
        1,
      );
    }
    // The study name is stored text: shown made visible, on its line.
    print(`trial ${r.failed.number} of study '${oneLine(study.name)}' is now ${r.failed.state} (was ${r.was})`);
    if (r.reofferedAs !== null) print(`its params are offered again as trial ${r.reofferedAs}; the next sweep run runs them first`);
    return 0;
  });
}
