// Helpers over MLflow run JSON (REST 2.0 shapes as the stores return them).
import type { Run } from '../../../shared/contract.ts';

export const PARENT_TAG = 'mlflow.parentRunId';

export const tag = (r: Run, k: string): string | undefined => r.data.tags?.find((t) => t.key === k)?.value;
export const param = (r: Run, k: string): string | undefined => r.data.params?.find((p) => p.key === k)?.value;
export const metric = (r: Run, k: string): number | undefined => r.data.metrics?.find((m) => m.key === k)?.value;
export const runName = (r: Run): string => r.info.run_name || tag(r, 'mlflow.runName') || r.info.run_id.slice(0, 8);

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

/** Min and max of each run's metric histories, by bestKey(runId, key). */
export type BestOf = ReadonlyMap<string, { min: number | null; max: number | null }>;
export const bestKey = (runId: string, key: string): string => `${runId}\0${key}`;

export function bestOf(summaries: ReadonlyArray<{ runId: string; key: string; min: number | null; max: number | null }>): BestOf {
  return new Map(summaries.map((s) => [bestKey(s.runId, s.key), { min: s.min, max: s.max }]));
}

export function cellValue(r: Run, c: Column, best?: BestOf): string | number | undefined {
  if (c.kind === 'metrics') return metric(r, c.key);
  if (c.kind === 'tags') return tag(r, c.key);
  if (c.kind === 'best') return best?.get(bestKey(r.info.run_id, c.key))?.[c.of] ?? undefined;
  if (c.kind === 'params') {
    const v = param(r, c.key);
    const n = v === undefined ? NaN : Number(v);
    return v !== undefined && v.trim() !== '' && Number.isFinite(n) ? n : v;
  }
  switch (c.key) {
    case 'name':
      return runName(r);
    case 'status':
      return r.info.status;
    case 'start':
      return r.info.start_time;
    case 'duration':
      return r.info.end_time ? r.info.end_time - r.info.start_time : undefined;
  }
}

export function compareCells(a: string | number | undefined, b: string | number | undefined): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/** An MLflow filter on one tag's value (backquoted key; the value in the quote it does not hold). */
export function tagFilter(key: string, value: string): string {
  const q = value.includes("'") ? '"' : "'";
  return `tags.\`${key}\` = ${q}${value}${q}`;
}
