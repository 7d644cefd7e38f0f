// MLflow's REST JSON shapes on the wire, for both directions. MLflow serialises protobuf messages
// with unset fields omitted and empty repeated fields left out, and doubles that JSON cannot hold
// (NaN, ±Infinity) as strings. The endpoint writes responses with these helpers and the REST store
// reads them back, so both sides agree on one encoding.
import type { Experiment, KeyValue, Metric, Run, RunInfo, Step } from '../types.ts';

/** A double as protobuf JSON writes it: NaN and ±Infinity become strings. */
export function encodeDouble(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

/** The inverse of encodeDouble; also accepts numbers sent as strings. Returns undefined if the
 * value is not a double in any encoding MLflow clients use. */
export function decodeDouble(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (s === 'NaN' || s === 'nan') return NaN;
  if (s === 'Infinity' || s === 'inf' || s === '+Infinity') return Infinity;
  if (s === '-Infinity' || s === '-inf') return -Infinity;
  if (s === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

export interface MetricJson {
  key: string;
  value: number | string;
  timestamp: number;
  step: Step;
}

/** Marks a bigint for stringifyJson; JSON.stringify escapes the NUL, so no string can forge it. */
const BIGINT_MARK = '\u0000int64:';

/** JSON.stringify that also writes bigints (int64 steps beyond 2^53) as bare integer literals, as
 * MLflow's server writes int64 fields. */
export function stringifyJson(value: unknown, replacer?: (key: string, v: unknown) => unknown, space?: number): string {
  let marked = false;
  const text = JSON.stringify(value, (k, v: unknown) => {
    if (typeof v !== 'bigint') return replacer ? replacer(k, v) : v;
    marked = true;
    return `${BIGINT_MARK}${v}`;
  }, space);
  return marked ? text.replace(/"\\u0000int64:(-?\d+)"/g, '$1') : text;
}

export function metricJson(m: Metric): MetricJson {
  return { key: m.key, value: encodeDouble(m.value), timestamp: m.timestamp, step: m.step };
}

function kv(list: KeyValue[] | undefined): KeyValue[] | undefined {
  return list && list.length > 0 ? list.map((t) => ({ key: t.key, value: t.value })) : undefined;
}

/** Drops undefined and null values so absent optional fields are omitted, as protobuf JSON does. */
function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined || o[k] === null) delete o[k];
  return o;
}

/** RunInfo in the field order MLflow 2.x writes (order is cosmetic, presence is not). */
export function runInfoJson(info: RunInfo): Record<string, unknown> {
  return compact({
    run_uuid: info.run_uuid || info.run_id,
    experiment_id: info.experiment_id,
    run_name: info.run_name,
    user_id: info.user_id,
    status: info.status,
    start_time: info.start_time,
    end_time: info.end_time,
    artifact_uri: info.artifact_uri,
    lifecycle_stage: info.lifecycle_stage,
    run_id: info.run_id || info.run_uuid,
  });
}

/** A Run. `withInputs`: runs/get and runs/search include `"inputs": {}`, runs/create does not. */
export function runJson(run: Run, withInputs: boolean): Record<string, unknown> {
  const data = compact({
    metrics: run.data.metrics && run.data.metrics.length > 0 ? run.data.metrics.map(metricJson) : undefined,
    params: kv(run.data.params),
    tags: kv(run.data.tags),
  });
  const out: Record<string, unknown> = { info: runInfoJson(run.info), data };
  if (withInputs) out.inputs = run.inputs ?? {};
  return out;
}

export function experimentJson(e: Experiment): Record<string, unknown> {
  return compact({
    experiment_id: e.experiment_id,
    name: e.name,
    artifact_location: e.artifact_location,
    lifecycle_stage: e.lifecycle_stage,
    last_update_time: e.last_update_time,
    creation_time: e.creation_time,
    tags: kv(e.tags),
  });
}

/** Parses a request body that may contain bare NaN/Infinity tokens (Python's json.dumps writes
 * them): strict JSON first, then a second attempt with those tokens quoted. Integer literals a
 * double cannot hold exactly arrive as their decimal string, so an int64 field sees the value that
 * was sent (JSON.parse would round 9007199254740993 to ...992). */
export function parseJsonLenient(text: string): unknown {
  const exact = quoteUnsafeIntegers(text);
  try {
    return JSON.parse(exact);
  } catch (err) {
    const quoted = exact.replace(/([:[,]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, '$1"$2"');
    if (quoted === exact) throw err;
    return JSON.parse(quoted);
  }
}

/** 16 or more digits where a JSON number starts (after ':', ',', '[', whitespace or a minus sign)
 * and not followed by a fraction or exponent: the only place an unsafe integer literal (2^53 has
 * 16 digits) can be. Metric values such as 0.8414709848078965 carry 16 fractional digits, so a
 * plain /\d{16}/ sent nearly every log-batch body through the character-by-character scan below
 * (most of the endpoint's JSON cost). Inside a string it may match too; the scan then decides. */
const MAYBE_UNSAFE_INTEGER = /(?:^|[:,[\s-])\d{16}(?![.eE])/;

/** Wraps in quotes every integer literal outside strings that is not a safe integer. */
export function quoteUnsafeIntegers(text: string): string {
  if (!MAYBE_UNSAFE_INTEGER.test(text)) return text;
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      i++;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const start = i;
      for (i++; i < text.length && /[\d.eE+-]/.test(text[i]!); i++);
      const token = text.slice(start, i);
      if (/^-?\d+$/.test(token) && !Number.isSafeInteger(Number(token))) {
        out += `${text.slice(copied, start)}"${token}"`;
        copied = i;
      }
    } else {
      i++;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}
