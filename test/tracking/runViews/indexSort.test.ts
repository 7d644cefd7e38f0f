// The runs table's orders without a comparison per pair: the same order as a stable sort by the
// comparison the screen uses (compareCells), ties in index order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numberOrder, rankOrder } from '../../../electron/core/tracking/runViews/indexSort.ts';
import { compareCells } from '../../../shared/runCells.ts';

/** Indices sorted one pair at a time (Array sort is stable). */
const compared = <T>(values: readonly T[], compare: (a: T, b: T) => number) => values.map((_, i) => i).sort((a, b) => compare(values[a]!, values[b]!));

describe('index sorts', () => {
  it('orders numbers as a - b does, ties (and -0 with 0) in index order', () => {
    const num = fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(0, -0, 1, -1, 5e-324, -5e-324, Infinity, -Infinity, 1.7976931348623157e308), fc.integer({ min: -3, max: 3 }));
    fc.assert(
      fc.property(fc.array(num, { maxLength: 300 }), (xs) => {
        const keys = Float64Array.from(xs);
        const all = Int32Array.from(xs.keys());
        expect(Array.from(numberOrder(keys, all))).toEqual(compared(xs, (a, b) => (a === b ? 0 : a - b)));
      }),
    );
  });

  it('orders only the indices it is given', () => {
    const keys = Float64Array.from([5, 4, 3, 2, 1]);
    expect(Array.from(numberOrder(keys, Int32Array.from([0, 2, 4])))).toEqual([4, 2, 0]);
    expect(Array.from(numberOrder(keys, new Int32Array(0)))).toEqual([]);
  });

  it('orders strings, numbers and missing values by rank as compareCells does', () => {
    const cell = fc.oneof(
      fc.constantFrom<string | number | undefined>(undefined, NaN, 'trial_2', 'trial_10', 'Trial_2', 'b', 'a', 'é', 'e', '', '10', 9),
      fc.string({ maxLength: 6 }),
      fc.integer({ min: -5, max: 20 }),
    );
    fc.assert(
      fc.property(fc.array(cell, { maxLength: 200 }), (xs) => {
        // Only where compareCells is a total order (mixing numbers with strings need not be).
        const mixed = xs.some((x) => typeof x === 'number') && xs.some((x) => typeof x === 'string');
        fc.pre(!mixed);
        expect(Array.from(rankOrder(xs, compareCells))).toEqual(compared(xs, compareCells));
        // Values given in order already (ties included), and nearly so.
        const inOrder = compared(xs, compareCells).map((i) => xs[i]);
        expect(Array.from(rankOrder(inOrder, compareCells))).toEqual(compared(inOrder, compareCells));
        const swapped = inOrder.slice().reverse().slice(0, 2).concat(inOrder.slice(0, -2));
        expect(Array.from(rankOrder(swapped, compareCells))).toEqual(compared(swapped, compareCells));
      }),
    );
  });
});
