// A meta.yaml in an mlruns/ folder far bigger than MLflow writes is refused with its path and size,
// before yaml parses it (its duplicate-key check is quadratic in the keys of a mapping).
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { openFileStore } from '../../../electron/core/tracking/fileStore.ts';
import { FIXTURE_MLRUNS, tempDir } from './storeSupport.ts';

it('an oversized experiment meta.yaml is refused naming the file', async () => {
  const root = path.join(tempDir(), 'mlruns');
  cpSync(FIXTURE_MLRUNS, root, { recursive: true });
  const meta = path.join(root, '0', 'meta.yaml');
  const lines = ["artifact_location: file:///x/mlruns/0", "experiment_id: '0'", 'lifecycle_stage: active', 'name: Default'];
  for (let i = 0, size = 0; size < 100 * 1024; i++) {
    lines.push(`k${i}: ${i}`);
    size += lines[lines.length - 1]!.length + 1;
  }
  writeFileSync(meta, `${lines.join('\n')}\n`);
  const store = openFileStore(root, `file://${root}`);
  try {
    await expect(store.searchExperiments({ viewType: 'ALL' })).rejects.toThrow(new RegExp(`${meta.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is \\d+ bytes, over the 65536-byte limit`));
  } finally {
    await store.close();
  }
}, 30_000);
