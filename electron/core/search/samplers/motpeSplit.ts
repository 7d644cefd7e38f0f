// Multi-objective TPE's "good"/"bad" split and the good trials' weights, as Optuna 3.1's TPESampler
// does it for a study with several directions (the MOTPE paper's rules): COMPLETE trials only (no
// pruning with several objectives); the good group fills by non-domination rank, the rank that does
// not fit whole is cut by greedy hypervolume subset selection; each good trial weighs its
// hypervolume contribution (over the maximum, plus 1e-12). With constraints, feasible trials come
// first and infeasible ones by total violation; an infeasible good trial weighs 1e-12.
import { constraintsOf, hypervolume2d, violation } from '../multiObjective.ts';
import type { Direction, FrozenTrial } from '../types.ts';

const EPS = 1e-12;

export interface MoScored {
  trial: FrozenTrial;
  /** Objective values turned so that smaller is better. */
  losses: number[];
  /** Total constraint violation (0 feasible, Infinity when the trial has no constraint values);
   * undefined without constraints. */
  violation?: number;
}

/** COMPLETE trials with every objective's value, chronological. */
export function scoreTrialsMulti(history: readonly FrozenTrial[], directions: readonly Direction[], constrained: boolean): MoScored[] {
  const out: MoScored[] = [];
  for (const t of [...history].sort((a, b) => a.number - b.number)) {
    if (t.state !== 'COMPLETE' || !t.values || t.values.length !== directions.length) continue;
    const losses = t.values.map((v, i) => (directions[i] === 'maximize' ? -v : v));
    if (!constrained) {
      out.push({ trial: t, losses });
      continue;
    }
    const c = constraintsOf(t);
    out.push({ trial: t, losses, violation: c === null ? Infinity : violation(c) });
  }
  return out;
}

/** Hypervolume (all objectives minimized) of the region the points dominate up to `ref`. */
export function hypervolume(points: ReadonlyArray<readonly number[]>, ref: readonly number[]): number {
  const m = ref.length;
  const inside = points.filter((p) => p.every((x, i) => x < ref[i]!));
  if (inside.length === 0) return 0;
  if (m === 1) return ref[0]! - Math.min(...inside.map((p) => p[0]!));
  if (m === 2) return hypervolume2d(inside.map((p) => [p[0]!, p[1]!] as const), [ref[0]!, ref[1]!]);
  // Slices along the last objective: between consecutive values, the volume of the points below.
  const sorted = [...inside].sort((a, b) => a[m - 1]! - b[m - 1]!);
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const top = i + 1 < sorted.length ? sorted[i + 1]![m - 1]! : ref[m - 1]!;
    const depth = top - sorted[i]![m - 1]!;
    if (depth <= 0) continue;
    volume += depth * hypervolume(sorted.slice(0, i + 1).map((p) => p.slice(0, m - 1)), ref.slice(0, m - 1));
  }
  return volume;
}

/** Optuna's reference point for a set of losses: 1.1x the worst (0.9x when negative), 0 -> EPS. */
function referencePoint(losses: ReadonlyArray<readonly number[]>): number[] {
  const m = losses[0]!.length;
  const ref: number[] = [];
  for (let i = 0; i < m; i++) {
    const worst = Math.max(...losses.map((l) => l[i]!));
    const r = Math.max(1.1 * worst, 0.9 * worst);
    ref.push(r === 0 ? EPS : r);
  }
  return ref;
}

/** The non-dominated fronts of the loss vectors (positions into `losses`, ascending), best first,
 * only as many as it takes to hold `enough` of them: the good group needs a few fronts of a large
 * study, never all. In lexicographic order whatever dominates a vector comes before it, so checking
 * each against the front found so far is enough (O(n * front size) per front). */
function leadingFronts(losses: ReadonlyArray<readonly number[]>, enough: number): number[][] {
  const dominates = (a: readonly number[], b: readonly number[]): boolean => a.every((x, k) => x <= b[k]!) && a.some((x, k) => x < b[k]!);
  let left = Array.from({ length: losses.length }, (_, i) => i).sort((a, b) => {
    const la = losses[a]!;
    const lb = losses[b]!;
    // Compared, not subtracted: inf - inf is NaN.
    for (let k = 0; k < la.length; k++) if (la[k] !== lb[k]) return la[k]! < lb[k]! ? -1 : 1;
    return a - b;
  });
  const fronts: number[][] = [];
  let held = 0;
  while (left.length > 0 && held < enough) {
    const front: number[] = [];
    const rest: number[] = [];
    for (const i of left) (front.some((f) => dominates(losses[f]!, losses[i]!)) ? rest : front).push(i);
    fronts.push(front.sort((a, b) => a - b));
    held += front.length;
    left = rest;
  }
  return fronts;
}

/** Greedy hypervolume subset selection: `size` of the candidates, each step the largest gain. */
function greedyHssp(losses: ReadonlyArray<readonly number[]>, candidates: readonly number[], size: number, ref: readonly number[]): number[] {
  const chosen: number[] = [];
  let hv = 0;
  const left = [...candidates];
  while (chosen.length < size && left.length > 0) {
    let best = 0;
    let bestGain = -Infinity;
    left.forEach((c, k) => {
      const gain = hypervolume([...chosen, c].map((i) => losses[i]!), ref) - hv;
      if (gain > bestGain) {
        best = k;
        bestGain = gain;
      }
    });
    chosen.push(left.splice(best, 1)[0]!);
    hv += bestGain;
  }
  return chosen;
}

/** The indices of the good group (sorted), as Optuna splits multi-objective observations. */
function splitByLoss(scored: readonly MoScored[], indices: readonly number[], nBelow: number): number[] {
  const losses = indices.map((i) => scored[i]!.losses);
  const below: number[] = [];
  for (const members of leadingFronts(losses, nBelow)) {
    if (below.length >= nBelow) break;
    if (below.length + members.length <= nBelow) {
      below.push(...members);
      continue;
    }
    const ref = referencePoint(members.map((k) => losses[k]!));
    below.push(...greedyHssp(losses, members, nBelow - below.length, ref));
    break;
  }
  return below.map((k) => indices[k]!).sort((a, b) => a - b);
}

/** isBelow[i] = 1 for the good group among `scored`. */
export function splitMultiObjective(scored: readonly MoScored[], nBelow: number): Uint8Array {
  const n = scored.length;
  const k = Math.max(0, Math.min(nBelow, n));
  const isBelow = new Uint8Array(n);
  const all = Array.from({ length: n }, (_, i) => i);
  let below: number[];
  if (scored.some((s) => s.violation !== undefined)) {
    const byViolation = [...all].sort((a, b) => scored[a]!.violation! - scored[b]!.violation! || a - b);
    if (k >= n || scored[byViolation[k]!]!.violation! > 0) below = byViolation.slice(0, k);
    else below = splitByLoss(scored, all.filter((i) => scored[i]!.violation === 0), k);
  } else {
    below = splitByLoss(scored, all, k);
  }
  for (const i of below) isBelow[i] = 1;
  return isBelow;
}

/** The good trials' weights by trial number: hypervolume contributions (feasible ones only). */
export function belowWeights(scored: readonly MoScored[], isBelow: Uint8Array): Map<number, number> {
  const weights = new Map<number, number>();
  const feasible: MoScored[] = [];
  scored.forEach((s, i) => {
    if (!isBelow[i]) return;
    if (s.violation !== undefined && s.violation !== 0) weights.set(s.trial.number, EPS);
    else feasible.push(s);
  });
  if (feasible.length === 1) weights.set(feasible[0]!.trial.number, 1);
  if (feasible.length > 1) {
    const losses = feasible.map((s) => s.losses);
    const ref = referencePoint(losses);
    const total = hypervolume(losses, ref);
    const contributions = losses.map((_, i) => total - hypervolume(losses.filter((__, j) => j !== i), ref) + EPS);
    const max = Math.max(...contributions);
    feasible.forEach((s, i) => weights.set(s.trial.number, Math.min(Math.max(contributions[i]! / max, 0), 1)));
  }
  return weights;
}
