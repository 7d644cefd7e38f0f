// `sweepdeck sweep status` on a multi-objective study: the directions with each objective's metric,
// and the Pareto front (Optuna's best_trials) instead of one best trial, infeasible members marked.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../electron/cli/main.ts';
import { openStudyStorage } from '../../electron/core/studies/optunaSqliteStorage.ts';

async function status(...args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  try {
    return { code: await main(['sweep', 'status', ...args]), out: out.join('\n') };
  } finally {
    log.mockRestore();
  }
}

/** Trials (f1 minimized, f2 maximized): A(1, 5) B(2, 6) C(2, 4) D(3, 6) E(0.5, 1), and a FAIL.
 * By hand: C is dominated by A (lower f1, higher f2), D by B; A, B and E are the front. B breaks its
 * constraint (0.3 > 0). */
function makeStudy(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sweepdeck-front-')), 'study.db');
  const s = openStudyStorage(file, { create: true });
  try {
    const { studyId } = s.createStudy('mo', ['minimize', 'maximize']);
    s.setStudySystemAttr(studyId, 'study:metric_names', ['loss', 'accuracy']);
    const points: Array<[number, number, number]> = [[1, 5, -1], [2, 6, 0.3], [2, 4, -1], [3, 6, -1], [0.5, 1, 0]];
    points.forEach(([f1, f2, c], i) => {
      const t = s.createTrial(studyId, { params: { x: { value: i / 10, distribution: { kind: 'float', low: 0, high: 1, step: null, log: false } } } });
      s.setTrialSystemAttr(t.trialId, 'constraints', [c]);
      s.finishTrial(t.trialId, 'COMPLETE', [f1, f2]);
    });
    s.finishTrial(s.createTrial(studyId).trialId, 'FAIL');
  } finally {
    s.close();
  }
  return file;
}

describe('sweep status on a multi-objective study', () => {
  it('prints the objectives and the Pareto front, marking the infeasible member', async () => {
    const file = makeStudy();
    const r = await status(file);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Study mo (minimize, maximize)');
    expect(r.out).toContain('Objectives: loss (minimize), accuracy (maximize)');
    expect(r.out).toContain('Pareto front (best trials): 3 trials');
    expect(r.out).toMatch(/^ {2}trial 0 {2}loss=1 accuracy=5 {2}x=0$/m);
    expect(r.out).toMatch(/^ {2}trial 1 {2}loss=2 accuracy=6 {2}\(infeasible\) {2}x=0\.1$/m);
    expect(r.out).toMatch(/^ {2}trial 4 {2}loss=0\.5 accuracy=1 {2}x=0\.4$/m);
    expect(r.out).not.toMatch(/trial [235] /);
    expect(r.out).not.toContain('Best:');
  });

  it('--json lists the front with values, params and feasibility', async () => {
    const r = await status(makeStudy(), '--json');
    const j = JSON.parse(r.out) as { best: unknown; objectives: unknown; front: Array<{ number: number; values: number[]; feasible: boolean }> };
    expect(j.best).toBeNull();
    expect(j.objectives).toEqual([{ metric: 'loss', direction: 'minimize' }, { metric: 'accuracy', direction: 'maximize' }]);
    expect(j.front.map((t) => [t.number, t.values, t.feasible])).toEqual([[0, [1, 5], true], [1, [2, 6], false], [4, [0.5, 1], true]]);
  });
});
