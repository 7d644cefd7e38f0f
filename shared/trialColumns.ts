// A sweep's trials column by column (`sweeps.trialColumns`): one array per field instead of one
// object per trial. 10,000 trials as row objects are ~3.8 MB of JSON, mostly repeated key names;
// as columns they are far smaller, and quicker to encode, send and parse. Their intermediate values
// (30,000 for 10,000 trials: ~40% of the columns' bytes, and one small array each to rebuild) travel
// apart (`sweeps.intermediateColumns`), so the page's first draw (the table, the history chart) does
// not wait for what only a later chart draws. The page rebuilds the rows it draws with
// (fromTrialColumns). No zod here: the page's first script imports this file (the schema is in
// contract.ts).
import type { IntermediateColumns, TrialColumns, TrialRow, TrialScalars } from './contract.ts';

/** Trial states by code: `state[i]` is an index into this list. contract.ts builds its trial state
 * enum from the same list, so the codes cannot drift from the names. */
export const TRIAL_STATES = ['RUNNING', 'COMPLETE', 'PRUNED', 'FAIL', 'WAITING'] as const;
export type TrialStateName = (typeof TRIAL_STATES)[number];
const STATE_CODE: ReadonlyMap<string, number> = new Map(TRIAL_STATES.map((s, i) => [s, i]));

type ParamValue = TrialRow['params'][string];

/** Rows to columns (their intermediate values left out: toIntermediateColumns). Rows keep their order. */
export function toTrialColumns(rows: readonly TrialScalars[], total: number, direction: TrialColumns['direction']): TrialColumns {
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
  }
  return { total, direction, trialId, number, state, value, startedAt, completedAt, durationMs, childRunId, reason, params };
}

/** The rows' intermediate values, flat. Rows keep their order. */
export function toIntermediateColumns(rows: readonly Pick<TrialRow, 'number' | 'intermediate'>[]): IntermediateColumns {
  const n = rows.length;
  const number = new Array<number>(n);
  const start = new Array<number>(n + 1);
  const step: number[] = [];
  const value: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    number[i] = r.number;
    start[i] = step.length;
    for (const [s, v] of r.intermediate) {
      step.push(s);
      value.push(v);
    }
  }
  start[n] = step.length;
  return { number, start, step, value };
}

/** The intermediate values of the trial at index i of `c`, as [step, value] pairs. */
export function intermediateAt(c: IntermediateColumns, i: number): Array<[number, number]> {
  const from = c.start[i] ?? 0;
  const to = c.start[i + 1] ?? from;
  const out = new Array<[number, number]>(to - from);
  for (let j = from; j < to; j++) out[j - from] = [c.step[j]!, c.value[j]!];
  return out;
}

/** Columns back to rows (what the table and charts draw from). Throws on columns of unequal
 * length or an unknown state code, which the contract's schema rejects before they get here. */
export function fromTrialColumns(c: TrialColumns): TrialScalars[] {
  const n = c.number.length;
  const P = c.params.length;
  const names = c.params.map((p) => p.name);
  const values = c.params.map((p) => p.values);
  // Usually no trial lacks a param: then no per-cell lookup at all.
  const absent = c.params.map((p) => (p.absent.length > 0 ? new Set(p.absent) : null));
  const rows = new Array<TrialScalars>(n);
  for (let i = 0; i < n; i++) {
    const params: Record<string, ParamValue> = {};
    for (let k = 0; k < P; k++) {
      const gone = absent[k];
      if (gone === null || gone === undefined || !gone.has(i)) params[names[k]!] = values[k]![i]!;
    }
    const state = TRIAL_STATES[c.state[i]!];
    if (state === undefined) throw new Error(`trial columns: state code ${c.state[i]} at row ${i} is not one of 0..${TRIAL_STATES.length - 1}`);
    rows[i] = {
      trialId: c.trialId[i]!,
      number: c.number[i]!,
      state,
      params,
      value: c.value[i]!,
      startedAt: c.startedAt[i]!,
      completedAt: c.completedAt[i]!,
      durationMs: c.durationMs[i]!,
      childRunId: c.childRunId[i]!,
      reason: c.reason[i]!,
    };
  }
  return rows;
}
