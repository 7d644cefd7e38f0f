// Which rows a live update changed. A delta (api/trialsData.ts) makes a new rows array from the one
// the page held, with a few rows replaced and new ones appended; it notes that here, so what is
// derived from every row (the table's columns, order and filter choices, a chart's points) can be
// brought up to date from what was derived for the old array by looking at the changed rows only,
// instead of reading 100,000 rows again on each update.
import type { TrialScalars } from '../../../shared/contract.ts';

export interface Derivation {
  /** The rows array this one was made from: same length or shorter, same rows at every index not
   * listed in `changed`. */
  base: readonly TrialScalars[];
  /** Indices (ascending) of the rows replaced (below base.length) or appended (at or above it). */
  changed: readonly number[];
}

const derived = new WeakMap<readonly TrialScalars[], Derivation>();

/** Notes that `next` is `base` with the rows at `changed` (ascending indices) replaced or appended. */
export function noteDerived(next: readonly TrialScalars[], base: readonly TrialScalars[], changed: readonly number[]): void {
  // One step back only: `next` holds `base` alive (and its cached values), but not the arrays
  // before it.
  derived.delete(base);
  derived.set(next, { base, changed });
}

/** How `rows` was made from an earlier array, if a delta made it. */
export function derivationOf(rows: readonly TrialScalars[]): Derivation | undefined {
  return derived.get(rows);
}

/** The caches of an array's derived values, per array: a value for `rows` is made from the one for
 * the array it was derived from (`update`) when that is cached, else from scratch (`build`). Arrays
 * are held weakly; a derivation reaches one array back (noteDerived), so a value not asked for on
 * one array is built from scratch on the next. */
export class DerivedCache<K, V> {
  readonly #byRows = new WeakMap<readonly TrialScalars[], Map<K, V>>();

  /** With `takesOld`, `update` may change the earlier array's value in place (an append into its
   * columns): that value is then forgotten for the earlier array, which builds it again if asked. */
  get(rows: readonly TrialScalars[], key: K, build: () => V, update: (old: V, d: Derivation) => V, takesOld = false): V {
    let byKey = this.#byRows.get(rows);
    if (!byKey) {
      byKey = new Map();
      this.#byRows.set(rows, byKey);
    }
    const have = byKey.get(key);
    if (have !== undefined) return have;
    const d = derived.get(rows);
    const before = d ? this.#byRows.get(d.base) : undefined;
    const old = before?.get(key);
    if (takesOld) before?.delete(key);
    const v = d && old !== undefined ? update(old, d) : build();
    byKey.set(key, v);
    return v;
  }
}
