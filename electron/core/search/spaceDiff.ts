// The difference between the search space a study holds (the distributions stored with its trials)
// and a config's, before a resume mixes the two: params added, removed, changed (range or step), and
// changes Optuna refuses (compatibility.ts). Pure: the study's side comes from its trials.
import { incompatibility, type Incompatibility } from './compatibility.ts';
import type { Distribution, FrozenTrial, SearchSpace } from './types.ts';

/** One param as the study holds it. */
export interface StudyParam {
  /** Every different distribution stored under the name, first stored first (Optuna checks new
   * ones against the first). */
  distributions: Distribution[];
  /** The one in the highest-numbered trial that holds the param: what the study was last run with. */
  latest: Distribution;
}

/** The study's search space as its trials hold it. */
export interface StudySpace {
  params: Map<string, StudyParam>;
  /** The space the study was last sampled from: params held by its last COMPLETE or PRUNED trial
   * or by any trial after it. A param that a finished trial after its last appearance did not
   * sample was dropped before (an accepted resume) and is not reported again. (A RUNNING or FAIL
   * trial may hold only some params: Python sets them one by one, so those do not decide.) */
  lastSampled: ReadonlySet<string>;
}

export type ParamDiff =
  | { param: string; change: 'added'; config: Distribution }
  | { param: string; change: 'removed'; study: Distribution }
  | { param: string; change: 'changed'; study: Distribution; config: Distribution; held: number }
  | { param: string; change: 'incompatible'; reason: Incompatibility; study: Distribution; config: Distribution };

export interface SpaceDiff {
  /** Config order first (added, changed, incompatible), then removed params in study order. */
  params: ParamDiff[];
  /** True when a change is one Optuna refuses: the resume cannot go on with this config. */
  incompatible: boolean;
}

export function sameDistribution(a: Distribution, b: Distribution): boolean {
  if (a.kind === 'categorical' || b.kind === 'categorical') {
    if (a.kind !== 'categorical' || b.kind !== 'categorical') return false;
    return a.choices.length === b.choices.length && a.choices.every((c, i) => Object.is(c, b.choices[i]));
  }
  return a.kind === b.kind && a.low === b.low && a.high === b.high && a.step === b.step && a.log === b.log;
}

/** The study's space from its trials (any order; numbers decide which is latest). */
export function studySpaceOf(trials: readonly FrozenTrial[]): StudySpace {
  const sorted = [...trials].sort((a, b) => a.trialId - b.trialId);
  const params = new Map<string, StudyParam>();
  const lastSeen = new Map<string, number>();
  let lastFinished = -Infinity;
  for (const t of sorted) {
    const names = Object.keys(t.distributions);
    if (names.length && (t.state === 'COMPLETE' || t.state === 'PRUNED')) lastFinished = Math.max(lastFinished, t.number);
    for (const name of names) {
      const d = t.distributions[name]!;
      const p = params.get(name);
      if (!p) {
        params.set(name, { distributions: [d], latest: d });
        lastSeen.set(name, t.number);
        continue;
      }
      if (!p.distributions.some((x) => sameDistribution(x, d))) p.distributions.push(d);
      if (t.number > lastSeen.get(name)!) {
        p.latest = d;
        lastSeen.set(name, t.number);
      }
    }
  }
  return { params, lastSampled: new Set([...lastSeen].filter(([, n]) => n >= lastFinished).map(([name]) => name)) };
}

export function diffSpaces(study: StudySpace, config: SearchSpace): SpaceDiff {
  const out: ParamDiff[] = [];
  // No trial holds a param yet (a new study, or only WAITING trials): nothing to mix with.
  if (study.params.size === 0) return { params: out, incompatible: false };
  for (const [param, d] of config) {
    const held = study.params.get(param);
    if (!held) {
      out.push({ param, change: 'added', config: d });
      continue;
    }
    // Optuna checks against the first stored; every later one was checked against it too, so any
    // refusal shows against one of them. The first that refuses is reported.
    let refused: { reason: Incompatibility; study: Distribution } | undefined;
    for (const s of held.distributions) {
      const reason = incompatibility(s, d);
      if (reason) {
        refused = { reason, study: s };
        break;
      }
    }
    if (refused) out.push({ param, change: 'incompatible', reason: refused.reason, study: refused.study, config: d });
    else if (!sameDistribution(held.latest, d)) out.push({ param, change: 'changed', study: held.latest, config: d, held: held.distributions.length });
    else if (!study.lastSampled.has(param) && study.lastSampled.size > 0) out.push({ param, change: 'added', config: d });
  }
  for (const [param, held] of study.params) {
    if (!config.has(param) && study.lastSampled.has(param)) out.push({ param, change: 'removed', study: held.latest });
  }
  return { params: out, incompatible: out.some((p) => p.change === 'incompatible') };
}
