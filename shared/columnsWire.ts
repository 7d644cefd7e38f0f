// A compact binary body for the replies that carry a study's trials column by column
// (sweeps.trialColumns, sweeps.intermediateColumns): every long array of scalars travels as a typed
// array (counts as uint32, other numbers as float64, anything else as codes into its distinct
// values) and the rest of the reply as a small JSON skeleton that points at them. A 100,000-trial
// reply as JSON was 14 MB that the host took ~150 ms to write and the page ~100 ms to parse; as
// typed arrays it is a few memory copies each way. The page gets back exactly the value that was
// encoded (plain arrays, NaN, ±Infinity, -0 and null kept in them), so nothing after the transport
// changes.
//
// Layout (little-endian): u32 magic 'SDC1', u32 header length H, H bytes of header (UTF-8 JSON
// through wire.ts: { v: skeleton, c: column specs }), zero padding to a multiple of 8, then the
// columns' data, each section starting at a multiple of 8 from that point.
// No zod: the page's first script imports this file. The decoder checks every offset, length and
// code before reading, and throws ColumnsWireError naming what is wrong.
import type { ChannelName } from './channels.ts';
import { decodeWire, encodeWire } from './wire.ts';

/** The content type of such a body (the HTTP client asks for it with `accept`). */
export const COLUMNS_MIME = 'application/vnd.sweepdeck.columns';

/** Channels whose ok replies may travel as a columns body. */
const COLUMN_CHANNELS: ReadonlySet<string> = new Set<ChannelName>(['sweeps.trialColumns', 'sweeps.intermediateColumns']);
export const isColumnChannel = (channel: string): boolean => COLUMN_CHANNELS.has(channel);

const MAGIC = 0x31434453; // 'SDC1'
/** Shorter arrays stay in the JSON skeleton: a section costs more than it saves. */
const MIN_COLUMN = 16;
const REF = '$col';

type Scalar = string | number | boolean | null;

/** A column's data: `at` is the byte offset of its section from the start of the data. */
type ColumnSpec =
  | { k: 'u32'; n: number; at: number; z?: NullList }
  | { k: 'f64'; n: number; at: number; z?: NullList }
  | { k: 'dict'; n: number; at: number; d: Scalar[]; nz?: number };
/** The rows of a numeric column that are null: `n` uint32 row indices at byte offset `at`. */
type NullList = { n: number; at: number };

export class ColumnsWireError extends Error {
  constructor(message: string) {
    super(`columns body: ${message}`);
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const isScalar = (v: unknown): v is Scalar => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
/** Sets an own property, `__proto__` too (plain assignment of that key would set the prototype). */
function put(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

const isUint32 = (v: number): boolean => v >= 0 && v <= 0xffffffff && Number.isInteger(v) && !Object.is(v, -0);

interface Section {
  bytes: Uint8Array;
  at: number;
}

/** Bodies of replies whose value is frozen (a finished study's columns, handed out again while the
 * study is unchanged): encoded once. */
const frozenBodies = new WeakMap<object, Uint8Array>();

/** The binary body of an ok column reply `result` (its envelope), made once for a frozen value; null
 * for an error, or a reply that goes as JSON (see encodeColumnsBody). */
export function columnsReplyBody(result: { ok: true; value: unknown } | { ok: false }): Uint8Array | null {
  if (!result.ok) return null;
  const v = result.value;
  const frozen = v !== null && typeof v === 'object' && Object.isFrozen(v);
  const kept = frozen ? frozenBodies.get(v) : undefined;
  if (kept) return kept;
  const body = encodeColumnsBody(result);
  if (body && frozen) frozenBodies.set(v, body);
  return body;
}

/** Encodes `value` (an ok or error envelope, or any JSON-able value) with its long scalar arrays as
 * typed sections, or returns null when it cannot be told apart from its skeleton (an object that
 * already looks like a column reference): then send it as JSON. */
export function encodeColumnsBody(value: unknown): Uint8Array | null {
  if (!LITTLE_ENDIAN) return null;
  const specs: ColumnSpec[] = [];
  const sections: Section[] = [];
  let size = 0;
  const add = (bytes: Uint8Array): number => {
    const at = size;
    sections.push({ bytes, at });
    size += bytes.byteLength + ((8 - (bytes.byteLength % 8)) % 8);
    return at;
  };
  let clash = false;

  const column = (a: readonly Scalar[]): number => {
    const n = a.length;
    let numeric = true;
    let counts = true;
    let nulls = 0;
    for (let i = 0; i < n; i++) {
      const v = a[i];
      if (v === null) nulls++;
      else if (typeof v === 'number') {
        if (counts && !isUint32(v)) counts = false;
      } else {
        numeric = false;
        break;
      }
    }
    if (numeric) {
      const data = counts ? new Uint32Array(n) : new Float64Array(n);
      const z = nulls > 0 ? new Uint32Array(nulls) : null;
      let j = 0;
      for (let i = 0; i < n; i++) {
        const v = a[i];
        if (v === null) {
          z![j++] = i;
          data[i] = 0;
        } else data[i] = v as number;
      }
      const at = add(new Uint8Array(data.buffer));
      const nullList = z ? { z: { n: z.length, at: add(new Uint8Array(z.buffer)) } } : {};
      specs.push({ k: counts ? 'u32' : 'f64', n, at, ...nullList });
      return specs.length - 1;
    }
    // Codes into the distinct values, in first-seen order. A Map keys -0 as 0: -0 gets its own.
    const dict: Scalar[] = [];
    const codeOf = new Map<Scalar, number>();
    let negZero = -1;
    const codes = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const v = a[i]!;
      let c: number | undefined;
      if (Object.is(v, -0)) {
        if (negZero < 0) negZero = dict.push(v) - 1;
        c = negZero;
      } else {
        c = codeOf.get(v);
        if (c === undefined) {
          c = dict.push(v) - 1;
          codeOf.set(v, c);
        }
      }
      codes[i] = c;
    }
    // JSON has no -0: its entry is named apart.
    specs.push({ k: 'dict', n, at: add(new Uint8Array(codes.buffer)), d: dict, ...(negZero >= 0 ? { nz: negZero } : {}) });
    return specs.length - 1;
  };

  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      // A short array stays JSON unless it holds a -0, which JSON would turn into 0.
      if (v.every(isScalar) && (v.length >= MIN_COLUMN || v.some((x) => Object.is(x, -0)))) return { [REF]: column(v as Scalar[]) };
      return v.map(walk);
    }
    if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === REF) clash = true;
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) put(out, k, walk(x));
      }
      return out;
    }
    return v;
  };
  const skeleton = walk(value === undefined ? null : value);
  if (clash) return null;

  const header = new TextEncoder().encode(encodeWire({ v: skeleton, c: specs }));
  const dataStart = 8 + header.byteLength + ((8 - (header.byteLength % 8)) % 8);
  const out = new Uint8Array(dataStart + size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, header.byteLength, true);
  out.set(header, 8);
  for (const s of sections) out.set(s.bytes, dataStart + s.at);
  return out;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Checks one column spec from the header against the data's size. */
function checkSpec(raw: unknown, i: number, dataBytes: number): ColumnSpec {
  const bad = (what: string): never => {
    throw new ColumnsWireError(`column ${i}: ${what}`);
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return bad('is not an object');
  const s = raw as Record<string, unknown>;
  const { k, n, at } = s;
  if (k !== 'u32' && k !== 'f64' && k !== 'dict') return bad(`kind '${String(k)}' is not u32, f64 or dict`);
  if (!isCount(n) || !isCount(at) || at % 8 !== 0) return bad('length or offset is not a whole number (offset a multiple of 8)');
  const width = k === 'f64' ? 8 : 4;
  if (at + n * width > dataBytes) return bad(`its ${n} entries run past the end of the body`);
  if (k === 'dict') {
    if (!Array.isArray(s.d) || !s.d.every(isScalar)) return bad('its values are not a list of scalars');
    const d = s.d as Scalar[];
    if (s.nz !== undefined) {
      if (!isCount(s.nz) || s.nz >= d.length) return bad(`its -0 entry ${String(s.nz)} is not one of its ${d.length} values`);
      d[s.nz] = -0;
    }
    return { k, n, at, d };
  }
  if (s.z === undefined) return { k, n, at };
  const z = s.z as Record<string, unknown> | null;
  if (z === null || typeof z !== 'object' || !isCount(z.n) || !isCount(z.at) || z.at % 8 !== 0) return bad('its null list is malformed');
  if (z.at + z.n * 4 > dataBytes) return bad('its null list runs past the end of the body');
  return { k, n, at, z: { n: z.n, at: z.at } };
}

/** The column as the plain array it was encoded from. */
function readColumn(s: ColumnSpec, buf: ArrayBuffer, base: number, i: number): Scalar[] {
  const out = new Array<Scalar>(s.n);
  if (s.k === 'dict') {
    const codes = new Uint32Array(buf, base + s.at, s.n);
    const d = s.d;
    for (let r = 0; r < s.n; r++) {
      const c = codes[r]!;
      if (c >= d.length) throw new ColumnsWireError(`column ${i}: code ${c} at row ${r} is not one of its ${d.length} values`);
      out[r] = d[c]!;
    }
    return out;
  }
  const data = s.k === 'u32' ? new Uint32Array(buf, base + s.at, s.n) : new Float64Array(buf, base + s.at, s.n);
  for (let r = 0; r < s.n; r++) out[r] = data[r]!;
  if (s.z) {
    const z = new Uint32Array(buf, base + s.z.at, s.z.n);
    for (let j = 0; j < z.length; j++) {
      const r = z[j]!;
      if (r >= s.n) throw new ColumnsWireError(`column ${i}: null row ${r} is past its ${s.n} entries`);
      out[r] = null;
    }
  }
  return out;
}

/** The value encodeColumnsBody encoded. Throws ColumnsWireError when the body is not one. */
export function decodeColumnsBody(body: ArrayBuffer | Uint8Array): unknown {
  if (!LITTLE_ENDIAN) throw new ColumnsWireError('this machine is big-endian; ask for JSON instead');
  // Typed views need their offset aligned: a view into a larger buffer at any offset is copied.
  let buf: ArrayBuffer;
  if (body instanceof Uint8Array) {
    buf = body.byteOffset % 8 === 0 && body.buffer instanceof ArrayBuffer ? body.buffer : new Uint8Array(body).buffer;
  } else buf = body;
  const start = body instanceof Uint8Array && buf === body.buffer ? body.byteOffset : 0;
  const length = body.byteLength;
  if (length < 8) throw new ColumnsWireError(`${length} bytes is too short`);
  const dv = new DataView(buf, start, length);
  if (dv.getUint32(0, true) !== MAGIC) throw new ColumnsWireError('it does not start with SDC1');
  const h = dv.getUint32(4, true);
  if (8 + h > length) throw new ColumnsWireError(`its header of ${h} bytes runs past the end of the body (${length} bytes)`);
  let header: unknown;
  try {
    header = decodeWire(new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(buf, start + 8, h)));
  } catch (e) {
    throw new ColumnsWireError(`its header is not JSON text: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || !('v' in header) || !('c' in header) || !Array.isArray(header.c)) {
    throw new ColumnsWireError('its header is not { v, c: [...] }');
  }
  const dataStart = 8 + h + ((8 - (h % 8)) % 8);
  const dataBytes = length - dataStart;
  if (dataBytes < 0) throw new ColumnsWireError('its data starts past the end of the body');
  const specs = (header.c as unknown[]).map((s, i) => checkSpec(s, i, dataBytes));
  const used = new Uint8Array(specs.length);
  const base = start + dataStart;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === REF) {
        const i = (v as Record<string, unknown>)[REF];
        if (!isCount(i) || i >= specs.length) throw new ColumnsWireError(`a reference to column ${String(i)}, of ${specs.length}`);
        if (used[i]) throw new ColumnsWireError(`column ${i} is referenced twice`);
        used[i] = 1;
        return readColumn(specs[i]!, buf, base, i);
      }
      const out: Record<string, unknown> = {};
      for (const k of keys) put(out, k, walk((v as Record<string, unknown>)[k]));
      return out;
    }
    return v;
  };
  return walk(header.v);
}
