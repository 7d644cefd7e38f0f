// Multi-objective order, as Optuna defines it: Pareto dominance (and the constrained variant of
// NSGA-II), non-dominated sorting into fronts, crowding distance, the Pareto front (best_trials)
// and the 2-D hypervolume. Shared by the NSGA-II and multi-objective TPE samplers and the CLI.
import type { Direction, FrozenTrial } from './types.ts';

/** Optuna's trial system attr for constraint values (<= 0 is feasible), from constraints_func. */
export const SYS_CONSTRAINTS = 'constraints';

/** A trial's objective values in objective order (one for a single-objective trial); null when it has
 * none (not COMPLETE). */
export function trialValues(t: FrozenTrial): number[] | null {
  if (t.values) return t.values;
  return t.value === null ? null : [t.value];
}

/** Values turned so that smaller is better on every objective. */
function minimized(t: FrozenTrial, directions: readonly Direction[]): number[] | null {
  const vs = trialValues(t);
  if (!vs || vs.length !== directions.length) return null;
  return vs.map((v, i) => (directions[i] === 'maximize' ? -v : v));
}

/** Optuna's _dominates: a COMPLETE trial dominates any other; between two COMPLETE trials, a is no
 * worse everywhere and not equal. */
export function dominates(a: FrozenTrial, b: FrozenTrial, directions: readonly Direction[]): boolean {
  if (a.state !== 'COMPLETE') return false;
  if (b.state !== 'COMPLETE') return true;
  const va = minimized(a, directions);
  const vb = minimized(b, directions);
  if (!va || !vb) return false;
  let strictly = false;
  for (let i = 0; i < va.length; i++) {
    if (va[i]! > vb[i]!) return false;
    if (va[i]! < vb[i]!) strictly = true;
  }
  return strictly;
}

/** The trial's constraint values, or null when it has none stored. */
export function constraintsOf(t: FrozenTrial): number[] | null {
  const c = t.systemAttrs[SYS_CONSTRAINTS];
  return Array.isArray(c) && c.every((x) => typeof x === 'number') ? (c as number[]) : null;
}

/** Sum of the positive constraint values (0 when feasible). */
export function violation(constraints: readonly number[]): number {
  let s = 0;
  for (const v of constraints) if (v > 0) s += v;
  return s;
}

/** Optuna's _constrained_dominates (NSGA-II with constraints): a trial with constraint values beats
 * one without; feasible beats infeasible; two infeasible compare by total violation; two feasible by
 * plain dominance. */
export function constrainedDominates(a: FrozenTrial, b: FrozenTrial, directions: readonly Direction[]): boolean {
  const ca = constraintsOf(a);
  const cb = constraintsOf(b);
  if (ca === null && cb === null) return dominates(a, b, directions);
  if (cb === null) return true;
  if (ca === null) return false;
  if (ca.length !== cb.length) throw new Error(`trials ${a.number} and ${b.number} have ${ca.length} and ${cb.length} constraint values: trials with different numbers of constraints cannot be compared`);
  if (a.state !== 'COMPLETE') return false;
  if (b.state !== 'COMPLETE') return true;
  const fa = violation(ca) === 0;
  const fb = violation(cb) === 0;
  if (fa && fb) return dominates(a, b, directions);
  if (fa) return true;
  if (fb) return false;
  return violation(ca) < violation(cb);
}

export type Dominance = (a: FrozenTrial, b: FrozenTrial, directions: readonly Direction[]) => boolean;

/** Fast non-dominated sort: the fronts, best first. Within a front, trials keep their input order. */
export function nonDominatedFronts(population: readonly FrozenTrial[], directions: readonly Direction[], dom: Dominance = dominates): FrozenTrial[][] {
  const n = population.length;
  const dominatedBy = new Array<number>(n).fill(0);
  const beats: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dom(population[i]!, population[j]!, directions)) {
        beats[i]!.push(j);
        dominatedBy[j]!++;
      } else if (dom(population[j]!, population[i]!, directions)) {
        beats[j]!.push(i);
        dominatedBy[i]!++;
      }
    }
  }
  const fronts: FrozenTrial[][] = [];
  let current: number[] = [];
  for (let i = 0; i < n; i++) if (dominatedBy[i] === 0) current.push(i);
  while (current.length > 0) {
    fronts.push(current.map((i) => population[i]!));
    const next: number[] = [];
    for (const i of current) {
      for (const j of beats[i]!) if (--dominatedBy[j]! === 0) next.push(j);
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/** Optuna's crowding distance per trial number: per objective, the gap between the two neighbours
 * (±inf beyond the ends; inf - inf counts 0) over the objective's finite range. */
export function crowdingDistances(front: readonly FrozenTrial[]): Map<number, number> {
  const dist = new Map<number, number>();
  for (const t of front) dist.set(t.number, 0);
  if (front.length === 0) return dist;
  const m = trialValues(front[0]!)?.length ?? 0;
  for (let k = 0; k < m; k++) {
    const at = (t: FrozenTrial): number => trialValues(t)![k]!;
    const sorted = [...front].sort((a, b) => (at(a) === at(b) ? 0 : at(a) < at(b) ? -1 : 1));
    const first = trialValues(sorted[0]!)![k]!;
    const last = trialValues(sorted[sorted.length - 1]!)![k]!;
    if (first === last) continue;
    const vs = [-Infinity, ...sorted.map((t) => trialValues(t)![k]!), Infinity];
    const vMin = vs.find((x) => x !== -Infinity)!;
    const vMax = [...vs].reverse().find((x) => x !== Infinity)!;
    let width = vMax - vMin;
    if (!(width > 0)) width = 1;
    sorted.forEach((t, j) => {
      const gap = vs[j] === vs[j + 2] ? 0 : vs[j + 2]! - vs[j]!;
      dist.set(t.number, dist.get(t.number)! + gap / width);
    });
  }
  return dist;
}

/** Optuna's study.best_trials: the COMPLETE trials no other COMPLETE trial dominates, by number.
 * In lexicographic order of the (minimized) values, whatever dominates a trial comes before it, and
 * so does a front member dominating that (dominance is transitive): checking each trial against the
 * front found so far is enough, O(n log n + n * front size) instead of comparing every pair. */
export function paretoFront(trials: readonly FrozenTrial[], directions: readonly Direction[]): FrozenTrial[] {
  const done: Array<{ t: FrozenTrial; v: number[] }> = [];
  for (const t of trials) {
    const v = t.state === 'COMPLETE' ? minimized(t, directions) : null;
    if (v && !v.some(Number.isNaN)) done.push({ t, v });
  }
  done.sort((a, b) => {
    // Compared, not subtracted: inf - inf is NaN.
    for (let i = 0; i < a.v.length; i++) if (a.v[i] !== b.v[i]) return a.v[i]! < b.v[i]! ? -1 : 1;
    return 0;
  });
  const front: typeof done = [];
  for (const c of done) {
    const beaten = front.some((f) => f.v.every((x, i) => x <= c.v[i]!) && f.v.some((x, i) => x < c.v[i]!));
    if (!beaten) front.push(c);
  }
  return front.map((f) => f.t).sort((a, b) => a.number - b.number);
}

/** Each objective's best value over the COMPLETE trials (null when there is none). */
export function bestPerObjective(trials: readonly FrozenTrial[], directions: readonly Direction[]): Array<number | null> {
  return directions.map((d, i) => {
    let best: number | null = null;
    for (const t of trials) {
      const v = t.state === 'COMPLETE' ? trialValues(t)?.[i] : undefined;
      if (v === undefined || Number.isNaN(v)) continue;
      if (best === null || (d === 'maximize' ? v > best : v < best)) best = v;
    }
    return best;
  });
}

/** Hypervolume of 2-D points (both to be minimized) dominated up to the reference point. */
export function hypervolume2d(points: ReadonlyArray<readonly [number, number]>, ref: readonly [number, number]): number {
  const inside = points.filter(([x, y]) => x < ref[0] && y < ref[1]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let volume = 0;
  let bestY = ref[1];
  for (const [x, y] of inside) {
    if (y >= bestY) continue;
    volume += (ref[0] - x) * (bestY - y);
    bestY = y;
  }
  return volume;
}
