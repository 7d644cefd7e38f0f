// Timeline: trials over wall time, one bar from start to end, stacked in lanes so that trials running
// at the same time sit one above the other. Gaps across every lane are where nothing ran (a stall).

export interface TimelineLanes {
  /** Lane of each trial (0 = bottom), -1 for a trial that never started. */
  lane: Int32Array;
  /** Bar ends: the trial's end, `now` for one still running, its start when it has no end time. */
  end: Float64Array;
  lanes: number;
}

/** Lanes by greedy interval partitioning: trials in start order, each into the lowest-numbered lane
 * free at its start (a lane is free once its last bar has ended, at or before the start), else a new
 * lane. This uses as many lanes as the most trials ever running at once. */
export function timelineLanes(starts: ArrayLike<number | null>, ends: ArrayLike<number | null>, running: ArrayLike<boolean>, now: number): TimelineLanes {
  const n = starts.length;
  const lane = new Int32Array(n).fill(-1);
  const end = new Float64Array(n).fill(NaN);
  const order: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = starts[i];
    if (s === null || s === undefined || !Number.isFinite(s)) continue;
    const e = ends[i];
    end[i] = running[i] ? Math.max(s, now) : e !== null && e !== undefined && Number.isFinite(e) ? Math.max(s, e) : s;
    order.push(i);
  }
  order.sort((a, b) => starts[a]! - starts[b]! || a - b);
  // laneEnd[k]: when lane k's last bar ends.
  const laneEnd: number[] = [];
  for (const i of order) {
    const s = starts[i]!;
    let k = 0;
    while (k < laneEnd.length && laneEnd[k]! > s) k++;
    if (k === laneEnd.length) laneEnd.push(end[i]!);
    else laneEnd[k] = end[i]!;
    lane[i] = k;
  }
  return { lane, end, lanes: laneEnd.length };
}

/** The longest stretch between the first start and the last end with no trial running, or null when
 * trials ran back to back (or there are none). */
export function longestIdle(starts: ArrayLike<number | null>, end: ArrayLike<number>): { from: number; to: number } | null {
  const order: number[] = [];
  for (let i = 0; i < starts.length; i++) {
    const s = starts[i];
    if (s !== null && s !== undefined && Number.isFinite(s) && Number.isFinite(end[i]!)) order.push(i);
  }
  order.sort((a, b) => starts[a]! - starts[b]!);
  let best: { from: number; to: number } | null = null;
  let reach = -Infinity;
  for (const i of order) {
    const s = starts[i]!;
    if (reach !== -Infinity && s > reach && (best === null || s - reach > best.to - best.from)) best = { from: reach, to: s };
    if (end[i]! > reach) reach = end[i]!;
  }
  return best;
}
