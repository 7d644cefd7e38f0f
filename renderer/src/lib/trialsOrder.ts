// The trials table's order and filters over 100,000 trials within a frame or two: each column the
// table sorts or filters by is read once into a plain array (numbers in a Float64Array) and kept
// for the same rows, and sorting orders a Uint32Array of row indices by those arrays, instead of
// comparing rows through their getters (which built every row's params object: ~250 ms a sort).
import type { TrialScalars } from '../../../shared/contract.ts';
import { objectiveOf, paramOf, userAttrKeys, userAttrOf } from '../../../shared/trialColumns.ts';
import { DerivedCache, type Derivation } from './trialsLineage.ts';
import { firstIndex } from './firstIndex.ts';

/** A column: a trial field, a param (`param:<name>`) or a user attribute (`attr:<key>`). */
export type ColumnKey = 'number' | 'value' | 'duration' | 'state' | 'feasible' | `objective:${number}` | `param:${string}` | `attr:${string}`;

export interface TrialSort {
  key: ColumnKey;
  dir: 1 | -1;
}

/** A column's filter: a numeric range (either end may be open; a trial without a number for the
 * column is left out), or a set of allowed values compared as text (categorical params, states,
 * user attributes). */
export type ColumnFilter =
  | { kind: 'range'; min: number | null; max: number | null }
  | { kind: 'set'; values: ReadonlySet<string> }
  /** Text containing `text`, ignoring case (user attributes with too many values for a set). */
  | { kind: 'contains'; text: string };

export type TrialFilters = Readonly<Partial<Record<ColumnKey, ColumnFilter>>>;

/** A column's values: numbers where a trial has a number (NaN elsewhere), and the text of each
 * value (null where the trial has none), for sets and for sorting text. */
interface ColumnValues {
  num: Float64Array;
  text: (string | null)[];
  /** Every present value is a number: sorted by `num`, else by `text`. */
  numeric: boolean;
  /** How many present values are not numbers. */
  notNumbers: number;
  /** The buffer `num` is the start of, with room for rows a live update appends. */
  buf: Float64Array;
}

type Cell = string | number | boolean | null | undefined;

function cellOf(t: TrialScalars, key: ColumnKey): Cell {
  switch (key) {
    case 'number':
      return t.number;
    case 'value':
      return t.value;
    case 'duration':
      return t.durationMs;
    case 'state':
      return t.state;
    case 'feasible':
      return t.feasible;
    default:
      if (key.startsWith('objective:')) return objectiveOf(t, Number(key.slice(10)));
      return key.startsWith('param:') ? paramOf(t, key.slice(6)) : userAttrOf(t, key.slice(5));
  }
}

const columns = new DerivedCache<ColumnKey, ColumnValues>();

function textOf(v: Cell): string | null {
  return v === null || v === undefined ? null : String(v);
}

function isNotNumber(v: Cell): boolean {
  return v !== null && v !== undefined && typeof v !== 'number';
}

/** Reads row i's cell of `key` into the column (numbers in `num`, text in `text`); true when it is
 * a value that is not a number. */
function readCell(col: ColumnValues, t: TrialScalars, key: ColumnKey, i: number): boolean {
  const v = cellOf(t, key);
  if (typeof v === 'number') {
    col.num[i] = v;
    col.text[i] = String(v);
    return false;
  }
  col.num[i] = NaN;
  if (v === null || v === undefined) {
    col.text[i] = null;
    return false;
  }
  col.text[i] = String(v);
  return true;
}

/** The column's values for these rows, read once per rows array. For rows a live update made from
 * an earlier array (lib/trialsLineage.ts), the earlier array's column is taken over and only the
 * changed rows are read into it: numbers go into a buffer with room to grow, texts are appended to
 * the same array, so an update costs what it changed, not a copy of 100,000 entries per column. */
export function columnValues(trials: readonly TrialScalars[], key: ColumnKey): ColumnValues {
  return columns.get(
    trials,
    key,
    () => {
      const n = trials.length;
      const buf = new Float64Array(n);
      const col: ColumnValues = { num: buf, buf, text: new Array<string | null>(n), numeric: true, notNumbers: 0 };
      for (let i = 0; i < n; i++) if (readCell(col, trials[i]!, key, i)) col.notNumbers++;
      col.numeric = col.notNumbers === 0;
      return col;
    },
    (old, d) => {
      const n = trials.length;
      let buf = old.buf;
      if (buf.length < n) {
        buf = new Float64Array(Math.max(n, Math.ceil(buf.length * 1.25)));
        buf.set(old.num);
      }
      const text = old.text;
      text.length = Math.min(text.length, n);
      const col: ColumnValues = { num: buf.subarray(0, n), buf, text, numeric: true, notNumbers: old.notNumbers };
      for (const i of d.changed) {
        if (i < d.base.length && isNotNumber(cellOf(d.base[i]!, key))) col.notNumbers--;
        if (readCell(col, trials[i]!, key, i)) col.notNumbers++;
      }
      col.numeric = col.notNumbers === 0;
      return col;
    },
    true,
  );
}

function passes(col: ColumnValues, f: ColumnFilter, i: number): boolean {
  if (f.kind === 'range') {
    const v = col.num[i]!;
    if (Number.isNaN(v)) return false;
    return (f.min === null || v >= f.min) && (f.max === null || v <= f.max);
  }
  const s = col.text[i];
  if (s === null || s === undefined) return false;
  return f.kind === 'set' ? f.values.has(s) : s.toLowerCase().includes(f.text.toLowerCase());
}

const orders = new DerivedCache<string, Uint32Array>();
const filterIds = new WeakMap<TrialFilters, number>();
let nextFilterId = 0;

function activeFilters(filters: TrialFilters): Array<[ColumnKey, ColumnFilter]> {
  return (Object.entries(filters) as Array<[ColumnKey, ColumnFilter | undefined]>).filter((e): e is [ColumnKey, ColumnFilter] => e[1] !== undefined);
}

/** Indices of the rows that pass every filter, in the sort's order. Rows without a value for the
 * sort column come last either way; ties keep trial-number order. Kept per rows array, sort and
 * filters object: after a live update (lib/trialsLineage.ts) the earlier order loses the replaced
 * rows and gets the changed ones that pass the filters merged in, instead of filtering and sorting
 * every row again. */
export function orderTrials(trials: readonly TrialScalars[], sort: TrialSort, filters: TrialFilters): Uint32Array {
  let fid = filterIds.get(filters);
  if (fid === undefined) {
    fid = nextFilterId++;
    filterIds.set(filters, fid);
  }
  return orders.get(trials, `${fid} ${sort.dir} ${sort.key}`, () => fullOrder(trials, sort, filters), (old, d) => updatedOrder(old, d, trials, sort, filters));
}

/** The sort's comparison of rows a and b (a total order: ties go by trial number). */
function comparator(trials: readonly TrialScalars[], sort: TrialSort): (a: number, b: number) => number {
  const numbers = columnValues(trials, 'number').num;
  const dir = sort.dir;
  const byNumber = (a: number, b: number): number => (numbers[a]! - numbers[b]!) * dir;
  if (sort.key === 'number') return byNumber;
  const col = columnValues(trials, sort.key);
  if (col.numeric) {
    const v = col.num;
    return (a, b) => {
      const x = v[a]!;
      const y = v[b]!;
      const xm = Number.isNaN(x);
      const ym = Number.isNaN(y);
      if (xm || ym) return xm === ym ? byNumber(a, b) : xm ? 1 : -1;
      return x !== y ? (x - y) * dir : byNumber(a, b);
    };
  }
  const s = col.text;
  return (a, b) => {
    const x = s[a];
    const y = s[b];
    if (x === null || x === undefined || y === null || y === undefined) return (x ?? null) === (y ?? null) ? byNumber(a, b) : x === null || x === undefined ? 1 : -1;
    return x !== y ? (x < y ? -dir : dir) : byNumber(a, b);
  };
}

/** `old` (the order of the rows `d` was made from) without the replaced rows, with the changed rows
 * that pass the filters put in at their places (found by binary search; the rows between are copied
 * in blocks). */
function updatedOrder(old: Uint32Array, d: Derivation, trials: readonly TrialScalars[], sort: TrialSort, filters: TrialFilters): Uint32Array {
  let kept = old;
  const replaced = d.changed.filter((i) => i < d.base.length);
  if (replaced.length > 0) {
    const gone = new Uint8Array(d.base.length);
    for (const i of replaced) gone[i] = 1;
    kept = new Uint32Array(old.length);
    let m = 0;
    for (let j = 0; j < old.length; j++) if (gone[old[j]!] === 0) kept[m++] = old[j]!;
    kept = kept.subarray(0, m);
  }
  const cols = activeFilters(filters).map(([k, f]) => [columnValues(trials, k), f] as const);
  const added = d.changed.filter((i) => cols.every(([c, f]) => passes(c, f, i)));
  if (added.length === 0) return kept === old ? old : kept.slice();
  const cmp = comparator(trials, sort);
  added.sort(cmp);
  const out = new Uint32Array(kept.length + added.length);
  let from = 0;
  let m = 0;
  for (const a of added) {
    // The first kept row that goes after `a`.
    const lo = firstIndex(from, kept.length, (i) => cmp(kept[i]!, a) < 0);
    out.set(kept.subarray(from, lo), m);
    m += lo - from;
    out[m++] = a;
    from = lo;
  }
  out.set(kept.subarray(from), m);
  return out;
}

function fullOrder(trials: readonly TrialScalars[], sort: TrialSort, filters: TrialFilters): Uint32Array {
  const n = trials.length;
  const active = activeFilters(filters);
  let idx: Uint32Array;
  if (active.length === 0) {
    idx = new Uint32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
  } else {
    const cols = active.map(([k, f]) => [columnValues(trials, k), f] as const);
    const keep = new Uint32Array(n);
    let m = 0;
    outer: for (let i = 0; i < n; i++) {
      for (const [c, f] of cols) if (!passes(c, f, i)) continue outer;
      keep[m++] = i;
    }
    idx = keep.slice(0, m);
  }
  const numbers = columnValues(trials, 'number').num;
  const dir = sort.dir;
  if (sort.key === 'number') {
    // Trials usually arrive in number order: then only a reversal is needed.
    let ordered = true;
    for (let k = 1; k < idx.length; k++) {
      if (numbers[idx[k]!]! < numbers[idx[k - 1]!]!) {
        ordered = false;
        break;
      }
    }
    if (!ordered) idx.sort((a, b) => numbers[a]! - numbers[b]!);
    if (dir === -1) idx.reverse();
    return idx;
  }
  const col = columnValues(trials, sort.key);
  if (col.numeric && inNumberOrder(idx, numbers)) return radixOrder(idx, col.num, dir);
  return idx.sort(comparator(trials, sort));
}

function inNumberOrder(idx: Uint32Array, numbers: Float64Array): boolean {
  for (let k = 1; k < idx.length; k++) if (numbers[idx[k]!]! < numbers[idx[k - 1]!]!) return false;
  return true;
}

/** `idx` (in trial-number order) ordered by `keys`: a stable LSD radix sort on the keys' 64 bits,
 * 16 at a time (4 passes over the rows, no comparator calls: a 1,000,000-row comparator sort took
 * 1-2 s). Rows whose key is NaN (no value) come last; descending reverses both parts, so ties and
 * the rows without a value go in descending trial number, as the comparator sort has them. */
export function radixOrder(idx: Uint32Array, keys: Float64Array, dir: 1 | -1): Uint32Array {
  const present: number[] = [];
  const missing: number[] = [];
  for (let k = 0; k < idx.length; k++) (Number.isNaN(keys[idx[k]!]!) ? missing : present).push(idx[k]!);
  const m = present.length;
  const kv = new Float64Array(m);
  // +0 and -0 compare equal: one bit pattern for both.
  for (let k = 0; k < m; k++) kv[k] = keys[present[k]!]! + 0;
  const words = new Uint32Array(kv.buffer);
  const lo = new Uint32Array(m);
  const hi = new Uint32Array(m);
  // Bits ordered as unsigned integers in the numbers' order: negatives all flipped, positives with
  // the sign bit set. (Little-endian words: the low word first; typed arrays use the platform's
  // order, little-endian on every platform the app ships for.)
  for (let k = 0; k < m; k++) {
    const h = words[2 * k + 1]!;
    const l = words[2 * k]!;
    if (h & 0x80000000) {
      hi[k] = ~h >>> 0;
      lo[k] = ~l >>> 0;
    } else {
      hi[k] = (h | 0x80000000) >>> 0;
      lo[k] = l;
    }
  }
  let order = new Uint32Array(m);
  for (let k = 0; k < m; k++) order[k] = k;
  let next = new Uint32Array(m);
  const counts = new Uint32Array(65536);
  for (const [word, shift] of [
    [lo, 0],
    [lo, 16],
    [hi, 0],
    [hi, 16],
  ] as const) {
    counts.fill(0);
    for (let k = 0; k < m; k++) counts[(word[k]! >>> shift) & 0xffff]!++;
    // A digit every key shares changes nothing.
    if (counts[(word[0]! >>> shift) & 0xffff] === m) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let k = 0; k < m; k++) {
      const p = order[k]!;
      next[counts[(word[p]! >>> shift) & 0xffff]!++] = p;
    }
    [order, next] = [next, order];
  }
  const out = new Uint32Array(idx.length);
  if (dir === 1) {
    for (let k = 0; k < m; k++) out[k] = present[order[k]!]!;
    for (let k = 0; k < missing.length; k++) out[m + k] = missing[k]!;
  } else {
    for (let k = 0; k < m; k++) out[k] = present[order[m - 1 - k]!]!;
    for (let k = 0; k < missing.length; k++) out[m + k] = missing[missing.length - 1 - k]!;
  }
  return out;
}

/** The distinct texts of a column, sorted (numbers numerically), for a set filter's choices. At most
 * `limit`: a column with more is filtered as a range (numbers) or not offered as a set. */
export function distinctValues(trials: readonly TrialScalars[], key: ColumnKey, limit = 50): string[] | null {
  const col = columnValues(trials, key);
  let choices: Iterable<string>;
  if (limit > DISTINCT_CAP) {
    const seen = new Set<string>();
    for (const s of col.text) {
      if (s === null) continue;
      seen.add(s);
      if (seen.size > limit) return null;
    }
    choices = seen;
  } else {
    const d = distinctCounts(trials, key);
    if (d.counts === null || d.counts.size > limit) return null;
    choices = d.counts.keys();
  }
  const out = [...choices];
  return col.numeric ? out.sort((a, b) => Number(a) - Number(b)) : out.sort();
}

/** How many distinct texts distinctValues keeps counts of; a column with more is only known to
 * have at least `atLeast`. */
const DISTINCT_CAP = 1000;

interface DistinctCounts {
  /** Rows per distinct text, or null past DISTINCT_CAP texts. */
  counts: Map<string, number> | null;
  /** With counts null: a lower bound on the distinct texts. */
  atLeast: number;
}

const distincts = new DerivedCache<ColumnKey, DistinctCounts>();

function countTexts(text: readonly (string | null)[]): DistinctCounts {
  const counts = new Map<string, number>();
  for (const s of text) if (s !== null) counts.set(s, (counts.get(s) ?? 0) + 1);
  return counts.size > DISTINCT_CAP ? { counts: null, atLeast: counts.size } : { counts, atLeast: counts.size };
}

/** A column's distinct texts with their counts, brought up to date from the earlier rows' after a
 * live update: a replaced row takes its old text off and puts its new one on. Past the cap, each
 * replaced row may have removed one distinct text, so the lower bound drops by one per replaced row
 * and the column is counted again only once the bound could be under the cap. */
function distinctCounts(trials: readonly TrialScalars[], key: ColumnKey): DistinctCounts {
  return distincts.get(
    trials,
    key,
    () => countTexts(columnValues(trials, key).text),
    (old, d) => {
      const text = columnValues(trials, key).text;
      const replaced = d.changed.filter((i) => i < d.base.length).length;
      if (old.counts === null) return old.atLeast - replaced > DISTINCT_CAP ? { counts: null, atLeast: old.atLeast - replaced } : countTexts(text);
      const counts = new Map(old.counts);
      for (const i of d.changed) {
        // The earlier rows' column was taken over by this one's: the replaced row's text is read
        // from the row itself.
        const was = i < d.base.length ? textOf(cellOf(d.base[i]!, key)) : null;
        if (was !== null && was !== undefined) {
          const c = counts.get(was)! - 1;
          if (c === 0) counts.delete(was);
          else counts.set(was, c);
        }
        const now = text[i];
        if (now !== null && now !== undefined) counts.set(now, (counts.get(now) ?? 0) + 1);
      }
      return counts.size > DISTINCT_CAP ? { counts: null, atLeast: counts.size } : { counts, atLeast: counts.size };
    },
  );
}

const attrKeys = new DerivedCache<'keys', readonly string[]>();

/** The user-attribute keys of the rows (userAttrKeys), after a live update from the earlier rows'
 * keys and the changed rows (the same array when they bring no new key). */
export function tableAttrKeys(trials: readonly TrialScalars[]): readonly string[] {
  return attrKeys.get(
    trials,
    'keys',
    () => userAttrKeys(trials),
    (old, d) => {
      const more = userAttrKeys(d.changed.map((i) => trials[i]!)).filter((k) => !old.includes(k));
      return more.length === 0 ? old : [...old, ...more];
    },
  );
}

/** The index of the last row in `state`, or -1 (read from the state column, not the rows). */
export function lastInState(trials: readonly TrialScalars[], state: string): number {
  const text = columnValues(trials, 'state').text;
  for (let i = text.length - 1; i >= 0; i--) if (text[i] === state) return i;
  return -1;
}

/** The index of trial `number` in the rows, or -1 (read from the number column, not the rows). */
export function indexOfTrial(trials: readonly TrialScalars[], number: number): number {
  return columnValues(trials, 'number').num.indexOf(number);
}
