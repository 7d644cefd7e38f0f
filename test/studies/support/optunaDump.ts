// What the real Python Optuna sees in a study file, normalized to plain JSON (NaN, ±inf and ints
// beyond 2^53 become tagged strings) so tests compare it with what our storage reads.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { FrozenTrial } from '../../../electron/core/search/types.ts';
import { expect } from 'vitest';
import { distributionToJson } from '../../../electron/core/studies/distributionJson.ts';
import { openStudyStorage } from '../../../electron/core/studies/optunaSqliteStorage.ts';
import { runPython } from '../../support/peers.ts';

export const NORMALIZE_PY = `
import math
def norm(v):
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, float):
        if math.isnan(v): return "__nan__"
        if math.isinf(v): return "__inf__" if v > 0 else "__-inf__"
        return v
    if isinstance(v, int):
        return v if abs(v) <= 2**53 else "__int__" + str(v)
    if isinstance(v, (list, tuple)):
        return [norm(x) for x in v]
    if isinstance(v, dict):
        return {str(k): norm(x) for k, x in v.items()}
    return "__repr__" + repr(v)
`;

const DUMP_PY = `${NORMALIZE_PY}
import json, sys, runpy, optuna
from optuna.distributions import distribution_to_json
optuna.logging.set_verbosity(optuna.logging.ERROR)
DB = sys.argv[1]
exec(sys.argv[2])
storage = optuna.storages.RDBStorage(DB if "://" in DB else "sqlite:///" + DB)
out = []
for s in storage.get_all_studies():
    study = optuna.load_study(study_name=s.study_name, storage=storage)
    trials = []
    for t in study.get_trials(deepcopy=False):
        trials.append({
            "number": t.number, "state": t.state.name, "params": norm(t.params),
            "distributions": {k: distribution_to_json(d) for k, d in t.distributions.items()},
            "value": norm(t.values[0]) if t.values else None,
            "intermediate": [[k, norm(v)] for k, v in sorted(t.intermediate_values.items())],
            "user_attrs": norm(t.user_attrs), "system_attrs": norm(t.system_attrs),
            "start": t.datetime_start.isoformat() if t.datetime_start else None,
            "complete": t.datetime_complete.isoformat() if t.datetime_complete else None,
        })
    best = None
    if len(study.directions) == 1 and any(t.state.name == "COMPLETE" for t in study.get_trials(deepcopy=False)):
        best = study.best_trial.number
    out.append({"name": s.study_name, "directions": [d.name.lower() for d in study.directions],
                "user_attrs": norm(storage.get_study_user_attrs(s._study_id)),
                "system_attrs": norm(storage.get_study_system_attrs(s._study_id)),
                "best": best, "trials": trials})
print(json.dumps(out))
`;

export interface PyTrial {
  number: number;
  state: string;
  params: Record<string, unknown>;
  distributions: Record<string, string>;
  value: unknown;
  intermediate: Array<[number, unknown]>;
  user_attrs: Record<string, unknown>;
  system_attrs: Record<string, unknown>;
  start: string | null;
  complete: string | null;
}
export interface PyStudy {
  name: string;
  directions: string[];
  user_attrs: Record<string, unknown>;
  system_attrs: Record<string, unknown>;
  best: number | null;
  trials: PyTrial[];
}

/**
 * Python Optuna's view of every study in the file. `before` is Python run first in the same
 * interpreter (importing Optuna costs seconds here), with DB bound to the file path.
 */
export function pythonDump(db: string, before = ''): PyStudy[] {
  const out = runPython(DUMP_PY, [db, before]).trim().split('\n');
  return JSON.parse(out[out.length - 1] ?? '') as PyStudy[];
}

/** The best trial by the fixed Optuna ordering (optuna#4420, fixed in 3.1.1 and 3.2): among
 * COMPLETE trials, -inf < finite < +inf, ties to the lowest number. Computed from Python's view. */
export function expectedBest(p: PyStudy): number | null {
  if (p.directions.length !== 1) return null;
  const sign = p.directions[0] === 'maximize' ? -1 : 1;
  const val = (v: unknown): number => (v === '__inf__' ? Infinity : v === '__-inf__' ? -Infinity : (v as number));
  let best: PyTrial | null = null;
  for (const t of p.trials) {
    if (t.state !== 'COMPLETE' || t.value === null) continue;
    if (best === null || sign * val(t.value) < sign * val(best.value)) best = t;
  }
  return best?.number ?? null;
}

/** Python 3.1.0 orders NULL (±inf) values first when minimizing and last when maximizing (optuna#4420). */
export function hasInfiniteComplete(p: PyStudy): boolean {
  return p.trials.some((t) => t.state === 'COMPLETE' && (t.value === '__inf__' || t.value === '__-inf__'));
}

/** The same normalization on our side. */
export function norm(v: unknown): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '__nan__';
    if (v === Infinity) return '__inf__';
    if (v === -Infinity) return '__-inf__';
    return v;
  }
  if (typeof v === 'bigint') return Math.abs(Number(v)) <= 2 ** 53 ? Number(v) : `__int__${v}`;
  if (Array.isArray(v)) return v.map(norm);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, norm(x)]));
  return `__js__${String(v)}`;
}

/** Python's isoformat of a naive datetime, cut to milliseconds, from our Date. */
const isoMs = (d: Date | null): string | null => (d ? d.toISOString().slice(0, 23) : null);
const pyMs = (s: string | null): string | null => (s ? (s.includes('.') ? s.slice(0, 23) : `${s}.000`) : null);

/** Our trial in the shape of PyTrial, for toEqual. */
export function ourTrialAsPy(t: FrozenTrial): PyTrial {
  return {
    number: t.number,
    state: t.state,
    params: norm(t.params) as Record<string, unknown>,
    distributions: Object.fromEntries(Object.entries(t.distributions).map(([k, d]) => [k, distributionToJson(d)])),
    value: t.value === null ? null : norm(t.value),
    intermediate: t.intermediateValues.map(([s, v]) => [s, norm(v)]),
    user_attrs: norm(t.userAttrs) as Record<string, unknown>,
    system_attrs: norm(t.systemAttrs) as Record<string, unknown>,
    start: isoMs(t.datetimeStart),
    complete: isoMs(t.datetimeComplete),
  };
}

export function pyTrialMs(t: PyTrial): PyTrial {
  return { ...t, start: pyMs(t.start), complete: pyMs(t.complete) };
}

export function tempDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `sweepdeck-${tag}-`));
}

export function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Raw rows through a read-only connection (nothing in the file changes). */
export function sqliteRows(db: string, sql: string): unknown[][] {
  const c = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return c.prepare(sql).raw().all() as unknown[][];
  } finally {
    c.close();
  }
}

/** Everything our storage reads equals Python's view `py` of the same file. */
export function compareWithPython(db: string, py: PyStudy[]): void {
  const s = openStudyStorage(db, { readonly: true });
  try {
    expect(s.listStudies().map((x) => x.name)).toEqual(py.map((p) => p.name));
    for (const p of py) {
      const info = s.getStudy(p.name)!;
      expect(info.directions).toEqual(p.directions);
      expect(norm(info.userAttrs)).toEqual(p.user_attrs);
      expect(norm(info.systemAttrs)).toEqual(p.system_attrs);
      expect(s.getTrials(info.studyId).map(ourTrialAsPy)).toEqual(p.trials.map(pyTrialMs));
      const best = s.getBestTrial(info.studyId)?.number ?? null;
      // Python 3.1.0 mis-orders ±inf values (optuna#4420, fixed in 3.1.1/3.2); we follow the fix.
      if (!hasInfiniteComplete(p)) expect(best).toBe(p.best);
      expect(best).toBe(expectedBest(p));
    }
  } finally {
    s.close();
  }
}

export const alembic = (db: string): unknown[][] => sqliteRows(db, 'SELECT version_num FROM alembic_version');
