// Python `json.dumps` / `json.loads` compatibility. Optuna stores attributes and distributions as
// Python JSON text, which may hold the non-standard tokens NaN, Infinity and -Infinity and integers
// beyond 2^53; JavaScript's JSON.parse rejects the former and rounds the latter.

/** Forces a number to be written as a Python float ("1.0", not "1"). */
export class PyFloat {
  constructor(readonly value: number) {}
}

export class PythonJsonError extends Error {
  constructor(message: string, readonly position: number) {
    super(message);
    this.name = 'PythonJsonError';
  }
}

/**
 * Parses Python JSON. Integers outside the safe range come back as bigint (exact); all other numbers
 * as number; NaN/Infinity/-Infinity as the JS numbers.
 */
export function parsePythonJson(text: string): unknown {
  const p = new Parser(text);
  p.ws();
  const v = p.value();
  p.ws();
  if (p.i < text.length) p.fail('unexpected text after the value');
  return v;
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class Parser {
  i = 0;
  constructor(readonly s: string) {}

  fail(what: string): never {
    throw new PythonJsonError(`invalid Python JSON at offset ${this.i}: ${what} in ${JSON.stringify(this.s.slice(0, 200))}`, this.i);
  }

  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else break;
    }
  }

  lit(word: string): boolean {
    if (this.s.startsWith(word, this.i)) {
      this.i += word.length;
      return true;
    }
    return false;
  }

  value(): unknown {
    const c = this.s[this.i];
    switch (c) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case '"':
        return this.string();
      case 't':
        if (this.lit('true')) return true;
        break;
      case 'f':
        if (this.lit('false')) return false;
        break;
      case 'n':
        if (this.lit('null')) return null;
        break;
      case 'N':
        if (this.lit('NaN')) return NaN;
        break;
      case 'I':
        if (this.lit('Infinity')) return Infinity;
        break;
      case '-':
        if (this.lit('-Infinity')) return -Infinity;
        return this.number();
      default:
        if (c !== undefined && c >= '0' && c <= '9') return this.number();
    }
    return this.fail(c === undefined ? 'unexpected end of text' : `unexpected character ${JSON.stringify(c)}`);
  }

  number(): number | bigint {
    NUMBER_RE.lastIndex = this.i;
    const m = NUMBER_RE.exec(this.s);
    if (!m) return this.fail('malformed number');
    this.i += m[0].length;
    if (m[1] === undefined && m[2] === undefined) {
      // A Python int: keep it exact when a double cannot.
      const n = Number(m[0]);
      if (Number.isSafeInteger(n)) return n === 0 ? 0 : n;
      return BigInt(m[0]);
    }
    return Number(m[0]);
  }

  string(): string {
    const s = this.s;
    this.i++; // opening quote
    let out = '';
    let start = this.i;
    for (;;) {
      if (this.i >= s.length) this.fail('unterminated string');
      const c = s.charCodeAt(this.i);
      if (c === 0x22) {
        out += s.slice(start, this.i);
        this.i++;
        return out;
      }
      if (c === 0x5c) {
        out += s.slice(start, this.i);
        const e = s[this.i + 1];
        this.i += 2;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            const hex = s.slice(this.i, this.i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
            out += String.fromCharCode(parseInt(hex, 16));
            this.i += 4;
            break;
          }
          default:
            this.i -= 2;
            this.fail('bad escape');
        }
        start = this.i;
        continue;
      }
      this.i++;
    }
  }

  array(): unknown[] {
    this.i++;
    const out: unknown[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return out;
      if (c !== ',') {
        this.i--;
        this.fail("expected ',' or ']'");
      }
    }
  }

  object(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expected a string key');
      const k = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail("expected ':'");
      this.i++;
      this.ws();
      // defineProperty so a "__proto__" key is stored as data, not as the prototype.
      Object.defineProperty(out, k, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return out;
      if (c !== ',') {
        this.i--;
        this.fail("expected ',' or '}'");
      }
    }
  }
}

/** Python's repr(float): shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(x.toExponential());
  if (!m) throw new Error(`cannot format ${x}`);
  const sign = m[1] ?? '';
  const digits = (m[2] ?? '') + (m[3] ?? '');
  const e = Number(m[4]);
  if (e < -4 || e >= 16) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  const intPart = digits.slice(0, e + 1).padEnd(e + 1, '0');
  const frac = digits.slice(e + 1);
  return `${sign}${intPart}.${frac || '0'}`;
}

/** Python's json string encoding with ensure_ascii=True: everything outside ' '..'~' escaped. */
export function pyJsonString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(start, i);
    start = i + 1;
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      case 0x08: out += '\\b'; break;
      case 0x0c: out += '\\f'; break;
      default: out += `\\u${c.toString(16).padStart(4, '0')}`;
    }
  }
  return out + s.slice(start) + '"';
}

/**
 * Writes what Python's json.dumps would (separators ", " and ": ", ensure_ascii). Integral numbers
 * in the safe range are written as ints; wrap a number in PyFloat to write it as a float.
 */
export function toPythonJson(value: unknown): string {
  const out = write(value, new Set());
  if (out === undefined) throw new TypeError('toPythonJson: the value has no JSON form (undefined, function or symbol)');
  return out;
}

function write(v: unknown, seen: Set<object>): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return Number.isSafeInteger(v) && !Object.is(v, -0) ? String(v) : pyFloatRepr(v);
    case 'bigint':
      return v.toString();
    case 'string':
      return pyJsonString(v);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  const obj = v as object;
  if (seen.has(obj)) throw new TypeError('toPythonJson: circular structure');
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write((toJSON as () => unknown).call(obj), seen);
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return `[${obj.map((x) => write(x, seen) ?? 'null').join(', ')}]`;
    const parts: string[] = [];
    for (const [k, x] of Object.entries(obj)) {
      const w = write(x, seen);
      if (w !== undefined) parts.push(`${pyJsonString(k)}: ${w}`);
    }
    return `{${parts.join(', ')}}`;
  } finally {
    seen.delete(obj);
  }
}
