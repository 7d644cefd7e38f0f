// JSON for the HTTP transport. Trial values and MLflow metrics may be NaN or ±Infinity, which plain
// JSON turns into null; they travel as {"$num":"NaN"|"Infinity"|"-Infinity"} and come back as numbers.
// (Electron IPC uses structured clone, which keeps them as they are.)

const TAG = '$num';

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return { [TAG]: Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity' };
  }
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === TAG) {
      const tag = (value as Record<string, unknown>)[TAG];
      if (tag === 'NaN') return NaN;
      if (tag === 'Infinity') return Infinity;
      if (tag === '-Infinity') return -Infinity;
    }
  }
  return value;
}

/** True when the value holds a NaN or ±Infinity anywhere, or an object with toJSON (whose output we
 * cannot see without stringifying it). Walking the value is several times cheaper than a replacer
 * call per key on large replies (10,000 trials), and most replies have nothing to tag. Past a
 * million objects (or a cycle, which JSON.stringify reports) it gives up and says true. */
function needsTagging(root: unknown): boolean {
  const stack: unknown[] = [root];
  let budget = 1_000_000;
  while (stack.length > 0) {
    if (--budget < 0) return true;
    const v = stack.pop();
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return true;
    } else if (v !== null && typeof v === 'object') {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const x: unknown = v[i];
          if (typeof x === 'number') {
            if (!Number.isFinite(x)) return true;
          } else if (x !== null && typeof x === 'object') stack.push(x);
        }
      } else {
        if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return true;
        for (const k in v) {
          if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
          const x: unknown = (v as Record<string, unknown>)[k];
          if (typeof x === 'number') {
            if (!Number.isFinite(x)) return true;
          } else if (x !== null && typeof x === 'object') stack.push(x);
        }
      }
    }
  }
  return false;
}

export const encodeWire = (value: unknown): string => {
  const v = value === undefined ? null : value;
  return needsTagging(v) ? JSON.stringify(v, replacer) : JSON.stringify(v);
};
/** Throws SyntaxError on malformed JSON. Without a tagged number in the text the reviver has nothing
 * to do, and skipping it makes large replies (10,000 trials) decode several times faster. */
export const decodeWire = (text: string): unknown => (text.includes(`"${TAG}"`) ? JSON.parse(text, reviver) : JSON.parse(text));
