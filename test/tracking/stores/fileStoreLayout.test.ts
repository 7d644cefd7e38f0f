// The parts of MLflow's mlruns/ layout the 2.12.2 fixture does not show: deleted experiments under
// .trash/, nested metric keys (a '/' in the key is a folder), two-field metric lines from old
// clients, 'nan'/'inf' values, reserved folders, and integer experiment ids in run meta.yaml.
import { cpSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileStore } from '../../../electron/core/tracking/fileStore.ts';
import { FIXTURE_MLRUNS, tempDir } from './storeSupport.ts';

function write(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

function runMeta(runId: string, expId: string | number, extra = ''): string {
  return [
    `artifact_uri: file:///x/mlruns/${expId}/${runId}/artifacts`,
    'end_time: null',
    "entry_point_name: ''",
    typeof expId === 'number' ? `experiment_id: ${expId}` : `experiment_id: '${expId}'`,
    'lifecycle_stage: active',
    `run_id: ${runId}`,
    `run_uuid: ${runId}`,
    "source_name: ''",
    'source_type: 4',
    "source_version: ''",
    'start_time: 1000',
    'status: 1',
    'tags: []',
    'user_id: me',
    extra,
  ].join('\n');
}

describe('mlruns/ layout details', () => {
  it('reads trash, nested keys, old metric lines and special values', async () => {
    const root = path.join(tempDir(), 'mlruns');
    cpSync(FIXTURE_MLRUNS, root, { recursive: true });
    // Experiment 5: integer ids, a nested metric key, an old two-field line, nan and inf.
    write(path.join(root, '5', 'meta.yaml'), 'artifact_location: file:///x/mlruns/5\ncreation_time: 10\nexperiment_id: \'5\'\nlast_update_time: 10\nlifecycle_stage: active\nname: layout\n');
    const run = 'a'.repeat(32);
    write(path.join(root, '5', run, 'meta.yaml'), runMeta(run, 5));
    write(path.join(root, '5', run, 'metrics', 'train', 'acc'), '100 0.5\n200 0.75 1\n');
    write(path.join(root, '5', run, 'metrics', 'odd'), '100 nan 0\n200 inf 1\n300 -inf 2\n');
    write(path.join(root, '5', run, 'params', 'opt', 'lr'), '0.1');
    write(path.join(root, '5', 'tags', 'team'), 'ner');
    write(path.join(root, '5', 'datasets', 'd1', 'meta.yaml'), 'name: not-a-run\n');
    // Experiment 6 deleted: moved to .trash with its run.
    write(path.join(root, '6', 'meta.yaml'), 'artifact_location: file:///x/mlruns/6\nexperiment_id: \'6\'\nlifecycle_stage: deleted\nname: gone\n');
    const gone = 'b'.repeat(32);
    write(path.join(root, '6', gone, 'meta.yaml'), runMeta(gone, '6'));
    mkdirSync(path.join(root, '.trash'), { recursive: true });
    renameSync(path.join(root, '6'), path.join(root, '.trash', '6'));

    const store = openFileStore(root);
    const exp = await store.getExperiment('5');
    expect(exp).toMatchObject({ name: 'layout', tags: [{ key: 'team', value: 'ner' }] });
    const r = await store.getRun(run);
    expect(r.info.experiment_id).toBe('5');
    expect(r.data.params).toEqual([{ key: 'opt/lr', value: '0.1' }]);
    const metrics = Object.fromEntries((r.data.metrics ?? []).map((m) => [m.key, m]));
    expect(metrics['train/acc']).toEqual({ key: 'train/acc', value: 0.75, timestamp: 200, step: 1 });
    expect(metrics.odd).toEqual({ key: 'odd', value: -Infinity, timestamp: 300, step: 2 });
    const hist = (await store.getMetricHistory(run, 'odd')).items.map((m) => m.value);
    expect(Number.isNaN(hist[0])).toBe(true);
    expect(hist.slice(1)).toEqual([Infinity, -Infinity]);
    expect((await store.getMetricHistory(run, 'train/acc')).items).toEqual([
      { key: 'train/acc', value: 0.5, timestamp: 100, step: 0 },
      { key: 'train/acc', value: 0.75, timestamp: 200, step: 1 },
    ]);
    expect((await store.searchRuns({ experimentIds: ['5'] })).items.map((x) => x.info.run_id)).toEqual([run]);
    expect((await store.searchRuns({ experimentIds: ['5'], filter: 'metrics.`train/acc` > 0.7' })).items).toHaveLength(1);

    expect((await store.searchExperiments()).items.map((e) => e.name)).not.toContain('gone');
    const deleted = await store.searchExperiments({ viewType: 'DELETED_ONLY' });
    expect(deleted.items.map((e) => e.name)).toEqual(['gone']);
    const goneRun = await store.getRun(gone);
    expect(goneRun.info.lifecycle_stage).toBe('deleted');
    expect((await store.searchRuns({ experimentIds: ['6'], runViewType: 'ALL' })).items.map((x) => x.info.run_id)).toEqual([gone]);
    expect((await store.searchRuns({ experimentIds: ['6'] })).items).toEqual([]);
  });

  it('says clearly when a folder is not there or a file is damaged', async () => {
    expect(() => openFileStore(path.join(tempDir(), 'nope'))).toThrow(/No mlruns\/ folder at .*nope/);
    const root = path.join(tempDir(), 'mlruns');
    write(path.join(root, '1', 'meta.yaml'), 'name: x\nexperiment_id: \'1\'\n');
    write(path.join(root, '1', 'c'.repeat(32), 'meta.yaml'), runMeta('c'.repeat(32), '1'));
    write(path.join(root, '1', 'c'.repeat(32), 'metrics', 'm'), '1 2 3 4 5\n');
    const store = openFileStore(root);
    await expect(store.getRun('c'.repeat(32))).rejects.toThrow(/metrics\/m line 1: expected 'timestamp value \[step\]'/);
  });
});
