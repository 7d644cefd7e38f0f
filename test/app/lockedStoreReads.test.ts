// Browsing an MLflow SQLite store another process has locked answers an error naming the file at
// once, instead of holding the app's request thread (better-sqlite3 waits synchronously) for the
// store's 20 s default. Told apart by what is answered, not by timing: the lock holder lets go by
// itself a few seconds in, so a reader that waits that long answers with data.
import { afterEach, describe, expect, it } from 'vitest';
import { tempApp, type TempApp } from '../contract/support.ts';
import { holdExclusiveLock } from '../support/damagedFiles.ts';
import { copyFixture, FIXTURE_DBS, sha256 } from '../tracking/stores/storeSupport.ts';

let t: TempApp | undefined;
afterEach(async () => {
  await t?.cleanup();
  t = undefined;
});

const HOLDER_GIVES_UP_MS = 5000;

describe('browsing a locked MLflow store', () => {
  it('answers an error naming the file while the lock is held, and data once it is gone', async () => {
    t = await tempApp();
    const file = copyFixture(FIXTURE_DBS['2.12.2']);
    const before = sha256(file);
    const added = await t.app.dispatch('stores.add', { kind: 'sqlite', path: file });
    if (!added.ok) throw new Error(`adding ${file}: ${added.error.message}`);
    const storeId = (added.value as { id: string }).id;
    expect((await t.app.dispatch('experiments.list', { storeId })).ok).toBe(true);

    const lock = await holdExclusiveLock(file, HOLDER_GIVES_UP_MS);
    try {
      const r = await t.app.dispatch('experiments.list', { storeId });
      expect(r.ok ? 'answered with data' : r.error.message).toContain(file);
      expect(r.ok ? null : r.error.message).toMatch(/locked/);
      expect(await lock.stillHeld()).toBe(true);
    } finally {
      await lock.release();
    }
    expect((await t.app.dispatch('experiments.list', { storeId })).ok).toBe(true);
    await t.cleanup();
    t = undefined;
    expect(sha256(file)).toBe(before);
  });
});
