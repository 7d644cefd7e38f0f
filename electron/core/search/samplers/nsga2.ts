// NSGA-II with Optuna 3.1's NSGAIISampler semantics, so a study moves between Python and us mid-run:
// each trial gets the system attr `nsga2:generation`; a generation is complete once it holds
// population_size COMPLETE trials; the parents of generation g+1 are the elite of generation g's
// trials plus the previous parents (non-dominated fronts, the cut front by crowding distance). A
// child is a crossover of two tournament-picked parents (probability crossover_prob, else a copy of
// one parent); each param is then mutated (re-drawn at random) with probability 1/n_params.
// Generation 0 is random. With constraints, dominance is Optuna's constrained dominance.
// Optuna also caches each generation's elite in a study system attr (nsga2:population:<hash>); that
// is a cache: we recompute the elite from the trials, which gives the same parents.
import { constrainedDominates, dominates, nonDominatedFronts, crowdingDistances, type Dominance } from '../multiObjective.ts';
import type { Rng } from '../rng.ts';
import { isSingle } from '../space.ts';
import type { Direction, Distribution, FrozenTrial, ParamValue, Sampler, SearchSpace } from '../types.ts';
import { rngForNextTrial, sampleUniform, snapToStep, toInternal } from './common.ts';

/** Optuna's trial system attr holding the trial's NSGA-II generation. */
export const SYS_NSGA2_GENERATION = 'nsga2:generation';

const SALT_NSGA2 = 0x4e534732;

export interface Nsga2Options {
  seed?: number | undefined;
  /** The study's directions (the sampler's dominance needs every one). */
  directions: readonly Direction[];
  /** Optuna's default: 50. */
  populationSize?: number | undefined;
  /** Default (Optuna's): 1 / number of params. */
  mutationProb?: number | undefined;
  /** Optuna's default: 0.9. */
  crossoverProb?: number | undefined;
  /** Uniform crossover's chance of taking the second parent's value; Optuna's default 0.5. */
  swappingProb?: number | undefined;
  /** Optuna 3.1's default: uniform. SBX applies to numeric params (categorical ones stay uniform). */
  crossover?: 'uniform' | 'sbx' | undefined;
  /** True when the study's trials carry constraint values (constraints in the config). */
  constrained?: boolean | undefined;
}

export class Nsga2Sampler implements Sampler {
  readonly name = 'nsga2' as const;
  private readonly populationSize: number;
  private readonly dominance: Dominance;
  /** Elite trial numbers by (generation, its members, the parents): finished trials never change, so
   * each generation's selection is computed once per process instead of at every proposal. */
  private readonly elites = new Map<string, number[]>();

  constructor(private readonly opts: Nsga2Options) {
    this.populationSize = opts.populationSize ?? 50;
    if (!Number.isInteger(this.populationSize) || this.populationSize < 2) throw new Error(`NSGA-II population_size must be a whole number >= 2, got ${this.populationSize}`);
    this.dominance = opts.constrained ? constrainedDominates : dominates;
  }

  sample(space: SearchSpace, history: readonly FrozenTrial[], direction: Direction): Record<string, ParamValue> {
    return this.propose(space, history, direction).params;
  }

  propose(space: SearchSpace, history: readonly FrozenTrial[], _direction: Direction): { params: Record<string, ParamValue>; systemAttrs: Record<string, unknown> } {
    const rng = rngForNextTrial(this.opts.seed, history, SALT_NSGA2);
    const { generation: parentGeneration, parents } = this.parentPopulation(history);
    const kept = parentGeneration >= 0 ? this.child(space, parents, rng) : {};
    const params: Record<string, ParamValue> = {};
    for (const [name, d] of space) {
      const k = kept[name];
      params[name] = k !== undefined ? k : isSingle(d) && d.kind !== 'categorical' ? d.low : sampleUniform(d, rng);
    }
    return { params, systemAttrs: { [SYS_NSGA2_GENERATION]: parentGeneration + 1 } };
  }

  /** The last complete generation and its elite (generation -1 and none while generation 0 fills). */
  parentPopulation(history: readonly FrozenTrial[]): { generation: number; parents: FrozenTrial[] } {
    const byGeneration = new Map<number, FrozenTrial[]>();
    for (const t of history) {
      const g = t.systemAttrs[SYS_NSGA2_GENERATION];
      if (typeof g !== 'number' || !Number.isInteger(g) || t.state !== 'COMPLETE') continue;
      let list = byGeneration.get(g);
      if (!list) byGeneration.set(g, (list = []));
      list.push(t);
    }
    let parents: FrozenTrial[] = [];
    let generation = -1;
    for (;;) {
      const population = byGeneration.get(generation + 1) ?? [];
      if (population.length < this.populationSize) break;
      const pool = [...population, ...parents];
      const key = `${generation + 1}:${pool.map((t) => t.number).join(',')}`;
      const known = this.elites.get(key);
      if (known) {
        const byNumber = new Map(pool.map((t) => [t.number, t]));
        parents = known.map((n) => byNumber.get(n)!);
      } else {
        parents = this.elite(pool);
        this.elites.set(key, parents.map((t) => t.number));
      }
      generation++;
    }
    return { generation, parents };
  }

  /** The best population_size trials: whole fronts while they fit, the cut front by crowding
   * distance (largest first). */
  private elite(population: FrozenTrial[]): FrozenTrial[] {
    const out: FrozenTrial[] = [];
    for (const front of nonDominatedFronts(population, this.opts.directions, this.dominance)) {
      if (out.length + front.length < this.populationSize) {
        out.push(...front);
        continue;
      }
      const dist = crowdingDistances(front);
      const sorted = [...front].sort((a, b) => dist.get(b.number)! - dist.get(a.number)!);
      out.push(...sorted.slice(0, this.populationSize - out.length));
      break;
    }
    return out;
  }

  /** The params the child keeps from its parents (the rest are drawn at random). */
  private child(space: SearchSpace, parents: readonly FrozenTrial[], rng: Rng): Record<string, ParamValue> {
    let params: Record<string, ParamValue>;
    if (rng.random() < (this.opts.crossoverProb ?? 0.9)) {
      params = this.crossover(space, parents, rng);
    } else {
      params = { ...parents[rng.int(parents.length)]!.params };
    }
    const names = [...space.keys()].filter((n) => params[n] !== undefined && toInternal(space.get(n)!, params[n]) !== null);
    const mutation = this.opts.mutationProb ?? 1 / Math.max(1, names.length);
    const kept: Record<string, ParamValue> = {};
    for (const n of names) if (rng.random() >= mutation) kept[n] = params[n]!;
    return kept;
  }

  /** Binary tournament: of two random picks, the first if it dominates the second, else the second. */
  private pickParent(pool: readonly FrozenTrial[], rng: Rng): FrozenTrial {
    const a = pool[rng.int(pool.length)]!;
    const b = pool[rng.int(pool.length)]!;
    return this.dominance(a, b, this.opts.directions) ? a : b;
  }

  private crossover(space: SearchSpace, parents: readonly FrozenTrial[], rng: Rng): Record<string, ParamValue> {
    // Optuna repeats until the child lies in the space; SBX can leave it only through rounding, so a
    // few rounds always do. The cap keeps a pathological space from looping forever.
    for (let attempt = 0; attempt < 100; attempt++) {
      const p0 = this.pickParent(parents, rng);
      const p1 = this.pickParent(parents.filter((t) => t !== p0), rng);
      const child: Record<string, ParamValue> = {};
      const numeric: string[] = [];
      for (const [name, d] of space) {
        if (d.kind === 'categorical') {
          const v = rng.random() >= (this.opts.swappingProb ?? 0.5) ? p1.params[name] : p0.params[name];
          if (v !== undefined) child[name] = v;
        } else if (toInternal(d, p0.params[name]) !== null && toInternal(d, p1.params[name]) !== null) {
          numeric.push(name);
        }
      }
      if (this.opts.crossover === 'sbx') Object.assign(child, this.sbx(space, numeric, p0, p1, rng));
      else for (const name of numeric) child[name] = (rng.random() >= (this.opts.swappingProb ?? 0.5) ? p1 : p0).params[name]!;
      if (Object.entries(child).every(([n, v]) => toInternal(space.get(n)!, v) !== null)) return child;
    }
    return {};
  }

  /** Simulated binary crossover (Deb & Agrawal) in Optuna's transformed space (log for log scales,
   * half a step beyond each end for stepped ones); eta 20 with several objectives, 2 with one, as
   * Optuna's default. */
  private sbx(space: SearchSpace, names: readonly string[], p0: FrozenTrial, p1: FrozenTrial, rng: Rng): Record<string, ParamValue> {
    const eta = this.opts.directions.length > 1 ? 20 : 2;
    const out: Record<string, ParamValue> = {};
    const parts = names.map((name) => {
      const d = space.get(name) as Exclude<Distribution, { kind: 'categorical' }>;
      const [lo, hi] = searchBounds(d);
      const x0 = toSearch(d, p0.params[name] as number);
      const x1 = toSearch(d, p1.params[name] as number);
      const xMin = Math.min(x0, x1);
      const xMax = Math.max(x0, x1);
      const diff = Math.max(xMax - xMin, 1e-10);
      const alpha1 = 2 - Math.pow(1 + (2 * (xMin - lo)) / diff, -(eta + 1));
      const alpha2 = 2 - Math.pow(1 + (2 * (hi - xMax)) / diff, -(eta + 1));
      return { name, d, x0, x1, xMin, xMax, diff, alpha1, alpha2 };
    });
    const us = parts.map(() => rng.random());
    parts.forEach((p, i) => {
      const u = us[i]!;
      const betaq = (alpha: number): number => (u > 1 / alpha ? Math.pow(1 / (2 - u * alpha), 1 / (eta + 1)) : Math.pow(u * alpha, 1 / (eta + 1)));
      const c1 = 0.5 * (p.xMin + p.xMax - betaq(p.alpha1) * p.diff);
      const c2 = 0.5 * (p.xMin + p.xMax + betaq(p.alpha2) * p.diff);
      const x = rng.random() < 0.5 ? (rng.random() < 0.5 ? c1 : c2) : rng.random() < 0.5 ? p.x0 : p.x1;
      out[p.name] = fromSearch(p.d, x);
    });
    return out;
  }
}

type NumericDistribution = Exclude<Distribution, { kind: 'categorical' }>;

function searchBounds(d: NumericDistribution): [number, number] {
  const half = d.kind === 'int' || d.step !== null ? 0.5 * (d.step ?? 1) : 0;
  if (d.log) return d.kind === 'int' ? [Math.log(d.low - 0.5), Math.log(d.high + 0.5)] : [Math.log(d.low), Math.log(d.high)];
  return [d.low - half, d.high + half];
}

function toSearch(d: NumericDistribution, v: number): number {
  return d.log ? Math.log(v) : v;
}

/** Back from the search space: rounded to the step (or integer), clipped to the range. */
function fromSearch(d: NumericDistribution, x: number): number {
  const v = d.log ? Math.exp(x) : x;
  if (d.kind === 'int') {
    const step = d.log ? 1 : d.step;
    return Math.min(Math.max(Math.round((v - d.low) / step) * step + d.low, d.low), d.high);
  }
  if (d.step !== null) return snapToStep(v, d.low, d.high, d.step);
  return Math.min(Math.max(v, d.low), d.high);
}
