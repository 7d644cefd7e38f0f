// Grid search over the cartesian product of each parameter's grid values, visited in a seeded
// scrambled order (Optuna's GridSampler picks unvisited points at random, so an early stop still
// spreads over the space; here a seeded affine permutation does that without materialising it).
// Points already present in the history (any state, including RUNNING, WAITING and FAIL) are
// skipped, so a resumed sweep continues the grid instead of repeating it.
//
// Per-parameter grid values:
// - choice: every value;
// - int / stepped float: every lattice point when there are at most GRID_MAX_DISCRETE of them,
//   else GRID_POINTS points spread evenly (geometrically for log) and snapped to the lattice;
// - continuous float: GRID_POINTS points from min to max inclusive (geometric for log scales).
import { deriveSeed, randomSeed, Rng } from '../rng.ts';
import { SearchSpaceExhaustedError } from '../errors.ts';
import type { Direction, Distribution, FrozenTrial, ParamValue, Sampler, SearchSpace } from '../types.ts';
import { snapToStep } from './common.ts';

export const GRID_POINTS = 10;
export const GRID_MAX_DISCRETE = 100;

const SALT_GRID = 0x47524944;

function tidy(x: number): number {
  return Number(x.toPrecision(12));
}

function spread(low: number, high: number, n: number, log: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = i / (n - 1);
    const v = log ? Math.exp(Math.log(low) + t * (Math.log(high) - Math.log(low))) : low + t * (high - low);
    out.push(i === 0 ? low : i === n - 1 ? high : tidy(v));
  }
  return out;
}

/** The grid values of one distribution (documented at the top of this file). */
export function gridValues(d: Distribution): ParamValue[] {
  if (d.kind === 'categorical') return [...d.choices];
  if (d.low === d.high) return [d.low];
  if (d.kind === 'float' && d.step === null) return spread(d.low, d.high, GRID_POINTS, d.log);
  const step = d.step ?? 1;
  const count = Math.round((d.high - d.low) / step) + 1;
  const snap = (v: number) => (d.kind === 'int' ? Math.min(Math.max(Math.round((v - d.low) / step) * step + d.low, d.low), d.high) : snapToStep(v, d.low, d.high, step));
  const raw = count <= GRID_MAX_DISCRETE
    ? Array.from({ length: count }, (_, i) => d.low + i * step)
    : spread(d.low, d.high, GRID_POINTS, d.log);
  return [...new Set(raw.map(snap))];
}

function sameValue(a: ParamValue | undefined, b: ParamValue): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) && Number.isNaN(b)) return true;
    // Values written by Python may carry float noise (0.30000000000000004).
    return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return false;
}

interface Grid {
  names: string[];
  values: ParamValue[][];
  size: number;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** A seeded bijection on 0..size-1: i -> (a*i + b) mod size with gcd(a, size) = 1. Consecutive
 * positions land far apart in the grid, and nothing of grid size is allocated, so grids of any size
 * work. BigInt keeps a*i exact. */
class AffineOrder {
  private readonly a: bigint;
  private readonly b: bigint;
  private readonly n: bigint;
  constructor(size: number, seed: number) {
    const rng = new Rng(deriveSeed(seed, size, SALT_GRID));
    this.n = BigInt(size);
    const pick = () => BigInt(Math.floor(rng.random() * size));
    let a = pick();
    for (let k = 0; a === 0n || gcd(a, this.n) !== 1n; k++) a = k < 64 ? pick() : 1n;
    this.a = size === 1 ? 0n : a;
    this.b = pick();
  }
  at(i: number): number {
    return Number((this.a * BigInt(i) + this.b) % this.n);
  }
}

export class GridSampler implements Sampler {
  readonly name = 'grid' as const;
  private readonly seed: number;
  private readonly grids = new WeakMap<SearchSpace, Grid>();
  private order: { size: number; order: AffineOrder } | null = null;

  constructor(seed?: number) {
    this.seed = seed ?? randomSeed();
  }

  private grid(space: SearchSpace): Grid {
    let g = this.grids.get(space);
    if (!g) {
      const names = [...space.keys()];
      const values = names.map((n) => gridValues(space.get(n) as Distribution));
      const size = values.reduce((acc, v) => acc * v.length, 1);
      if (!Number.isSafeInteger(size)) throw new Error(`the grid has about ${size.toExponential(2)} points, too many to enumerate; use fewer choices or coarser steps, or sampling.algorithm tpe/random`);
      g = { names, values, size };
      this.grids.set(space, g);
    }
    return g;
  }

  /** Visiting order, fixed by the seed and the grid size alone (not by the history). */
  private orderFor(size: number): AffineOrder {
    if (this.order?.size !== size) this.order = { size, order: new AffineOrder(size, this.seed) };
    return this.order.order;
  }

  /** Grid index of a trial's params, or -1 when they are not a grid point of this space. */
  private indexOf(g: Grid, params: Record<string, ParamValue>): number {
    let idx = 0;
    for (let p = 0; p < g.names.length; p++) {
      const vals = g.values[p] as ParamValue[];
      const v = params[g.names[p] as string];
      const k = vals.findIndex((x) => sameValue(v, x));
      if (k < 0) return -1;
      idx = idx * vals.length + k;
    }
    return idx;
  }

  private used(g: Grid, history: readonly FrozenTrial[]): Set<number> {
    const used = new Set<number>();
    for (const t of history) {
      const i = this.indexOf(g, t.params);
      if (i >= 0) used.add(i);
    }
    return used;
  }

  remaining(space: SearchSpace, history: readonly FrozenTrial[]): number {
    const g = this.grid(space);
    return g.size - this.used(g, history).size;
  }

  sample(space: SearchSpace, history: readonly FrozenTrial[], _direction: Direction): Record<string, ParamValue> {
    const g = this.grid(space);
    const used = this.used(g, history);
    const order = this.orderFor(g.size);
    // At most |used| + 1 steps: the first position whose point is not used yet.
    for (let i = 0; i < g.size && used.size < g.size; i++) {
      const idx = order.at(i);
      if (used.has(idx)) continue;
      const out: Record<string, ParamValue> = {};
      let rest = idx;
      for (let p = g.names.length - 1; p >= 0; p--) {
        const vals = g.values[p] as ParamValue[];
        out[g.names[p] as string] = vals[rest % vals.length] as ParamValue;
        rest = Math.floor(rest / vals.length);
      }
      // Keep config order in the returned object.
      const ordered: Record<string, ParamValue> = {};
      for (const n of g.names) ordered[n] = out[n] as ParamValue;
      return ordered;
    }
    throw new SearchSpaceExhaustedError(g.size);
  }
}
