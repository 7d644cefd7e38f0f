// Which sweeps exist and what state each is in: the registry's sweeps, study files opened here and
// Optuna studies found in the configured folders. Reading never changes a study file.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { FrozenTrial, TrialState } from '../core/search/types.ts';
import { asStudyError } from '../core/studies/fileCheck.ts';
import { feasibilityOf } from '../core/studies/paretoFront.ts';
import { judgeHeartbeat, type HeartbeatVerdict } from '../core/sweeps/heartbeat.ts';
import type { StudyStorage, StudySummary } from '../core/studies/types.ts';
import type { SweepSummary, TrialRow } from '../../shared/contract.ts';
import type { SweepRecord } from './appState.ts';

/** Study user attrs the tracking layer writes (electron/core/tracking/sweepTracking.ts). */
const ATTR_PARENT_RUN = 'mlflow_parent_run_id';
const ATTR_EXPERIMENT = 'mlflow_experiment_id';
const ATTR_TRACKING_URI = 'mlflow_tracking_uri';
const TRIAL_ATTR_RUN = 'mlflow_run_id';

export type SweepState = SweepSummary['state'];

export interface StateInputs {
  /** This process runs it. */
  live: 'running' | 'stopping' | null;
  record: Pick<SweepRecord, 'status' | 'message'> | null;
  counts: Record<TrialState, number>;
  maxTrials: number | null;
  /** The newest heartbeat of the study's RUNNING trials, judged by the runner's own staleness rule
   * (core/sweeps/heartbeat.ts); null when this process runs it or no RUNNING trial has one. */
  heartbeat: Pick<HeartbeatVerdict, 'kind' | 'ageMs' | 'staleInMs'> | null;
  /** RUNNING trials without heartbeats (e.g. Python Optuna's): running elsewhere, never resumed here. */
  runningElsewhere?: number;
}

/** How long the app waits for another process's lock on a study. better-sqlite3 waits
 * synchronously, on the thread that serves every request, so a study locked elsewhere answers
 * STUDY_LOCKED at once instead of holding up the whole app for the storage's default 10 s. */
export const APP_STUDY_BUSY_TIMEOUT_MS = 250;

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** The state shown for a sweep, and why. Pure, so each rule is unit-tested. */
export function deriveState(i: StateInputs): { state: SweepState; message: string | null } {
  const finished = i.counts.COMPLETE + i.counts.PRUNED;
  const total = finished + i.counts.FAIL + i.counts.RUNNING + i.counts.WAITING;
  if (i.live) return { state: i.live, message: null };
  const hb = i.heartbeat;
  if (hb?.kind === 'fresh') return { state: 'running', message: `running in another process (last heartbeat ${seconds(hb.ageMs)} s ago)` };
  if (hb?.kind === 'late') {
    // Not yet given up (the runner may be busy), but not shown as running either: Stop cannot reach
    // it and Resume would race it. Once stale it is interrupted, as the runner itself would judge.
    const left = Math.max(1, Math.ceil(hb.staleInMs / 1000));
    return { state: 'unresponsive', message: `last heartbeat ${seconds(hb.ageMs)} s ago; treated as interrupted in ${left} s unless its runner answers` };
  }
  const elsewhere = i.runningElsewhere ?? 0;
  if (i.counts.RUNNING > elsewhere) {
    return { state: 'interrupted', message: `${i.counts.RUNNING - elsewhere} trial(s) were left RUNNING by a runner that stopped; Resume marks them failed, offers their params again and continues` };
  }
  if (elsewhere > 0) {
    // No heartbeats: another program (e.g. Python Optuna) runs them, or ran them and stopped.
    const note = `${elsewhere} trial(s) RUNNING elsewhere (no heartbeats, e.g. Python Optuna); fail one that nothing runs any more from the sweep page or with \`sweepdeck sweep fail-trial\``;
    if (i.maxTrials !== null && finished >= i.maxTrials) return { state: 'finished', message: note };
    return { state: 'interrupted', message: `${note}. Resume continues the study here and leaves them alone` };
  }
  if (i.record?.status === 'running') {
    return { state: 'interrupted', message: 'the runner stopped (app closed or crashed) before the sweep finished; Resume continues from the checkpoint' };
  }
  if (i.record?.status === 'failed') return { state: 'failed', message: i.record.message ?? 'the sweep failed' };
  if (i.maxTrials !== null && finished >= i.maxTrials) return { state: 'finished', message: null };
  if (i.record?.status === 'finished') return { state: 'finished', message: i.record.message };
  if (i.record?.status === 'stopped') {
    return { state: 'interrupted', message: `stopped after ${finished}${i.maxTrials !== null ? ` of ${i.maxTrials}` : ''} trials; Resume continues from the checkpoint` };
  }
  if (total === 0) return { state: 'ready', message: null };
  if (i.maxTrials !== null) {
    return { state: 'interrupted', message: `the checkpoint holds ${finished} of ${i.maxTrials} trials; Resume continues with the rest` };
  }
  // A study made elsewhere, with nothing running and no known budget: it ended.
  return { state: 'finished', message: null };
}

export const studySweepId = (studyPath: string, studyName: string): string =>
  `st_${createHash('sha1').update(`${studyPath}\0${studyName}`).digest('hex').slice(0, 12)}`;

/** Optuna timestamps are naive UTC `YYYY-MM-DD HH:MM:SS.ffffff`. */
export function parseOptunaTime(s: string): number | null {
  const t = Date.parse(`${s.replace(' ', 'T')}Z`);
  return Number.isNaN(t) ? null : t;
}

/** Newest heartbeat of the study's RUNNING trials (epoch ms), read-only and without the storage
 * layer (the storage contract has no read for it). null when there is none, or the file has no
 * heartbeat table (made by an Optuna without heartbeats). Any other failure (a lock held past the
 * short wait, damage) is the StudyError naming the file: a swallowed one would read as "no
 * heartbeat" and show a live sweep as interrupted. */
export function newestRunningHeartbeat(studyPath: string, studyId: number): number | null {
  let db: Database.Database | undefined;
  try {
        db = new Database(studyPath, { readonly: true, fileMustExist: true, timeout: APP_STUDY_BUSY_TIMEOUT_MS });
    const row = db
      .prepare(
        "SELECT MAX(h.heartbeat) AS hb FROM trial_heartbeats h JOIN trials t ON t.trial_id = h.trial_id WHERE t.study_id = ? AND t.state = 'RUNNING'",
      )
      .get(studyId) as { hb: string | null } | undefined;
    return row?.hb ? parseOptunaTime(row.hb) : null;
  } catch (e) {
    if (/no such table: trial_heartbeats/.test((e as Error).message)) return null;
    throw asStudyError(studyPath, e);
  } finally {
    db?.close();
  }
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.venv', 'venv', '__pycache__', 'mlruns']);

/** `*.db` files under a folder, a few levels deep (study files sit in `{backbone}/study.db`).
 * Bounded in files and folders visited, so a folder like `/` costs a moment, not minutes. */
export function findDbFiles(folder: string, maxDepth = 4, limit = 500, maxDirs = 2000): string[] {
  const out: string[] = [];
  let dirs = 0;
  const walk = (dir: string, depth: number): void => {
    if (out.length >= limit || ++dirs > maxDirs) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (depth < maxDepth && !SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(full, depth + 1);
      } else if (e.isFile() && e.name.endsWith('.db')) {
        out.push(full);
        if (out.length >= limit) return;
      }
    }
  };
  walk(folder, 0);
  return out.sort();
}

export function fileMtime(p: string): number | null {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return null;
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export interface ConfigFacts {
  backbone: string | null;
  experimentName: string | null;
  maxTrials: number | null;
  metric: string | null;
  direction: 'minimize' | 'maximize' | null;
}

export const NO_CONFIG: ConfigFacts = { backbone: null, experimentName: null, maxTrials: null, metric: null, direction: null };

/** What the runner leaves in the study's user attrs (sweepStudyAttrs), so a study file shows its
 * budget and objective without its config. */
export function factsFromStudyAttrs(attrs: Record<string, unknown>): ConfigFacts {
  const goal = attrs.objective_goal;
  const max = attrs.max_trials;
  return {
    backbone: str(attrs.backbone),
    experimentName: str(attrs.experiment_name),
    maxTrials: typeof max === 'number' && Number.isInteger(max) && max >= 0 ? max : null,
    metric: str(attrs.objective_metric),
    direction: goal === 'minimize' || goal === 'maximize' ? goal : null,
  };
}

/** Config facts first (what the next run will use), then the study's record of the last run. */
export function mergeFacts(first: ConfigFacts, second: ConfigFacts): ConfigFacts {
  return {
    backbone: first.backbone ?? second.backbone,
    experimentName: first.experimentName ?? second.experimentName,
    maxTrials: first.maxTrials ?? second.maxTrials,
    metric: first.metric ?? second.metric,
    direction: first.direction ?? second.direction,
  };
}

/** A summary of one study (or of a registered sweep whose study does not exist yet: study null). */
export function buildSummary(args: {
  id: string;
  source: SweepSummary['source'];
  studyPath: string;
  studyName: string;
  study: StudySummary | null;
  record: SweepRecord | null;
  facts: ConfigFacts;
  live: 'running' | 'stopping' | null;
  heartbeatAt: number | null;
  /** How many RUNNING trials have no heartbeats (running elsewhere). */
  runningElsewhere?: number;
  now?: number;
}): SweepSummary {
  const counts: Record<TrialState, number> = args.study?.counts ?? { RUNNING: 0, COMPLETE: 0, PRUNED: 0, FAIL: 0, WAITING: 0 };
  const now = args.now ?? Date.now();
  const heartbeat = args.live || args.heartbeatAt === null ? null : judgeHeartbeat(args.heartbeatAt, now);
  const attrs = args.study?.userAttrs ?? {};
  const facts = mergeFacts(args.facts, factsFromStudyAttrs(attrs));
  // An explicit budget given at start (record) wins over the config's.
  const maxTrials = args.record?.maxTrials ?? facts.maxTrials;
  const { state, message } = deriveState({ live: args.live, record: args.record, counts, maxTrials, heartbeat, runningElsewhere: args.runningElsewhere ?? 0 });
  return {
    id: args.id,
    source: args.source,
    state,
    runsHere: args.live !== null,
    studyName: args.studyName,
    studyPath: args.studyPath,
    configPath: args.record?.configPath ?? null,
    outputDir: args.record?.outputDir ?? null,
    backbone: facts.backbone,
    experimentName: facts.experimentName,
    direction: args.study?.directions[0] ?? facts.direction,
    objectiveMetric: facts.metric,
    maxTrials,
    finishedTrials: counts.COMPLETE + counts.PRUNED,
    counts,
    best: args.study?.best ?? null,
    tracking: {
      storeUri: str(attrs[ATTR_TRACKING_URI]),
      experimentId: str(attrs[ATTR_EXPERIMENT]),
      parentRunId: str(attrs[ATTR_PARENT_RUN]),
    },
    message,
    updatedAt: args.record?.updatedAt ?? fileMtime(args.studyPath),
  };
}

function reasonOf(t: FrozenTrial): string | null {
  for (const v of [t.systemAttrs.fail_reason, t.userAttrs.fail_reason, t.userAttrs.prune_reason, t.systemAttrs.prune_reason]) {
    if (typeof v === 'string' && v !== '') return v;
  }
  return null;
}

/** A multi-objective trial's values, and its feasibility when constraints are recorded: absent
 * otherwise, so single-objective rows stay as they were. */
function objectiveFields(t: FrozenTrial): Pick<TrialRow, 'values' | 'feasible'> {
  const out: Pick<TrialRow, 'values' | 'feasible'> = {};
  if (t.values) out.values = t.values;
  const feasible = feasibilityOf(t.systemAttrs);
  if (feasible !== null) out.feasible = feasible;
  return out;
}

export function toTrialRow(t: FrozenTrial): TrialRow {
  const startedAt = t.datetimeStart ? t.datetimeStart.getTime() : null;
  const completedAt = t.datetimeComplete ? t.datetimeComplete.getTime() : null;
  return {
    trialId: t.trialId,
    number: t.number,
    state: t.state,
    params: t.params,
    value: t.value,
    intermediate: t.intermediateValues.map(([s, v]) => [s, v] as [number, number]),
    startedAt,
    completedAt,
    durationMs: startedAt !== null && completedAt !== null ? completedAt - startedAt : null,
    childRunId: str(t.userAttrs[TRIAL_ATTR_RUN]),
    reason: reasonOf(t),
    ...objectiveFields(t),
  };
}

/** Opens a study file, runs fn, always closes it. */
export function withStudy<T>(open: (file: string) => StudyStorage, file: string, fn: (s: StudyStorage) => T): T {
  const s = open(file);
  try {
    return fn(s);
  } finally {
    s.close();
  }
}
