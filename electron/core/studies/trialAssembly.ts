// FrozenTrials from the rows of Optuna's trial tables, for every backend: the backend reads the rows
// (each child table in one statement for a whole set of trials) and these join them by trial_id.
import type { FrozenTrial, TrialState } from '../search/types.ts';
import { parseOptunaDatetime } from './datetime.ts';
import { setKey, storedValue, type RowDecoder } from './rowCodec.ts';

/** A trials row; datetimes as the stored text. */
export interface TrialRow {
  trial_id: number;
  number: number | null;
  study_id: number;
  state: string;
  datetime_start: string | null;
  datetime_complete: string | null;
}
export type ParamRaw = [trialId: number, paramId: number, name: string, value: number, distJson: string | null];
export type ValueRaw = [trialId: number, value: number | null, type: string, objective: number];
export type IntermediateRaw = [trialId: number, step: number, value: number | null, type: string];
export interface AttrRow {
  owner: number;
  key: string;
  value_json: string | null;
}

/** Trials with their own columns filled and empty children, by trial_id. */
export function trialShells(rows: readonly TrialRow[]): Map<number, FrozenTrial> {
  const byId = new Map<number, FrozenTrial>();
  for (const r of rows) {
    byId.set(r.trial_id, {
      trialId: r.trial_id,
      number: r.number ?? -1,
      state: r.state as TrialState,
      params: {},
      distributions: {},
      value: null,
      intermediateValues: [],
      datetimeStart: parseOptunaDatetime(r.datetime_start),
      datetimeComplete: parseOptunaDatetime(r.datetime_complete),
      userAttrs: {},
      systemAttrs: {},
    });
  }
  return byId;
}

/** Params must land in param_id order (the order they were suggested); rows come grouped by trial,
 * so each group is sorted by param_id only when it is out of order. Rows of trials not in byId
 * (already cached) are skipped. */
export function addParams(byId: Map<number, FrozenTrial>, rows: ParamRaw[], decoder: RowDecoder): void {
  const add = (group: ParamRaw[]): void => {
    const t = byId.get(group[0]![0]);
    if (!t) return;
    for (let i = 1; i < group.length; i++) {
      if (group[i]![1] < group[i - 1]![1]) {
        group.sort((a, b) => a[1] - b[1]);
        break;
      }
    }
    for (const [, , name, value, distJson] of group) {
      const where = `trial ${t.number} param '${name}'`;
      const d = decoder.distribution(distJson, where);
      t.distributions[name] = d;
      t.params[name] = decoder.param(name, d, value, where);
    }
  };
  let group: ParamRaw[] = [];
  for (const p of rows) {
    if (group.length > 0 && group[0]![0] !== p[0]) {
      add(group);
      group = [];
    }
    group.push(p);
  }
  if (group.length > 0) add(group);
}

/** Rows in any order: objective 0 is `value`; a trial with several objectives also gets `values`
 * (one per objective), which a single-objective trial never has. */
export function addValues(byId: Map<number, FrozenTrial>, rows: readonly ValueRaw[]): void {
  let several: Map<number, number[]> | undefined;
  for (const [id, value, type, objective] of rows) {
    const t = byId.get(id);
    if (!t) continue;
    const v = storedValue(value, type);
    if (objective === 0) {
      t.value = v;
      continue;
    }
    several ??= new Map();
    let vs = several.get(id);
    if (!vs) several.set(id, (vs = []));
    vs[objective] = v;
  }
  for (const [id, vs] of several ?? []) {
    const t = byId.get(id)!;
    vs[0] = t.value ?? NaN;
    // A missing objective row (never written by Optuna) reads as NaN rather than a hole.
    t.values = Array.from(vs, (x) => x ?? NaN);
  }
}

/** Rows in (trial, step) order. */
export function addIntermediates(byId: Map<number, FrozenTrial>, rows: readonly IntermediateRaw[]): void {
  for (const [id, step, value, type] of rows) byId.get(id)?.intermediateValues.push([step, storedValue(value, type)]);
}

export function addAttrs(
  byId: Map<number, FrozenTrial>,
  table: 'trial_user_attributes' | 'trial_system_attributes',
  rows: readonly AttrRow[],
  decoder: RowDecoder,
): void {
  const field = table === 'trial_user_attributes' ? 'userAttrs' : 'systemAttrs';
  for (const a of rows) {
    const t = byId.get(a.owner);
    if (!t) continue;
    setKey(t[field], a.key, decoder.json(a.value_json, `${table} '${a.key}' of trial ${t.number}`));
  }
}
