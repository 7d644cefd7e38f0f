// The example trial program: it trains, reports one entity-level macro-F1 per epoch, and refuses bad
// arguments clearly. F1 is re-scored here from its dev predictions with an independent scorer, so a
// wrong metric in the trainer cannot pass. Hyperparameter effects: hyperparameters.test.ts.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_DIR, macroF1, readJsonl, runTrainer, tempDir, type Sentence } from './exampleSupport.ts';

const BASE = ['--learning-rate', '3e-5', '--batch-size', '16', '--dropout', '0.2', '--epochs', '3', '--warmup-steps', '100'];

describe('resume-ner trainer', () => {
  it('prints one macro-f1 line per epoch, with its step, and writes metrics, model and dev predictions', async () => {
    const out = tempDir('run');
    const r = await runTrainer([...BASE, '--epochs', '3', '--output-dir', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.f1).toHaveLength(3);
    expect(r.loss).toHaveLength(3);
    expect(r.f1Steps).toEqual([0, 1, 2]);
    for (const v of r.f1) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }

    const metrics = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')) as {
      history: Array<{ epoch: number; 'macro-f1': number }>;
    };
    expect(metrics.history.map((h) => h['macro-f1'])).toEqual(r.f1);
    expect(existsSync(path.join(out, 'model.json'))).toBe(true);

    // Independent re-scoring of the last epoch from the predictions and the shipped dev gold.
    const gold = readJsonl<Sentence>(path.join(EXAMPLE_DIR, 'data/dev.jsonl')).map((s) => s.tags);
    const pred = readJsonl<string[]>(path.join(out, 'dev-predictions.jsonl'));
    expect(pred.map((p) => p.length)).toEqual(gold.map((g) => g.length));
    expect(macroF1(gold, pred)).toBeCloseTo(r.f1.at(-1) ?? NaN, 5);
  });

  it('is deterministic for the same hyperparameters and seed', async () => {
    const a = await runTrainer([...BASE, '--epochs', '2']);
    const b = await runTrainer([...BASE, '--epochs', '2']);
    expect(a.f1).toHaveLength(2);
    expect(b.f1).toEqual(a.f1);
  });

  it('rejects bad arguments with exit 2 and a message naming the flag and value', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--dropout', '1.5'], /--dropout "1\.5" is invalid: expected a number in \[0, 1\)/],
      [['--epochs', 'ten'], /--epochs "ten" is invalid/],
      [['--batch-size', '0'], /--batch-size "0" is invalid/],
      [['--learning-rate', '-1'], /--learning-rate "-1" is invalid/],
      [['--lr', '0.1'], /unknown argument "--lr"/],
      [['--epochs'], /--epochs needs a value/],
      [['--data-dir', '/nonexistent/sweepdeck'], /cannot read \/nonexistent\/sweepdeck\/train\.jsonl/],
    ];
    for (const [args, message] of cases) {
      const r = await runTrainer(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.f1).toEqual([]);
    }
  });
});
