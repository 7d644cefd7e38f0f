// A study's trials read column by column straight from Optuna's SQLite tables, for views that show
// every trial (the app's trials table and charts), without building a FrozenTrial per trial. Each
// child table is scanned once and SQLite folds every column into one text (a REAL as SQLite's own
// text, the shortest that round-trips the double, which also makes shorter texts to parse than
// `printf('%!.17e')`; json_group_array keeps only 15 digits), so JavaScript parses
// a handful of long strings instead of receiving hundreds of thousands of row objects: a cold
// 100,000-trial, 6-param study was ~5 s through getTrials (rows, per-trial objects, GC) and is a few
// hundred ms this way. The Sweepdeck runner and samplers keep using getTrials. The host splits a
// whole read in two: most of the trial_params scan (paramScan) on a worker thread's connection, the
// rest here (electron/app/paramScanThread.ts).
import type Database from 'better-sqlite3';
import type { Distribution, ParamValue, TrialState } from '../search/types.ts';
import { parseOptunaDatetime } from './datetime.ts';
import type { RowDecoder } from './rowCodec.ts';

/** Which of a study's trials to read: all, or those a page lacks (numbered above `after`, or in
 * `numbers`). */
export type ColumnsSince = { after: number; numbers: readonly number[] } | undefined;

export interface StudyColumns {
  trialId: number[];
  number: number[];
  state: TrialState[];
  startedAt: (number | null)[];
  completedAt: (number | null)[];
  /** Objective 0's value (NaN for a stored NULL or NaN), null when the trial has none. */
  value: (number | null)[];
  /** In the order the params first appear (their smallest param_id). `present[i]` is false for a
   * trial without the param (its value is then null). */
  params: Array<{ name: string; distribution: Distribution; values: ParamValue[]; present: boolean[] }>;
  /** Attribute values (decoded JSON) by key, undefined where a trial has none. System attributes
   * are read only for the keys asked for. */
  userAttrs: Map<string, unknown[]>;
  systemAttrs: Map<string, unknown[]>;
  /** The study's trial count, read in the same snapshot as the columns (a `since` read holds only
   * some trials; a count read apart would disagree with it while trials are being added). */
  total: number;
}

export interface IntermediateColumnsRead {
  number: number[];
  start: number[];
  step: number[];
  value: number[];
}

/** A REAL as SQLite's own text (group_concat converts it): the shortest that parses back to the
 * same double (test/studies/studyColumnsSql.test.ts holds the bundled SQLite to it), except the
 * infinities, which it writes as `Inf`: those as 1e999, which JSON.parse reads as ±Infinity. */
const MAX_DOUBLE = '1.7976931348623157e308';
const exactReal = (col: string): string => `CASE WHEN ${col} > ${MAX_DOUBLE} THEN '1e999' WHEN ${col} < -${MAX_DOUBLE} THEN '-1e999' ELSE ${col} END`;
/** SQL text of a REAL column as a JSON number that parses back to the same double, or null. */
const realText = (col: string): string => `CASE WHEN ${col} IS NULL THEN 'null' ELSE ${exactReal(col)} END`;
/** A stored (value, value_type) pair as JSON: infinities as 1e999 (JSON.parse gives ±Infinity),
 * NaN and a finite NULL (storedValue: NaN) as the string "NaN". */
const storedText = (v: string, type: string): string =>
  `CASE ${type} WHEN 'INF_POS' THEN '1e999' WHEN 'INF_NEG' THEN '-1e999' WHEN 'NAN' THEN '"NaN"' ELSE CASE WHEN ${v} IS NULL THEN '"NaN"' ELSE ${exactReal(v)} END END`;
/** A datetime column as one text, the trials' values apart by a record separator (which Optuna's
 * datetimes never hold), NULL as an empty text: read by datetimes(). */
const datetimeText = (col: string): string => `coalesce(${col}, '')`;
const SEP = '\x1e';

/** Parses `[` + text + `]` (text: a group_concat of JSON values; NULL when no rows). */
function jsonList(text: unknown): unknown[] {
  if (text === null || text === undefined || text === '') return [];
  return JSON.parse(`[${String(text)}]`) as unknown[];
}

/** The JSON texts parsed at once, or null when one of them is not standard JSON (Python's NaN,
 * Infinity): the caller then decodes each with Python's rules. */
function parseAll(texts: readonly string[]): unknown[] | null {
  try {
    return JSON.parse(`[${texts.join(',')}]`) as unknown[];
  } catch (e) {
    if (e instanceof SyntaxError) return null;
    throw e;
  }
}

const asNumber = (v: unknown): number => (v === 'NaN' ? NaN : (v as number));

/** Whether `t` has the digits of Optuna's `YYYY-MM-DD HH:MM:SS.ffffff` at `i`, in range. */
function canonicalAt(t: string, i: number): boolean {
  for (let k = 0; k < 26; k++) {
    const c = t.charCodeAt(i + k);
    const want = k === 4 || k === 7 ? 45 : k === 10 ? 32 : k === 13 || k === 16 ? 58 : k === 19 ? 46 : -1;
    if (want >= 0 ? c !== want : c < 48 || c > 57) return false;
  }
  return inRange(t, i + 5, 1, 12) && inRange(t, i + 8, 1, 31) && inRange(t, i + 11, 0, 23) && inRange(t, i + 14, 0, 59) && inRange(t, i + 17, 0, 59);
}

/** Whether the two digits at `at` make a number from lo to hi. (No closure in these: called for
 * every trial, a closure per call cost as much as the rest.) */
function inRange(t: string, at: number, lo: number, hi: number): boolean {
  const v = (t.charCodeAt(at) - 48) * 10 + t.charCodeAt(at + 1) - 48;
  return v >= lo && v <= hi;
}

/** The digit at `at`. */
const digit = (t: string, at: number): number => t.charCodeAt(at) - 48;

/** The epoch ms of each datetime in `text` (a datetimeText group_concat of `n` trials), null for
 * none. Optuna's own shape is read by position (the date's ms kept from the row before when the day
 * is the same: 100,000 datetimes cost ~30 ms this way, ~110 ms through SQLite's strftime); any
 * other text goes through parseOptunaDatetime. null when the text holds more than `n` values. */
function datetimes(text: unknown, n: number): (number | null)[] | null {
  if (typeof text !== 'string' || n === 0) return new Array<number | null>(n).fill(null);
  // Filled with 0, every row then set: a column without a null stays unboxed doubles.
  const out = new Array<number | null>(n).fill(0);
  const t = text;
  let day = '';
  let dayMs = 0;
  let i = 0;
  for (let r = 0; r < n; r++) {
    let j = t.indexOf(SEP, i);
    if (j < 0) j = t.length;
    if (j - i === 26 && canonicalAt(t, i)) {
      const thisDay = t.slice(i, i + 10);
      if (thisDay !== day) {
        day = thisDay;
        dayMs = Date.UTC(digit(t, i) * 1000 + digit(t, i + 1) * 100 + digit(t, i + 2) * 10 + digit(t, i + 3), digit(t, i + 5) * 10 + digit(t, i + 6) - 1, digit(t, i + 8) * 10 + digit(t, i + 9));
      }
      const h = digit(t, i + 11) * 10 + digit(t, i + 12);
      const m = digit(t, i + 14) * 10 + digit(t, i + 15);
      const sec = digit(t, i + 17) * 10 + digit(t, i + 18);
      out[r] = dayMs + h * 3_600_000 + m * 60_000 + sec * 1000 + digit(t, i + 20) * 100 + digit(t, i + 21) * 10 + digit(t, i + 22);
    } else out[r] = j > i ? (parseOptunaDatetime(t.slice(i, j))?.getTime() ?? null) : null;
    i = j + 1;
  }
  return i === t.length + 1 ? out : null;
}

/** SQL of the first distribution text of a row's param, given names bound as @n0.. and their
 * texts as @d0.. (NULL for a name not among them). */
const firstDistSql = (names: number): string => (names ? `CASE c.param_name ${Array.from({ length: names }, (_, i) => `WHEN @n${i} THEN @d${i}`).join(' ')} END` : 'NULL');

/** A whole-study trial_params scan (StudyColumnsReader.paramScan), made of typed arrays so that it
 * crosses from a worker thread without a copy. */
export interface ParamScan {
  /** StudyColumnsReader.fingerprint of the snapshot it was read in. */
  fingerprint: string;
  names: string[];
  distTexts: (string | null)[];
  /** trial id * (names + 1) + name code + 1, per param row in param_id order, a chunk of rows per
   * array (each chunk's texts are dropped once it is parsed: no array of all rows is built twice). */
  keys: Array<Float64Array<ArrayBuffer>>;
  /** The row's internal value (NaN for NULL), chunk by chunk as keys. */
  vals: Array<Float64Array<ArrayBuffer>>;
  odd: number;
  /** The last param_id the scan covered (null: all of the study's rows, not a range of the table). */
  toRow: number | null;
}

/** Below this many trials a split read is not worth its hand-over: this connection reads it all. */
export const SPLIT_MIN_TRIALS = 20_000;

/** Rows per scan of trial_params in a whole-range read (~100,000 trials of 6 params). */
const PARAM_CHUNK = 600_000;

export class StudyColumnsReader {
  constructor(
    private readonly db: Database.Database,
    private readonly decoder: RowDecoder,
    /** Rows per scan of trial_params in a whole-range read (tests make it small). */
    private readonly paramChunk = PARAM_CHUNK,
    /** Fewest trials for which read takes a `scanned` param scan (tests make it small). */
    private readonly splitMin = SPLIT_MIN_TRIALS,
  ) {}

  private get(sql: string, bind: Record<string, unknown>): unknown[] {
    return this.db.prepare(sql).raw(true).get(bind) as unknown[];
  }

  private all(sql: string, bind: Record<string, unknown>): unknown[][] {
    return this.db.prepare(sql).raw(true).all(bind) as unknown[][];
  }

  /** The trial rows' condition for a child table `c`, and whether to scan it in table order (the
   * study's trials are one id range no other study's trials fall in: a whole read) or go through its
   * trial_id index (a few trials, or a study interleaved with another). */
  private scope(studyId: number, since: ColumnsSince): { where: string; bind: Record<string, unknown> } {
    if (since) {
      return {
        where: 'c.trial_id IN (SELECT trial_id FROM trials WHERE study_id = @study AND (number > @after OR number IN (SELECT value FROM json_each(@numbers))))',
        bind: { study: studyId, after: since.after, numbers: JSON.stringify(since.numbers) },
      };
    }
    const [lo, hi, n] = this.get('SELECT min(trial_id), max(trial_id), count(*) FROM trials WHERE study_id = @study', { study: studyId }) as [number | null, number | null, number];
    if (lo === null || hi === null) return { where: '0', bind: {} };
    const [inRange] = this.get('SELECT count(*) FROM trials WHERE trial_id BETWEEN @lo AND @hi', { lo, hi }) as [number];
    if (inRange === n) return { where: 'c.trial_id BETWEEN @lo AND @hi', bind: { lo, hi } };
    return { where: 'c.trial_id IN (SELECT trial_id FROM trials WHERE study_id = @study)', bind: { study: studyId } };
  }

  /** The study's trials (all, or those `since` asks for) in trial_id order. `scanned` gives the
   * whole-study param scan another connection made (paramScan), or null when it has none. */
  read(studyId: number, since: ColumnsSince, systemKeys: readonly string[], scanned?: () => ParamScan | null): StudyColumns {
    const { where, bind } = this.scope(studyId, since);
    // A whole-range read scans each child table in storage order; the index would cost a b-tree
    // lookup per row.
    const scan = 'lo' in bind ? 'NOT INDEXED' : '';
    const trialWhere = where.replaceAll('c.trial_id', 'trial_id');
    const [ids, numbers, states, starts, ends] = this.get(
      `SELECT group_concat(trial_id), group_concat(number), group_concat(json_quote(state)), group_concat(${datetimeText('datetime_start')}, char(30)), group_concat(${datetimeText('datetime_complete')}, char(30)) ` +
        `FROM (SELECT * FROM trials WHERE study_id = @study AND ${trialWhere} ORDER BY trial_id)`,
      { ...bind, study: studyId },
    );
    const trialId = jsonList(ids) as number[];
    const n = trialId.length;
    const number = (jsonList(numbers) as (number | null)[]).map((x) => x ?? -1);
    const state = jsonList(states) as TrialState[];
    // A datetime text holding the separator itself (nothing writes one) would misalign the rows:
    // then that column is read row by row.
    const oneByOne = (col: string): (number | null)[] =>
      (this.db.prepare(`SELECT ${col} FROM trials WHERE study_id = @study AND ${trialWhere} ORDER BY trial_id`).pluck().all({ ...bind, study: studyId }) as (string | null)[]).map(
        (x) => parseOptunaDatetime(x)?.getTime() ?? null,
      );
    const startedAt = datetimes(starts, n) ?? oneByOne('datetime_start');
    const completedAt = datetimes(ends, n) ?? oneByOne('datetime_complete');
    // trial_id -> row; ids ascend, so a dense range needs no map.
    const first = trialId[0] ?? 0;
    const dense = n === 0 || trialId[n - 1]! - first === n - 1;
    const byId = dense ? null : new Map(trialId.map((id, i) => [id, i]));
    const rowOf = (id: number): number | undefined => (byId ? byId.get(id) : id - first >= 0 && id - first < n ? id - first : undefined);

    // Filled with 0 and the rows without a value set to null after: see readParams.
    const value = new Array<number | null>(n).fill(0);
    const hasValue = new Uint8Array(n);
    const [vIds, vVals] = this.get(`SELECT group_concat(c.trial_id), group_concat(${storedText('c.value', 'c.value_type')}) FROM trial_values c ${scan} WHERE ${where} AND c.objective = 0`, bind);
    const vi = jsonList(vIds) as number[];
    const vv = jsonList(vVals);
    for (let k = 0; k < vi.length; k++) {
      const r = rowOf(vi[k]!);
      if (r !== undefined) {
        value[r] = asNumber(vv[k]);
        hasValue[r] = 1;
      }
    }
    for (let r = 0; r < n; r++) if (!hasValue[r]) value[r] = null;

    const userAttrs = this.readAttrs('trial_user_attributes', where, bind, scan, n, rowOf, number, null);
    const systemAttrs = systemKeys.length ? this.readAttrs('trial_system_attributes', where, bind, scan, n, rowOf, number, systemKeys) : new Map<string, unknown[]>();
    // Params last: a split read's other thread scans them meanwhile. Its scan counts only when it
    // saw the same snapshot as this transaction; else (a commit fell between the two) this
    // connection scans them itself.
    let other: ParamScan | null = null;
    if (scanned && n >= this.splitMin && scan) {
      const mine = this.fingerprint(studyId);
      other = scanned();
      if (other && other.fingerprint !== mine) other = null;
    }
    const params = n === 0 ? [] : this.readParams(where, bind, scan, trialId, rowOf, number, other);
    const total = since ? (this.get('SELECT count(*) FROM trials WHERE study_id = @study', { study: studyId }) as [number])[0] : number.length;
    return { trialId, number, state, startedAt, completedAt, value, params, userAttrs, systemAttrs, total };
  }

  /** The first recorded distribution of param `name` among the scoped trials (storage order is
   * param_id order: the scan stops at the first match). */
  private firstDistribution(name: string, where: string, bind: Record<string, unknown>, scan: string): Distribution {
    return this.decoder.distribution(this.distributionText(name, where, bind, scan), `param '${name}'`);
  }

  /** What identifies the snapshot a whole read sees, cheaply: trial_params rows are only ever
   * inserted (Optuna and Sweepdeck never update one), so the same last param row and the same
   * trials mean the same params. Compared between the two connections of a split read. */
  fingerprint(studyId: number): string {
    return JSON.stringify(this.get('SELECT (SELECT max(param_id) FROM trial_params), (SELECT max(trial_id) FROM trials), (SELECT count(*) FROM trials WHERE study_id = @study)', { study: studyId }));
  }

  /** The whole-study trial_params scan on its own, in its own read transaction (another thread's
   * connection runs it while this one reads the rest: see read's `scanned`): of the first `share`
   * of the table's rows (by param_id); the reader that takes it scans the rest. null for a study
   * of fewer than `minTrials` or more than `maxTrials` trials (by id range; read takes no scan of a
   * study under its split minimum), and for one that is not one id range. */
  paramScan(studyId: number, share = 1, maxTrials = Infinity, minTrials = 0): ParamScan | null {
    return this.db.transaction(() => {
      const fingerprint = this.fingerprint(studyId);
      const { where, bind } = this.scope(studyId, undefined);
      if (!('lo' in bind)) return null;
      const [first, last] = [bind.lo as number, bind.hi as number];
      if (last - first + 1 > maxTrials || last - first + 1 < minTrials) return null;
      return { fingerprint, ...this.scanParams(where, bind, 'NOT INDEXED', first, last, { share }) };
    }).deferred();
  }

  /** The param names (guessed from the first and last trials), their first distributions' texts,
   * and every scoped param row as (trial id * K + name code + 1, internal value), K = names + 1;
   * `odd` counts rows of other names or other distributions. A whole-range read may scan only the
   * first `share` of the table's rows, or only those after row `after`. */
  private scanParams(
    where: string,
    bind: Record<string, unknown>,
    scan: string,
    firstTrial: number,
    lastTrial: number,
    part: { share?: number; after?: number } = {},
  ): Omit<ParamScan, 'fingerprint'> {
    // A GROUP BY over every param row would sort them all: two index lookups instead; rows of any
    // other name are read apart (readParams).
    const names: string[] = [];
    for (const [name] of this.all('SELECT c.param_name FROM trial_params c WHERE c.trial_id IN (@first, @last) ORDER BY c.param_id', { first: firstTrial, last: lastTrial }) as Array<[string]>) {
      if (!names.includes(name)) names.push(name);
    }
    const nameBind: Record<string, unknown> = { ...bind };
    const distTexts = names.map((name, i) => {
      const text = this.distributionText(name, where, bind, scan);
      nameBind[`n${i}`] = name;
      nameBind[`d${i}`] = text;
      return text;
    });
    // Trial id and name code travel as one integer (id * K + code + 1): one text fewer to build and
    // parse for ~600,000 rows.
    const K = names.length + 1;
    const code = names.length ? `CASE c.param_name ${names.map((_, i) => `WHEN @n${i} THEN ${i}`).join(' ')} ELSE -1 END` : '-1';
    const columnsOf = `group_concat(c.trial_id * ${K} + ${code} + 1), group_concat(${realText('c.param_value')}), sum(c.distribution_json IS NOT ${firstDistSql(names.length)})`;
    let scanSql = `SELECT ${columnsOf} FROM trial_params c ${scan} WHERE ${where}`;
    // A whole-range read goes paramChunk rows (by param_id, the table's own order: each chunk a
    // range of the table, not a scan of all of it) at a time, so the texts SQLite builds stay a few
    // tens of MB at 1,000,000 trials instead of ~200 MB at once.
    const chunks: Array<Record<string, unknown>> = [];
    let [firstRow, lastRow] = scan ? (this.get('SELECT min(param_id), max(param_id) FROM trial_params', {}) as [number | null, number | null]) : [null, null];
    if (firstRow !== null && lastRow !== null) {
      if (part.share !== undefined && part.share < 1) lastRow = firstRow + Math.floor((lastRow - firstRow + 1) * part.share) - 1;
      if (part.after !== undefined) firstRow = Math.max(firstRow, part.after + 1);
    }
    const toRow = lastRow;
    if (firstRow !== null && lastRow !== null) {
      scanSql += ' AND c.param_id BETWEEN @fromRow AND @toRow';
      for (let from = firstRow; from <= lastRow; from += this.paramChunk) chunks.push({ ...nameBind, fromRow: from, toRow: Math.min(lastRow, from + this.paramChunk - 1) });
    } else chunks.push(nameBind);
    // Typed arrays: they cross from a worker thread without a copy (a NULL value as NaN, as below).
    const keys: Array<Float64Array<ArrayBuffer>> = [];
    const vals: Array<Float64Array<ArrayBuffer>> = [];
    let odd = 0;
    for (const chunkBind of chunks) {
      const [keyText, valText, chunkOdd] = this.get(scanSql, chunkBind) as [string | null, string | null, number | null];
      odd += chunkOdd ?? 0;
      const pk = jsonList(keyText) as number[];
      const pv = jsonList(valText) as (number | null)[];
      const k = new Float64Array(pk.length);
      const v = new Float64Array(pk.length);
      for (let i = 0; i < pk.length; i++) {
        k[i] = pk[i]!;
        v[i] = pv[i] ?? NaN;
      }
      keys.push(k);
      vals.push(v);
    }
    return { names, distTexts, keys, vals, odd, toRow };
  }

  private readParams(
    where: string,
    bind: Record<string, unknown>,
    scan: string,
    trialId: readonly number[],
    rowOf: (id: number) => number | undefined,
    number: readonly number[],
    scanned: ParamScan | null,
  ): StudyColumns['params'] {
    const n = trialId.length;
    const parts = [scanned ?? this.scanParams(where, bind, scan, trialId[0]!, trialId[n - 1]!)];
    // The rows after the other reader's share, scanned here (the same snapshot: the same names).
    if (scanned && scanned.toRow !== null) {
      const rest = this.scanParams(where, bind, scan, trialId[0]!, trialId[n - 1]!, { after: scanned.toRow });
      if (rest.names.join('\0') === scanned.names.join('\0')) parts.push(rest);
      else parts[0] = this.scanParams(where, bind, scan, trialId[0]!, trialId[n - 1]!);
    }
    const { names, distTexts } = parts[0]!;
    const nameBind: Record<string, unknown> = { ...bind };
    const cols = names.map((name, i) => {
      nameBind[`n${i}`] = name;
      nameBind[`d${i}`] = distTexts[i];
      // Filled with 0 and the absent rows set to null at the end: a column every trial has stays an
      // array of unboxed doubles (a third of the memory of one holding a null).
      return { name, distribution: this.decoder.distribution(distTexts[i] ?? null, `param '${name}'`), values: new Array<ParamValue>(n).fill(0), present: new Array<boolean>(n).fill(false) };
    });
    const K = names.length + 1;
    for (const part of parts) {
      for (let c = 0; c < part.keys.length; c++) {
        const keys = part.keys[c]!;
        const vals = part.vals[c]!;
        for (let k = 0; k < keys.length; k++) {
          const key = keys[k]!;
          const r = rowOf(Math.floor(key / K));
          const col = cols[(key % K) - 1];
          if (r === undefined || !col) continue;
          col.values[r] = this.external(col.name, col.distribution, vals[k]!, number[r]!);
          col.present[r] = true;
        }
      }
    }
    // Rows of names the guess missed (a conditional param), and rows whose distribution differs
    // from their param's first one (a resumed sweep widened a range or changed a categorical's
    // choices): decoded one by one with their own distribution.
    if (parts.some((p) => p.odd > 0)) {
      const rows = this.all(`SELECT c.trial_id, c.param_name, c.param_value, c.distribution_json FROM trial_params c ${scan} WHERE ${where} AND c.distribution_json IS NOT ${firstDistSql(names.length)} ORDER BY c.param_id`, nameBind) as Array<
        [number, string, number | null, string | null]
      >;
      for (const [id, name, internal, dist] of rows) {
        const r = rowOf(id);
        if (r === undefined) continue;
        let col = cols.find((c) => c.name === name);
        if (!col) {
          col = { name, distribution: this.firstDistribution(name, where, bind, scan), values: new Array<ParamValue>(n).fill(null), present: new Array<boolean>(n).fill(false) };
          cols.push(col);
        }
        const at = `trial ${number[r]} param '${name}'`;
        col.values[r] = this.decoder.param(name, this.decoder.distribution(dist, at), internal ?? NaN, at);
        col.present[r] = true;
      }
    }
    for (const col of cols) {
      for (let r = 0; r < n; r++) if (!col.present[r]) col.values[r] = null;
    }
    return cols;
  }

  /** fromInternalRepr, inline for the values it accepts (600,000 calls for a 100,000-trial study);
   * anything else goes through the decoder, which says what is wrong and where. */
  private external(name: string, d: Distribution, internal: number, trialNumber: number): ParamValue {
    if (d.kind === 'float') return internal;
    if (d.kind === 'int') return Math.trunc(internal);
    if (Number.isInteger(internal) && internal >= 0 && internal < d.choices.length) return d.choices[internal]!;
    return this.decoder.param(name, d, internal, `trial ${trialNumber} param '${name}'`);
  }

  private distributionText(name: string, where: string, bind: Record<string, unknown>, scan: string): string | null {
    const [dist] = this.get(`SELECT c.distribution_json FROM trial_params c ${scan} WHERE ${where} AND c.param_name = @name ORDER BY c.param_id LIMIT 1`, { ...bind, name }) as [string | null];
    return dist;
  }

  private readAttrs(
    table: 'trial_user_attributes' | 'trial_system_attributes',
    where: string,
    bind: Record<string, unknown>,
    scan: string,
    n: number,
    rowOf: (id: number) => number | undefined,
    number: readonly number[],
    keys: readonly string[] | null,
  ): Map<string, unknown[]> {
    const only = keys ? ` AND c."key" IN (SELECT value FROM json_each(@keys))` : '';
    const rows = this.all(`SELECT c."key", group_concat(c.trial_id), group_concat(c.value_json, char(30)) FROM ${table} c ${scan} WHERE ${where}${only} GROUP BY c."key"`, keys ? { ...bind, keys: JSON.stringify(keys) } : bind) as Array<
      [string, string, string]
    >;
    const out = new Map<string, unknown[]>();
    for (const [key, ids, texts] of rows) {
      const col = new Array<unknown>(n).fill(undefined);
      const ti = jsonList(ids) as number[];
      // Python's JSON may hold NaN or Infinity, which JSON.parse refuses: then each value is
      // decoded on its own (Python JSON rules). A record separator cannot occur in JSON text.
      const parts = texts.split('\x1e');
      const fast = parseAll(parts);
      for (let k = 0; k < ti.length; k++) {
        const r = rowOf(ti[k]!);
        if (r === undefined) continue;
        col[r] = fast && fast.length === ti.length ? fast[k] : this.decoder.json(parts[k] ?? null, `${table} '${key}' of trial ${number[r]}`);
      }
      out.set(key, col);
    }
    return out;
  }

  /** The intermediate values of the study's trials (all, or those `since` asks for), flat in
   * (trial_id, step) order: trial number[i]'s are step/value[start[i] .. start[i+1]). Trials are
   * those of `read` for the same arguments. */
  intermediate(studyId: number, since: ColumnsSince): IntermediateColumnsRead {
    const { where, bind } = this.scope(studyId, since);
    const trialWhere = where.replaceAll('c.trial_id', 'trial_id');
    const [ids, numbers] = this.get(`SELECT group_concat(trial_id), group_concat(coalesce(number, -1)) FROM (SELECT trial_id, number FROM trials WHERE study_id = @study AND ${trialWhere} ORDER BY trial_id)`, { ...bind, study: studyId });
    const trialId = jsonList(ids) as number[];
    const number = jsonList(numbers) as number[];
    // Few trials have intermediate values in most studies: through the (trial_id, step) index.
    const [ti, steps, vals] = this.get(
      `SELECT group_concat(trial_id), group_concat(step), group_concat(v) FROM (SELECT c.trial_id, c.step, ${storedText('c.intermediate_value', 'c.intermediate_value_type')} AS v FROM trial_intermediate_values c WHERE ${where} ORDER BY c.trial_id, c.step)`,
      bind,
    );
    const it = jsonList(ti) as number[];
    const step = jsonList(steps) as number[];
    const value = jsonList(vals).map(asNumber);
    const start = new Array<number>(trialId.length + 1);
    let k = 0;
    for (let i = 0; i < trialId.length; i++) {
      while (k < it.length && it[k]! < trialId[i]!) k++;
      start[i] = k;
      while (k < it.length && it[k] === trialId[i]) k++;
    }
    start[trialId.length] = k;
    // Values of trial ids outside the list cannot occur (same scope), so start[n] === it.length.
    return { number, start, step: step.slice(0, k), value: value.slice(0, k) };
  }

  /** Each param of the study with the distribution of its first row, in first-suggested order. */
  distributions(studyId: number): Array<[string, Distribution]> {
    const { where, bind } = this.scope(studyId, undefined);
    const scan = 'lo' in bind ? 'NOT INDEXED' : '';
    // DISTINCT keeps a b-tree of the few names, not a sort of every row.
    const names = (this.all(`SELECT DISTINCT c.param_name FROM trial_params c ${scan} WHERE ${where}`, bind) as Array<[string]>).map(([name]) => name);
    const first = names.map((name) => {
      const [id] = this.get(`SELECT c.param_id FROM trial_params c ${scan} WHERE ${where} AND c.param_name = @name ORDER BY c.param_id LIMIT 1`, { ...bind, name }) as [number];
      return { name, id };
    });
    return first.sort((a, b) => a.id - b.id).map(({ name }) => [name, this.firstDistribution(name, where, bind, scan)]);
  }
}
