// Text formats checked against the real Python: repr(float), json.dumps, distribution_to_json;
// plus our datetime format.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Distribution } from '../../electron/core/search/types.ts';
import { formatOptunaDatetime, parseOptunaDatetime } from '../../electron/core/studies/datetime.ts';
import { distributionFromJson, distributionToJson, fromInternalRepr, toInternalRepr } from '../../electron/core/studies/distributionJson.ts';
import { parsePythonJson, pyFloatRepr, PyFloat, toPythonJson } from '../../electron/core/studies/pythonJson.ts';
import { hasOptuna, runPython } from '../support/peers.ts';
import { norm, tempDir } from './support/optunaDump.ts';

const unwrap = (v: unknown): unknown =>
  v instanceof PyFloat ? v.value : Array.isArray(v) ? v.map(unwrap) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)])) : v;

describe.runIf(hasOptuna())('formats against Python', () => {
  it('pyFloatRepr equals Python repr(float) for 3000 doubles (random bit patterns, decimals, powers of ten, edges)', () => {
    const edges = [0, -0, 1, -1, 0.1, 0.2 + 0.1, 1e-5, 1e-4, 0.0001234, 1e15, 1e16, 1.5e16, 123456789012345680, 5e-324, 1.7976931348623157e308, 2 ** 53, 2 ** 53 + 2, 1e21, 1e22, 0.5, 100, NaN, Infinity, -Infinity];
    const tens = Array.from({ length: 40 }, (_, i) => 10 ** (i - 20));
    const random = fc.sample(fc.double(), 2000);
    const decimals = fc.sample(fc.integer({ min: -1e9, max: 1e9 }).map((n) => n / 1000), 900);
    const xs = [...edges, ...tens, ...random, ...decimals];
    const buf = Buffer.alloc(xs.length * 8);
    xs.forEach((x, i) => buf.writeDoubleLE(x, i * 8));
    const f = path.join(tempDir('floats'), 'xs.bin');
    fs.writeFileSync(f, buf);
    const py = JSON.parse(runPython('import json, struct, sys\nb = open(sys.argv[1], "rb").read()\nprint(json.dumps([json.dumps(struct.unpack_from("<d", b, i)[0]) for i in range(0, len(b), 8)]))', [f])) as string[];
    const ours = xs.map((x) => pyFloatRepr(x));
    const mismatches = ours.map((o, i) => [xs[i], o, py[i]]).filter(([, o, p]) => o !== p);
    expect(mismatches).toEqual([]);
  });

  it('toPythonJson equals json.dumps, and parsePythonJson reads json.dumps output', () => {
    const cases: Array<[unknown, string]> = [
      [null, 'None'],
      [true, 'True'],
      [42, '42'],
      [-7, '-7'],
      [new PyFloat(1), '1.0'],
      [2.5, '2.5'],
      [1e-7, '1e-07'],
      [NaN, 'float("nan")'],
      [-Infinity, 'float("-inf")'],
      [2n ** 70n, '2**70'],
      [-(2n ** 64n), '-(2**64)'],
      ['plain', '"plain"'],
      ['quote " back \\ tab \t nl \n cr \r bell \u0007 del \u007f', '"quote \\" back \\\\ tab \\t nl \\n cr \\r bell \\u0007 del \\u007f"'],
      ['\u65e5\u672c \u00e9 \ud83d\ude00', '"\\u65e5\\u672c \\u00e9 \\U0001F600"'],
      [[], '[]'],
      [{}, '{}'],
      [[1, [2, [null, 'x']], { a: new PyFloat(0) }], '[1, [2, [None, "x"]], {"a": 0.0}]'],
      [{ b: 1, a: { nested: [true, false] }, 'k\u00e9y': 'v' }, '{"b": 1, "a": {"nested": [True, False]}, "k\\u00e9y": "v"}'],
    ];
    const py = JSON.parse(runPython(`import json\nprint(json.dumps([json.dumps(v) for v in [${cases.map((c) => c[1]).join(', ')}]]))`)) as string[];
    cases.forEach(([js], i) => {
      expect(toPythonJson(js), String(cases[i]![1])).toBe(py[i]);
      const back = parsePythonJson(py[i]!);
      expect(norm(back)).toEqual(norm(unwrap(js)));
    });
    expect(parsePythonJson('{"a": [1, 2.5e3, -0.0, 9007199254740993, NaN, Infinity, -Infinity], "__proto__": 1}')).toEqual(
      Object.defineProperty({ a: [1, 2500, -0, 9007199254740993n, NaN, Infinity, -Infinity] }, '__proto__', { value: 1, enumerable: true }),
    );
    expect(() => parsePythonJson('{"a": nan}')).toThrow(/offset 6/);
    expect(() => parsePythonJson('[1, 2')).toThrow(/invalid Python JSON/);
  });

  it('distributionToJson is byte-identical to optuna.distributions.distribution_to_json, and round-trips', () => {
    const cases: Array<[Distribution, string]> = [
      [{ kind: 'float', low: -10, high: 10, step: null, log: false }, 'FloatDistribution(-10.0, 10.0)'],
      [{ kind: 'float', low: 1e-5, high: 0.1, step: null, log: true }, 'FloatDistribution(1e-05, 0.1, log=True)'],
      [{ kind: 'float', low: 0, high: 0.5, step: 0.1, log: false }, 'FloatDistribution(0.0, 0.5, step=0.1)'],
      [{ kind: 'float', low: 0.1, high: 0.3, step: 0.05, log: false }, 'FloatDistribution(0.1, 0.3, step=0.05)'],
      [{ kind: 'float', low: 1e15, high: 1e17, step: null, log: false }, 'FloatDistribution(1e15, 1e17)'],
      [{ kind: 'int', low: 2, high: 10, step: 2, log: false }, 'IntDistribution(2, 10, step=2)'],
      [{ kind: 'int', low: 16, high: 256, step: 1, log: true }, 'IntDistribution(16, 256, log=True)'],
      [{ kind: 'int', low: -5, high: 5, step: 1, log: false }, 'IntDistribution(-5, 5)'],
      [{ kind: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] }, 'CategoricalDistribution(["adam", "sgd", "rmsprop"])'],
      [{ kind: 'categorical', choices: [true, false, null, 1.5] }, 'CategoricalDistribution([True, False, None, 1.5])'],
      [{ kind: 'categorical', choices: [8, 16, 32] }, 'CategoricalDistribution([8, 16, 32])'],
      [{ kind: 'categorical', choices: ['\u65e5\u672c', 'x'] }, 'CategoricalDistribution(["\\u65e5\\u672c", "x"])'],
    ];
    const py = JSON.parse(
      runPython(`import json\nfrom optuna.distributions import *\nprint(json.dumps([distribution_to_json(d) for d in [${cases.map((c) => c[1]).join(', ')}]]))`),
    ) as string[];
    cases.forEach(([d], i) => {
      expect(distributionToJson(d)).toBe(py[i]);
      expect(distributionFromJson(py[i]!)).toEqual(d);
    });
  });

  it('reads the legacy and abbreviated distribution forms that json_to_distribution accepts, as Python reads them', () => {
    const legacy = [
      '{"name": "UniformDistribution", "attributes": {"low": 0.0, "high": 1.0}}',
      '{"name": "LogUniformDistribution", "attributes": {"low": 1e-05, "high": 0.1}}',
      '{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}',
      '{"name": "IntUniformDistribution", "attributes": {"low": 1, "high": 9, "step": 2}}',
      '{"name": "IntLogUniformDistribution", "attributes": {"low": 1, "high": 64, "step": 1}}',
      '{"type": "float", "low": 0.0, "high": 2.0, "step": 0.5}',
      '{"type": "int", "low": 1, "high": 5}',
      '{"type": "categorical", "choices": ["a", null]}',
    ];
    const modern = JSON.parse(
      runPython(
        `import json, sys, warnings\nwarnings.simplefilter("ignore")\nfrom optuna.distributions import json_to_distribution, distribution_to_json\nfrom optuna.distributions import FloatDistribution as F, IntDistribution as I\n` +
          // 3.1 keeps the legacy classes (subclasses of Float/IntDistribution); rebuild the modern ones.
          `def modern(d):\n    if isinstance(d, F): return F(d.low, d.high, log=d.log, step=d.step)\n    if isinstance(d, I): return I(d.low, d.high, log=d.log, step=d.step)\n    return d\n` +
          `print(json.dumps([distribution_to_json(modern(json_to_distribution(t))) for t in json.loads(sys.argv[1])]))`,
        [JSON.stringify(legacy)],
      ),
    ) as string[];
    legacy.forEach((text, i) => expect(distributionToJson(distributionFromJson(text)), text).toBe(modern[i]));
  });
});

describe('internal representation and datetimes', () => {
  it('categorical params are stored as the choice index, ints and floats as themselves', () => {
    const C: Distribution = { kind: 'categorical', choices: [true, false, null, 1.5, NaN] };
    expect([true, false, null, 1.5, NaN].map((v) => toInternalRepr('c', C, v))).toEqual([0, 1, 2, 3, 4]);
    expect(fromInternalRepr('c', C, 2)).toBeNull();
    expect(fromInternalRepr('i', { kind: 'int', low: 0, high: 9, step: 1, log: false }, 8)).toBe(8);
    expect(() => toInternalRepr('x', { kind: 'float', low: 0, high: 1, step: null, log: false }, NaN)).toThrow(/needs a number/);
    expect(() => fromInternalRepr('c', C, 9)).toThrow(/outside the 5 choices/);
  });

  it('formats naive UTC with six fraction digits and parses Optuna and SQL shapes', () => {
    const d = new Date(Date.UTC(2026, 10, 26, 8, 27, 12, 395));
    expect(formatOptunaDatetime(d)).toBe('2026-11-26 08:27:12.395000');
    expect(parseOptunaDatetime('2026-11-26 08:27:12.395615')?.toISOString()).toBe('2026-11-26T08:27:12.395Z');
    expect(parseOptunaDatetime('2026-11-26 08:31:06')?.toISOString()).toBe('2026-11-26T08:31:06.000Z');
    expect(parseOptunaDatetime('2026-11-26T08:31:06.5')?.toISOString()).toBe('2026-11-26T08:31:06.500Z');
    expect(parseOptunaDatetime(null)).toBeNull();
    expect(parseOptunaDatetime('yesterday')).toBeNull();
    fc.assert(fc.property(fc.date({ min: new Date('1970-01-01'), max: new Date('2999-12-31'), noInvalidDate: true }), (x) => parseOptunaDatetime(formatOptunaDatetime(x))?.getTime() === x.getTime()));
  });
});
