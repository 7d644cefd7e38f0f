// MLflow's search grammar for runs and experiments: filter strings (`params.x = 'a' AND
// metrics.m > 0.5`, AND only), order_by clauses and page tokens. Parsing yields a small AST that the
// file store evaluates in memory and the SQLite store compiles to SQL, so both stores accept and
// reject the same strings with the same messages (shaped like MLflow's, see the REST transcript).
import type { Experiment, Metric, Page, Run } from './types.ts';
import { MlflowError } from './types.ts';
import { LIMITS } from './mlflowLimits.ts';

export type EntityType = 'metric' | 'parameter' | 'tag' | 'attribute';
export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface Comparison {
  type: EntityType;
  key: string;
  comparator: Comparator;
  /** number for metrics and numeric attributes, string list for IN / NOT IN, else string. */
  value: number | string | string[];
}

export interface OrderByClause {
  type: EntityType;
  key: string;
  ascending: boolean;
}

function invalid(message: string): MlflowError {
  return new MlflowError('INVALID_PARAMETER_VALUE', message);
}

// ---------------------------------------------------------------------------------------------
// Tokenizer

type Token =
  | { t: 'ident'; text: string }
  | { t: 'keyword'; text: string }
  | { t: 'string'; text: string; value: string }
  | { t: 'number'; text: string; value: number }
  | { t: 'op'; text: string }
  | { t: 'punct'; text: '(' | ')' | ',' };

const KEYWORDS = new Set(['AND', 'OR', 'LIKE', 'ILIKE', 'IN', 'NOT', 'IS', 'NULL']);
// Unicode letters and digits, as sqlparse's names (Python's \w) in MLflow's filter parser: a key
// such as précision or 损失 that MLflow accepts can be searched unquoted.
const IDENT_START = /[\p{L}_`]/u;
const IDENT_CHAR = /[\p{L}\p{N}_.]/u;

function readQuoted(src: string, start: number, quote: string, what: string): number {
  // Returns the index just past the closing quote. A doubled quote or a backslash-escaped quote
  // inside does not close it (sqlparse's rule); the content is kept as written, as MLflow does.
  let i = start + 1;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\' && i + 1 < src.length) {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (src[i + 1] === quote && quote !== '`') {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  throw invalid(`Invalid clause(s) in filter string: '${src.slice(start)}' (unterminated ${what})`);
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (IDENT_START.test(c)) {
      const start = i;
      while (i < src.length) {
        const ch = src[i] as string;
        if (ch === '`') i = readQuoted(src, i, '`', 'backtick-quoted name');
        else if (ch === '"' && src[i - 1] === '.') i = readQuoted(src, i, '"', 'double-quoted name');
        else if (IDENT_CHAR.test(ch)) i++;
        else break;
      }
      const text = src.slice(start, i);
      if (KEYWORDS.has(text.toUpperCase())) out.push({ t: 'keyword', text: text.toUpperCase() });
      else out.push({ t: 'ident', text });
      continue;
    }
    if (c === "'" || c === '"') {
      const end = readQuoted(src, i, c, 'string');
      const text = src.slice(i, end);
      out.push({ t: 'string', text, value: text.slice(1, -1) });
      i = end;
      continue;
    }
    const num = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i));
    if (num && (c !== '-' && c !== '+' ? true : out.length > 0 && out[out.length - 1]?.t === 'op')) {
      out.push({ t: 'number', text: num[0], value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    if (/[<>=!]/.test(c)) {
      const start = i;
      while (i < src.length && /[<>=!]/.test(src[i] as string)) i++;
      out.push({ t: 'op', text: src.slice(start, i) });
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ t: 'punct', text: c });
      i++;
      continue;
    }
    // Anything else (a stray word character run such as '-' or '%') is an invalid clause.
    let j = i + 1;
    while (j < src.length && !/\s/.test(src[j] as string)) j++;
    throw invalid(`Invalid clause(s) in filter string: '${src.slice(i, j)}'`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Identifiers

const ENTITY_ALIASES: Record<string, EntityType> = {
  metric: 'metric',
  metrics: 'metric',
  parameter: 'parameter',
  parameters: 'parameter',
  param: 'parameter',
  params: 'parameter',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
};
const ENTITY_LIST = "['metric', 'parameter', 'tag', 'attribute', 'dataset']";

const STRING_ATTRIBUTES = ['run_id', 'run_name', 'user_id', 'status', 'artifact_uri'];
const NUMERIC_ATTRIBUTES = ['start_time', 'end_time'];
const ATTRIBUTE_ALIASES: Record<string, string> = { created: 'start_time', Created: 'start_time', 'run name': 'run_name', 'Run name': 'run_name', 'Run Name': 'run_name' };
const SEARCHABLE_ATTRIBUTES = [...STRING_ATTRIBUTES, ...NUMERIC_ATTRIBUTES, ...Object.keys(ATTRIBUTE_ALIASES)];
const ORDERABLE_ATTRIBUTES = [...SEARCHABLE_ATTRIBUTES, 'experiment_id'];

function stripQuotes(s: string): string {
  if (s.length >= 2 && ((s.startsWith('`') && s.endsWith('`')) || (s.startsWith('"') && s.endsWith('"')) || (s.startsWith("'") && s.endsWith("'")))) {
    return s.slice(1, -1);
  }
  return s;
}

/** Splits `entity.key` at the first dot outside backticks. */
function splitIdentifier(text: string): { entity: string | null; key: string } {
  let inTick = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '`') inTick = !inTick;
    else if (c === '.' && !inTick) return { entity: text.slice(0, i), key: text.slice(i + 1) };
  }
  return { entity: null, key: text };
}

function parseRunIdentifier(text: string, validAttributes: readonly string[]): { type: EntityType; key: string } {
  const { entity, key: rawKey } = splitIdentifier(text);
  let type: EntityType = 'attribute';
  if (entity !== null) {
    const e = stripQuotes(entity);
    if (e === 'dataset' || e === 'datasets') {
      throw invalid(`Filtering or ordering on '${e}' is not supported by Sweepdeck's stores; use metrics., params., tags. or attributes.`);
    }
    const t = ENTITY_ALIASES[e];
    if (!t) throw invalid(`Invalid entity type '${e}'. Valid values are ${ENTITY_LIST}`);
    type = t;
  }
  let key = stripQuotes(rawKey);
  if (key === '') throw invalid(`Invalid identifier '${text}': the name after '${entity ?? ''}.' is empty.`);
  if (type === 'attribute') {
    if (!validAttributes.includes(key)) {
      throw invalid(`Invalid attribute key '${key}' specified. Valid keys are '${JSON.stringify(validAttributes).replace(/"/g, "'")}'`);
    }
    key = ATTRIBUTE_ALIASES[key] ?? key;
  }
  return { type, key };
}

// ---------------------------------------------------------------------------------------------
// Run filters

// The comparator sets are printed as MLflow prints them (the metric one is copied from a real
// server's error message in the fixtures' transcript).
const METRIC_COMPARATORS: readonly Comparator[] = ['=', '>=', '!=', '<', '>', '<='];
const STRING_COMPARATORS: readonly Comparator[] = ['!=', '=', 'LIKE', 'ILIKE'];
const STRING_ATTRIBUTE_COMPARATORS: readonly Comparator[] = ['!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];

function setText(list: readonly string[]): string {
  return `{${list.map((c) => `'${c}'`).join(', ')}}`;
}

class Cursor {
  i = 0;
  constructor(readonly tokens: Token[]) {}
  peek(): Token | undefined {
    return this.tokens[this.i];
  }
  next(): Token | undefined {
    return this.tokens[this.i++];
  }
}

function tokenText(t: Token | undefined): string {
  return t === undefined ? '<end of filter>' : t.text;
}

function readComparator(cur: Cursor): string {
  const t = cur.next();
  if (!t) throw invalid('Invalid filter string: a comparison ends without a comparator and value.');
  if (t.t === 'op') return t.text;
  if (t.t === 'keyword') {
    if (t.text === 'NOT') {
      const n = cur.next();
      if (n?.t === 'keyword' && n.text === 'IN') return 'NOT IN';
      return `NOT ${tokenText(n)}`;
    }
    if (t.text === 'IS') {
      const parts = ['IS'];
      let n = cur.next();
      if (n?.t === 'keyword' && n.text === 'NOT') {
        parts.push('NOT');
        n = cur.next();
      }
      parts.push(tokenText(n));
      return parts.join(' ');
    }
    return t.text;
  }
  return t.text;
}

function readValue(cur: Cursor): Token | { t: 'list'; values: Token[]; text: string } | undefined {
  const t = cur.peek();
  if (t?.t === 'punct' && t.text === '(') {
    cur.next();
    const values: Token[] = [];
    for (;;) {
      const v = cur.next();
      if (!v) throw invalid("Invalid filter string: a '(' list is not closed with ')'.");
      if (v.t === 'punct' && v.text === ')') break;
      if (v.t === 'punct' && v.text === ',') continue;
      values.push(v);
    }
    return { t: 'list', values, text: `(${values.map((v) => v.text).join(', ')})` };
  }
  return cur.next();
}

function buildComparison(type: EntityType, key: string, comparator: string, value: ReturnType<typeof readValue>): Comparison {
  const valText = value === undefined ? '<nothing>' : value.text;
  if (type === 'metric' || (type === 'attribute' && NUMERIC_ATTRIBUTES.includes(key))) {
    if (!(METRIC_COMPARATORS as readonly string[]).includes(comparator)) {
      throw invalid(`Invalid comparator '${comparator}' not one of '${setText(METRIC_COMPARATORS)}`);
    }
    if (value?.t !== 'number') {
      throw invalid(type === 'metric' ? `Expected numeric value type for metric. Found ${valText}` : `Expected numeric value type for numeric attribute: ${key}. Found ${valText}`);
    }
    return { type, key, comparator: comparator as Comparator, value: value.value };
  }
  const allowed = type === 'attribute' ? STRING_ATTRIBUTE_COMPARATORS : STRING_COMPARATORS;
  if (!(allowed as readonly string[]).includes(comparator)) {
    throw invalid(`Invalid comparator '${comparator}' not one of '${setText(allowed)}`);
  }
  if (comparator === 'IN' || comparator === 'NOT IN') {
    if (key !== 'run_id') throw invalid("Only the 'run_id' attribute supports comparison with a list of quoted string values.");
    if (value?.t !== 'list' || value.values.length === 0 || value.values.some((v) => v.t !== 'string')) {
      throw invalid(`While parsing a list in the query, expected a non-empty list of string values, but got ${valText}`);
    }
    return { type, key, comparator, value: value.values.map((v) => (v as { value: string }).value) };
  }
  if (value?.t !== 'string') {
    throw invalid(
      type === 'attribute'
        ? `Expected a quoted string value for attributes. Got value ${valText}`
        : `Expected a quoted string value for ${type} (e.g. 'my-value'). Got value ${valText}`,
    );
  }
  return { type, key, comparator: comparator as Comparator, value: value.value };
}

/** Parses a search-runs filter; an empty or blank filter gives no comparisons. */
export function parseRunFilter(filter: string | undefined | null): Comparison[] {
  if (!filter || filter.trim() === '') return [];
  const cur = new Cursor(tokenize(filter));
  const out: Comparison[] = [];
  for (;;) {
    const idTok = cur.next();
    if (!idTok || idTok.t !== 'ident') {
      throw invalid(`Invalid clause(s) in filter string: '${tokenText(idTok)}'`);
    }
    const { type, key } = parseRunIdentifier(idTok.text, SEARCHABLE_ATTRIBUTES);
    const comparator = readComparator(cur);
    const value = readValue(cur);
    out.push(buildComparison(type, key, comparator, value));
    if (out.length > LIMITS.searchFilterClauses) {
      throw invalid(`The filter has more than ${LIMITS.searchFilterClauses} clauses joined by AND; narrow it to at most ${LIMITS.searchFilterClauses}.`);
    }
    const sep = cur.next();
    if (sep === undefined) break;
    if (sep.t === 'keyword' && sep.text === 'AND') continue;
    throw invalid(`Invalid clause(s) in filter string: '${sep.text}'`);
  }
  return out;
}

/** Parses order_by clauses such as "metrics.`macro-f1` DESC" or "attributes.start_time". */
export function parseRunOrderBy(orderBy: readonly string[] | undefined): OrderByClause[] {
  if ((orderBy?.length ?? 0) > LIMITS.searchOrderBy) {
    throw invalid(`order_by has ${orderBy!.length} clauses; give at most ${LIMITS.searchOrderBy}.`);
  }
  const out: OrderByClause[] = [];
  const seen = new Set<string>();
  for (const clause of orderBy ?? []) {
    const { ident, ascending } = splitDirection(clause);
    if (!ident || /\s/.test(ident.replace(/`[^`]*`/g, ''))) {
      throw invalid(`Invalid order_by clause '${clause}'. Could not be parsed.`);
    }
    const { type, key } = parseRunIdentifier(ident, ORDERABLE_ATTRIBUTES);
    const id = `${type}:${key}`;
    if (seen.has(id)) throw invalid(`\`order_by\` contains duplicate fields: ${JSON.stringify(orderBy)}`);
    seen.add(id);
    out.push({ type, key, ascending });
  }
  return out;
}

function splitDirection(clause: string): { ident: string; ascending: boolean } {
  const m = /^(.*?)(?:\s+(asc|desc))?\s*$/is.exec(clause.trim());
  const ident = (m?.[1] ?? '').trim();
  const dir = m?.[2]?.toLowerCase();
  return { ident, ascending: dir !== 'desc' };
}

// ---------------------------------------------------------------------------------------------
// In-memory evaluation (the file store; also the reference the SQL compiler is tested against)

function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let re = '^';
  for (const ch of pattern) {
    if (ch === '%') re += '.*';
    else if (ch === '_') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`${re}$`, caseInsensitive ? 'is' : 's');
}

/** One comparison of a filter against a value the run holds (exported for columnar stores of runs). */
export function compareValues(actual: string | number, comparator: Comparator, expected: Comparison['value']): boolean {
  switch (comparator) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '>':
      return typeof actual === 'number' && actual > (expected as number);
    case '>=':
      return typeof actual === 'number' && actual >= (expected as number);
    case '<':
      return typeof actual === 'number' && actual < (expected as number);
    case '<=':
      return typeof actual === 'number' && actual <= (expected as number);
    case 'LIKE':
      return likeToRegExp(expected as string, false).test(String(actual));
    case 'ILIKE':
      return likeToRegExp(expected as string, true).test(String(actual));
    case 'IN':
      return (expected as string[]).includes(String(actual));
    case 'NOT IN':
      return !(expected as string[]).includes(String(actual));
  }
}

function findValue(list: { key: string; value: string }[] | undefined, key: string): string | undefined {
  return list?.find((x) => x.key === key)?.value;
}

function findMetric(list: Metric[] | undefined, key: string): Metric | undefined {
  return list?.find((x) => x.key === key);
}

function attributeValue(run: Run, key: string): string | number | undefined {
  const i = run.info;
  switch (key) {
    case 'run_id':
      return i.run_id;
    case 'run_name':
      return i.run_name;
    case 'user_id':
      return i.user_id;
    case 'status':
      return i.status;
    case 'artifact_uri':
      return i.artifact_uri;
    case 'start_time':
      return i.start_time;
    case 'end_time':
      return i.end_time ?? undefined;
    case 'experiment_id':
      return i.experiment_id;
    default:
      return undefined;
  }
}

export function runMatches(run: Run, comparisons: readonly Comparison[]): boolean {
  for (const c of comparisons) {
    let ok: boolean;
    if (c.type === 'metric') {
      const m = findMetric(run.data.metrics, c.key);
      if (!m) ok = false;
      else if (Number.isNaN(m.value)) ok = c.comparator === '!=';
      else ok = compareValues(m.value, c.comparator, c.value);
    } else if (c.type === 'parameter' || c.type === 'tag') {
      const v = findValue(c.type === 'parameter' ? run.data.params : run.data.tags, c.key);
      ok = v !== undefined && compareValues(v, c.comparator, c.value);
    } else {
      const v = attributeValue(run, c.key);
      ok = v !== undefined && compareValues(v, c.comparator, c.value);
    }
    if (!ok) return false;
  }
  return true;
}

type SortKey = { rank: number; value: string | number | undefined };

function sortKey(run: Run, clause: OrderByClause): SortKey {
  if (clause.type === 'metric') {
    const m = findMetric(run.data.metrics, clause.key);
    if (!m) return { rank: 2, value: undefined };
    if (Number.isNaN(m.value)) return { rank: 1, value: 0 };
    return { rank: 0, value: m.value };
  }
  const v =
    clause.type === 'attribute'
      ? attributeValue(run, clause.key)
      : findValue(clause.type === 'parameter' ? run.data.params : run.data.tags, clause.key);
  return v === undefined ? { rank: 1, value: undefined } : { rank: 0, value: v };
}

function cmpPrimitive(a: string | number | undefined, b: string | number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : 1;
  // SQLite orders numbers before text; strings compare by code unit like its BINARY collation.
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : 1;
}

/** MLflow's run order: each clause (present values first, NaN metrics after them, missing last),
 * then start_time descending unless ordered by it, then run id. */
export function compareRunsBy(orderBy: readonly OrderByClause[]): (a: Run, b: Run) => number {
  const byStart = orderBy.some((c) => c.type === 'attribute' && c.key === 'start_time');
  return (a, b) => {
    for (const c of orderBy) {
      const ka = sortKey(a, c);
      const kb = sortKey(b, c);
      if (ka.rank !== kb.rank) return ka.rank - kb.rank;
      const d = cmpPrimitive(ka.value, kb.value);
      if (d !== 0) return c.ascending ? d : -d;
    }
    if (!byStart) {
      const d = cmpPrimitive(a.info.start_time, b.info.start_time);
      if (d !== 0) return -d;
    }
    return cmpPrimitive(a.info.run_id, b.info.run_id);
  };
}

// ---------------------------------------------------------------------------------------------
// Page tokens: base64 of `{"offset": N}`, byte-identical to MLflow's SQL store tokens.

export function encodePageToken(offset: number): string {
  return Buffer.from(`{"offset": ${offset}}`, 'utf8').toString('base64');
}

export function decodePageToken(token: string | undefined | null): number {
  if (!token) return 0;
  let decoded: string;
  try {
    decoded = Buffer.from(token, 'base64').toString('utf8');
  } catch {
    throw invalid(`Invalid page token '${token}', could not base64-decode it.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded);
  } catch {
    throw invalid(`Invalid page token '${token}', decoded value=${JSON.stringify(decoded)} is not JSON. Pass back the next_page_token of a previous response unchanged.`);
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw invalid(`Invalid page token '${token}', expected an object with a non-negative integer 'offset', got ${decoded}.`);
  }
  return offset;
}

/** One page from an already ordered list; a token is returned whenever the page is full, as
 * MLflow does (so the last page may be empty). */
export function pageOf<T>(items: readonly T[], offset: number, maxResults: number): Page<T> {
  const slice = items.slice(offset, offset + maxResults);
  const page: Page<T> = { items: slice };
  if (slice.length === maxResults) page.nextPageToken = encodePageToken(offset + maxResults);
  return page;
}

// ---------------------------------------------------------------------------------------------
// Experiments

export interface ExperimentComparison {
  type: 'attribute' | 'tag';
  key: string;
  comparator: Comparator;
  value: string | number;
}

const EXP_STRING_ATTRS = ['name'];
const EXP_NUMERIC_ATTRS = ['creation_time', 'last_update_time'];
const EXP_ORDER_ATTRS = ['name', 'experiment_id', 'creation_time', 'last_update_time'];

function parseExperimentIdentifier(text: string, attrs: readonly string[]): { type: 'attribute' | 'tag'; key: string } {
  const { entity, key: rawKey } = splitIdentifier(text);
  let type: 'attribute' | 'tag' = 'attribute';
  if (entity !== null) {
    const e = stripQuotes(entity);
    if (e === 'tag' || e === 'tags') type = 'tag';
    else if (!['attribute', 'attributes', 'attr'].includes(e)) throw invalid(`Invalid entity type '${e}'. Valid values are ['tag', 'attribute']`);
  }
  const key = stripQuotes(rawKey);
  if (type === 'attribute' && !attrs.includes(key)) {
    throw invalid(`Invalid attribute key '${key}' specified. Valid keys are '${JSON.stringify(attrs).replace(/"/g, "'")}'`);
  }
  return { type, key };
}

export function parseExperimentFilter(filter: string | undefined | null): ExperimentComparison[] {
  if (!filter || filter.trim() === '') return [];
  const cur = new Cursor(tokenize(filter));
  const out: ExperimentComparison[] = [];
  for (;;) {
    const idTok = cur.next();
    if (!idTok || idTok.t !== 'ident') throw invalid(`Invalid clause(s) in filter string: '${tokenText(idTok)}'`);
    const { type, key } = parseExperimentIdentifier(idTok.text, [...EXP_STRING_ATTRS, ...EXP_NUMERIC_ATTRS]);
    const comparator = readComparator(cur);
    const value = readValue(cur);
    const valText = value === undefined ? '<nothing>' : value.text;
    if (type === 'attribute' && EXP_NUMERIC_ATTRS.includes(key)) {
      if (!(METRIC_COMPARATORS as readonly string[]).includes(comparator)) throw invalid(`Invalid comparator for numeric attribute: ${comparator}`);
      if (value?.t !== 'number') throw invalid(`Expected numeric value type for numeric attribute: ${key}. Found ${valText}`);
      out.push({ type, key, comparator: comparator as Comparator, value: value.value });
    } else {
      if (!(STRING_COMPARATORS as readonly string[]).includes(comparator)) {
        throw invalid(type === 'tag' ? `Invalid comparator for tag: ${comparator}` : `Invalid comparator for string attribute: ${comparator}`);
      }
      if (value?.t !== 'string') throw invalid(`Expected a quoted string value for ${type} (e.g. 'my-value'). Got value ${valText}`);
      out.push({ type, key, comparator: comparator as Comparator, value: value.value });
    }
    const sep = cur.next();
    if (sep === undefined) break;
    if (sep.t === 'keyword' && sep.text === 'AND') continue;
    throw invalid(`Invalid clause(s) in filter string: '${sep.text}'`);
  }
  return out;
}

export function experimentMatches(exp: Experiment, comparisons: readonly ExperimentComparison[]): boolean {
  return comparisons.every((c) => {
    let v: string | number | undefined;
    if (c.type === 'tag') v = findValue(exp.tags, c.key);
    else if (c.key === 'name') v = exp.name;
    else if (c.key === 'creation_time') v = exp.creation_time;
    else if (c.key === 'last_update_time') v = exp.last_update_time;
    return v !== undefined && compareValues(v, c.comparator, c.value);
  });
}

export function compareExperimentsBy(orderBy: readonly string[] | undefined): (a: Experiment, b: Experiment) => number {
  const clauses = (orderBy && orderBy.length > 0 ? orderBy : ['creation_time DESC', 'experiment_id ASC']).map((c) => {
    const { ident, ascending } = splitDirection(c);
    const { type, key } = parseExperimentIdentifier(ident, EXP_ORDER_ATTRS);
    if (type !== 'attribute') throw invalid(`Invalid order_by entity: ${type}`);
    return { key, ascending };
  });
  // Tie-breaker as MLflow's: experiment id descending when not ordered by it.
  if (!clauses.some((c) => c.key === 'experiment_id')) clauses.push({ key: 'experiment_id', ascending: false });
  const val = (e: Experiment, key: string): string | number | undefined => {
    if (key === 'experiment_id') return /^\d+$/.test(e.experiment_id) ? Number(e.experiment_id) : e.experiment_id;
    if (key === 'name') return e.name;
    if (key === 'creation_time') return e.creation_time;
    return e.last_update_time;
  };
  return (a, b) => {
    for (const c of clauses) {
      const d = cmpPrimitive(val(a, c.key), val(b, c.key));
      if (d !== 0) return c.ascending ? d : -d;
    }
    return 0;
  };
}
