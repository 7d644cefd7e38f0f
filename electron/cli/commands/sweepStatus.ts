// `sweepdeck sweep status STUDY_DB [--study NAME] [--json]`: trial counts by state and the best
// trial of one study in an Optuna study file. Opens the file read-only: it never changes it.
import path from 'node:path';
import type { ParamValue, TrialState } from '../../core/search/types.ts';
import type { StudyStorage, StudySummary } from '../../core/studies/types.ts';
import { CliError, parseCli, printedHelp } from '../cliSupport.ts';
import { oneLine, print } from '../terminalText.ts';
import { withStudyFile } from '../withStudyFile.ts';

const USAGE = 'Usage: sweepdeck sweep status STUDY_DB [--study NAME] [--json]';
const STATES: readonly TrialState[] = ['COMPLETE', 'PRUNED', 'FAIL', 'RUNNING', 'WAITING'];

export interface StudyStatus {
  file: string;
  study: string;
  directions: string[];
  total: number;
  counts: Record<TrialState, number>;
  best: { number: number; value: number | string; params: Record<string, ParamValue> } | null;
  /** RUNNING trials without heartbeats: another program (e.g. Python Optuna) runs them, or ran them
   * and stopped. No runner fails them; `sweep fail-trial` does, on purpose. */
  runningElsewhere: number[];
}

/** JSON has no NaN/Infinity: write them as the strings Python's json would print. */
function jsonNumber(v: number): number | string {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

const totalOf = (s: StudySummary): number => STATES.reduce((n, st) => n + s.counts[st], 0);

function listing(studies: StudySummary[]): string {
  const width = Math.max(...studies.map((s) => s.name.length));
  return studies.map((s) => `  ${s.name.padEnd(width)}  ${totalOf(s)} trial${totalOf(s) === 1 ? '' : 's'}`).join('\n');
}

export function pickStudy(file: string, studies: StudySummary[], name: string | undefined): StudySummary {
  if (studies.length === 0) throw new CliError(`${file} holds no studies.`, 1);
  if (name === undefined) {
    if (studies.length === 1) return studies[0] as StudySummary;
    throw new CliError(`${file} holds ${studies.length} studies; choose one with --study NAME:\n${listing(studies)}`, 1);
  }
  const found = studies.find((s) => s.name === name);
  if (!found) throw new CliError(`there is no study named '${name}' in ${file}. Studies in the file:\n${listing(studies)}\nChoose one with --study NAME.`, 1);
  return found;
}

export function studyStatus(storage: StudyStorage, name: string | undefined): StudyStatus {
  const summary = pickStudy(storage.path, storage.listStudies(), name);
  const best = summary.best ? storage.getBestTrial(summary.studyId) : null;
  return {
    file: storage.path,
    study: summary.name,
    directions: summary.directions,
    total: totalOf(summary),
    counts: Object.fromEntries(STATES.map((st) => [st, summary.counts[st]])) as Record<TrialState, number>,
    best: best && best.value !== null ? { number: best.number, value: jsonNumber(best.value), params: best.params } : null,
    runningElsewhere: summary.counts.RUNNING > 0 ? storage.runningElsewhere(summary.studyId).map((t) => t.number) : [],
  };
}

function formatText(s: StudyStatus): string {
  const lines = [
    `Study ${oneLine(s.study)} (${s.directions.join(', ')}) in ${oneLine(s.file)}`,
    `Trials: ${s.total}  ${STATES.map((st) => `${st} ${s.counts[st]}`).join('  ')}`,
  ];
  if (s.runningElsewhere.length) {
    lines.push(
      `Running elsewhere: trial(s) ${s.runningElsewhere.join(', ')} (RUNNING without heartbeats: another program such as Python Optuna runs them, ` +
        `or ran them and stopped; if nothing runs them: sweepdeck sweep fail-trial ${s.file} --study ${s.study} --trial N)`,
    );
  }
  if (s.best) {
    lines.push(`Best: trial ${s.best.number}, value ${s.best.value}`);
    const width = Math.max(0, ...Object.keys(s.best.params).map((k) => k.length));
    for (const [k, v] of Object.entries(s.best.params)) lines.push(`  ${oneLine(k).padEnd(width)}  ${JSON.stringify(v)}`);
  } else {
    lines.push(s.directions.length > 1 ? 'Best: none (a multi-objective study has a Pareto front, not one best trial)' : 'Best: none yet (no COMPLETE trial)');
  }
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCli(
    { args: argv, allowPositionals: true, strict: true, options: { study: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } },
    USAGE,
  );
  if (printedHelp(values, USAGE)) return 0;
  if (positionals.length !== 1) throw new CliError(`expected one STUDY_DB file, got ${positionals.length}.\n\n${USAGE}`);
  const file = path.resolve(positionals[0] as string);
  return withStudyFile(file, { readonly: true, verify: true }, (storage) => {
    const status = studyStatus(storage, values.study);
    print(values.json ? JSON.stringify(status, null, 2) : formatText(status));
    return 0;
  });
}
