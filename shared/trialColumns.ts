// A sweep's trials column by column (`sweeps.trialColumns`): one array per field instead of one
// object per trial. 10,000 trials as row objects are ~3.8 MB of JSON, mostly repeated key names;
// as columns they are far smaller, and quicker to encode, send and parse. Their intermediate values
// (30,000 for 10,000 trials: ~40% of the columns' bytes, and one small array each to rebuild) travel
// apart (`sweeps.intermediateColumns`), so the page's first draw (the table, the history chart) does
// not wait for what only a later chart draws. The page rebuilds the rows it draws with
// (fromTrialColumns). No zod here: the page's first script imports this file (the schema is in
// contract.ts).
import type { IntermediateColumns, TrialColumns, TrialRow, TrialScalars } from './contract.ts';
import { PER_TRIAL_COLUMNS, TRIAL_STATES, type TrialStateName } from './trialColumnKeys.ts';

export { PER_TRIAL_COLUMNS, TRIAL_STATES, type TrialStateName } from './trialColumnKeys.ts';

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
  return { total, direction, trialId, number, state, value, startedAt, completedAt, durationMs, childRunId, reason, params, ...objectiveColumns(rows) };
}

/** A multi-objective study's value columns (one per objective) and, under constraints, the
 * feasibility column; nothing for rows that have neither, so single-objective replies stay as they
 * were. */
function objectiveColumns(rows: readonly TrialScalars[]): Pick<TrialColumns, 'values' | 'feasible'> {
  let objectives = 0;
  let constrained = false;
  for (const r of rows) {
    if (r.values && r.values.length > objectives) objectives = r.values.length;
    if (r.feasible !== undefined) constrained = true;
  }
  const out: Pick<TrialColumns, 'values' | 'feasible'> = {};
  if (objectives > 1) out.values = Array.from({ length: objectives }, (_, k) => rows.map((r) => (r.values ? (r.values[k] ?? null) : k === 0 ? r.value : null)));
  if (constrained) out.feasible = rows.map((r) => r.feasible ?? null);
  return out;
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

/** The rows a param column marks absent, as a set made once per column. */
const absentSets = new WeakMap<{ absent: readonly number[] }, Set<number>>();
function absentSet(col: { absent: readonly number[] }): Set<number> {
  let set = absentSets.get(col);
  if (!set) {
    set = new Set(col.absent);
    absentSets.set(col, set);
  }
  return set;
}

/** One trial of a column reply, read from the columns on access: the detail screen gets 10,000 of
 * these without copying any field, and a trial's params object is built the first time it is read
 * (the table reads the visible rows'; the later charts all of them, after the first draw). Building
 * 10,000 plain rows with their params objects up front cost ~30 ms, and as much again in
 * young-generation GC during the first render, on the way to the first draw. */
class ColumnRow implements TrialScalars {
  readonly #c: TrialColumns;
  readonly #i: number;
  #params: Record<string, ParamValue> | null = null;
  constructor(c: TrialColumns, i: number) {
    this.#c = c;
    this.#i = i;
  }
  get trialId(): number {
    return this.#c.trialId[this.#i]!;
  }
  get number(): number {
    return this.#c.number[this.#i]!;
  }
  get state(): TrialStateName {
    return TRIAL_STATES[this.#c.state[this.#i]!]!;
  }
  get value(): number | null {
    return this.#c.value[this.#i]!;
  }
  get startedAt(): number | null {
    return this.#c.startedAt[this.#i]!;
  }
  get completedAt(): number | null {
    return this.#c.completedAt[this.#i]!;
  }
  get durationMs(): number | null {
    return this.#c.durationMs[this.#i]!;
  }
  get childRunId(): string | null {
    return this.#c.childRunId[this.#i]!;
  }
  get reason(): string | null {
    return this.#c.reason[this.#i]!;
  }
  get values(): Array<number | null> | undefined {
    return this.#c.values?.map((col) => col[this.#i]!);
  }
  /** Objective k's value, read from its column (no array made). */
  objective(k: number): number | null {
    const cols = this.#c.values;
    return cols ? (cols[k]?.[this.#i] ?? null) : k === 0 ? this.value : null;
  }
  get feasible(): boolean | undefined {
    return this.#c.feasible?.[this.#i] ?? undefined;
  }
  /** The reply this row reads from. */
  get columns(): TrialColumns {
    return this.#c;
  }
  param(name: string): ParamValue | undefined {
    let byName = paramColumnsByName.get(this.#c);
    if (!byName) {
      byName = new Map(this.#c.params.map((col) => [col.name, col]));
      paramColumnsByName.set(this.#c, byName);
    }
    const col = byName.get(name);
    if (!col || (col.absent.length > 0 && absentSet(col).has(this.#i))) return undefined;
    return col.values[this.#i]!;
  }
  userAttr(key: string): UserAttrCell | undefined {
    let byKey = attrColumnsByKey.get(this.#c);
    if (!byKey) {
      byKey = new Map((this.#c.userAttrs ?? []).map((col) => [col.key, col]));
      attrColumnsByKey.set(this.#c, byKey);
    }
    const col = byKey.get(key);
    if (!col || (col.absent.length > 0 && absentSet(col).has(this.#i))) return undefined;
    return col.values[this.#i]!;
  }
  get params(): Record<string, ParamValue> {
    if (this.#params === null) {
      const params: Record<string, ParamValue> = {};
      const i = this.#i;
      for (const col of this.#c.params) {
        // Usually no trial lacks a param: then no lookup at all.
        if (col.absent.length === 0 || !absentSet(col).has(i)) params[col.name] = col.values[i]!;
      }
      this.#params = params;
    }
    return this.#params;
  }
}

/** A trial user attribute as the columns carry it: a scalar, or the JSON text of anything else. */
export type UserAttrCell = string | number | boolean | null;

/** The user-attr columns of a reply by key, made once per reply. */
const attrColumnsByKey = new WeakMap<TrialColumns, Map<string, NonNullable<TrialColumns['userAttrs']>[number]>>();

/** Trial `t`'s user attribute `key` (undefined when it has none, or its rows came without them). */
export function userAttrOf(t: TrialScalars, key: string): UserAttrCell | undefined {
  return t instanceof ColumnRow ? t.userAttr(key) : undefined;
}

/** The user-attribute keys the rows' column replies carry, in first-seen order. */
export function userAttrKeys(trials: readonly TrialScalars[]): string[] {
  const seen = new Set<TrialColumns>();
  const keys = new Set<string>();
  for (const t of trials) {
    if (!(t instanceof ColumnRow)) continue;
    const c = t.columns;
    if (seen.has(c)) continue;
    seen.add(c);
    for (const col of c.userAttrs ?? []) keys.add(col.key);
  }
  return [...keys];
}

/** The param columns of a reply by name, made once per reply. */
const paramColumnsByName = new WeakMap<TrialColumns, Map<string, TrialColumns['params'][number]>>();

/** Trial `t`'s value of param `name` (undefined when it has none). For a row of a column reply it is
 * read from the column, without building the row's params object: a view plotting one param over
 * 100,000 trials would otherwise build 100,000 objects first. */
export function paramOf(t: TrialScalars, name: string): ParamValue | undefined {
  if (t instanceof ObjectiveRow) return paramOf(t.base, name);
  if (!(t instanceof ColumnRow)) return t.params[name];
  return t.param(name);
}

/** Columns back to rows (what the table and charts draw from): read-only rows whose fields are read
 * from the columns, which must not change afterwards. Throws on columns of unequal length or an
 * unknown state code, which the contract's schema rejects before they get here. */
export function fromTrialColumns(c: TrialColumns): TrialScalars[] {
  const n = c.number.length;
  for (const k of PER_TRIAL_COLUMNS) {
    if (c[k].length !== n) throw new Error(`trial columns: '${k}' has ${c[k].length} entries for ${n} trials`);
  }
  for (const p of c.params) if (p.values.length !== n) throw new Error(`trial columns: param '${p.name}' has ${p.values.length} entries for ${n} trials`);
  for (let i = 0; i < n; i++) {
    const code = c.state[i]!;
    if (TRIAL_STATES[code] === undefined) throw new Error(`trial columns: state code ${code} at row ${i} is not one of 0..${TRIAL_STATES.length - 1}`);
  }
  const rows = new Array<TrialScalars>(n);
  for (let i = 0; i < n; i++) rows[i] = new ColumnRow(c, i);
  return rows;
}

/** A trial seen through one objective of a multi-objective study: its `value` is objective k's, so
 * every single-objective view (history, slice, contour, EDF, ...) draws that objective unchanged. */
class ObjectiveRow implements TrialScalars {
  constructor(
    readonly base: TrialScalars,
    readonly k: number,
  ) {}
  get trialId(): number {
    return this.base.trialId;
  }
  get number(): number {
    return this.base.number;
  }
  get state(): TrialStateName {
    return this.base.state;
  }
  get value(): number | null {
    if (this.base instanceof ColumnRow) return this.base.objective(this.k);
    const vs = this.base.values;
    return vs ? (vs[this.k] ?? null) : this.k === 0 ? this.base.value : null;
  }
  get startedAt(): number | null {
    return this.base.startedAt;
  }
  get completedAt(): number | null {
    return this.base.completedAt;
  }
  get durationMs(): number | null {
    return this.base.durationMs;
  }
  get childRunId(): string | null {
    return this.base.childRunId;
  }
  get reason(): string | null {
    return this.base.reason;
  }
  get params(): Record<string, ParamValue> {
    return this.base.params;
  }
  get values(): Array<number | null> | undefined {
    return this.base.values;
  }
  get feasible(): boolean | undefined {
    return this.base.feasible;
  }
}

/** Objective k of trial `t` (its value for objective 0 of a row without per-objective values). A
 * row of a column reply reads it from its column, without making the row's array of values: the
 * table sorts 100,000 rows by it. */
export function objectiveOf(t: TrialScalars, k: number): number | null {
  if (t instanceof ColumnRow) return t.objective(k);
  if (t instanceof ObjectiveRow) return objectiveOf(t.base, k);
  const vs = t.values;
  if (vs) return vs[k] ?? null;
  return k === 0 ? t.value : null;
}

/** The trials with objective k as their value (the rows themselves for objective 0, whose value
 * `value` already is). */
export function withObjective(rows: readonly TrialScalars[], k: number): readonly TrialScalars[] {
  if (k === 0) return rows;
  return rows.map((r) => new ObjectiveRow(r, k));
}
