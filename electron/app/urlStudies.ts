// PostgreSQL studies opened in the app by URL: opening one (checked against the server before it is
// registered), watching each (urlStudyWatch.ts), their summaries and Workers panel, and the stop
// request every Sweepdeck worker reads from the study itself (so Stop reaches workers on any
// machine). The registry records such a study under its URL without the password
// (studyPasswords.ts keeps that), and nothing this module returns or throws holds it.
import os from 'node:os';
import type { StudyWorkers, SweepSummary } from '../../shared/contract.ts';
import { openPostgresStudyStorage } from '../core/studies/optunaPostgresStorage.ts';
import { isStopRequest, SYS_STOP_REQUESTED } from '../core/studies/sweepdeckAttrs.ts';
import { parseStudyUrl } from '../core/studies/studyUrl.ts';
import type { StudySummary } from '../core/studies/types.ts';
import { AppFault } from './appError.ts';
import type { SweepRecord } from './appState.ts';
import { buildSummary, studySweepId, type ConfigFacts } from './sweepCatalog.ts';
import { multiObjectiveOf } from './multiObjective.ts';
import type { StudyPasswords } from './studyPasswords.ts';
import { groupWorkers, hasSweepdeckWorkers } from './studyWorkers.ts';
import { appStorageOptions, UrlStudyWatch, type UrlStudySnapshot } from './urlStudyWatch.ts';

export const DEFAULT_URL_POLL_MS = 1000;

export const PYTHON_ONLY_READ_ONLY =
  'Only Python Optuna (or other non-Sweepdeck) workers run this study: no trial names a Sweepdeck worker. The app watches it read-only; Stop and Resume act on Sweepdeck workers, so stop the Python workers where they run.';

export interface UrlStudiesOptions {
  passwords: StudyPasswords;
  /** Told when what a study's summary says may have changed (a read brought news, or failed). */
  onChange: (id: string) => void;
  intervalMs?: number;
}

/** What summarize needs of a sweep. */
export interface UrlSweepRef {
  id: string;
  source: SweepSummary['source'];
  studyPath: string;
  studyName: string;
  record: SweepRecord | null;
  facts: ConfigFacts;
  live: 'running' | 'stopping' | null;
}

const passwordIn = (connectionString: string): string => decodeURIComponent(new URL(connectionString).password);

export class UrlStudies {
  private readonly watches = new Map<string, UrlStudyWatch>();
  private followed: ReadonlySet<string> = new Set();

  constructor(private readonly o: UrlStudiesOptions) {}

  /** The running watch of a sweep's study (started on first use, e.g. after an app restart). */
  private watchOf(ref: { id: string; studyPath: string; studyName: string }): UrlStudyWatch {
    let w = this.watches.get(ref.id);
    if (!w) {
      w = new UrlStudyWatch({
        redacted: ref.studyPath,
        studyName: ref.studyName,
        connectionString: () => this.o.passwords.connectionString(ref.studyPath),
        scrub: (t) => this.o.passwords.scrub(t),
        intervalMs: this.o.intervalMs ?? DEFAULT_URL_POLL_MS,
        onChange: () => this.o.onChange(ref.id),
      });
      this.watches.set(ref.id, w);
      void w.refresh();
      // Polled only while a page follows it (sweeps.watch leases, follow()).
      if (this.followed.has(ref.id)) w.start();
    }
    return w;
  }

  /** The sweep's watch, its study read again (in the background) when no page follows it and the
   * last read is older than the poll interval: what a summary or a panel asks for stays fresh. */
  private current(ref: { id: string; studyPath: string; studyName: string }): UrlStudyWatch {
    const w = this.watchOf(ref);
    w.refreshIfOlderThan(this.o.intervalMs ?? DEFAULT_URL_POLL_MS);
    return w;
  }

  /** The sweeps pages follow now (their sweeps.watch leases): those are polled every interval, the
   * others read only when a summary is asked for and the last read is older than the interval. */
  follow(ids: ReadonlySet<string>): void {
    this.followed = new Set(ids);
    for (const [id, w] of this.watches) {
      if (this.followed.has(id)) w.start();
      else w.stop();
    }
  }

  /** True while the sweep's study is polled (diagnostics and tests). */
  polling(id: string): boolean {
    return this.watches.get(id)?.polling ?? false;
  }

  /**
   * Checks the URL against the server (schema, studies), then keeps its password (if the URL has
   * one) and returns the records to register: one per study, or the one named. Nothing is written
   * to the database.
   */
  async open(input: { url: string; studyName?: string | undefined }, existing: (studyPath: string, studyName: string) => SweepRecord | undefined): Promise<{ records: SweepRecord[]; notice: string | null }> {
    const url = parseStudyUrl(input.url);
    const redacted = url.redacted;
    // libpq also takes ?password=: the registry would keep it with the URL, so it is refused.
    const query = new URL(url.connectionString).searchParams;
    if (query.has('password')) {
      query.delete('password');
      const shown = new URL(redacted);
      shown.search = query.toString();
      throw new AppFault('INVALID_INPUT', `${shown.href}: a password in the URL's query (?password=) is not accepted; put it before the host (postgresql://user:password@host/db), or use PGPASSWORD or ~/.pgpass.`);
    }
    const password = passwordIn(url.connectionString);
    // The given password first; without one, what is kept for this URL (or PGPASSWORD, ~/.pgpass).
    const conn = password ? url.connectionString : await this.o.passwords.connectionString(redacted);
    let names: string[];
    const storage = await openPostgresStudyStorage(conn, appStorageOptions(true));
    try {
      names = (await storage.listStudies()).map((s) => s.name);
    } finally {
      await storage.close();
    }
    if (names.length === 0) throw new AppFault('NOT_FOUND', `${redacted} has Optuna's schema but holds no study yet: start a sweep on it, or create a study there with Python Optuna.`);
    const chosen = input.studyName === undefined ? names : names.filter((n) => n === input.studyName);
    if (chosen.length === 0) throw new AppFault('NOT_FOUND', `${redacted} has no study named '${input.studyName}'; it holds: ${names.map((n) => `'${n}'`).join(', ')}. Check the study name.`);
    const notice = password ? (await this.o.passwords.remember(redacted, password)).notice : null;
    const now = Date.now();
    const records = chosen.map(
      (name): SweepRecord =>
        existing(redacted, name) ?? {
          id: studySweepId(redacted, name),
          source: 'file',
          configPath: null,
          outputDir: null,
          studyPath: redacted,
          studyName: name,
          status: 'ready',
          message: null,
          ownerPid: null,
          maxTrials: null,
          createdAt: now,
          updatedAt: now,
        },
    );
    // Read each once before answering, so the reply shows the study, not "connecting".
    await Promise.all(records.map((r) => this.watchOf(r).refresh()));
    return { records, notice };
  }

  private readOnlyReason(snap: UrlStudySnapshot | null): string | null {
    return snap && snap.trials.length > 0 && !hasSweepdeckWorkers(snap.trials) ? PYTHON_ONLY_READ_ONLY : null;
  }

  summarize(ref: UrlSweepRef): SweepSummary {
    const w = this.current(ref);
    const snap = w.snapshot;
    const study: StudySummary | null = snap ? { ...snap.info, counts: snap.counts, best: snap.best } : null;
    const beats = snap ? [...snap.heartbeats.values()] : [];
    const runningElsewhere = snap ? snap.trials.filter((t) => t.state === 'RUNNING' && !snap.heartbeats.has(t.trialId)).length : 0;
    const summary = buildSummary({
      id: ref.id,
      source: ref.source,
      studyPath: ref.studyPath,
      studyName: ref.studyName,
      study,
      record: ref.record,
      facts: ref.facts,
      live: ref.live,
      heartbeatAt: beats.length ? Math.max(...beats) : null,
      runningElsewhere,
    });
    summary.storage = 'postgresql';
    summary.readOnly = this.readOnlyReason(snap);
    const mo = snap ? multiObjectiveOf(snap.info, snap.trials) : undefined;
    if (mo) summary.objectives = mo;
    summary.updatedAt = snap?.readAt ?? null;
    const stop = snap?.info.systemAttrs[SYS_STOP_REQUESTED];
    if (!ref.live && isStopRequest(stop) && (summary.state === 'running' || summary.state === 'unresponsive')) {
      summary.state = 'stopping';
      summary.message = `stop requested at ${stop.at} by ${stop.by}; waiting for the Sweepdeck workers to end their trials (${summary.counts.RUNNING} running)`;
    }
    if (w.error) {
      summary.state = 'failed';
      summary.message = snap ? `${w.error} (showing what was read at ${new Date(snap.readAt).toISOString()}; the app tries again every few seconds)` : w.error;
    } else if (!snap) {
      summary.state = 'ready';
      summary.message = `connecting to ${ref.studyPath}…`;
    }
    return summary;
  }

  snapshot(ref: { id: string; studyPath: string; studyName: string }): UrlStudySnapshot | null {
    return this.current(ref).snapshot;
  }

  /** Reads the study now (a caller that needs the newest trials, e.g. a test or a fresh page). */
  refresh(ref: { id: string; studyPath: string; studyName: string }): Promise<void> {
    return this.watchOf(ref).refresh();
  }

  workers(ref: { id: string; studyPath: string; studyName: string }): StudyWorkers {
    const w = this.current(ref);
    const snap = w.snapshot;
    const stop = snap?.info.systemAttrs[SYS_STOP_REQUESTED];
    return {
      workers: snap ? groupWorkers(snap.trials, snap.heartbeats, Date.now()) : [],
      stopRequested: isStopRequest(stop) ? { at: stop.at, by: stop.by } : null,
      readOnly: this.readOnlyReason(snap),
      readAt: snap?.readAt ?? null,
      error: w.error,
    };
  }

  /** Writes the stop request into the study: every Sweepdeck worker, on any machine, sees it. */
  async requestStop(ref: { id: string; studyPath: string; studyName: string }): Promise<void> {
    const w = this.watchOf(ref);
    await w.refresh();
    const why = w.error ?? this.readOnlyReason(w.snapshot);
    if (why) throw new AppFault('CONFLICT', `Cannot ask the workers of '${ref.studyName}' to stop: ${why}`);
    await this.writeStudy(ref, async (s, studyId) => s.setStudySystemAttr(studyId, SYS_STOP_REQUESTED, { at: new Date().toISOString(), by: `${os.hostname()}:${process.pid}` }));
    await w.refresh();
  }

  /** Removes a stop request (an explicit Resume), so the workers it starts do not stop at once. */
  async clearStop(ref: { id: string; studyPath: string; studyName: string }): Promise<void> {
    const w = this.watchOf(ref);
    await w.refresh();
    if (w.error) throw new AppFault('CONFLICT', `Cannot resume '${ref.studyName}': ${w.error}`);
    if (!isStopRequest(w.snapshot?.info.systemAttrs[SYS_STOP_REQUESTED])) return;
    await this.writeStudy(ref, (s, studyId) => s.deleteStudySystemAttr(studyId, SYS_STOP_REQUESTED));
    await w.refresh();
  }

  /** Runs `fn` on a writable connection to the study (opened for it, closed after). */
  async writeStudy<T>(ref: { studyPath: string; studyName: string }, fn: (s: Awaited<ReturnType<typeof openPostgresStudyStorage>>, studyId: number) => Promise<T>): Promise<T> {
    const s = await openPostgresStudyStorage(await this.o.passwords.connectionString(ref.studyPath), appStorageOptions(false));
    try {
      return await fn(s, (await s.loadStudy(ref.studyName)).studyId);
    } catch (e) {
      if (e instanceof Error) e.message = this.o.passwords.scrub(e.message);
      throw e;
    } finally {
      await s.close();
    }
  }

  /** After a finished trial changed (a note): the watch's copy of it is read again. */
  async reloadTrial(ref: { id: string; studyPath: string; studyName: string }, trialId: number): Promise<void> {
    await this.watchOf(ref).reloadTrial(trialId);
  }

  /** Stops watching a sweep's study; its kept password is forgotten when no other sweep uses the URL. */
  async forget(id: string, studyPath: string, stillUsed: boolean): Promise<void> {
    const w = this.watches.get(id);
    this.watches.delete(id);
    await w?.close();
    if (!stillUsed) this.o.passwords.forget(studyPath);
  }

  async close(): Promise<void> {
    const all = [...this.watches.values()];
    this.watches.clear();
    await Promise.all(all.map((w) => w.close().catch((e: unknown) => console.error(`sweepdeck: closing a study watch: ${this.o.passwords.scrub((e as Error).message)}`))));
  }
}
