// The outbox as the app shows it: per sweep (and so per store), the writes waiting for a remote
// store, whether it answers, the last error and the first waiting writes. Bundled by the renderer.
import { z } from 'zod';

export const waitingWriteSchema = z.object({
  seq: z.number().int(),
  /** createRun, logBatch, updateRun, ... */
  op: z.string(),
  runId: z.string().nullable(),
  createdAt: z.number(),
  attempts: z.number().int().nonnegative(),
  lastError: z.string().nullable(),
});

export const outboxInfoSchema = z.object({
  sweepId: z.string(),
  studyName: z.string(),
  /** The store the writes are for. */
  storeUri: z.string().nullable(),
  /** The outbox file. */
  path: z.string(),
  /** A sweep running in this app flushes its outbox itself; otherwise Retry opens the store to flush it. */
  running: z.boolean(),
  pending: z.number().int().nonnegative(),
  /** null: not known (the sweep is not running here). */
  online: z.boolean().nullable(),
  lastError: z.string().nullable(),
  /** The first waiting writes, oldest first. */
  waiting: z.array(waitingWriteSchema),
});
export type OutboxInfo = z.infer<typeof outboxInfoSchema>;
