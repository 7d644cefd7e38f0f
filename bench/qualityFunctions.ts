// The test functions of the sampler-quality bench and the loop that runs one sampler on one of them;
// shared by bench/samplerQuality.ts (the reported comparison) and bench/samplerTune.ts (design
// choices, tuned on seed blocks disjoint from the reported ones).
import type { Distribution, FrozenTrial, ParamValue, Sampler, SearchSpace } from '../electron/core/search/types.ts';

type Params = Record<string, ParamValue>;
export interface TestFunction {
  name: string;
  describe: string;
  space: SearchSpace;
  f(p: Params): number;
}

const float = (low: number, high: number, log = false, step: number | null = null): Distribution => ({ kind: 'float', low, high, step, log });
const num = (p: Params, k: string) => p[k] as number;
const MIXED_OFFSET: Record<string, number> = { relu: 0.6, tanh: 0.3, gelu: 0, silu: 0.9 };

// Must stay identical to FUNCTIONS in optuna_tpe_quality.py (same params, ranges, formulas).
export const FUNCTIONS: TestFunction[] = [
  {
    name: 'sphere3',
    describe: 'sum x_i^2, 3 floats in [-5, 5]; optimum 0',
    space: new Map([0, 1, 2].map((i) => [`x${i}`, float(-5, 5)])),
    f: (p) => [0, 1, 2].reduce((s, i) => s + num(p, `x${i}`) ** 2, 0),
  },
  {
    name: 'rosenbrock2',
    describe: '100 (y - x^2)^2 + (1 - x)^2, x, y in [-5, 5]; optimum 0',
    space: new Map([['x', float(-5, 5)], ['y', float(-5, 5)]]),
    f: (p) => 100 * (num(p, 'y') - num(p, 'x') ** 2) ** 2 + (1 - num(p, 'x')) ** 2,
  },
  {
    name: 'rastrigin4',
    describe: '40 + sum (x_i^2 - 10 cos 2 pi x_i), 4 floats in [-5.12, 5.12]; optimum 0, multimodal',
    space: new Map([0, 1, 2, 3].map((i) => [`x${i}`, float(-5.12, 5.12)])),
    f: (p) => [0, 1, 2, 3].reduce((s, i) => s + num(p, `x${i}`) ** 2 - 10 * Math.cos(2 * Math.PI * num(p, `x${i}`)), 40),
  },
  {
    name: 'mixed',
    describe: 'categorical act (4 choices) + log float lr + int layers + stepped float dropout; optimum 0',
    space: new Map<string, Distribution>([
      ['act', { kind: 'categorical', choices: ['relu', 'tanh', 'gelu', 'silu'] }],
      ['lr', float(1e-5, 1e-1, true)],
      ['layers', { kind: 'int', low: 1, high: 8, step: 1, log: false }],
      ['dropout', float(0, 0.5, false, 0.05)],
    ]),
    f: (p) => (MIXED_OFFSET[p.act as string] as number) + (Math.log10(num(p, 'lr')) + 3) ** 2 / 4 + Math.abs(num(p, 'layers') - 3) / 5 + (num(p, 'dropout') - 0.2) ** 2 * 4,
  },
];

export function bestOf(sampler: Sampler, fn: TestFunction, trials: number): number {
  const history: FrozenTrial[] = [];
  let best = Infinity;
  for (let i = 0; i < trials; i++) {
    const params = sampler.sample(fn.space, history, 'minimize');
    const value = fn.f(params);
    best = Math.min(best, value);
    history.push({ trialId: i + 1, number: i, state: 'COMPLETE', params, distributions: {}, value, intermediateValues: [], datetimeStart: null, datetimeComplete: null, userAttrs: {}, systemAttrs: {} });
  }
  return best;
}

export function median(a: readonly number[]): number {
  const b = [...a].sort((x, y) => x - y);
  const m = b.length >> 1;
  return b.length % 2 ? (b[m] as number) : ((b[m - 1] as number) + (b[m] as number)) / 2;
}
