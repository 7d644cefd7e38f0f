// The runner's off-thread fsync of a study's WAL (walFlush.ts): it flushes what is written, and a
// flush that cannot be made says which file and what to do.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WalFlusher } from '../../electron/core/studies/walFlush.ts';
import { tempDir } from './support/optunaDump.ts';

describe('WalFlusher', () => {
  it('flushes an existing -wal file again and again without error, then closes it, leaving the file as written', async () => {
    const db = path.join(tempDir('walflush'), 'study.db');
    fs.writeFileSync(`${db}-wal`, 'frames');
    const w = new WalFlusher(db);
    await w.flush();
    fs.appendFileSync(`${db}-wal`, 'more');
    await w.flush();
    w.close();
    expect(fs.readFileSync(`${db}-wal`, 'utf8')).toBe('framesmore');
  });

  it('a flush that cannot be made names the file and says what to do', async () => {
    const db = path.join(tempDir('walflush'), 'gone', 'study.db');
    await expect(new WalFlusher(db).flush()).rejects.toThrow(`${db}-wal: the finished trial committed there could not be flushed to disk (ENOENT`);
    await expect(new WalFlusher(db).flush()).rejects.toThrow(/resume the sweep/);
  });
});
