// A deterministic study (every distribution kind, minimize) shared by the PED-ANOVA unit test; the
// importances Optuna computed for it are recorded in pedAnova.test.ts.
import type { TrialRow } from '../../shared/contract.ts';
import type { Distribution } from '../../renderer/src/lib/views/paramCoords.ts';

export const PINNED_DISTRIBUTIONS: Record<string, Distribution> = {
  x: { kind: 'float', low: -1, high: 1, step: null, log: false },
  lr: { kind: 'float', low: 1e-4, high: 1e-1, step: null, log: true },
  layers: { kind: 'int', low: 1, high: 9, step: 2, log: false },
  optimizer: { kind: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
  units: { kind: 'int', low: 1, high: 1024, step: 1, log: true },
  dropout: { kind: 'float', low: 0, high: 0.5, step: 0.1, log: false },
};

/** n trials drawn by a fixed linear congruential generator; values rounded to 6 decimals so that
 * both languages read the same numbers. */
export function pinnedTrials(n: number): TrialRow[] {
  let seed = 12345;
  const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;
  return Array.from({ length: n }, (_, i): TrialRow => {
    const x = r6(-1 + 2 * rnd());
    const lr = r6(10 ** (-4 + 3 * rnd()));
    const layers = 1 + 2 * Math.floor(rnd() * 5);
    const optimizer = ['adam', 'sgd', 'rmsprop'][Math.floor(rnd() * 3)]!;
    const units = Math.round(2 ** (10 * rnd()));
    const dropout = r6(0.1 * Math.floor(rnd() * 6));
    const value = r6(10 * x * x + 1.2 * (Math.log10(lr) + 2.5) ** 2 + 0.3 * layers + (optimizer === 'sgd' ? 2 : 0) + 0.5 * rnd());
    return { trialId: i + 1, number: i, state: 'COMPLETE', params: { x, lr, layers, optimizer, units, dropout }, value, intermediate: [], startedAt: null, completedAt: null, durationMs: null, childRunId: null, reason: null };
  });
}
