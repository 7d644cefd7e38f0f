// The fsync of a study's WAL file that a FULL commit makes, run on libuv's thread pool instead of
// inside the commit, so a runner samples its next trial while the disk catches up. It is the same
// fsync SQLite makes at a FULL commit in WAL mode: of the -wal file, after the commit's frames are
// written to it. The descriptor is opened at the first flush and kept: the -wal file stays the same
// file while a connection holds the study open (SQLite deletes or replaces it only when the last
// connection closes or the journal mode changes, neither of which happens under an open runner).
// SQLite holds no POSIX lock on the -wal file (its locks are on the -shm file and the database), so
// closing this descriptor releases none of them.
import fs from 'node:fs';
import path from 'node:path';

const fsync = (fd: number): Promise<void> => new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));

export class WalFlusher {
  private fd: number | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly db: string) {}

  /** Resolves once everything written to the -wal file so far is on disk; rejects with a message
   * naming the file when that cannot be done (the commit stands, but is not durable). */
  flush(): Promise<void> {
    const wal = `${this.db}-wal`;
    const failed = (err: unknown): Error => new Error(`${wal}: the finished trial committed there could not be flushed to disk (${(err as Error).message}); check the disk and the folder's permissions, then resume the sweep`);
    let first = false;
    if (this.fd === undefined) {
      try {
        // r+: Windows flushes only a handle open for writing.
        this.fd = fs.openSync(wal, 'r+');
      } catch (err) {
        return Promise.reject(failed(err));
      }
      first = true;
    }
    const fd = this.fd;
    const done = (async () => {
      await fsync(fd);
      // As SQLite at the first sync of a WAL it created: the folder too, so that the file itself
      // survives a power loss. Windows cannot open a folder for this (and needs no such sync).
      if (first && process.platform !== 'win32') {
        const dir = fs.openSync(path.dirname(this.db), 'r');
        try {
          await fsync(dir);
        } finally {
          fs.closeSync(dir);
        }
      }
    })().catch((err: unknown) => {
      throw failed(err);
    });
    this.inFlight.add(done);
    const settled = (): boolean => this.inFlight.delete(done);
    done.then(settled, settled);
    return done;
  }

  /** Closes the descriptor once the flushes under way have ended. */
  close(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    if (this.inFlight.size === 0) {
      fs.closeSync(fd);
      return;
    }
    const closeFd = (): void => fs.close(fd, (err) => err && process.emitWarning(`sweepdeck: closing ${this.db}-wal after its last flush failed: ${err.message}`));
    void Promise.allSettled([...this.inFlight]).then(closeFd);
  }
}
