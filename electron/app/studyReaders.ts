// Read-only connections to study files, kept open between calls for studies nobody in this process
// is running: the storage caches finished trials per connection (they never change), so the second
// look at a 10,000-trial study reads only what is new. A study this process runs is read through a
// fresh connection each time, because an open reader would stop the runner from returning the file
// to rollback-journal mode when it closes. Idle readers are closed after a while.
import { statSync } from 'node:fs';
import { asStudyError } from '../core/studies/fileCheck.ts';
import type { StudyStorage } from '../core/studies/types.ts';

interface Cached {
  storage: StudyStorage;
  ino: number;
  timer: NodeJS.Timeout;
}

export class StudyReaders {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly open: (file: string) => StudyStorage,
    /** True while this process runs a sweep on that file. */
    private readonly busy: (file: string) => boolean,
    private readonly idleMs = 20_000,
  ) {}

  /** A SQLite error while reading (another process's lock outlasting the busy timeout, damage
   * found mid-read) comes out as the StudyError that names the file and what to do. */
  with<T>(file: string, fn: (s: StudyStorage) => T): T {
    try {
      return this.withOpen(file, fn);
    } catch (e) {
      throw asStudyError(file, e);
    }
  }

  private withOpen<T>(file: string, fn: (s: StudyStorage) => T): T {
    if (this.busy(file)) {
      this.drop(file);
      const s = this.open(file);
      try {
        return fn(s);
      } finally {
        s.close();
      }
    }
    const ino = statSync(file).ino;
    let c = this.cache.get(file);
    if (c && c.ino !== ino) {
      // The file was replaced: the open connection still sees the old one.
      this.drop(file);
      c = undefined;
    }
    if (!c) {
      c = { storage: this.open(file), ino, timer: setTimeout(() => this.drop(file), this.idleMs) };
      c.timer.unref?.();
      this.cache.set(file, c);
    } else {
      c.timer.refresh();
    }
    try {
      return fn(c.storage);
    } catch (e) {
      // Do not keep a connection that just failed.
      this.drop(file);
      throw e;
    }
  }

  drop(file: string): void {
    const c = this.cache.get(file);
    if (!c) return;
    this.cache.delete(file);
    clearTimeout(c.timer);
    try {
      c.storage.close();
    } catch {
      // Closing a read-only connection changes nothing in the file.
    }
  }

  close(): void {
    for (const f of [...this.cache.keys()]) this.drop(f);
  }
}
