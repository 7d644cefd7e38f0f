// Helpers over MLflow run JSON (REST 2.0 shapes as the stores return them): a run's cells for the
// Experiments table, and their order. Shared: the table is sorted by the host (runs.table) and drawn
// by the renderer with the same values.
import type { Run } from './contract.ts';

export const PARENT_TAG = 'mlflow.parentRunId';

export const tag = (r: Run, k: string): string | undefined => r.data.tags?.find((t) => t.key === k)?.value;
export const param = (r: Run, k: string): string | undefined => r.data.params?.find((p) => p.key === k)?.value;
export const metric = (r: Run, k: string): number | undefined => r.data.metrics?.find((m) => m.key === k)?.value;
/** A run's name as shown: its own, else its mlflow.runName tag, else the start of its id. */
export const nameCell = (runName: string, nameTag: string | undefined, runId: string): string => runName || nameTag || runId.slice(0, 8);
export const runName = (r: Run): string => nameCell(r.info.run_name, tag(r, 'mlflow.runName'), r.info.run_id);

export function keysOf(runs: readonly Run[], kind: 'metrics' | 'params' | 'tags'): string[] {
  const s = new Set<string>();
  for (const r of runs) for (const x of r.data[kind] ?? []) s.add(x.key);
  return [...s].sort();
}

export type Column =
  | { kind: 'attr'; key: 'name' | 'status' | 'start' | 'duration' }
  | { kind: 'metrics' | 'params' | 'tags'; key: string }
  /** Best-of: the min or max over the metric's whole history (runs.metricSummaries). */
  | { kind: 'best'; key: string; of: 'min' | 'max' };

export const colId = (c: Column): string => (c.kind === 'best' ? `${c.of}.${c.key}` : `${c.kind}.${c.key}`);

const ATTRS: ReadonlySet<string> = new Set(['name', 'status', 'start', 'duration']);

/** The column a colId names, or null. */
export function columnOf(id: string): Column | null {
  const dot = id.indexOf('.');
  if (dot <= 0 || dot === id.length - 1) return null;
  const kind = id.slice(0, dot);
  const key = id.slice(dot + 1);
  if (kind === 'attr') return ATTRS.has(key) ? { kind, key: key as 'name' } : null;
  if (kind === 'metrics' || kind === 'params' || kind === 'tags') return { kind, key };
  if (kind === 'min' || kind === 'max') return { kind: 'best', key, of: kind };
  return null;
}

/** Min and max of each run's metric histories, by bestKey(runId, key). */
export type BestOf = ReadonlyMap<string, { min: number | null; max: number | null }>;
export const bestKey = (runId: string, key: string): string => `${runId}\0${key}`;

export function bestOf(summaries: ReadonlyArray<{ runId: string; key: string; min: number | null; max: number | null }>): BestOf {
  return new Map(summaries.map((s) => [bestKey(s.runId, s.key), { min: s.min, max: s.max }]));
}

/** A param's cell: a number when the text is one (so 8 < 16), else the text. */
export function paramCell(v: string | undefined): string | number | undefined {
  const n = v === undefined ? NaN : Number(v);
  return v !== undefined && v.trim() !== '' && Number.isFinite(n) ? n : v;
}

export const durationCell = (start: number, end: number | undefined): number | undefined => (end ? end - start : undefined);

export function cellValue(r: Run, c: Column, best?: BestOf): string | number | undefined {
  if (c.kind === 'metrics') return metric(r, c.key);
  if (c.kind === 'tags') return tag(r, c.key);
  if (c.kind === 'best') return best?.get(bestKey(r.info.run_id, c.key))?.[c.of] ?? undefined;
  if (c.kind === 'params') return paramCell(param(r, c.key));
  switch (c.key) {
    case 'name':
      return runName(r);
    case 'status':
      return r.info.status;
    case 'start':
      return r.info.start_time;
    case 'duration':
      return durationCell(r.info.start_time, r.info.end_time);
  }
}

// One collator for every comparison: as String.localeCompare with these options, many times faster.
const collator = new Intl.Collator(undefined, { numeric: true });

export function compareCells(a: string | number | undefined, b: string | number | undefined): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') {
    // NaN after every number (a - b would leave the order undefined).
    const na = Number.isNaN(a);
    const nb = Number.isNaN(b);
    if (na || nb) return na === nb ? 0 : na ? 1 : -1;
    return a - b;
  }
  return collator.compare(String(a), String(b));
}

/** An MLflow filter on one tag's value (backquoted key; the value in the quote it does not hold). */
export function tagFilter(key: string, value: string): string {
  const q = value.includes("'") ? '"' : "'";
  return `tags.\`${key}\` = ${q}${value}${q}`;
}
