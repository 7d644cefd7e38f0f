// Adding and browsing a user's MLflow store never writes it (read-only open: no WAL switch, no
// -wal/-shm beside it), and a file that is not an MLflow store is refused when it is added.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempApp, type TempApp } from '../contract/support.ts';
import { copyFixture, FIXTURE_DBS, sha256, tempDir } from '../tracking/stores/storeSupport.ts';

let t: TempApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

async function call(channel: string, input: unknown): Promise<unknown> {
  if (!t) throw new Error('no app');
  const r = await t.app.dispatch(channel, input);
  if (!r.ok) throw new Error(`${channel}: ${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe('browsing an added MLflow SQLite store', () => {
  it('leaves every fixture store byte-for-byte as it was, with no -wal or -shm beside it', async () => {
    t = await tempApp();
    const copies = Object.values(FIXTURE_DBS).map((src) => copyFixture(src));
    const before = copies.map(sha256);
    for (const file of copies) {
      const store = (await call('stores.add', { kind: 'sqlite', path: file })) as { id: string };
      const { experiments } = (await call('experiments.list', { storeId: store.id })) as { experiments: Array<{ experiment_id: string }> };
      expect(experiments.length).toBeGreaterThan(0);
      const { runs } = (await call('runs.search', { storeId: store.id, experimentIds: experiments.map((e) => e.experiment_id) })) as {
        runs: Array<{ info: { run_id: string }; data: { metrics?: Array<{ key: string }> } }>;
      };
      const withMetric = runs.find((r) => (r.data.metrics ?? []).length > 0);
      expect(withMetric, `${file} has a run with a metric`).toBeDefined();
      if (!withMetric) continue;
      await call('runs.get', { storeId: store.id, runId: withMetric.info.run_id });
      const key = (withMetric.data.metrics ?? [])[0]?.key ?? '';
      const { metrics } = (await call('runs.metricHistory', { storeId: store.id, runId: withMetric.info.run_id, key })) as { metrics: unknown[] };
      expect(metrics.length).toBeGreaterThan(0);
    }
    await t.cleanup();
    t = undefined;
    expect(copies.map(sha256)).toEqual(before);
    for (const file of copies) {
      expect(existsSync(`${file}-wal`), `${file}-wal`).toBe(false);
      expect(existsSync(`${file}-shm`), `${file}-shm`).toBe(false);
      expect(existsSync(`${file}-journal`), `${file}-journal`).toBe(false);
    }
  });

  it('refuses a SQLite file that is not an MLflow store, a text file and a folder without mlruns/ when they are added', async () => {
    t = await tempApp();
    const dir = tempDir();
    const other = path.join(dir, 'notes.db');
    const db = new Database(other);
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    db.close();
    const text = path.join(dir, 'readme.db');
    writeFileSync(text, 'just some text, not a database\n');
    const folder = path.join(dir, 'plain-folder');
    mkdirSync(folder);
    const sums = [sha256(other), sha256(text)];

    const refusals: Array<[unknown, RegExp]> = [
      [{ kind: 'sqlite', path: other }, /is not an MLflow tracking database: it has no 'experiments'/],
      [{ kind: 'sqlite', path: text }, /is not an MLflow tracking database: it is not a SQLite database/],
      [{ kind: 'mlruns', path: folder }, /neither a SQLite file .* nor a folder holding MLflow's mlruns/],
    ];
    for (const [input, message] of refusals) {
      const r = await t.app.dispatch('stores.add', input);
      expect(r.ok).toBe(false);
      if (r.ok) continue;
      expect(r.error.code).toBe('INVALID_INPUT');
      expect(r.error.message).toMatch(message);
      expect(r.error.message).toContain((input as { path: string }).path);
    }
    const listed = (await call('stores.list', {})) as { stores: Array<{ builtin: boolean }> };
    expect(listed.stores.filter((s) => !s.builtin)).toEqual([]);
    expect([sha256(other), sha256(text)]).toEqual(sums);
  });
});
