// Group commit for log-batches: the batches that reach the store in the same turn of the event
// loop (several trials posting at once, while the previous commit held the thread) are written by
// one call of `writeAll`, which the store runs as one transaction, and every caller's promise
// settles only after that call returned, i.e. after the commit. One commit per group instead of
// one per batch: fewer WAL frames for the pages that consecutive batches share. Nothing is answered
// before its commit, so an answered batch is exactly as durable as with one commit per batch.

/** What `writeAll` reports for each batch: undefined when written, else why it was not. */
export type BatchOutcome = unknown;

interface Pending<T> {
  batch: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class BatchQueue<T> {
  private pending: Pending<T>[] = [];
  private scheduled = false;

  /**
   * @param writeAll Writes the batches (in order) and returns one outcome per batch; throwing
   *   means none of them was written (e.g. the commit failed).
   * @param maxBatches Most batches per group: bounds how long one transaction holds the thread.
   */
  constructor(private readonly writeAll: (batches: T[]) => BatchOutcome[], private readonly maxBatches = 16) {}

  /** Resolves once `batch` is committed; rejects with its own error (or the group's). */
  add(batch: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ batch, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the poll phase: every request whose body arrived in this turn is queued by then.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Writes everything queued now (also called before the store closes). */
  flush(): void {
    this.scheduled = false;
    while (this.pending.length > 0) {
      const group = this.pending.splice(0, this.maxBatches);
      let outcomes: BatchOutcome[];
      try {
        outcomes = this.writeAll(group.map((p) => p.batch));
      } catch (err) {
        for (const p of group) p.reject(err);
        continue;
      }
      group.forEach((p, i) => (outcomes[i] === undefined ? p.resolve() : p.reject(outcomes[i])));
    }
  }
}
