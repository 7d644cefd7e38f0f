// A worker thread that scans a study's trial_params (the largest part of a cold columns read, about
// 40%) while the host's main thread reads the study's other columns on its own connection: on two
// cores the two halves overlap. The main thread stays synchronous: it starts the scan, reads the
// rest inside its read transaction, then waits for the scan on a shared counter and takes the reply
// off the port synchronously (receiveMessageOnPort); StudyColumnsReader.read uses the scan only when
// both connections saw the same snapshot. Started with the host so a cold open finds it warm; until
// it is ready (and whenever it fails) the main thread reads everything itself, as before.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { SPLIT_MIN_TRIALS, type ParamScan } from '../core/studies/studyColumnsSql.ts';
import { workerSource } from './workerSource.ts';

export interface ParamScanRequest {
  id: number;
  file: string;
  studyId: number;
  busyTimeoutMs: number;
  /** The part of the table's param rows the worker scans (the main thread scans the rest). */
  share: number;
  /** Larger studies are left to the main thread (the worker answers null at once). */
  maxTrials: number;
  /** Smaller ones too: the reader would not use the scan (SPLIT_MIN_TRIALS). */
  minTrials: number;
}

export interface ParamScanReply {
  id: number;
  scan: ParamScan | null;
  /** Why the scan could not be made (the main thread then scans itself). */
  failure?: string;
}

/** The worker's part of the param rows: the main thread's other columns and its placing of every
 * param value cost about as much as scanning 60% of them (CPU time measured at 100,000 trials: a
 * whole scan ~450 ms, the rest of the read ~280 ms), so both threads finish together at 80%. */
const WORKER_SHARE = 0.8;

/** Above this many trials the main thread reads alone: two threads reading at once hold both
 * threads' texts and arrays at the same time (~+180 MB at its peak for 1,000,000 trials), and
 * memory, not the open's time, is what such a study runs short of. */
const SPLIT_MAX_TRIALS = 300_000;

/** Memory the worker may use: the scan of 1,000,000 trials holds ~100 MB of texts at its peak. */
const WORKER_HEAP_MB = 512;
/** A scan that takes longer is given up (the main thread scans itself) and the worker restarted. */
const SCAN_TIMEOUT_MS = 30_000;

export class ParamScanThread {
  private worker: Worker | null = null;
  private port: MessagePort | null = null;
  /** [0]: id of the last request answered; [1]: 1 once the worker listens. */
  private signal = new Int32Array(new SharedArrayBuffer(8));
  private nextId = 1;

  /** minTrials: studies smaller than the reader's split minimum are not scanned (tests scan any). */
  constructor(
    private readonly busyTimeoutMs: number,
    private readonly minTrials = SPLIT_MIN_TRIALS,
  ) {}

  /** Starts the worker (loading its code takes a while: done at host start, not at the first read). */
  start(): void {
    if (this.worker) return;
    const { port1, port2 } = new MessageChannel();
    this.signal = new Int32Array(new SharedArrayBuffer(8));
    const worker = new Worker(workerSource('paramScanWorker'), {
      eval: true,
      workerData: { port: port2, signal: this.signal },
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    // Idle, neither may keep the process alive.
    worker.unref();
    port1.unref();
    worker.on('error', (e) => {
      console.error(`sweepdeck: the trial_params scan worker failed (the main thread reads params itself until it is restarted): ${e.message}`);
      this.stop();
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.stop();
    });
    this.worker = worker;
    this.port = port1;
  }

  /** True once the worker listens (begin then starts scans). */
  get ready(): boolean {
    return this.port !== null && Atomics.load(this.signal, 1) === 1;
  }

  /** Starts scanning study `studyId` of `file`, or returns null when the worker is not ready. The
   * returned function waits for the scan (null if it failed or timed out): call it at most once. */
  begin(file: string, studyId: number): (() => ParamScan | null) | null {
    const port = this.port;
    if (!port || !this.ready) return null;
    const id = this.nextId++;
    port.postMessage({ id, file, studyId, busyTimeoutMs: this.busyTimeoutMs, share: WORKER_SHARE, maxTrials: SPLIT_MAX_TRIALS, minTrials: this.minTrials } satisfies ParamScanRequest);
    return () => this.take(port, id);
  }

  private take(port: MessagePort, id: number): ParamScan | null {
    const until = Date.now() + SCAN_TIMEOUT_MS;
    for (;;) {
      const done = Atomics.load(this.signal, 0);
      if (done >= id) break;
      const left = until - Date.now();
      if (left <= 0 || this.port !== port) {
        if (this.port === port) {
          console.error(`sweepdeck: the trial_params scan worker did not answer within ${SCAN_TIMEOUT_MS / 1000} s; restarting it`);
          this.stop();
          this.start();
        }
        return null;
      }
      Atomics.wait(this.signal, 0, done, left);
    }
    // Replies come in request order; older ones (reads that did not wait for theirs) are dropped.
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      const reply = m.message as ParamScanReply;
      if (reply.id !== id) continue;
      if (reply.failure) console.error(`sweepdeck: scanning trial_params in the worker failed (the main thread reads them itself): ${reply.failure}`);
      return reply.scan;
    }
    return null;
  }

  stop(): void {
    const w = this.worker;
    this.worker = null;
    this.port?.close();
    this.port = null;
    void w?.terminate();
  }
}
