// Notices when study files change on disk (another process committed: Python Optuna, another
// runner). A change is a new stamp of the file and of its WAL (a runner session keeps the file in
// WAL mode, where commits land in `-wal` only). fs.watch on the file's folder says so at once where
// it works; a poll of the same stamps every `pollMs` catches what it misses (network and container
// filesystems drop or never send its events). Only the files given to set() are looked at: the
// studies someone is looking at, never a whole folder.
import { statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export interface StudyFileWatchOptions {
  /** Called (at most once per `settleMs` per file) after the file's stamp changed. */
  onChange: (file: string) => void;
  /** The fallback poll's period (ms). */
  pollMs?: number;
  /** How long a burst of writes is gathered into one onChange (ms). */
  settleMs?: number;
  /** false: the poll only (no fs.watch), e.g. where change events are known not to arrive. */
  events?: boolean;
  /** Told once per folder when fs.watch cannot be used there (the poll still covers it). */
  onWatchError?: (dir: string, error: Error) => void;
}

interface Watched {
  stamp: string;
  settling: NodeJS.Timeout | null;
}

function statStamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Missing (not made yet, moved away) is a state of its own; its return is a change.
    if (code === 'ENOENT' || code === 'ENOTDIR') return '-';
    return `error:${code ?? (e as Error).message}`;
  }
}

/** What changes when a writer commits: the file, and its WAL while one is in use. */
export function studyFileStamp(file: string): string {
  return `${statStamp(file)}|${statStamp(`${file}-wal`)}`;
}

export class StudyFileWatch {
  private readonly files = new Map<string, Watched>();
  private readonly dirs = new Map<string, FSWatcher | null>();
  private poll: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly o: StudyFileWatchOptions) {}

  /** The files to watch from now on: new ones are stamped now (what they hold now is not a change),
   * files left out are no longer looked at. */
  set(files: Iterable<string>): void {
    if (this.closed) return;
    const want = new Set(files);
    for (const [f, w] of this.files) {
      if (want.has(f)) continue;
      if (w.settling) clearTimeout(w.settling);
      this.files.delete(f);
    }
    for (const f of want) if (!this.files.has(f)) this.files.set(f, { stamp: studyFileStamp(f), settling: null });
    this.syncDirs();
    if (this.files.size > 0 && !this.poll) {
      this.poll = setInterval(() => this.checkAll(), this.o.pollMs ?? 2000);
      this.poll.unref?.();
    } else if (this.files.size === 0 && this.poll) {
      clearInterval(this.poll);
      this.poll = null;
    }
  }

  /** Makes the next look at the file (the poll's, or an event's) report it as changed, whatever its
   * stamp: for a reader that could not read it this time. */
  recheck(file: string): void {
    const w = this.files.get(file);
    if (w) w.stamp = '';
  }

  watching(): string[] {
    return [...this.files.keys()];
  }

  /** Looks at every watched file now (also what the poll does). */
  checkAll(): void {
    for (const f of this.files.keys()) this.check(f);
  }

  private check(file: string): void {
    const w = this.files.get(file);
    if (!w || w.settling) return;
    if (studyFileStamp(file) === w.stamp) return;
    // Let the burst finish (Python commits each trial in several transactions), then say so once.
    w.settling = setTimeout(() => {
      w.settling = null;
      if (this.files.get(file) !== w) return;
      w.stamp = studyFileStamp(file);
      this.o.onChange(file);
    }, this.o.settleMs ?? 150);
    w.settling.unref?.();
  }

  private syncDirs(): void {
    const want = new Set([...this.files.keys()].map((f) => path.dirname(f)));
    for (const [d, w] of this.dirs) {
      if (want.has(d)) continue;
      w?.close();
      this.dirs.delete(d);
    }
    for (const d of want) {
      if (this.dirs.has(d)) continue;
      if (this.o.events === false) {
        this.dirs.set(d, null);
        continue;
      }
      let w: FSWatcher | null;
      try {
        // The folder, not the file: the WAL comes and goes, and a replaced file keeps no watch.
        w = watch(d, { persistent: false }, (_event, name) => this.onDirEvent(d, name));
        w.on('error', (e) => this.dirFailed(d, e));
      } catch (e) {
        // A folder that does not exist yet, or a filesystem without change events: the poll covers it.
        this.o.onWatchError?.(d, e as Error);
        w = null;
      }
      this.dirs.set(d, w);
    }
  }

  private dirFailed(dir: string, e: Error): void {
    this.dirs.get(dir)?.close();
    this.dirs.set(dir, null);
    this.o.onWatchError?.(dir, e);
  }

  private onDirEvent(dir: string, name: string | Buffer | null): void {
    const n = name === null ? null : String(name);
    for (const f of this.files.keys()) {
      if (path.dirname(f) !== dir) continue;
      // Some platforms give no name: then every watched file of the folder is looked at.
      if (n === null || n.startsWith(path.basename(f))) this.check(f);
    }
  }

  close(): void {
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    for (const w of this.files.values()) if (w.settling) clearTimeout(w.settling);
    this.files.clear();
    for (const w of this.dirs.values()) w?.close();
    this.dirs.clear();
  }
}
