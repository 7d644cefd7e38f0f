// Our importance (PED-ANOVA, renderer/src/lib/importance) against Python Optuna's fANOVA
// (FanovaImportanceEvaluator, seeded; Optuna 3.1 with scikit-learn) on studies Python Optuna writes,
// whose ranking is known by construction, and on the kit's fixture study. The two methods measure
// different things (fANOVA: the objective's variance each param explains; PED-ANOVA: how differently
// each param is spread among the best 10% of trials), so they are compared where the construction
// makes the answer plain for both. docs/IMPORTANCE.md has the measured numbers.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toTrialRow } from '../../electron/app/sweepCatalog.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';
import { paramImportance, type ImportanceResult } from '../../renderer/src/lib/importance/paramImportance.ts';
import type { Distribution } from '../../renderer/src/lib/views/paramCoords.ts';
import { FIXTURES, needFanova, runPython } from '../support/peers.ts';
import { tempDir } from './support/optunaDump.ts';

/** Makes a study by random sampling (so the construction, not a sampler's habits, decides what
 * matters) and prints fANOVA's ranking. 'xyz': 10·x² + y, z unused. 'kinds': one param of every
 * distribution kind; x, optimizer and lr are used, layers, z, units and the conditional momentum
 * (only with sgd) are not. */
const MAKE_AND_RANK = `
import json, math, sys, optuna
optuna.logging.set_verbosity(optuna.logging.ERROR)
db, kind, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def xyz(t):
    x, y = t.suggest_float('x', -1, 1), t.suggest_float('y', -1, 1)
    t.suggest_float('z', -1, 1)
    return 10 * x * x + y
def kinds(t):
    x = t.suggest_float('x', -1, 1)
    opt = t.suggest_categorical('optimizer', ['adam', 'sgd', 'rmsprop'])
    lr = t.suggest_float('lr', 1e-4, 1e-1, log=True)
    t.suggest_int('layers', 1, 9, step=2)
    t.suggest_float('z', 0, 1, step=0.1)
    t.suggest_int('units', 1, 1024, log=True)
    if opt == 'sgd':
        t.suggest_float('momentum', 0, 1)
    return 10 * x * x + (0 if opt == 'adam' else 3) + 1.2 * (math.log10(lr) + 2.5) ** 2
# Optimized in memory, then copied into the SQLite file by Optuna's own copy_study: quicker.
mem = optuna.storages.InMemoryStorage()
study = optuna.create_study(study_name=kind, storage=mem, sampler=optuna.samplers.RandomSampler(seed=seed))
study.optimize(xyz if kind == 'xyz' else kinds, n_trials=n)
optuna.copy_study(from_study_name=kind, from_storage=mem, to_storage='sqlite:///' + db)
imp = optuna.importance.get_param_importances(study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0))
print(json.dumps(list(imp.keys())))
`;

/** Spearman's rank correlation of two orderings of the same names (no ties). */
function spearman(a: readonly string[], b: readonly string[]): number {
  const n = a.length;
  const d2 = a.reduce((s, name, i) => s + (i - b.indexOf(name)) ** 2, 0);
  return 1 - (6 * d2) / (n * (n * n - 1));
}

/** Our importance of a study file, as the app computes it from what the host sends. */
function ours(db: string, studyName: string): ImportanceResult {
  const storage = openStudyStorage(db, { readonly: true });
  try {
    const info = storage.getStudy(studyName)!;
    const trials = storage.getTrials(info.studyId);
    const distributions: Record<string, Distribution> = {};
    for (const t of trials) for (const [k, d] of Object.entries(t.distributions)) distributions[k] ??= d.kind === 'categorical' ? { kind: 'categorical', choices: [...d.choices] } : d;
    return paramImportance({ trials: trials.map(toTrialRow), params: Object.keys(distributions), distributions, direction: info.directions[0] ?? null });
  } finally {
    storage.close();
  }
}

function ranking(r: ImportanceResult): string[] {
  if (r.kind !== 'ped-anova') throw new Error(`expected a ranking, got ${JSON.stringify(r)}`);
  return r.params.map((p) => p.param);
}

describe('importance agrees with Optuna', { timeout: 600_000 }, () => {
  const work = tempDir('importance');
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  function study(kind: 'xyz' | 'kinds', n: number, seed: number): { db: string; fanova: string[] } {
    const db = path.join(work, `${kind}-${seed}.db`);
    const fanova = JSON.parse(runPython(MAKE_AND_RANK, [db, kind, String(n), String(seed)]).trim()) as string[];
    return { db, fanova };
  }

  it('objective 10·x² + y with z unused: fANOVA and we both rank x, y, z', (ctx) => {
    needFanova(ctx);
    for (const seed of [0, 1]) {
      const { db, fanova } = study('xyz', 100, seed);
      // The peer itself agrees with the construction, else this compares nothing.
      expect(fanova, `fANOVA, seed ${seed}`).toEqual(['x', 'y', 'z']);
      expect(ranking(ours(db, 'xyz')), `ours, seed ${seed}`).toEqual(['x', 'y', 'z']);
    }
  });

  it('every distribution kind and a conditional param: same top param as fANOVA, used params above unused ones, Spearman ρ ≥ 0.6', (ctx) => {
    needFanova(ctx);
    const used = ['x', 'optimizer', 'lr'];
    for (const seed of [0, 1]) {
      const { db, fanova } = study('kinds', 200, seed);
      const r = ours(db, 'kinds');
      const mine = ranking(r);
      expect(fanova[0], `fANOVA's top, seed ${seed}`).toBe('x');
      expect(mine[0], `our top, seed ${seed}`).toBe(fanova[0]);
      expect(new Set(mine.slice(0, used.length)), `ours, seed ${seed}: ${mine.join(', ')}`).toEqual(new Set(used));
      // fANOVA leaves out momentum (not every trial has it); we measure it over the sgd trials.
      expect(r.kind === 'ped-anova' && r.params.find((p) => p.param === 'momentum')?.conditional).toBe(true);
      const common = mine.filter((p) => fanova.includes(p));
      expect(spearman(common, fanova), `ours ${common.join(', ')} vs fANOVA ${fanova.join(', ')}`).toBeGreaterThanOrEqual(0.6);
    }
  });
});

describe("the kit's Optuna 3.1 fixture study", () => {
  it('has 9 completed trials: we say there are not enough rather than rank them', () => {
    const db = path.join(tempDir('importance-fixture'), 'study.db');
    fs.copyFileSync(path.join(FIXTURES, 'optuna-3.1.0', 'study.db'), db);
    expect(ours(db, 'hpo_distilbert')).toEqual({ kind: 'too-few', trials: 9, need: 10 });
  });
});
