// A param's values as numbers to place trials along an axis: the value itself (linear or log axis),
// or a categorical choice's index among its choices.
import type { SweepDetail, TrialScalars } from '../../../../shared/contract.ts';
import { paramOf } from '../../../../shared/trialColumns.ts';
import { fmtParam } from '../format.ts';

export type Distribution = SweepDetail['distributions'][string];

export interface ParamCoords {
  name: string;
  kind: 'linear' | 'log' | 'categorical';
  /** One per trial, in the trials' order; NaN where the trial lacks the param (or a log param is not > 0). */
  coords: Float64Array;
  /** The choices of a categorical param, in axis order (coordinate i is labels[i]); empty otherwise. */
  labels: string[];
}

/** The param's kind comes from its distribution; without one (a param the study's space no longer
 * has), any non-number value makes it categorical. */
export function paramCoords(trials: readonly TrialScalars[], name: string, dist: Distribution | undefined): ParamCoords {
  const n = trials.length;
  const values = new Array<unknown>(n);
  let categorical = dist?.kind === 'categorical';
  for (let i = 0; i < n; i++) {
    const v = paramOf(trials[i]!, name);
    values[i] = v;
    if (v !== undefined && v !== null && typeof v !== 'number') categorical = true;
  }
  const coords = new Float64Array(n).fill(NaN);
  if (categorical) {
    const labels = dist?.kind === 'categorical' ? dist.choices.map((c) => fmtParam(c)) : [];
    const at = new Map(labels.map((l, i) => [l, i]));
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === undefined || v === null) continue;
      const label = fmtParam(v);
      let k = at.get(label);
      if (k === undefined) {
        k = labels.length;
        labels.push(label);
        at.set(label, k);
      }
      coords[i] = k;
    }
    return { name, kind: 'categorical', coords, labels };
  }
  const log = dist !== undefined && dist.kind !== 'categorical' && dist.log;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v === 'number' && Number.isFinite(v) && (!log || v > 0)) coords[i] = v;
  }
  return { name, kind: log ? 'log' : 'linear', coords, labels: [] };
}

/** The finished trials' objective values in the trials' order: NaN for a trial that is not COMPLETE
 * or has no finite value. */
export function objectiveValues(trials: readonly TrialScalars[]): Float64Array {
  const out = new Float64Array(trials.length).fill(NaN);
  for (let i = 0; i < trials.length; i++) {
    const t = trials[i]!;
    if (t.state === 'COMPLETE' && t.value !== null && Number.isFinite(t.value)) out[i] = t.value;
  }
  return out;
}
