// Helpers over MLflow run JSON (REST 2.0 shapes as the stores return them).
import type { Run } from '../../../shared/contract.ts';

export const PARENT_TAG = 'mlflow.parentRunId';

export const tag = (r: Run, k: string): string | undefined => r.data.tags?.find((t) => t.key === k)?.value;
export const param = (r: Run, k: string): string | undefined => r.data.params?.find((p) => p.key === k)?.value;
export const metric = (r: Run, k: string): number | undefined => r.data.metrics?.find((m) => m.key === k)?.value;
export const runName = (r: Run): string => r.info.run_name || tag(r, 'mlflow.runName') || r.info.run_id.slice(0, 8);

export function keysOf(runs: readonly Run[], kind: 'metrics' | 'params'): string[] {
  const s = new Set<string>();
  for (const r of runs) for (const x of r.data[kind] ?? []) s.add(x.key);
  return [...s].sort();
}

export type Column = { kind: 'attr'; key: 'name' | 'status' | 'start' | 'duration' } | { kind: 'metrics' | 'params'; key: string };

export const colId = (c: Column): string => `${c.kind}.${c.key}`;

export function cellValue(r: Run, c: Column): string | number | undefined {
  if (c.kind === 'metrics') return metric(r, c.key);
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
