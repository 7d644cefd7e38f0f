// A sweep's intermediate values (one chart draws them), kept live as deltas like the trials
// (trialsData.ts): once the page holds them, a refresh asks only for the trials the page's trials
// showed unfinished or did not have yet when they were last asked for, and merges those in by
// trial number. A reply with nothing new keeps the same data.
import type { Client } from '../../../shared/client.ts';
import type { IntermediateColumns } from '../../../shared/contract.ts';
import { deltaEpoch, trialDeltaBase, type TrialsData } from './trialsData.ts';

/** For data fetched here: what its next refresh asks for (from the trials held when it was asked). */
const basedOn = new WeakMap<IntermediateColumns, { since: { after: number; numbers: number[] }; epoch: number }>();

function stamp(c: IntermediateColumns, trials: TrialsData | undefined): IntermediateColumns {
  const base = trials ? trialDeltaBase(trials) : null;
  if (base) basedOn.set(c, { since: base, epoch: deltaEpoch() });
  return c;
}

/** `old` with the trials of `changed` put in (replacing those of the same number), or old itself
 * when nothing differs. */
export function mergeIntermediate(old: IntermediateColumns, changed: IntermediateColumns): IntermediateColumns {
  const byNumber = new Map<number, { step: number[]; value: number[] }>();
  const slice = (c: IntermediateColumns, i: number) => {
    const from = c.start[i] ?? 0;
    const to = c.start[i + 1] ?? from;
    return { step: c.step.slice(from, to), value: c.value.slice(from, to) };
  };
  old.number.forEach((n, i) => byNumber.set(n, slice(old, i)));
  let same = true;
  changed.number.forEach((n, i) => {
    const next = slice(changed, i);
    const prev = byNumber.get(n);
    if (prev && prev.step.length === next.step.length && prev.step.every((s, j) => s === next.step[j] && Object.is(prev.value[j], next.value[j]))) return;
    byNumber.set(n, next);
    same = false;
  });
  if (same) return old;
  const numbers = [...byNumber.keys()].sort((a, b) => a - b);
  const out: IntermediateColumns = { number: numbers, start: [], step: [], value: [] };
  for (const n of numbers) {
    out.start.push(out.step.length);
    const t = byNumber.get(n)!;
    for (let j = 0; j < t.step.length; j++) {
      out.step.push(t.step[j]!);
      out.value.push(t.value[j]!);
    }
  }
  out.start.push(out.step.length);
  return out;
}

/** The intermediate values again: only those of trials that may have changed when `old` can be
 * built on, else all. `trials`: the trials the page holds now (what the next refresh builds on). */
export async function refreshIntermediate(client: Client, id: string, old: IntermediateColumns | undefined, trials: TrialsData | undefined): Promise<IntermediateColumns> {
  const base = old ? basedOn.get(old) : undefined;
  // Nothing to build on, or fetched before the host was lost: all of them.
  if (!old || !base || base.epoch !== deltaEpoch()) return stamp(await client.get('sweeps.intermediateColumns', { id }), trials);
  const changed = await client.get('sweeps.intermediateColumns', { id, since: base.since });
  const merged = mergeIntermediate(old, changed);
  if (merged === old) {
    // Nothing new, but the trials held may be newer: the next refresh builds on them.
    return trials && trialDeltaBase(trials) ? stamp(old, trials) : old;
  }
  return stamp(merged, trials);
}
