// Waiting out a database that restarts, pauses or fails over: bounded exponential backoff with
// jitter, for at most a total patience per call, and one notice per outage (not one per call).
import { StudyError } from './types.ts';

export interface ReconnectPolicy {
  /** The first wait after a lost connection. */
  firstDelayMs: number;
  /** No single wait is longer than this. */
  maxDelayMs: number;
  /** A call gives up (StudyError 'UNREACHABLE') when the database has not answered for this long. */
  patienceMs: number;
}

/** Environment variable for the patience, in seconds (workers on clusters set it without flags). */
export const PATIENCE_ENV = 'SWEEPDECK_PG_PATIENCE_SECONDS';

/** 5 minutes: longer than a restart or a managed server's failover (one to two minutes), short
 * enough that a worker whose database is gone for good stops within a coffee break. */
export const DEFAULT_RECONNECT: ReconnectPolicy = { firstDelayMs: 250, maxDelayMs: 8_000, patienceMs: 300_000 };

/** The policy from explicit options, else PATIENCE_ENV, else the defaults. A bad env value is an
 * error naming it, not a silent default. */
export function reconnectPolicy(given: Partial<ReconnectPolicy> = {}, env: NodeJS.ProcessEnv = process.env): ReconnectPolicy {
  let patienceMs = DEFAULT_RECONNECT.patienceMs;
  const raw = env[PATIENCE_ENV];
  if (raw !== undefined && raw.trim() !== '') {
    const s = Number(raw);
    if (!Number.isFinite(s) || s < 0) throw new StudyError('BAD_VALUE', `${PATIENCE_ENV}=${JSON.stringify(raw)}: expected a number of seconds (0 or more), e.g. ${PATIENCE_ENV}=600.`);
    patienceMs = s * 1000;
  }
  const p = { ...DEFAULT_RECONNECT, patienceMs, ...given };
  if (!(p.firstDelayMs > 0 && p.maxDelayMs >= p.firstDelayMs && p.patienceMs >= 0)) {
    throw new StudyError('BAD_VALUE', `reconnect policy ${JSON.stringify(p)}: needs firstDelayMs > 0, maxDelayMs >= firstDelayMs and patienceMs >= 0.`);
  }
  return p;
}

/**
 * The wait before retry number `attempt` (0 for the first): min(maxDelay, firstDelay * 2^attempt),
 * of which the upper half is random ("equal jitter"), so that many workers that lost the same
 * server do not all come back in the same millisecond, yet none retries at once.
 */
export function backoffDelay(attempt: number, p: ReconnectPolicy, random: () => number = Math.random): number {
  const cap = Math.min(p.maxDelayMs, p.firstDelayMs * 2 ** Math.min(attempt, 30));
  return cap / 2 + random() * (cap / 2);
}

export interface OutageNotice {
  /** lost: the first failure of an outage; retry: each wait (quiet by default); back: recovered. */
  kind: 'lost' | 'retry' | 'back';
  /** One line for a person: the URL without its password and what is happening. */
  message: string;
  /** For retry: the wait before the next try, in ms. */
  delayMs?: number;
}

/** Tracks one storage's outages so that a lost server is announced once, and its return once. */
export class ConnectionWatch {
  private since: number | null = null;
  private tries = 0;

  constructor(
    private readonly where: string,
    private readonly policy: ReconnectPolicy,
    private readonly notify: (n: OutageNotice) => void,
  ) {}

  lost(reason: string): void {
    if (this.since !== null) return;
    this.since = Date.now();
    this.tries = 0;
    this.say({
      kind: 'lost',
      message: `${this.where}: lost the database connection (${reason}); reconnecting with backoff for up to ${Math.round(this.policy.patienceMs / 1000)} s (${PATIENCE_ENV}).`,
    });
  }

  retry(delayMs: number, reason: string): void {
    this.tries++;
    this.say({ kind: 'retry', delayMs, message: `${this.where}: trying again in ${(delayMs / 1000).toFixed(1)} s (${reason}).` });
  }

  back(): void {
    if (this.since === null) return;
    const s = ((Date.now() - this.since) / 1000).toFixed(1);
    this.since = null;
    this.say({ kind: 'back', message: `${this.where}: reconnected to the database after ${s} s (${this.tries} ${this.tries === 1 ? 'retry' : 'retries'}).` });
  }

  private say(n: OutageNotice): void {
    try {
      this.notify(n);
    } catch {
      // A listener's bug must not turn a reconnect into a failure.
    }
  }
}

/** One call's retries: how long it has waited and whether it may wait again. The patience counts
 * wall time since the call's first failure, tries included (a connect can itself take seconds). */
export class Backoff {
  private attempt = 0;
  private readonly t0: number;

  constructor(
    private readonly policy: ReconnectPolicy,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {
    this.t0 = now();
  }

  /** The wait before the next try, or null when that wait would end past the patience. */
  next(): number | null {
    const d = backoffDelay(this.attempt, this.policy, this.random);
    if (this.now() - this.t0 + d > this.policy.patienceMs) return null;
    this.attempt++;
    return d;
  }

  get waitedMs(): number {
    return this.now() - this.t0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A write whose COMMIT was sent but whose answer was lost with the connection: it may or may not
 * have committed. Carries the transaction id to ask the server later and what the body returned. */
export class CommitInDoubt extends Error {
  constructor(
    /** The transaction to ask about; null for an autocommit statement (settled by its effects). */
    readonly xid: string | null,
    readonly result: unknown,
    readonly lostWith: unknown,
  ) {
    super(xid === null ? 'commit of an autocommit statement in doubt' : `commit of transaction ${xid} in doubt`);
  }
}
