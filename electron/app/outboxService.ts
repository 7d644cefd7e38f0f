// The outbox, visible: for every sweep whose tracking writes wait for a remote store, how many,
// whether the store answers, the last error and the first waiting writes; and Retry. A sweep
// running here flushes its own outbox (Retry wakes it); a stopped sweep's outbox is opened with
// its store (an Azure ML store gets a token from the credential chain) and flushed.
import type { OutboxInfo } from '../../shared/outbox.ts';
import type { ParsedInput } from '../../shared/contract.ts';
import { createOutboxStore } from '../core/tracking/outbox.ts';
import { peekOutboxFile, type WaitingWrite } from '../core/tracking/outboxQueue.ts';
import { outboxPath } from '../core/tracking/trackingSession.ts';
import { AppFault } from './appError.ts';
import type { CoreModules } from './core.ts';
import type { SweepsService } from './sweepsService.ts';

/** How many waiting writes the details show. */
const SHOWN = 20;

export interface OutboxServiceOptions {
  sweeps: Pick<SweepsService, 'list' | 'liveTracking'>;
  core: CoreModules;
  env: NodeJS.ProcessEnv;
}

interface Known {
  sweepId: string;
  studyName: string;
  storeUri: string | null;
  outputDir: string;
}

/** An Azure ML workspace's MLflow endpoint (the REST base keeps the workspace's ARM path). */
const isAzureMlflow = (uri: string): boolean => /\/providers\/Microsoft\.MachineLearningServices\/workspaces\//i.test(uri);

export class OutboxService {
  constructor(private readonly o: OutboxServiceOptions) {}

  private known(): Known[] {
    return this.o.sweeps
      .list()
      .sweeps.filter((s) => s.outputDir !== null)
      .map((s) => ({ sweepId: s.id, studyName: s.studyName, storeUri: s.tracking.storeUri, outputDir: s.outputDir ?? '' }));
  }

  private info(k: Known): OutboxInfo | undefined {
    const file = outboxPath(k.outputDir);
    const base = { sweepId: k.sweepId, studyName: k.studyName, storeUri: k.storeUri, path: file };
    const live = this.o.sweeps.liveTracking(k.sweepId)?.outbox();
    if (live) {
      const s = live.status();
      return { ...base, running: true, pending: s.pending, online: s.online, lastError: s.lastError ?? null, waiting: live.peek(SHOWN).map(shown) };
    }
    let peeked: ReturnType<typeof peekOutboxFile>;
    try {
      peeked = peekOutboxFile(file, SHOWN);
    } catch (err) {
      return { ...base, running: false, pending: 0, online: null, lastError: (err as Error).message, waiting: [] };
    }
    if (!peeked) return undefined;
    const lastError = peeked.waiting.find((w) => w.lastError)?.lastError ?? null;
    return { ...base, running: false, pending: peeked.pending, online: null, lastError, waiting: peeked.waiting.map(shown) };
  }

  /** Outboxes with writes waiting, and those of running sweeps (they may fill at any moment). */
  list(): { outboxes: OutboxInfo[] } {
    const out: OutboxInfo[] = [];
    for (const k of this.known()) {
      const i = this.info(k);
      if (i && (i.pending > 0 || i.running || i.lastError)) out.push(i);
    }
    return { outboxes: out };
  }

  async retry(input: ParsedInput<'outbox.retry'>): Promise<OutboxInfo> {
    const k = this.known().find((x) => x.sweepId === input.sweepId);
    if (!k) throw new AppFault('NOT_FOUND', `No sweep with id '${input.sweepId}' has an output folder here; refresh the outbox list.`);
    const timeoutMs = input.timeoutMs ?? 30_000;
    const live = this.o.sweeps.liveTracking(k.sweepId)?.outbox();
    if (live) {
      // Wakes the flusher now instead of after its back-off; an answer that does not come in time is shown as it is.
      await live.drain(timeoutMs).catch(() => undefined);
    } else {
      await this.flushStopped(k, timeoutMs);
    }
    const after = this.info(k);
    if (!after) throw new AppFault('NOT_FOUND', `The outbox of ${k.studyName} (${outboxPath(k.outputDir)}) is gone.`);
    return after;
  }

  private async flushStopped(k: Known, timeoutMs: number): Promise<void> {
    if (!k.storeUri) throw new AppFault('NOT_AVAILABLE', `The store ${k.studyName} tracked to is not recorded in its study; resume the sweep to flush its outbox.`);
    const storeUri = k.storeUri;
    // MLflow's own variable for a token-guarded server; an Azure ML store's token comes from the chain.
    const fixed = this.o.env.MLFLOW_TRACKING_TOKEN;
    const token = isAzureMlflow(storeUri) ? await this.azureToken() : fixed ? async () => fixed : undefined;
    const remote = await this.o.core.openTrackingStore(storeUri, token ? { token } : {});
    let outbox;
    try {
      outbox = createOutboxStore(remote, outboxPath(k.outputDir), { retryDelayMs: 500, maxRetryDelayMs: 2_000 });
    } catch (err) {
      await remote.close();
      throw new AppFault('CONFLICT', (err as Error).message);
    }
    try {
      await outbox.drain(timeoutMs);
    } catch {
      // What is still waiting, and why, is what info() reads back from the file.
    } finally {
      await outbox.close();
    }
  }

  /** Tokens for an Azure ML store from the credential chain (the account signed in here first). */
  private async azureToken(): Promise<() => Promise<string>> {
    const { openCredentialSource } = await import('../core/azure/signInStatus.ts');
    const { source } = await openCredentialSource({ env: this.o.env });
    const credential = source.credentialFor();
    return async () => {
      const t = await credential.getToken(source.endpoints.armScope);
      if (!t) throw new Error('the Azure credential chain gave no token');
      return t.token;
    };
  }
}

function shown(w: WaitingWrite): OutboxInfo['waiting'][number] {
  return { seq: w.seq, op: w.op, runId: w.runId, createdAt: w.createdAt, attempts: w.attempts, lastError: w.lastError };
}
