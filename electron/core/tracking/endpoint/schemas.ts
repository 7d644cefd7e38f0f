// Request schemas of the MLflow REST API 2.0 routes the endpoint serves. Field names are the proto
// snake_case names. GET requests arrive as query strings, so every number and repeated field also
// accepts its string / single-value form; unknown fields are dropped (newer clients send extras
// such as model_id or dataset fields, which this tracking model does not hold).
import { z } from 'zod';
import { MlflowError, normalStep, type Metric, type Step } from '../types.ts';
import { decodeDouble } from './wire.ts';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * An int64 field exactly (protobuf JSON: a number or a decimal string; parseJsonLenient hands over
 * integer literals a double cannot hold as their exact decimal string). Values outside int64 are
 * refused, as MLflow refuses them.
 */
export function readInt64(v: unknown): { value: bigint } | { problem: string } {
  let exact: bigint;
  if (typeof v === 'number' && Number.isInteger(v)) exact = BigInt(v);
  else if (typeof v === 'string' && /^-?\d+$/.test(v)) exact = BigInt(v);
  else return { problem: 'expected an integer' };
  if (exact < INT64_MIN || exact > INT64_MAX) return { problem: 'it is outside the int64 range [-9223372036854775808, 9223372036854775807]' };
  return { value: exact };
}

/** A metric step: any int64, kept exactly (a bigint beyond 2^53). */
export function readStepField(v: unknown): { value: Step } | { problem: string } {
  const r = readInt64(v);
  return 'problem' in r ? r : { value: normalStep(r.value) };
}

/** An int64 field the tracking model keeps as a number (times in ms, page sizes): a value a double
 * cannot hold exactly is refused rather than rounded. */
export function readInt64Number(v: unknown): { value: number } | { problem: string } {
  const r = readInt64(v);
  if ('problem' in r) return r;
  if (r.value < BigInt(Number.MIN_SAFE_INTEGER) || r.value > BigInt(Number.MAX_SAFE_INTEGER)) {
    return { problem: 'this field is kept within ±9007199254740991 (2^53-1) exactly; a larger value is refused rather than rounded' };
  }
  return { value: Number(r.value) };
}

function int64Schema<T>(read: (v: unknown) => { value: T } | { problem: string }) {
  return z.unknown().transform((v, ctx) => {
    const r = read(v);
    if ('problem' in r) {
      ctx.addIssue({ code: 'custom', message: r.problem });
      return z.NEVER;
    }
    return r.value;
  });
}

const int64 = int64Schema(readInt64Number);
const step = int64Schema(readStepField);

/** double: a number (JSON numbers beyond a double's range arrive as ±Infinity, as Python's json
 * module reads them), or "NaN" / "Infinity" / "-Infinity" / a numeric string. */
const double = z.unknown().transform((v, ctx) => {
  const d = decodeDouble(v);
  if (d === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected a number, "NaN", "Infinity" or "-Infinity"' });
    return z.NEVER;
  }
  return d;
});

/** A repeated field: an array, or one value (a query string with the key once). */
function repeated<T extends z.ZodType>(item: T) {
  return z.union([z.array(item), item.transform((v) => [v])]);
}

const id = z.string().min(1, 'must not be empty');
const keyValue = z.object({ key: z.string(), value: z.string().default('') });
const viewType = z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']).or(
  z.union([z.literal(1), z.literal(2), z.literal(3), z.enum(['1', '2', '3'])]).transform((n) =>
    (['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const)[Number(n) - 1]!,
  ),
);
const runStatus = z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']).or(
  z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5), z.enum(['1', '2', '3', '4', '5'])]).transform((n) =>
    (['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const)[Number(n) - 1]!,
  ),
);
const maxResults = int64.pipe(z.number().int().min(1, 'must be at least 1').max(50000, 'must be at most 50000'));

export const metricSchema = z.object({
  key: z.string(),
  value: double,
  timestamp: int64,
  step: step.default(0),
});

export const schemas = {
  createExperiment: z.object({
    name: z.string().min(1, 'must not be empty'),
    artifact_location: z.string().optional(),
    tags: z.array(keyValue).optional(),
  }),
  experimentId: z.object({ experiment_id: id }),
  getExperimentByName: z.object({ experiment_name: z.string().min(1, 'must not be empty') }),
  searchExperiments: z.object({
    // MLflow requires max_results here; a missing one is read as the default page size instead of
    // failing, which only differs for requests the real server would reject.
    max_results: maxResults.default(1000),
    page_token: z.string().optional(),
    filter: z.string().optional(),
    order_by: repeated(z.string()).optional(),
    view_type: viewType.optional(),
  }),
  updateExperiment: z.object({ experiment_id: id, new_name: z.string().min(1, 'must not be empty') }),
  setExperimentTag: z.object({ experiment_id: id, key: z.string().min(1, 'must not be empty'), value: z.string().default('') }),

  createRun: z.object({
    // The Python client always sends it; MLflow's fallback for a missing one is the Default experiment.
    experiment_id: z.string().default('0'),
    user_id: z.string().optional(),
    run_name: z.string().optional(),
    start_time: int64.optional(),
    tags: z.array(keyValue).optional(),
  }),
  runId: z.object({ run_id: id }),
  updateRun: z.object({
    run_id: id,
    status: runStatus.optional(),
    end_time: int64.optional(),
    run_name: z.string().optional(),
  }),
  searchRuns: z.object({
    experiment_ids: repeated(z.string()).default([]),
    filter: z.string().optional(),
    run_view_type: viewType.optional(),
    max_results: maxResults.default(1000),
    order_by: repeated(z.string()).optional(),
    page_token: z.string().optional(),
  }),
  logBatch: z.object({
    run_id: id,
    // Checked by parseMetrics below: per-element zod parsing was most of the endpoint's cost at
    // 1,000 metrics a batch.
    metrics: z.custom<unknown[]>((v) => Array.isArray(v), 'expected an array').optional().transform((v) => parseMetrics(v ?? [])),
    params: z.array(keyValue).max(100, 'a batch can contain at most 100 params; split it across requests').default([]),
    tags: z.array(keyValue).max(100, 'a batch can contain at most 100 tags; split it across requests').default([]),
  }),
  logMetric: z.object({ run_id: id }).extend(metricSchema.shape),
  logParam: z.object({ run_id: id, key: z.string().min(1, 'must not be empty'), value: z.string().default('') }),
  setTag: z.object({ run_id: id, key: z.string().min(1, 'must not be empty'), value: z.string().default('') }),
  deleteTag: z.object({ run_id: id, key: z.string().min(1, 'must not be empty') }),
  getMetricHistory: z.object({
    run_id: id,
    metric_key: z.string().min(1, 'must not be empty'),
    max_results: maxResults.optional(),
    page_token: z.string().optional(),
  }),
};

/** The metrics of a log-batch, validated like metricSchema, element by element without zod. */
export function parseMetrics(list: unknown[]): Metric[] {
  if (list.length > 1000) {
    throw new MlflowError('INVALID_PARAMETER_VALUE', `Invalid value for parameter 'metrics' supplied: a batch can contain at most 1000 metrics, got ${list.length}; split it across requests.`);
  }
  const out: Metric[] = new Array(list.length);
  const bad = (i: number, field: string, value: unknown, what: string) =>
    new MlflowError('INVALID_PARAMETER_VALUE', value === undefined
      ? `Missing value for required parameter 'metrics.${i}.${field}'. See the API docs for more information about request parameters.`
      : `Invalid value ${shownValue(value)} for parameter 'metrics.${i}.${field}' supplied: ${what}.`);
  for (let i = 0; i < list.length; i++) {
    const m = list[i];
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw bad(i, '', m, 'expected an object with key, value, timestamp and step');
    const r = m as Record<string, unknown>;
    if (typeof r.key !== 'string') throw bad(i, 'key', r.key, 'expected a string');
    const value = typeof r.value === 'number' ? r.value : decodeDouble(r.value);
    if (value === undefined) throw bad(i, 'value', r.value, 'expected a number, "NaN", "Infinity" or "-Infinity"');
    out[i] = { key: r.key, value, timestamp: timestampField(i, r.timestamp, bad), step: stepField(i, r.step, bad) };
  }
  return out;
}

type BadField = (i: number, field: string, value: unknown, what: string) => MlflowError;

// A safe integer JSON number, the usual case, is taken as it is (+ 0 turns -0 into 0, as the
// BigInt round trip of readInt64 does): the round trip cost a BigInt per field and point.
function timestampField(i: number, v: unknown, bad: BadField): number {
  if (Number.isSafeInteger(v)) return (v as number) + 0;
  const r = readInt64Number(v);
  if ('problem' in r) throw bad(i, 'timestamp', v, r.problem);
  return r.value;
}

function stepField(i: number, v: unknown, bad: BadField): Step {
  if (v === undefined) return 0;
  if (Number.isSafeInteger(v)) return (v as number) + 0;
  const r = readStepField(v);
  if ('problem' in r) throw bad(i, 'step', v, r.problem);
  return r.value;
}

/** MLflow-style message for the first problem zod found, naming the field and the bad value. */
export function describeZodError(err: z.ZodError, input: unknown): string {
  const issue = err.issues[0];
  if (!issue) return 'Invalid request.';
  const field = issue.path.map(String).join('.') || '(body)';
  let value: unknown = input;
  for (const p of issue.path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[p as PropertyKey] : undefined;
  if (value === undefined) return `Missing value for required parameter '${field}'. See the API docs for more information about request parameters.`;
  return `Invalid value ${shownValue(value)} for parameter '${field}' supplied: ${issue.message}.`;
}

/** A request value as a message shows it: JSON, except that ±Infinity (a JSON number beyond a
 * double, such as 1e400) is not shown as JSON's null; long values are cut at 200 characters. */
function shownValue(value: unknown): string {
  const shown = typeof value === 'number' && !Number.isFinite(value) ? String(value) : (JSON.stringify(value) ?? String(value));
  return shown.length > 200 ? `${shown.slice(0, 200)}...` : shown;
}
