// Whether the page can reach its host (the browser host over HTTP): what the page shows so it never
// claims "Running" or a green dot from a host that is gone, and the backoff between reconnection
// attempts. The HTTP transport (client.ts) reports into it; the page reads and subscribes. No zod,
// no DOM: the page's first script imports it.

export type HostConnectionState = 'connecting' | 'connected' | 'disconnected';

export interface HostConnectionInfo {
  state: HostConnectionState;
  /** Why the host cannot be reached (the last failure), while disconnected. */
  reason: string | null;
  /** When the next attempt starts (epoch ms), while waiting for it. */
  nextRetryAt: number | null;
}

/** What a page reads: the current state (a new object on each change) and its changes. */
export interface HostConnection {
  info(): HostConnectionInfo;
  subscribe(listener: (info: HostConnectionInfo) => void): () => void;
  /** Ends the wait before the next attempt (a "Retry now" button, or a call that got through). */
  retryNow(): void;
}

export class ConnectionTracker implements HostConnection {
  private current: HostConnectionInfo = { state: 'connecting', reason: null, nextRetryAt: null };
  private readonly listeners = new Set<(info: HostConnectionInfo) => void>();
  private wake: (() => void) | null = null;
  private failures = 0;

  constructor(
    private readonly baseMs = 1000,
    private readonly maxMs = 5000,
  ) {}

  info(): HostConnectionInfo {
    return this.current;
  }

  subscribe(listener: (info: HostConnectionInfo) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(next: HostConnectionInfo): void {
    const c = this.current;
    if (c.state === next.state && c.reason === next.reason && c.nextRetryAt === next.nextRetryAt) return;
    this.current = next;
    for (const l of [...this.listeners]) {
      try {
        l(next);
      } catch (e) {
        // One listener's bug must not keep the others from hearing it.
        console.error(`sweepdeck: connection listener failed: ${(e as Error)?.message ?? String(e)}`);
      }
    }
  }

  connected(): void {
    this.failures = 0;
    this.set({ state: 'connected', reason: null, nextRetryAt: null });
  }

  lost(reason: string): void {
    this.set({ state: 'disconnected', reason, nextRetryAt: this.current.nextRetryAt });
  }

  /** Waits before the next attempt: from baseMs, doubling up to maxMs while attempts fail. Ends early
   * on retryNow() or when `signal` aborts. */
  async backoff(signal: AbortSignal): Promise<void> {
    const ms = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.failures, 16));
    this.failures += 1;
    if (this.current.state === 'disconnected') this.set({ ...this.current, nextRetryAt: Date.now() + ms });
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
      signal.addEventListener('abort', done);
    });
    if (this.current.state === 'disconnected') this.set({ ...this.current, nextRetryAt: null });
  }

  retryNow(): void {
    this.wake?.();
  }
}
