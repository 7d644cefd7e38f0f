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

export const encodeWire = (value: unknown): string => JSON.stringify(value === undefined ? null : value, replacer);
/** Throws SyntaxError on malformed JSON. Without a tagged number in the text the reviver has nothing
 * to do, and skipping it makes large replies (10,000 trials) decode several times faster. */
export const decodeWire = (text: string): unknown => (text.includes(`"${TAG}"`) ? JSON.parse(text, reviver) : JSON.parse(text));
