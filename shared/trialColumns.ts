// A sweep's trials column by column (`sweeps.trialColumns`): one array per field instead of one
// object per trial. 10,000 trials as row objects are ~3.8 MB of JSON, mostly repeated key names;
// as columns they are about a third of that, and far quicker to encode, send and parse. The page
// rebuilds the TrialRow objects it draws with (fromTrialColumns). No zod here: the page's first
// script imports this file (the schema is in contract.ts).
import type { TrialColumns, TrialRow } from './contract.ts';

/** Trial states by code: `state[i]` is an index into this list. contract.ts builds its trial state
 * enum from the same list, so the codes cannot drift from the names. */
export const TRIAL_STATES = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'] as const;
export type TrialStateName = (typeof TRIAL_STATES)[number];
const STATE_CODE: ReadonlyMap<string, number> = new Map(TRIAL_STATES.map((s, i) => [s, i]));

type ParamValue = TrialRow['params'][string];

/** Rows to columns. Rows keep their order. */
export function toTrialColumns(rows: readonly TrialRow[], total: number, direction: TrialColumns['direction']): TrialColumns {
  const n = rows.length;
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    for (const k in r.params) {
      if (!seen.has(k)) {
        seen.add(k);
        names.push(k);
      }
    }
  }
  const params: TrialColumns['params'] = names.map((name) => ({ name, values: new Array<ParamValue>(n), absent: [] }));
  const trialId = new Array<number>(n);
  const number = new Array<number>(n);
  const state = new Array<number>(n);
  const value = new Array<number | null>(n);
  const startedAt = new Array<number | null>(n);
  const completedAt = new Array<number | null>(n);
  const durationMs = new Array<number | null>(n);
  const childRunId = new Array<string | null>(n);
  const reason = new Array<string | null>(n);
  const interStart = new Array<number>(n + 1);
  const interStep: number[] = [];
  const interValue: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    trialId[i] = r.trialId;
    number[i] = r.number;
    state[i] = STATE_CODE.get(r.state)!;
    value[i] = r.value;
    startedAt[i] = r.startedAt;
    completedAt[i] = r.completedAt;
    durationMs[i] = r.durationMs;
    childRunId[i] = r.childRunId;
    reason[i] = r.reason;
    for (const col of params) {
      if (Object.prototype.hasOwnProperty.call(r.params, col.name)) col.values[i] = r.params[col.name]!;
      else {
        col.values[i] = null;
        col.absent.push(i);
      }
    }
    interStart[i] = interStep.length;
    for (const [s, v] of r.intermediate) {
      interStep.push(s);
      interValue.push(v);
    }
  }
  interStart[n] = interStep.length;
  return { total, direction, trialId, number, state, value, startedAt, completedAt, durationMs, childRunId, reason, params, interStart, interStep, interValue };
}

/** Columns back to rows (what the table and charts draw from). Throws on columns of unequal
 * length or an unknown state code, which the contract's schema rejects before they get here. */
export function fromTrialColumns(c: TrialColumns): TrialRow[] {
  const n = c.number.length;
  const P = c.params.length;
  const names = c.params.map((p) => p.name);
  const values = c.params.map((p) => p.values);
  // Usually no trial lacks a param: then no per-cell lookup at all.
  const absent = c.params.map((p) => (p.absent.length > 0 ? new Set(p.absent) : null));
  const { interStart, interStep, interValue } = c;
  const rows = new Array<TrialRow>(n);
  for (let i = 0; i < n; i++) {
    const params: Record<string, ParamValue> = {};
    for (let k = 0; k < P; k++) {
      const gone = absent[k];
      if (gone === null || gone === undefined || !gone.has(i)) params[names[k]!] = values[k]![i]!;
    }
    const from = interStart[i]!;
    const to = interStart[i + 1]!;
    const intermediate = new Array<[number, number]>(to - from);
    for (let j = from; j < to; j++) intermediate[j - from] = [interStep[j]!, interValue[j]!];
    const state = TRIAL_STATES[c.state[i]!];
    if (state === undefined) throw new Error(`trial columns: state code ${c.state[i]} at row ${i} is not one of 0..${TRIAL_STATES.length - 1}`);
    rows[i] = {
      trialId: c.trialId[i]!,
      number: c.number[i]!,
      state,
      params,
      value: c.value[i]!,
      intermediate,
      startedAt: c.startedAt[i]!,
      completedAt: c.completedAt[i]!,
      durationMs: c.durationMs[i]!,
      childRunId: c.childRunId[i]!,
      reason: c.reason[i]!,
    };
  }
  return rows;
}
