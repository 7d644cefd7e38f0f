// `sweepdeck runs ls` over real fixture stores: the parent with its trials nested, in text and JSON.
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultStoreUri, run } from '../../../electron/cli/commands/runs.ts';
import { CliError } from '../../../electron/cli/cliSupport.ts';
import { openTrackingStore } from '../../../electron/core/tracking/openStore.ts';
import { FIXTURE_DBS, FIXTURE_MLRUNS, rawQuery, tempDir } from './storeSupport.ts';

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    lines.push(a.map(String).join(' '));
  });
  try {
    const code = await run(argv);
    return { code, out: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('sweepdeck runs ls', () => {
  it('--json gives experiments, parents and their children from the 2.12.2 SQLite fixture', async () => {
    const file = FIXTURE_DBS['2.12.2'];
    const { code, out } = await capture(['ls', '--store', file, '--experiment', 'resume_ner_baseline-hpo-distilbert', '--json']);
    expect(code).toBe(0);
    const doc = JSON.parse(out) as { experiments: { experiment: { name: string }; runs: { run: { info: { run_id: string } }; children: { info: { run_id: string; run_name: string } }[] }[] }[] };
    expect(doc.experiments).toHaveLength(1);
    const links = rawQuery<{ run_uuid: string; value: string }>(file, `SELECT t.run_uuid, t.value FROM tags t JOIN runs r ON r.run_uuid = t.run_uuid WHERE t."key" = 'mlflow.parentRunId' AND r.lifecycle_stage = 'active'`);
    const parents = doc.experiments[0]!.runs;
    const parentIds = [...new Set(links.map((l) => l.value))];
    expect(parents.map((p) => p.run.info.run_id)).toEqual(parentIds);
    expect(parents[0]!.children.map((c) => c.info.run_id).sort()).toEqual(links.map((l) => l.run_uuid).sort());
    expect(parents[0]!.children.map((c) => c.info.run_name)).toEqual(['trial_0', 'trial_1', 'trial_2']);
  });

  it('prints a tree with status and key metrics; the mlruns/ folder gives the same tree shape', async () => {
    const a = await capture(['ls', '--store', FIXTURE_DBS['2.12.2']]);
    const b = await capture(['ls', '--store', FIXTURE_MLRUNS]);
    for (const { code, out } of [a, b]) {
      expect(code).toBe(0);
      expect(out).toMatch(/Experiment resume_ner_baseline-hpo-distilbert .*1 parent run\(s\), 3 child run\(s\)/);
      expect(out).toMatch(/hpo_distilbert_20241226_143022 {2}FINISHED .*best_value=0\.73 {2}n_trials=3 {2}n_completed_trials=2/);
      expect(out).toMatch(/└─ trial_2 {2}FAILED/);
      expect(out).not.toMatch(/scratch/);
    }
    const all = await capture(['ls', '--store', FIXTURE_DBS['2.12.2'], '--all']);
    expect(all.out).toMatch(/scratch {2}RUNNING \(deleted\)/);
  });

  it('--json writes a step beyond 2^53 as the exact integer', async () => {
    const file = path.join(tempDir(), 'mlflow.db');
    const store = await openTrackingStore(`sqlite:///${file}`, { create: true });
    const exp = await store.createExperiment('big-steps');
    const r = await store.createRun({ experimentId: exp, startTime: 1 });
    await store.logMetric(r.info.run_id, { key: 'loss', value: 0.5, timestamp: 1, step: 2n ** 53n + 1n });
    await store.close();
    const { code, out } = await capture(['ls', '--store', file, '--json']);
    expect(code).toBe(0);
    expect(out).toMatch(/"step": 9007199254740993\b/);
  });

  it('says which store and experiment were not found', async () => {
    await expect(run(['ls', '--store', FIXTURE_DBS['2.22'], '--experiment', 'nope'])).rejects.toThrow(/No experiment named 'nope'/);
    const missing = path.join(tempDir(), 'none.db');
    await expect(run(['ls', '--store', missing])).rejects.toBeInstanceOf(CliError);
    await expect(run(['ls', '--bogus'])).rejects.toThrow(/bogus/);
  });

  it('defaults to SWEEPDECK_TRACKING_URI, else sweepdeck-output/mlflow.db under the working directory', () => {
    expect(defaultStoreUri({ SWEEPDECK_TRACKING_URI: 'http://x' }, '/w')).toBe('http://x');
    expect(defaultStoreUri({}, '/w')).toBe('sqlite:////w/sweepdeck-output/mlflow.db');
  });
});
