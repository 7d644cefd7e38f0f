// What the columns of Optuna's RDB rows mean, for every backend (SQLite, PostgreSQL): values with
// their value_type, attribute value_json (Python json), distribution_json and internal param values.
// Messages name the study's place (a file path or a URL without its password).
import type { Distribution, ParamValue } from '../search/types.ts';
import { distributionFromJson, distributionToJson, fromInternalRepr } from './distributionJson.ts';
import { parsePythonJson, toPythonJson } from './pythonJson.ts';
import { StudyError } from './types.ts';

export type ValueType = 'FINITE' | 'INF_POS' | 'INF_NEG' | 'NAN';

/** A number as Optuna stores it: ±inf and NaN as NULL with a value_type. */
export function valueType(v: number): { value: number | null; type: ValueType } {
  if (Number.isNaN(v)) return { value: null, type: 'NAN' };
  if (v === Infinity) return { value: null, type: 'INF_POS' };
  if (v === -Infinity) return { value: null, type: 'INF_NEG' };
  return { value: v, type: 'FINITE' };
}

/** The number a (value, value_type) pair stands for. */
export function storedValue(value: number | null, type: string): number {
  switch (type) {
    case 'INF_POS':
      return Infinity;
    case 'INF_NEG':
      return -Infinity;
    case 'NAN':
      return NaN;
    default:
      return value ?? NaN;
  }
}

/** Plain assignment would turn a "__proto__" key into a prototype change. */
export function setKey(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** value_json text of a value; the message names the attribute. */
export function encodeJson(value: unknown, where: string): string {
  try {
    return toPythonJson(value);
  } catch (e) {
    throw new StudyError('BAD_VALUE', `${where}: the value cannot be stored as JSON (${(e as Error).message}).`);
  }
}

/** [key, value_json] of each trial attribute; messages name the attribute. */
export function encodeTrialAttrs(attrs: Record<string, unknown> | undefined, kind: 'system' | 'user'): (readonly [string, string])[] {
  return Object.entries(attrs ?? {}).map(([k, v]) => [k, encodeJson(v, `trial ${kind} attr '${k}'`)] as const);
}

/** distribution_json of a distribution object, remembered per object: a runner writes the same
 * space's objects for every trial, and Python's float repr is not free. The entry is used only while
 * the object still has the fields it was made from (Object.is, so -0 and NaN count). */
const distJsonCache = new WeakMap<Distribution, { fields: unknown[]; json: string }>();
function distributionFields(d: Distribution): unknown[] {
  return d.kind === 'categorical' ? [d.kind, d.choices, d.choices.length, ...d.choices] : [d.kind, d.low, d.high, d.step, d.log];
}
export function distributionJsonOf(d: Distribution): string {
  const fields = distributionFields(d);
  const hit = distJsonCache.get(d);
  if (hit && hit.fields.length === fields.length && hit.fields.every((f, i) => Object.is(f, fields[i]))) return hit.json;
  const json = distributionToJson(d);
  distJsonCache.set(d, { fields, json });
  return json;
}

/** Decoding of stored text for one study place, with its distributions cached by text. */
export class RowDecoder {
  private readonly distCache = new Map<string, Distribution>();

  /** @param place the study's file path or URL (without password), for messages. */
  constructor(private readonly place: string) {}

  json(text: string | null, where: string): unknown {
    if (text === null) return null;
    try {
      return parsePythonJson(text);
    } catch (e) {
      throw new StudyError('BAD_VALUE', `${this.place}: cannot decode ${where}: ${(e as Error).message}`);
    }
  }

  distribution(text: string | null, where: string): Distribution {
    if (text === null) throw new StudyError('BAD_VALUE', `${this.place}: ${where} has no distribution_json.`);
    let d = this.distCache.get(text);
    if (!d) {
      try {
        d = distributionFromJson(text);
      } catch (e) {
        throw new StudyError('BAD_VALUE', `${this.place}: ${where}: ${(e as Error).message}`);
      }
      this.distCache.set(text, d);
    }
    return d;
  }

  param(name: string, d: Distribution, internal: number, where: string): ParamValue {
    try {
      return fromInternalRepr(name, d, internal);
    } catch (e) {
      throw new StudyError('BAD_VALUE', `${this.place}: ${where}: ${(e as Error).message}`);
    }
  }

  direction(text: string, studyName: string): 'minimize' | 'maximize' {
    if (text === 'MINIMIZE') return 'minimize';
    if (text === 'MAXIMIZE') return 'maximize';
    throw new StudyError('BAD_VALUE', `${this.place}: study '${studyName}' has direction ${JSON.stringify(text)}; expected MINIMIZE or MAXIMIZE.`);
  }
}

/** Intermediate values to store with a trial's finish, checked as reportIntermediate checks one,
 * one per step (the last given wins). */
export function checkedSteps(steps: ReadonlyArray<readonly [number, number]> | undefined): Array<readonly [number, number]> {
  const byStep = new Map<number, number>();
  for (const [step, value] of steps ?? []) {
    if (!Number.isSafeInteger(step) || step < 0) throw new StudyError('BAD_VALUE', `finishTrial: step must be a non-negative integer, got ${step}.`);
    if (typeof value !== 'number') throw new StudyError('BAD_VALUE', `finishTrial: the value of step ${step} must be a number, got ${JSON.stringify(value)}.`);
    byStep.set(step, value);
  }
  return [...byStep];
}
