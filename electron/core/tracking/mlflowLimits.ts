// MLflow's request limits and name rules (mlflow/utils/validation.py, MLflow 2.17+), applied by the
// stores before anything is written so that a bad value is rejected with MLflow's error code and a
// message naming the key and the limit, and a batch is either written whole or not at all.
import type { KeyValue, Metric, Step } from './types.ts';
import { MlflowError, normalStep } from './types.ts';

export const LIMITS = {
  keyLength: 250,
  paramValueLength: 6000,
  runTagValueLength: 8000,
  experimentTagValueLength: 5000,
  experimentNameLength: 500,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
  searchMaxResults: 50000,
  searchDefaultMaxResults: 1000,
  // Ours, not MLflow's (it sets none and its SQL store fails on SQLite past these too): each
  // filter clause nests one level of the SQL expression (SQLite allows 1,000) and each order_by
  // key joins one table (SQLite allows 64).
  searchFilterClauses: 500,
  searchOrderBy: 50,
} as const;

// Keys are used as file names by the file store, hence the charset and the "must not resolve to
// another path" rule. MLflow's pattern uses Python's \w, which matches Unicode letters and digits
// (str.isalnum) and the underscore; JavaScript's \w is ASCII only, hence the explicit classes.
const KEY_RE = /^[/\p{L}\p{N}_.\- :]*$/u;

function invalid(message: string): MlflowError {
  return new MlflowError('INVALID_PARAMETER_VALUE', message);
}

function normalizedPath(name: string): string {
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return parts.join('/');
}

export function validateKey(kind: 'metric' | 'param' | 'tag' | 'experiment tag', key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw invalid(`Missing value for required parameter 'key' of a ${kind}: got ${JSON.stringify(key)}. Give every ${kind} a non-empty name.`);
  }
  if (!KEY_RE.test(key)) {
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).`,
    );
  }
  if (normalizedPath(key) !== key) {
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to '${normalizedPath(key)}'.`,
    );
  }
  lengthLimit(`${capital(kind)} key`, LIMITS.keyLength, key);
  return key;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function lengthLimit(what: string, limit: number, value: string): void {
  if (value.length > limit) {
    throw invalid(`${what} '${value.slice(0, 250)}' had length ${value.length}, which exceeded length limit of ${limit}`);
  }
}

function requireString(what: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(`${what} must be a string, got ${JSON.stringify(value)}.`);
  return value;
}

export function validateParam(p: KeyValue): KeyValue {
  const key = validateKey('param', p?.key);
  const value = requireString(`Param '${key}' value`, p.value);
  lengthLimit('Param value', LIMITS.paramValueLength, value);
  return { key, value };
}

export function validateRunTag(t: KeyValue): KeyValue {
  const key = validateKey('tag', t?.key);
  const value = requireString(`Tag '${key}' value`, t.value);
  lengthLimit('Tag value', LIMITS.runTagValueLength, value);
  return { key, value };
}

export function validateExperimentTag(t: KeyValue): KeyValue {
  const key = validateKey('experiment tag', t?.key);
  const value = requireString(`Experiment tag '${key}' value`, t.value);
  lengthLimit('Experiment tag value', LIMITS.experimentTagValueLength, value);
  return { key, value };
}

/** Metric keys that passed validateKey. A trial logs the same few keys in every batch, and the
 * charset / path / length checks were a third of validateBatch's cost; bounded so a client
 * sending endless distinct keys cannot grow it without limit. */
const goodMetricKeys = new Set<string>();
const GOOD_METRIC_KEYS_MAX = 10_000;

function validMetricKey(key: unknown): string {
  if (typeof key === 'string' && goodMetricKeys.has(key)) return key;
  const ok = validateKey('metric', key);
  if (goodMetricKeys.size >= GOOD_METRIC_KEYS_MAX) goodMetricKeys.clear();
  goodMetricKeys.add(ok);
  return ok;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A step in its one form (see normalStep), or undefined when it is not an int64. */
function int64Step(raw: unknown): Step | undefined {
  if (typeof raw === 'number') {
    if (Number.isSafeInteger(raw)) return raw;
    // A double beyond 2^53 is an exact integer; kept as the bigint it equals.
    return Number.isInteger(raw) && raw >= -(2 ** 63) && raw < 2 ** 63 ? normalStep(BigInt(raw)) : undefined;
  }
  if (typeof raw === 'bigint') return raw >= INT64_MIN && raw <= INT64_MAX ? normalStep(raw) : undefined;
  return undefined;
}

export function validateMetric(m: Metric): Metric {
  const key = validMetricKey(m?.key);
  if (typeof m.value !== 'number') {
    throw invalid(`Got invalid value ${JSON.stringify(m.value)} for metric '${key}' (timestamp=${String(m.timestamp)}). Please specify value as a valid double (64-bit floating point)`);
  }
  if (typeof m.timestamp !== 'number' || !Number.isInteger(m.timestamp) || m.timestamp < 0) {
    throw invalid(`Got invalid timestamp ${JSON.stringify(m.timestamp)} for metric '${key}' (value=${m.value}). Timestamp must be a nonnegative long (64-bit integer), in milliseconds.`);
  }
  const step = int64Step(m.step ?? 0);
  if (step === undefined) {
    throw invalid(`Got invalid step ${String(m.step)} for metric '${key}' (value=${m.value}). Step must be a valid long (64-bit integer).`);
  }
  // Step already given: the input itself is the validated metric (callers read only the four
  // Metric fields and never mutate it), which spares one allocation per point of a batch.
  if (m.step === step) return m;
  return { key, value: m.value, timestamp: m.timestamp, step };
}

export function validateExperimentName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw invalid(`Invalid experiment name: ${JSON.stringify(name)}. Give the experiment a non-empty name.`);
  }
  lengthLimit('Experiment name', LIMITS.experimentNameLength, name);
  return name;
}

/** Log-batch limits: per-kind counts, total, and one value per param key. */
export function validateBatch(batch: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] }): {
  metrics: Metric[];
  params: KeyValue[];
  tags: KeyValue[];
} {
  const metrics = batch.metrics ?? [];
  const params = batch.params ?? [];
  const tags = batch.tags ?? [];
  const over = (n: number, limit: number, what: string) => {
    if (n > limit) {
      throw invalid(`A batch logging request can contain at most ${limit} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`);
    }
  };
  over(metrics.length, LIMITS.batchMetrics, 'metrics');
  over(params.length, LIMITS.batchParams, 'params');
  over(tags.length, LIMITS.batchTags, 'tags');
  const total = metrics.length + params.length + tags.length;
  if (total > LIMITS.batchTotal) {
    throw invalid(`A batch logging request can contain at most ${LIMITS.batchTotal} metrics, params, and tags in total. Got ${total}. Please split up the batch and try again.`);
  }
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const p of params) {
    if (seen.has(p?.key)) dups.add(p.key);
    seen.add(p?.key);
  }
  if (dups.size > 0) {
    throw invalid(`Duplicate parameter keys have been submitted: ${JSON.stringify([...dups])}. Please ensure the request contains only one param value per param key.`);
  }
  return { metrics: metrics.map(validateMetric), params: params.map(validateParam), tags: tags.map(validateRunTag) };
}

export function validateMaxResults(maxResults: number | undefined, fallback: number = LIMITS.searchDefaultMaxResults, limit: number = LIMITS.searchMaxResults): number {
  const n = maxResults ?? fallback;
  if (!Number.isInteger(n) || n < 1) {
    throw invalid(`Invalid value ${String(maxResults)} for parameter 'max_results' supplied. It must be a positive integer.`);
  }
  if (n > limit) {
    throw invalid(`Invalid value ${n} for parameter 'max_results' supplied. It must be at most ${limit}`);
  }
  return n;
}
