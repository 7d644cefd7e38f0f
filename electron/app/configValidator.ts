// config.validate runs in a worker thread: the editor sends the whole YAML on every change, and even
// under the size cap (MAX_CONFIG_BYTES) a pathological document costs the yaml parser about a second
// here, which on the main thread would stall every other request of the app for that time.
import { Worker } from 'node:worker_threads';
import type { HpoConfig } from '../../shared/config.ts';
import type { ConfigIssue } from '../core/config/loadConfig.ts';
import { AppFault } from './appError.ts';
import { workerSource } from './workerSource.ts';

export interface ConfigWorkerRequest {
  id: number;
  text: string;
  fileName: string;
}

export interface ConfigWorkerReply {
  id: number;
  issues: ConfigIssue[];
  config: HpoConfig | null;
  /** A bug in the validation (it never throws for bad YAML). */
  failure?: string;
}

/** Memory the worker may use: a config within the cap needs a few MB. */
const WORKER_HEAP_MB = 256;
/** A validation that takes longer is abandoned (the worker is ended and started afresh). */
const VALIDATION_TIMEOUT_MS = 20_000;

interface Pending {
  resolve(reply: ConfigWorkerReply): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class ConfigValidator {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** Issues of the YAML text, and the config when there are none. */
  validate(text: string, fileName: string): Promise<ConfigWorkerReply> {
    const worker = this.started();
    const id = this.nextId++;
    return new Promise<ConfigWorkerReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new AppFault('CONFIG_TOO_LARGE', `${fileName}: validating the config took over ${VALIDATION_TIMEOUT_MS / 1000} s and was stopped; a real HPO config takes milliseconds. Check that this is the right file.`));
      }, VALIDATION_TIMEOUT_MS);
      timer.unref?.();
      this.pending.set(id, { resolve, reject, timer });
      worker.ref();
      worker.postMessage({ id, text, fileName } satisfies ConfigWorkerRequest);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.fail(new AppFault('NOT_AVAILABLE', 'The app is closing; config validation was stopped.'));
    await w?.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(workerSource('configWorker'), { eval: true, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    // Idle, it must not keep the process alive.
    worker.unref();
    worker.on('message', (reply: ConfigWorkerReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      clearTimeout(p.timer);
      if (this.pending.size === 0) worker.unref();
      p.resolve(reply);
    });
    worker.on('error', (e) => this.fail(new Error(`config validation worker failed: ${e.message}`)));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.fail(new Error(`config validation worker exited (code ${code})`));
    });
    this.worker = worker;
    return worker;
  }

  /** Rejects every waiting request and drops the worker (the next request starts a new one). */
  private fail(e: Error): void {
    const w = this.worker;
    this.worker = null;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
    void w?.terminate();
  }
}
