// The example's hyperparameters really change its result, each on its own, and a sensible setting
// reaches a decent dev macro-F1. The trainer is seeded, so these runs are deterministic.
import { describe, expect, it } from 'vitest';
import { runTrainer } from './exampleSupport.ts';

const BASE = ['--learning-rate', '3e-5', '--batch-size', '16', '--dropout', '0.2', '--epochs', '3', '--warmup-steps', '100'];

describe('resume-ner trainer hyperparameters', () => {
  it('gives measurably different F1 for different hyperparameters', async () => {
    const short = await runTrainer(['--epochs', '1', '--dropout', '0.3', '--batch-size', '16']);
    const long = await runTrainer(['--epochs', '6', '--dropout', '0', '--batch-size', '16']);
    expect(short.code, short.stderr).toBe(0);
    expect(long.code, long.stderr).toBe(0);
    expect(Math.abs((long.f1.at(-1) ?? 0) - (short.f1.at(-1) ?? 0))).toBeGreaterThan(0.05);

    // Weak corner of the example's search space against a strong one.
    const weak = await runTrainer(['--learning-rate', '1e-5', '--batch-size', '32', '--dropout', '0.3', '--epochs', '2', '--warmup-steps', '1000']);
    const strong = await runTrainer(['--learning-rate', '5e-5', '--batch-size', '8', '--dropout', '0.2', '--epochs', '6', '--warmup-steps', '10']);
    expect((strong.f1.at(-1) ?? 0) - (weak.f1.at(-1) ?? 1)).toBeGreaterThan(0.3);
  });

  it('responds to each of the five swept hyperparameters on its own', async () => {
    const base = await runTrainer(BASE);
    expect(base.code, base.stderr).toBe(0);
    const variants: Record<string, string[]> = {
      learning_rate: ['--learning-rate', '1e-5'],
      batch_size: ['--batch-size', '32'],
      dropout: ['--dropout', '0.1'],
      epochs: ['--epochs', '2'],
      warmup_steps: ['--warmup-steps', '1000'],
    };
    for (const [name, change] of Object.entries(variants)) {
      const v = await runTrainer([...BASE, ...change]);
      expect(v.code, v.stderr).toBe(0);
      // The trial's value is its last macro-F1 (fewer epochs give a prefix of the same curve).
      expect(Math.abs((v.f1.at(-1) ?? NaN) - (base.f1.at(-1) ?? NaN)), `${name} barely changed the result`).toBeGreaterThan(0.02);
    }
  });

  it('reaches a decent dev macro-F1 with a reasonable configuration, for several seeds', async () => {
    // Measured while building: 0.913-0.924 over seeds 1-5 for this configuration.
    for (const seed of ['1', '2', '3']) {
      const r = await runTrainer(['--learning-rate', '5e-5', '--batch-size', '8', '--dropout', '0.2', '--epochs', '6', '--warmup-steps', '10', '--seed', seed]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.f1.at(-1)).toBeGreaterThan(0.85);
    }
  });

});
