// `sweepdeck sweep status STUDY_DB|--storage URL [--study NAME] [--json]`: trial counts by state
// and the best trial of one study in an Optuna study file or a PostgreSQL study URL. Opens it
// read-only: it never changes it.
import { constraintsOf, paretoFront, trialValues, violation } from '../../core/search/multiObjective.ts';
import type { ParamValue, TrialState } from '../../core/search/types.ts';
import type { AsyncStudyStorage, StudySummary } from '../../core/studies/types.ts';
import { CliError, parseCli, printedHelp } from '../cliSupport.ts';
import { oneLine, print } from '../terminalText.ts';
import { studyLocation, withStudy } from '../withStudy.ts';

const USAGE = 'Usage: sweepdeck sweep status STUDY_DB [--study NAME] [--json]\n       sweepdeck sweep status --storage postgresql://USER@HOST:PORT/DB [--study NAME] [--json]';
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
  /** A multi-objective study only: each objective's name (study:metric_names, else objective i) and
   * the Pareto front (Optuna's best_trials) by trial number; `feasible` when the trial has
   * constraint values. */
  objectives?: Array<{ metric: string; direction: string }>;
  front?: Array<{ number: number; values: Array<number | string>; params: Record<string, ParamValue>; feasible?: boolean }>;
}

/** Front trials listed in text (all of them in --json). */
const FRONT_LINES = 20;

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

export async function studyStatus(storage: AsyncStudyStorage, name: string | undefined): Promise<StudyStatus> {
  const summary = pickStudy(storage.path, await storage.listStudies(), name);
  const best = summary.best ? await storage.getBestTrial(summary.studyId) : null;
  return {
    file: storage.path,
    study: summary.name,
    directions: summary.directions,
    total: totalOf(summary),
    counts: Object.fromEntries(STATES.map((st) => [st, summary.counts[st]])) as Record<TrialState, number>,
    best: best && best.value !== null ? { number: best.number, value: jsonNumber(best.value), params: best.params } : null,
    runningElsewhere: summary.counts.RUNNING > 0 ? (await storage.runningElsewhere(summary.studyId)).map((t) => t.number) : [],
    ...(summary.directions.length > 1 ? await frontOf(storage, summary) : {}),
  };
}

async function frontOf(storage: AsyncStudyStorage, summary: StudySummary): Promise<Pick<StudyStatus, 'objectives' | 'front'>> {
  const names = summary.systemAttrs['study:metric_names'];
  const objectives = summary.directions.map((direction, i) => ({
    metric: Array.isArray(names) && typeof names[i] === 'string' ? (names[i] as string) : `objective ${i}`,
    direction,
  }));
  const complete = await storage.getTrials(summary.studyId, ['COMPLETE']);
  const front = paretoFront(complete, summary.directions).map((t) => {
    const c = constraintsOf(t);
    return { number: t.number, values: trialValues(t)!.map(jsonNumber), params: t.params, ...(c ? { feasible: violation(c) === 0 } : {}) };
  });
  return { objectives, front };
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
  if (s.front && s.objectives) {
    lines.push(`Objectives: ${s.objectives.map((o) => `${oneLine(o.metric)} (${o.direction})`).join(', ')}`);
    lines.push(s.front.length === 0 ? 'Pareto front: none yet (no COMPLETE trial)' : `Pareto front (best trials): ${s.front.length} trial${s.front.length === 1 ? '' : 's'}`);
    for (const t of s.front.slice(0, FRONT_LINES)) {
      const values = t.values.map((v, i) => `${oneLine(s.objectives![i]!.metric)}=${v}`).join(' ');
      const params = Object.entries(t.params).map(([k, v]) => `${oneLine(k)}=${JSON.stringify(v)}`).join(' ');
      lines.push(`  trial ${t.number}  ${values}${t.feasible === false ? '  (infeasible)' : ''}  ${params}`);
    }
    if (s.front.length > FRONT_LINES) lines.push(`  ... and ${s.front.length - FRONT_LINES} more (--json lists every one)`);
  } else if (s.best) {
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
    { args: argv, allowPositionals: true, strict: true, options: { study: { type: 'string' }, storage: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } },
    USAGE,
  );
  if (printedHelp(values, USAGE)) return 0;
  const given = values.storage !== undefined ? 1 : 0;
  if (positionals.length + given !== 1) throw new CliError(`expected one STUDY_DB file or --storage URL, got ${positionals.length + given}.\n\n${USAGE}`);
  const location = studyLocation(values.storage ?? (positionals[0] as string));
  return withStudy(location, { readonly: true, verify: true }, async (storage) => {
    const status = await studyStatus(storage, values.study);
    print(values.json ? JSON.stringify(status, null, 2) : formatText(status));
    return 0;
  });
}
