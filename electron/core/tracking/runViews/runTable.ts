// The Experiments screen's runs table, held by the host so only a page of it crosses to the renderer:
// one experiment's runs as columns (runColumns.ts), filtered with MLflow's grammar, sorted by any
// column with the renderer's own cell values (shared/runCells.ts), and laid out as the tree the
// screen shows (runs whose parent is not shown at the top, the children of expanded runs under
// them). Each order, filter and layout is computed once per snapshot and kept, so sorting back and
// forth, filtering and scrolling 100,000 child runs answer from memory. Columns a store reads lazily
// (runColumns.ts) are read when a sort, filter or chart first needs them.
import { colId, compareCells, durationCell, nameCell, paramCell, PARENT_TAG, type BestOf, type Column } from '../../../../shared/runCells.ts';
import type { Run } from '../../../../shared/contract.ts';
import { compareValues, parseRunFilter, runMatches, type Comparison } from '../searchFilter.ts';
import { numberOrder, rankOrder } from './indexSort.ts';
import { runAt, type KeyKind, type MetricColumn, type RunColumns, type RunTableKeys } from './runColumns.ts';

export type { RunTableKeys };

export interface RunTableLayout {
  /** Run indices in the order shown. */
  index: Int32Array;
  depth: Uint8Array;
  /** Runs that match the filter. */
  matching: number;
  /** Matching children per run index (runs with none are absent). */
  kids: ReadonlyMap<number, number>;
}

const KEEP = 16;
const RUN_NAME_TAG = 'mlflow.runName';

/** A small cache that forgets its oldest entry. */
function remember<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  const had = map.get(key);
  if (had !== undefined) return had;
  const v = make();
  if (map.size >= KEEP) map.delete(map.keys().next().value as K);
  map.set(key, v);
  return v;
}

export class RunTable {
  readonly size: number;
  /** Index of each run's parent, or -1. */
  private readonly parentOf: Int32Array;
  private readonly orders = new Map<string, Int32Array>();
  private readonly filters = new Map<string, Uint8Array | null>();
  private readonly layouts = new Map<string, RunTableLayout>();
  private warming = false;
  private stopped = false;

  constructor(
    readonly columns: RunColumns,
    /** Min / max over each metric's history, for the best-of columns (asked only when sorted by one). */
    private readonly best: () => Promise<BestOf | undefined> = async () => undefined,
  ) {
    const n = columns.ids.length;
    this.size = n;
    let at = columns.runIndex;
    if (!at) {
      const own = new Map<string, number>();
      columns.ids.forEach((id, i) => own.set(id, i));
      at = own;
    }
    this.parentOf = new Int32Array(n).fill(-1);
    const parents = columns.tags.get(PARENT_TAG);
    if (parents) {
      for (let i = 0; i < n; i++) {
        const p = parents[i];
        const j = p === undefined ? undefined : at.get(p);
        if (j !== undefined && j !== i) this.parentOf[i] = j;
      }
    }
  }

  /** Reads the lazy columns in the background, one chunk of rows at a time between other work, so
   * that the first sort or filter by one answers at once: the metrics and user tags first (the
   * columns shown), then the run-name tag and the order by name (its strings compare slowly), the
   * params and MLflow's tags. Nothing is read while `busy` says a request is being answered. */
  warm(busy: () => boolean = () => false): void {
    const lazy = this.columns.lazy;
    if (!lazy || this.warming) return;
    this.warming = true;
    const k = lazy.keys();
    const read = (kind: KeyKind, key: string) => (): boolean => lazy.step(kind, key);
    let naming: Promise<unknown> | null = null;
    const queue: Array<() => boolean> = [
      ...k.metrics.map((key) => read('metrics', key)),
      ...k.tags.filter((key) => !key.startsWith('mlflow.')).map((key) => read('tags', key)),
      read('tags', RUN_NAME_TAG),
      // The order by name is computed at once (a step of its own) once its column is read.
      () => ((naming ??= this.order({ kind: 'attr', key: 'name' }).catch((err: Error) => console.warn(`runs table of experiment ${this.columns.experimentId}: ordering by name ahead failed: ${err.message}`))), true),
      ...k.params.map((key) => read('params', key)),
      ...k.tags.filter((key) => key.startsWith('mlflow.') && key !== RUN_NAME_TAG).map((key) => read('tags', key)),
    ];
    const next = (): void => {
      if (this.stopped) return;
      // A request being answered goes first: this waits for it.
      if (busy()) {
        setTimeout(next, 2);
        return;
      }
      try {
        // One step a turn, even one that had nothing left to read (a few microseconds): a column's
        // last chunk is not followed at once by the next column's first, or the order by name, and a
        // request that came meanwhile waits for one chunk only.
        if (queue.length > 0 && queue[0]!()) queue.shift();
      } catch (err) {
        // The read that needs this column reads it again and reports the error to the screen.
        console.warn(`runs table of experiment ${this.columns.experimentId}: reading ahead stopped: ${(err as Error).message}`);
        return;
      }
      if (queue.length > 0) setImmediate(next);
    };
    setImmediate(next);
  }

  /** Stops warm (the table is no longer used). */
  stop(): void {
    this.stopped = true;
  }

  /** Run `i` from the columns held (with lazy columns, only those read so far: use rows). */
  run(i: number): Run {
    this.columns.lazy?.details();
    return runAt(this.columns, i);
  }

  /** The runs at these indices with all their data, in that order. */
  async rows(indices: readonly number[]): Promise<Run[]> {
    const lazy = this.columns.lazy;
    return lazy ? lazy.runs(indices) : indices.map((i) => runAt(this.columns, i));
  }

  private metric(key: string): MetricColumn | undefined {
    const c = this.columns;
    if (c.lazy && !c.metrics.has(key)) c.lazy.load('metrics', key);
    return c.metrics.get(key);
  }

  private values(kind: Exclude<KeyKind, 'metrics'>, key: string): Array<string | undefined> | undefined {
    const c = this.columns;
    if (c.lazy && !c[kind].has(key)) c.lazy.load(kind, key);
    return c[kind].get(key);
  }

  /** Every metric, param and tag key the runs carry, sorted. */
  keys(): RunTableKeys {
    const c = this.columns;
    if (c.lazy) return c.lazy.keys();
    return { metrics: [...c.metrics.keys()].sort(), params: [...c.params.keys()].sort(), tags: [...c.tags.keys()].sort() };
  }

  /** Which runs match an MLflow filter (null: all). Throws MLflow's error for a bad filter. */
  matches(filter: string): Uint8Array | null {
    const f = filter.trim();
    if (f === '') return null;
    return remember(this.filters, f, () => {
      const out = new Uint8Array(this.size).fill(1);
      for (const cmp of parseRunFilter(f)) this.narrow(out, cmp);
      return out;
    });
  }

  /** Clears the runs of `keep` that fail one comparison, reading its column (runMatches' rules). */
  private narrow(keep: Uint8Array, cmp: Comparison): void {
    if (cmp.type === 'metric') {
      const col = this.metric(cmp.key);
      for (let i = 0; i < this.size; i++) {
        if (!keep[i]) continue;
        if (!col || !col.has[i]) keep[i] = 0;
        else if (Number.isNaN(col.value[i]!)) keep[i] = cmp.comparator === '!=' ? 1 : 0;
        else keep[i] = compareValues(col.value[i]!, cmp.comparator, cmp.value) ? 1 : 0;
      }
    } else if (cmp.type === 'parameter' || cmp.type === 'tag') {
      const col = this.values(cmp.type === 'parameter' ? 'params' : 'tags', cmp.key);
      for (let i = 0; i < this.size; i++) {
        if (!keep[i]) continue;
        const v = col?.[i];
        keep[i] = v !== undefined && compareValues(v, cmp.comparator, cmp.value) ? 1 : 0;
      }
    } else {
      // Attributes (name, status, times, ids): rare in filters; the run itself is checked (its
      // attributes are always held).
      // Only the user and artifact location are not read with the runs.
      if (cmp.key === 'user_id' || cmp.key === 'artifact_uri') this.columns.lazy?.details();
      for (let i = 0; i < this.size; i++) if (keep[i] && !runMatches(runAt(this.columns, i), [cmp])) keep[i] = 0;
    }
  }

  /** Column `c`'s cell of every run, as cellValue gives it for the run. */
  private async cells(c: Column): Promise<Array<string | number | undefined>> {
    const t = this.columns;
    const n = this.size;
    const out = new Array<string | number | undefined>(n);
    if (c.kind === 'metrics') {
      const col = this.metric(c.key);
      for (let i = 0; i < n; i++) out[i] = col?.has[i] ? col.value[i] : undefined;
    } else if (c.kind === 'params') {
      const col = this.values('params', c.key);
      for (let i = 0; i < n; i++) out[i] = paramCell(col?.[i]);
    } else if (c.kind === 'tags') {
      const col = this.values('tags', c.key);
      for (let i = 0; i < n; i++) out[i] = col?.[i];
    } else if (c.kind === 'best') {
      const best = await this.best();
      for (let i = 0; i < n; i++) out[i] = best?.get(`${t.ids[i]}\0${c.key}`)?.[c.of] ?? undefined;
    } else if (c.key === 'name') {
      const names = this.values('tags', RUN_NAME_TAG);
      for (let i = 0; i < n; i++) out[i] = nameCell(t.names[i]!, names?.[i], t.ids[i]!);
    } else if (c.key === 'status') {
      for (let i = 0; i < n; i++) out[i] = t.status[i];
    } else if (c.key === 'start') {
      for (let i = 0; i < n; i++) out[i] = t.start[i];
    } else {
      for (let i = 0; i < n; i++) out[i] = durationCell(t.start[i]!, Number.isNaN(t.end[i]!) ? undefined : t.end[i]);
    }
    return out;
  }

  /** Every run in ascending order of column `c` (compareCells: missing values last), ties by position. */
  async order(c: Column): Promise<Int32Array> {
    const id = colId(c);
    const had = this.orders.get(id);
    if (had) return had;
    const vals = await this.cells(c);
    const n = this.size;
    let idx: Int32Array;
    if (vals.every((v) => typeof v !== 'string')) {
      // Numbers and missing values only: numbers by their bits, then NaN, then missing values
      // (compareCells' order), each group in run order.
      const key = new Float64Array(n);
      const nums: number[] = [];
      const nans: number[] = [];
      const missing: number[] = [];
      for (let i = 0; i < n; i++) {
        const v = vals[i] as number | undefined;
        if (v === undefined) missing.push(i);
        else if (Number.isNaN(v)) nans.push(i);
        else {
          key[i] = v;
          nums.push(i);
        }
      }
      idx = new Int32Array(n);
      idx.set(numberOrder(key, Int32Array.from(nums)));
      idx.set(nans, nums.length);
      idx.set(missing, nums.length + nans.length);
    } else idx = rankOrder(vals, compareCells);
    return remember(this.orders, id, () => idx);
  }

  /** The rows shown: matching runs whose parent is not shown at the top, each expanded run's
   * matching children under it, every level in the column's order (descending: reversed). */
  async layout(filter: string, sort: Column, descending: boolean, expanded: ReadonlySet<string>): Promise<RunTableLayout> {
    const key = `${filter.trim()}\u0000${colId(sort)}\u0000${descending ? 'd' : 'a'}\u0000${[...expanded].sort().join(',')}`;
    const had = this.layouts.get(key);
    if (had) return had;
    const match = this.matches(filter);
    const asc = await this.order(sort);
    const n = asc.length;
    // Each run's matching children as a list through typed arrays (first, next), in the column's
    // order: no array or map entry per run.
    const first = new Int32Array(n).fill(-1);
    const last = new Int32Array(n).fill(-1);
    const next = new Int32Array(n).fill(-1);
    const count = new Int32Array(n);
    const tops = new Int32Array(n);
    let nTops = 0;
    let matching = 0;
    for (let k = 0; k < n; k++) {
      const i = asc[descending ? n - 1 - k : k]!;
      if (match && !match[i]) continue;
      matching++;
      const p = this.parentOf[i]!;
      if (p >= 0 && (!match || match[p])) {
        if (last[p]! < 0) first[p] = i;
        else next[last[p]!] = i;
        last[p] = i;
        count[p]!++;
      } else tops[nTops++] = i;
    }
    // A run in a cycle of parent tags has a matching parent, so it is never a top run nor under
    // one: at most every run is shown, once.
    const index = new Int32Array(matching);
    const depth = new Uint8Array(matching);
    let shown = 0;
    const walk = (i: number, d: number): void => {
      index[shown] = i;
      depth[shown++] = d;
      if (count[i]! > 0 && d < 32 && expanded.has(this.columns.ids[i]!)) for (let c = first[i]!; c >= 0; c = next[c]!) walk(c, d + 1);
    };
    for (let t = 0; t < nTops; t++) walk(tops[t]!, 0);
    const kids = new Map<number, number>();
    for (let i = 0; i < n; i++) if (count[i]! > 0) kids.set(i, count[i]!);
    return remember(this.layouts, key, () => ({ index: index.slice(0, shown), depth: depth.slice(0, shown), matching, kids }));
  }

  /** The matching runs' start times (in order) and latest values of one metric, for a chart; runs
   * without a finite value are left out. */
  async points(filter: string, metric: string): Promise<{ x: number[]; y: number[]; matching: number }> {
    const match = this.matches(filter);
    const asc = await this.order({ kind: 'attr', key: 'start' });
    const col = this.metric(metric);
    const x: number[] = [];
    const y: number[] = [];
    let matching = 0;
    for (let k = 0; k < asc.length; k++) {
      const i = asc[k]!;
      if (match && !match[i]) continue;
      matching++;
      if (!col?.has[i] || !Number.isFinite(col.value[i]!)) continue;
      x.push(this.columns.start[i]!);
      y.push(col.value[i]!);
    }
    return { x, y, matching };
  }
}
