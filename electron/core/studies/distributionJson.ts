// Distribution <-> Optuna's distribution_json, and external <-> internal param representation.
// The text is what optuna.distributions.distribution_to_json writes (json.dumps of name + attributes,
// attributes in constructor order), so Python reads our rows as its own.
import { incompatibility } from '../search/compatibility.ts';
import type { CategoricalChoice, Distribution, ParamValue } from '../search/types.ts';
import { parsePythonJson, pyFloatRepr, toPythonJson } from './pythonJson.ts';
import { StudyError } from './types.ts';

function intText(n: number): string {
  return String(Math.trunc(n));
}

export function distributionToJson(d: Distribution): string {
  switch (d.kind) {
    case 'float':
      return `{"name": "FloatDistribution", "attributes": {"step": ${d.step === null ? 'null' : pyFloatRepr(d.step)}, "low": ${pyFloatRepr(d.low)}, "high": ${pyFloatRepr(d.high)}, "log": ${d.log}}}`;
    case 'int':
      return `{"name": "IntDistribution", "attributes": {"log": ${d.log}, "step": ${intText(d.step)}, "low": ${intText(d.low)}, "high": ${intText(d.high)}}}`;
    case 'categorical':
      return `{"name": "CategoricalDistribution", "attributes": {"choices": ${toPythonJson(d.choices)}}}`;
  }
}

function bad(text: string, why: string): never {
  throw new StudyError('BAD_VALUE', `cannot read distribution_json ${JSON.stringify(text.slice(0, 300))}: ${why}`);
}

function num(text: string, attrs: Record<string, unknown>, key: string, fallback?: number | null): number {
  const v = attrs[key];
  if (v === undefined && fallback !== undefined && fallback !== null) return fallback;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(text, `attribute '${key}' must be a finite number, got ${String(v)}`);
  return v;
}

function optStep(text: string, attrs: Record<string, unknown>, key: string): number | null {
  const v = attrs[key];
  if (v === undefined || v === null) return null;
  return num(text, attrs, key);
}

function choiceOf(text: string, c: unknown): CategoricalChoice {
  if (c === null || typeof c === 'boolean' || typeof c === 'number' || typeof c === 'string') return c;
  // Ints beyond 2^53 are legal Python choices; a double is the closest a ParamValue can hold.
  if (typeof c === 'bigint') return Number(c);
  return bad(text, `choice ${JSON.stringify(c)} is not None, bool, int, float or str`);
}

/** Parses every name Optuna's json_to_distribution accepts, including pre-3.0 legacy names and the
 * abbreviated {"type": ...} form. */
export function distributionFromJson(text: string): Distribution {
  let raw: unknown;
  try {
    raw = parsePythonJson(text);
  } catch (e) {
    bad(text, (e as Error).message);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad(text, 'not an object');
  const obj = raw as Record<string, unknown>;
  if (typeof obj.type === 'string') return fromAbbreviated(text, obj);
  const attrsRaw = obj.attributes;
  if (typeof attrsRaw !== 'object' || attrsRaw === null || Array.isArray(attrsRaw)) bad(text, "no 'attributes' object");
  const a = attrsRaw as Record<string, unknown>;
  const low = (): number => num(text, a, 'low');
  const high = (): number => num(text, a, 'high');
  switch (obj.name) {
    case 'FloatDistribution':
      return { kind: 'float', low: low(), high: high(), step: optStep(text, a, 'step'), log: a.log === true };
    case 'IntDistribution':
      return { kind: 'int', low: low(), high: high(), step: num(text, a, 'step', 1), log: a.log === true };
    case 'CategoricalDistribution': {
      if (!Array.isArray(a.choices) || a.choices.length === 0) bad(text, "'choices' must be a non-empty list");
      return { kind: 'categorical', choices: a.choices.map((c) => choiceOf(text, c)) };
    }
    case 'UniformDistribution':
      return { kind: 'float', low: low(), high: high(), step: null, log: false };
    case 'LogUniformDistribution':
      return { kind: 'float', low: low(), high: high(), step: null, log: true };
    case 'DiscreteUniformDistribution':
      return { kind: 'float', low: low(), high: high(), step: num(text, a, 'q'), log: false };
    case 'IntUniformDistribution':
      return { kind: 'int', low: low(), high: high(), step: num(text, a, 'step', 1), log: false };
    case 'IntLogUniformDistribution':
      return { kind: 'int', low: low(), high: high(), step: num(text, a, 'step', 1), log: true };
    default:
      return bad(text, `unknown distribution name ${JSON.stringify(obj.name)}`);
  }
}

function fromAbbreviated(text: string, o: Record<string, unknown>): Distribution {
  switch (o.type) {
    case 'float':
      return { kind: 'float', low: num(text, o, 'low'), high: num(text, o, 'high'), step: optStep(text, o, 'step'), log: o.log === true };
    case 'int':
      return { kind: 'int', low: num(text, o, 'low'), high: num(text, o, 'high'), step: num(text, o, 'step', 1), log: o.log === true };
    case 'categorical':
      if (!Array.isArray(o.choices) || o.choices.length === 0) bad(text, "'choices' must be a non-empty list");
      return { kind: 'categorical', choices: o.choices.map((c) => choiceOf(text, c)) };
    default:
      return bad(text, `unknown type ${JSON.stringify(o.type)}`);
  }
}

const sameChoice = (a: CategoricalChoice, b: CategoricalChoice): boolean =>
  a === b || (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b));

/** External value -> the REAL Optuna stores in trial_params.param_value. */
export function toInternalRepr(name: string, d: Distribution, value: ParamValue): number {
  if (d.kind === 'categorical') {
    const i = d.choices.findIndex((c) => sameChoice(c, value));
    if (i < 0) {
      throw new StudyError(
        'INCOMPATIBLE_DISTRIBUTION',
        `param '${name}': value ${JSON.stringify(value)} is not one of the choices ${JSON.stringify(d.choices)}`,
      );
    }
    return i;
  }
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new StudyError('INCOMPATIBLE_DISTRIBUTION', `param '${name}': a ${d.kind} distribution needs a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** trial_params.param_value -> external value. */
export function fromInternalRepr(name: string, d: Distribution, internal: number): ParamValue {
  switch (d.kind) {
    case 'float':
      return internal;
    case 'int':
      return Math.trunc(internal);
    case 'categorical': {
      const i = Math.trunc(internal);
      if (i < 0 || i >= d.choices.length || !Number.isInteger(internal)) {
        throw new StudyError('BAD_VALUE', `param '${name}': stored index ${internal} is outside the ${d.choices.length} choices ${JSON.stringify(d.choices)}`);
      }
      return d.choices[i] as CategoricalChoice;
    }
  }
}

/** Optuna's check_distribution_compatibility (search/compatibility.ts): same kind, same log, same
 * choices; ranges may differ. Returns what is wrong, in words, or null. */
export function compatibilityProblem(old: Distribution, next: Distribution): string | null {
  const why = incompatibility(old, next);
  if (why === null) return null;
  if (old.kind === 'categorical' && next.kind === 'categorical') return `its choices were ${JSON.stringify(old.choices)} in this study, now ${JSON.stringify(next.choices)}`;
  if (why === 'log' && old.kind !== 'categorical') return `it was recorded with log=${old.log} in this study, now log=${!old.log}`;
  return `it was recorded as ${old.kind} in this study, now ${next.kind}`;
}
