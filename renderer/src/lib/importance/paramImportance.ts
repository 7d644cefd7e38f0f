// What the Importance view shows: PED-ANOVA's ranking of the params (pedAnova.ts), and how sure it
// is (stability.ts). Pure: no React, no DOM.
import type { TrialScalars } from '../../../../shared/contract.ts';
import type { Distribution } from '../views/paramCoords.ts';
import { MIN_TRIALS, normalise, pedAnovaDivergences, prepareImportance, TARGET_QUANTILE, topCount, type PreparedStudy } from './pedAnova.ts';

export interface ParamImportance {
  param: string;
  /** Its share of the total importance, 0 to 1. */
  score: number;
  /** Completed trials that have the param. */
  trials: number;
  /** Some completed trials lack it (a conditional space): it is measured over those that have it. */
  conditional: boolean;
  /** It took one value only. */
  fixed: boolean;
}

export type ImportanceResult =
  | { kind: 'too-few'; trials: number; need: number }
  | {
      kind: 'ped-anova';
      /** Completed trials with a finite value. */
      trials: number;
      /** How many of them form the top set. */
      topTrials: number;
      quantile: number;
      /** Ranked, most important first. */
      params: ParamImportance[];
      /** Params with fewer than MIN_TRIALS trials having them: no importance. */
      lacking: Array<{ param: string; trials: number }>;
      prepared: PreparedStudy;
    };

export interface ImportanceInput {
  trials: readonly TrialScalars[];
  params: readonly string[];
  distributions: Readonly<Record<string, Distribution>>;
  direction: 'minimize' | 'maximize' | null;
}

export function paramImportance({ trials, params, distributions, direction }: ImportanceInput): ImportanceResult {
  const prepared = prepareImportance(trials, params, distributions, direction);
  if (prepared.n < MIN_TRIALS) return { kind: 'too-few', trials: prepared.n, need: MIN_TRIALS };
  const raw = pedAnovaDivergences(prepared);
  const scores = normalise(
    raw,
    prepared.params.map((p) => p.fixed),
  );
  const ranked: ParamImportance[] = [];
  const lacking: Array<{ param: string; trials: number }> = [];
  for (const [i, p] of prepared.params.entries()) {
    if (Number.isNaN(scores[i]!)) lacking.push({ param: p.name, trials: p.present });
    else ranked.push({ param: p.name, score: scores[i]!, trials: p.present, conditional: p.present < prepared.n, fixed: p.fixed });
  }
  // Ties keep the params' order, so the ranking never flickers between equal scores.
  ranked.sort((a, b) => b.score - a.score);
  return { kind: 'ped-anova', trials: prepared.n, topTrials: topCount(prepared.n), quantile: TARGET_QUANTILE, params: ranked, lacking, prepared };
}

/** The method in a few words, e.g. "PED-ANOVA, top 10% vs all, 500 trials". */
export function methodLabel(r: Extract<ImportanceResult, { kind: 'ped-anova' }>): string {
  const pct = Math.round(r.quantile * 100);
  const nominal = Math.ceil(r.quantile * r.trials - 1e-9);
  const top = r.topTrials > nominal ? `top ${r.topTrials} (${Math.round((100 * r.topTrials) / r.trials)}%)` : `top ${pct}%`;
  return `PED-ANOVA, ${top} vs all, ${r.trials.toLocaleString('en-US')} trials`;
}
