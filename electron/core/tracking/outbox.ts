// A TrackingStore in front of a remote store (Azure ML, an MLflow server) that never loses an
// accepted write: when the remote is unreachable (StoreUnavailableError), the write is committed to
// the outbox file and acknowledged, and a background flusher replays the outbox in order once the
// remote answers again. While anything is queued, later writes queue behind it so the remote sees
// every run's writes in the order they were made. The outbox file survives restarts: opening it
// again resumes the flush.
//
// Runs created while the remote is away get a local placeholder id (32 hex digits, like MLflow's).
// The replayed create returns the real id; later entries, and any tag value that names the
// placeholder (mlflow.parentRunId), are rewritten to it, and callers that keep using the
// placeholder are translated for as long as the outbox file exists (`mappings()`, 'mapped' event).
//
// Exactly once: an entry is marked sent in the same commit that follows the remote's
// acknowledgement. A write whose acknowledgement was lost (timeout, dropped connection) is sent
// again; that is harmless for MLflow's writes (metric rows are keyed by key/timestamp/step/value and
// stored once, params may be re-logged with the same value, tags and run updates overwrite). A
// create-run whose outcome is unknown is looked up by its `sweepdeck.outboxId` tag before it is
// sent again.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { OutboxQueue, decodeOp, encodeOp, entryRunId, type OutboxEntry, type OutboxOp } from './outboxQueue.ts';
import type { WaitingWrite } from './outboxQueue.ts';
import {
  MlflowError,
  StoreUnavailableError,
  type KeyValue,
  type Metric,
  type Page,
  type Run,
  type RunInfo,
  type TrackingStore,
} from './types.ts';

export interface OutboxStatus {
  /** Writes waiting for the remote. */
  pending: number;
  /** False from the first failed write until the remote acknowledges one again. */
  online: boolean;
  lastError?: string;
}

export interface OutboxEvents {
  status: [OutboxStatus];
  /** The remote refused a queued write for good (e.g. a param changed value); it is dropped. */
  rejected: [{ seq: number; op: OutboxOp['op']; runId: string | null; error: string }];
  /** A run created while offline now exists remotely under `runId`. */
  mapped: [{ placeholder: string; runId: string }];
}

export interface OutboxOptions {
  /** First wait before retrying the remote after it failed (default 1 s); doubles up to maxRetryDelayMs. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Close the remote store when the outbox closes (default true). */
  closeRemote?: boolean;
}

export const OUTBOX_ID_TAG = 'sweepdeck.outboxId';

export interface OutboxStore extends TrackingStore {
  pending(): number;
  status(): OutboxStatus;
  /** Placeholder -> remote run id, for runs created while offline and replayed since. */
  mappings(): Map<string, string>;
  /** The first `limit` writes still waiting, oldest first (the app's outbox details). */
  peek(limit: number): WaitingWrite[];
  /** Resolves once nothing is pending, or rejects after timeoutMs. Nudges the flusher to try now. */
  drain(timeoutMs?: number): Promise<void>;
  on<E extends keyof OutboxEvents>(event: E, listener: (...args: OutboxEvents[E]) => void): this;
  off<E extends keyof OutboxEvents>(event: E, listener: (...args: OutboxEvents[E]) => void): this;
}

const newRunId = () => randomUUID().replace(/-/g, '');

/** MLflow keeps the latest metric per key by comparing (step, timestamp, value). */
function newer(a: Metric, b: Metric): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  const av = Number.isNaN(a.value) ? 0 : a.value;
  const bv = Number.isNaN(b.value) ? 0 : b.value;
  return av > bv;
}

/** Applies a write to a locally kept run, so reads served offline show it. */
function applyToRun(run: Run, w: OutboxOp): void {
  const data = run.data;
  const upsertTag = (t: KeyValue) => {
    data.tags = (data.tags ?? []).filter((x) => x.key !== t.key).concat([{ key: t.key, value: t.value }]);
    if (t.key === 'mlflow.runName') run.info.run_name = t.value;
  };
  const addParam = (p: KeyValue) => {
    if (!(data.params ?? []).some((x) => x.key === p.key)) data.params = (data.params ?? []).concat([{ key: p.key, value: p.value }]);
  };
  const addMetric = (m: Metric) => {
    const cur = (data.metrics ?? []).find((x) => x.key === m.key);
    if (!cur) data.metrics = (data.metrics ?? []).concat([{ ...m }]);
    else if (newer(m, cur)) Object.assign(cur, m);
  };
  switch (w.op) {
    case 'updateRun':
      if (w.status) run.info.status = w.status;
      if (w.endTime !== undefined) run.info.end_time = w.endTime;
      if (w.runName) upsertTag({ key: 'mlflow.runName', value: w.runName });
      break;
    case 'deleteRun':
      run.info.lifecycle_stage = 'deleted';
      break;
    case 'restoreRun':
      run.info.lifecycle_stage = 'active';
      break;
    case 'logBatch':
      (w.params ?? []).forEach(addParam);
      (w.tags ?? []).forEach(upsertTag);
      (w.metrics ?? []).forEach(addMetric);
      break;
    case 'logMetric':
      addMetric(w.metric);
      break;
    case 'logParam':
      addParam(w.param);
      break;
    case 'setTag':
      upsertTag(w.tag);
      break;
    case 'deleteTag':
      data.tags = (data.tags ?? []).filter((x) => x.key !== w.key);
      break;
    default:
      break;
  }
}

const sleep = (ms: number, signal: { wake?: () => void }) =>
  new Promise<void>((resolve) => {
    // unref: a waiting flusher alone does not keep the process alive; its owner does.
    const t = setTimeout(done, ms);
    t.unref();
    function done() {
      clearTimeout(t);
      signal.wake = undefined;
      resolve();
    }
    signal.wake = done;
  });

class OutboxStoreImpl extends EventEmitter implements OutboxStore {
  readonly kind: TrackingStore['kind'];
  readonly uri: string;
  readonly readOnly = false;
  private readonly queue: OutboxQueue;
  private online = true;
  private lastError: string | undefined;
  private closed = false;
  /** Wakes the idle flusher when something is queued. */
  private readonly signal: { wake?: () => void } = {};
  /** Wakes a flusher waiting to retry the remote: only drain() and close() do, so a burst of
   * writes during an outage does not turn into a burst of attempts against the remote. */
  private readonly retrySignal: { wake?: () => void } = {};
  private loop: Promise<void>;
  private retryDelay: number;
  private lastEmitted: OutboxStatus | undefined;
  private statusTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly remote: TrackingStore, outboxDbPath: string, private readonly opts: OutboxOptions) {
    super();
    this.kind = remote.kind;
    this.uri = remote.uri;
    this.queue = new OutboxQueue(outboxDbPath);
    this.retryDelay = opts.retryDelayMs ?? 1000;
    if (this.queue.pending() > 0) this.online = false;
    this.loop = this.flushLoop();
  }

  pending(): number {
    return this.queue.pending();
  }

  status(): OutboxStatus {
    return { pending: this.queue.pending(), online: this.online, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  mappings(): Map<string, string> {
    return this.queue.mappings();
  }

  peek(limit: number): WaitingWrite[] {
    return this.queue.peek(limit);
  }

  async drain(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.signal.wake?.();
    this.retrySignal.wake?.();
    while (this.queue.pending() > 0) {
      if (this.closed) throw new Error('outbox closed before it drained');
      if (Date.now() > deadline) throw new Error(`outbox still holds ${this.queue.pending()} writes after ${timeoutMs} ms: ${this.lastError ?? ''}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Status events for a status bar: at once when online/offline flips or the queue empties,
   * otherwise at most every 250 ms (a busy trial can queue thousands of writes a second). */
  private emitStatus(): void {
    const s = this.status();
    const flipped = !this.lastEmitted || s.online !== this.lastEmitted.online || (s.pending === 0) !== (this.lastEmitted.pending === 0);
    if (flipped) {
      if (this.statusTimer) clearTimeout(this.statusTimer);
      this.statusTimer = undefined;
      this.lastEmitted = s;
      this.emit('status', s);
      return;
    }
    this.statusTimer ??= setTimeout(() => {
      this.statusTimer = undefined;
      if (this.closed) return;
      this.lastEmitted = this.status();
      this.emit('status', this.lastEmitted);
    }, 250);
    this.statusTimer.unref();
  }

  // ---- ids ---------------------------------------------------------------------------------

  /** The id to use remotely now, or null when it is a placeholder not yet created remotely. */
  private remoteId(id: string): string | null {
    const p = this.queue.placeholder(id);
    if (!p) return id;
    if (p.rejected) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Run with id=${id} not found: creating it was refused by ${this.uri}`);
    return p.remoteId;
  }

  /** Replaces placeholder ids anywhere in a write (run id, tag values) by their remote ids. */
  private resolveWrite<T extends OutboxOp>(w: T): T {
    const map = this.queue.mappings();
    if (map.size === 0) return w;
    return decodeOp<T>(encodeOp(w), (s) => map.get(s) ?? s);
  }

  private unresolved(w: OutboxOp): boolean {
    const id = entryRunId(w);
    if (id === null || w.op === 'createRun') return false;
    return this.remoteId(id) === null;
  }

  // ---- writes ------------------------------------------------------------------------------

  /** Sends a write now, or queues it if anything is queued or the remote is unavailable. */
  private async write(w: OutboxOp): Promise<void> {
    if (this.closed) throw new Error('outbox store is closed');
    if (this.queue.pending() === 0 && !this.unresolved(w)) {
      try {
        await this.send(this.resolveWrite(w));
        this.cacheApply(w);
        return;
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err;
        this.wentOffline(err);
      }
    }
    this.enqueue(w);
  }

  private enqueue(w: OutboxOp): void {
    this.queue.append(w);
    this.cacheApply(w);
    this.emitStatus();
    this.signal.wake?.();
  }

  private cacheApply(w: OutboxOp): void {
    const id = entryRunId(w);
    if (id === null) return;
    const run = this.queue.getRun(id);
    if (!run) return;
    applyToRun(run, w);
    this.queue.putRun(run);
  }

  private wentOffline(err: unknown): void {
    const msg = err instanceof Error ? err.message : String(err);
    const changed = this.online || this.lastError !== msg;
    this.online = false;
    this.lastError = msg;
    if (changed) this.emitStatus();
  }

  /** One write to the remote. */
  private async send(w: OutboxOp): Promise<string | undefined> {
    const r = this.remote;
    switch (w.op) {
      case 'createRun':
        return (await r.createRun({ experimentId: w.experimentId, userId: w.userId, startTime: w.startTime, tags: w.tags, runName: w.runName })).info.run_id;
      case 'updateRun':
        await r.updateRun(w.runId, { status: w.status, endTime: w.endTime, runName: w.runName });
        return;
      case 'deleteRun':
        return void (await r.deleteRun(w.runId));
      case 'restoreRun':
        return void (await r.restoreRun(w.runId));
      case 'logBatch':
        return void (await r.logBatch(w.runId, { metrics: w.metrics, params: w.params, tags: w.tags }));
      case 'logMetric':
        return void (await r.logMetric(w.runId, w.metric));
      case 'logParam':
        return void (await r.logParam(w.runId, w.param));
      case 'setTag':
        return void (await r.setTag(w.runId, w.tag));
      case 'deleteTag':
        return void (await r.deleteTag(w.runId, w.key));
      case 'setExperimentTag':
        return void (await r.setExperimentTag(w.experimentId, w.key, w.value));
    }
  }

  // ---- flusher -----------------------------------------------------------------------------

  private async flushLoop(): Promise<void> {
    while (!this.closed) {
      const entry = this.queue.head();
      if (!entry) {
        await sleep(60_000, this.signal);
        continue;
      }
      try {
        await this.replay(entry);
        this.retryDelay = this.opts.retryDelayMs ?? 1000;
        if (!this.online || this.queue.pending() === 0) {
          this.online = true;
          this.lastError = undefined;
          this.emitStatus();
        }
      } catch (err) {
        if (this.closed) return;
        if (err instanceof MlflowError && entry.write.op === 'deleteTag' && entry.attempts > 0 && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') {
          // An earlier attempt whose answer was lost already deleted it.
          this.queue.markSent(entry.seq);
          continue;
        }
        if (err instanceof MlflowError && err.errorCode !== 'TEMPORARILY_UNAVAILABLE' && err.errorCode !== 'REQUEST_LIMIT_EXCEEDED' && err.httpStatus < 500) {
          const placeholder = entry.write.op === 'createRun' ? entry.write.placeholder : undefined;
          this.queue.markRejected(entry.seq, err.message, placeholder);
          this.emit('rejected', { seq: entry.seq, op: entry.write.op, runId: entryRunId(entry.write), error: err.message });
          this.emitStatus();
          continue;
        }
        this.queue.noteAttempt(entry.seq, err instanceof Error ? err.message : String(err));
        this.wentOffline(err);
        await sleep(this.retryDelay * (0.5 + Math.random() / 2), this.retrySignal);
        this.retryDelay = Math.min(this.opts.maxRetryDelayMs ?? 30_000, this.retryDelay * 2);
      }
    }
  }

  private async replay(entry: OutboxEntry): Promise<void> {
    const w = entry.write;
    if (w.op === 'createRun') {
      let remoteId: string | undefined;
      if (entry.attempts > 0 || w.ambiguous) remoteId = await this.findReplayedRun(w);
      if (!remoteId) {
        const tags = this.resolveWrite({ ...w, tags: [...(w.tags ?? []), { key: OUTBOX_ID_TAG, value: w.placeholder }] }).tags;
        remoteId = await this.send({ ...this.resolveWrite(w), tags });
      }
      if (!remoteId) throw new MlflowError('INTERNAL_ERROR', `${this.uri} created a run without an id`);
      this.queue.markSent(entry.seq, { placeholder: w.placeholder, remoteId });
      this.emit('mapped', { placeholder: w.placeholder, runId: remoteId });
      return;
    }
    await this.send(this.resolveWrite(w));
    this.queue.markSent(entry.seq);
  }

  /** A create whose earlier attempt may have reached the remote: find the run it made, by the
   * outbox tag (replays carry it) or, for the first direct attempt, by name and start time. */
  private async findReplayedRun(w: Extract<OutboxOp, { op: 'createRun' }>): Promise<string | undefined> {
    const byTag = await this.remote.searchRuns({
      experimentIds: [w.experimentId],
      filter: `tags.${OUTBOX_ID_TAG} = '${w.placeholder}'`,
      runViewType: 'ALL',
      maxResults: 1,
    });
    if (byTag.items[0]) return byTag.items[0].info.run_id;
    if (!w.ambiguous || !w.runName || w.runName.includes("'")) return undefined;
    const byName = await this.remote.searchRuns({
      experimentIds: [w.experimentId],
      filter: `attributes.run_name = '${w.runName}'`,
      runViewType: 'ALL',
      maxResults: 100,
    });
    return byName.items.find((r) => r.info.start_time === w.startTime)?.info.run_id;
  }

  // ---- TrackingStore -----------------------------------------------------------------------

  async createExperiment(name: string, artifactLocation?: string, tags?: KeyValue[]) {
    const id = await this.remote.createExperiment(name, artifactLocation, tags);
    // Remembered like a looked-up one; a failed read-back only costs the offline lookup.
    await this.remote.getExperiment(id).then((exp) => this.queue.putExperiment(exp), () => {});
    return id;
  }
  getExperiment(id: string) {
    return this.remote.getExperiment(id);
  }
  async getExperimentByName(name: string) {
    try {
      const exp = await this.remote.getExperimentByName(name);
      if (exp) this.queue.putExperiment(exp);
      return exp;
    } catch (err) {
      // Offline, the experiment this outbox saw before still takes new runs (queued).
      const known = err instanceof StoreUnavailableError ? this.queue.getExperiment(name) : undefined;
      if (known) return known;
      throw err;
    }
  }
  searchExperiments(q?: Parameters<TrackingStore['searchExperiments']>[0]) {
    return this.remote.searchExperiments(q);
  }
  deleteExperiment(id: string) {
    return this.remote.deleteExperiment(id);
  }
  restoreExperiment(id: string) {
    return this.remote.restoreExperiment(id);
  }
  renameExperiment(id: string, newName: string) {
    return this.remote.renameExperiment(id, newName);
  }
  setExperimentTag(experimentId: string, key: string, value: string) {
    return this.write({ op: 'setExperimentTag', experimentId, key, value });
  }

  async createRun(req: Parameters<TrackingStore['createRun']>[0]): Promise<Run> {
    const startTime = req.startTime ?? Date.now();
    // Named here rather than by the server, so a create whose answer was lost can be found again.
    const placeholder = newRunId();
    const runName = req.runName ?? `run-${placeholder.slice(0, 8)}`;
    let ambiguous = false;
    if (this.queue.pending() === 0) {
      try {
        const tags = req.tags && this.resolveWrite({ op: 'logBatch', runId: '', tags: req.tags }).tags;
        const run = await this.remote.createRun({ ...req, runName, startTime, tags });
        this.queue.putRun(run);
        return run;
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err;
        this.wentOffline(err);
        ambiguous = true; // the request may have reached the remote before the connection failed
      }
    }
    const tags = [...(req.tags ?? [])];
    if (!tags.some((t) => t.key === 'mlflow.runName')) tags.push({ key: 'mlflow.runName', value: runName });
    const run: Run = {
      info: {
        run_id: placeholder, run_uuid: placeholder, run_name: runName, experiment_id: req.experimentId, user_id: req.userId ?? '',
        status: 'RUNNING', start_time: startTime, artifact_uri: '', lifecycle_stage: 'active',
      },
      data: { tags },
    };
    const write: OutboxOp = { op: 'createRun', placeholder, experimentId: req.experimentId, startTime, runName, ...(req.userId !== undefined ? { userId: req.userId } : {}), ...(req.tags ? { tags: req.tags } : {}), ...(ambiguous ? { ambiguous } : {}) };
    this.queue.appendCreateRun(write, run);
    this.emitStatus();
    this.signal.wake?.();
    return run;
  }

  async getRun(runId: string): Promise<Run> {
    const remoteId = this.remoteId(runId);
    const cached = this.queue.getRun(runId);
    if (remoteId === null || (cached && this.queue.pendingForRun(runId) > 0)) {
      if (!cached) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Run with id=${runId} not found`);
      return cached;
    }
    try {
      const run = await this.remote.getRun(remoteId);
      if (remoteId === runId) this.queue.putRun(run);
      return run;
    } catch (err) {
      if (err instanceof StoreUnavailableError && cached) return cached;
      throw err;
    }
  }

  async updateRun(runId: string, req: Parameters<TrackingStore['updateRun']>[1]): Promise<RunInfo> {
    const w: OutboxOp = { op: 'updateRun', runId, ...req };
    if (this.queue.pending() === 0 && !this.unresolved(w)) {
      try {
        const info = await this.remote.updateRun(this.remoteId(runId) ?? runId, req);
        this.cacheApply(w);
        return info;
      } catch (err) {
        if (!(err instanceof StoreUnavailableError)) throw err;
        this.wentOffline(err);
      }
    }
    this.enqueue(w);
    const cached = this.queue.getRun(runId);
    if (cached) return cached.info;
    return {
      run_id: runId, run_uuid: runId, run_name: req.runName ?? '', experiment_id: '', user_id: '', status: req.status ?? 'RUNNING',
      start_time: 0, artifact_uri: '', lifecycle_stage: 'active', ...(req.endTime !== undefined ? { end_time: req.endTime } : {}),
    };
  }

  deleteRun(runId: string) {
    return this.write({ op: 'deleteRun', runId });
  }
  restoreRun(runId: string) {
    return this.write({ op: 'restoreRun', runId });
  }
  searchRuns(q: Parameters<TrackingStore['searchRuns']>[0]) {
    return this.remote.searchRuns(q);
  }
  logBatch(runId: string, batch: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] }) {
    return this.write({ op: 'logBatch', runId, ...batch });
  }
  logMetric(runId: string, metric: Metric) {
    return this.write({ op: 'logMetric', runId, metric });
  }
  logParam(runId: string, param: KeyValue) {
    return this.write({ op: 'logParam', runId, param });
  }
  setTag(runId: string, tag: KeyValue) {
    return this.write({ op: 'setTag', runId, tag });
  }
  deleteTag(runId: string, key: string) {
    return this.write({ op: 'deleteTag', runId, key });
  }

  async getMetricHistory(runId: string, key: string, opts?: { maxResults?: number; pageToken?: string }): Promise<Page<Metric>> {
    const queued: Metric[] = [];
    for (const e of this.queue.entriesForRun(runId)) {
      const w = e.write;
      if (w.op === 'logMetric' && w.metric.key === key) queued.push(w.metric);
      if (w.op === 'logBatch') for (const m of w.metrics ?? []) if (m.key === key) queued.push(m);
    }
    const remoteId = this.remoteId(runId);
    if (remoteId === null) return { items: queued };
    const page = await this.remote.getMetricHistory(remoteId, key, opts);
    // Queued points follow the remote's last page (they were logged after what it holds).
    return page.nextPageToken ? page : { items: page.items.concat(queued) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.signal.wake?.();
    this.retrySignal.wake?.();
    // A replay in flight finishes (or fails) before the file closes; it is not marked sent if
    // the close won, and goes again on the next open.
    await Promise.race([this.loop, new Promise((r) => setTimeout(r, 5000))]);
    this.queue.close();
    if (this.opts.closeRemote !== false) await this.remote.close();
  }
}

/** Wraps a remote store with the outbox kept in `outboxDbPath` (created if missing). */
export function createOutboxStore(remote: TrackingStore, outboxDbPath: string, opts: OutboxOptions = {}): OutboxStore {
  return new OutboxStoreImpl(remote, outboxDbPath, opts);
}
