// Sweeps as the app sees them: registered configs, study files opened here, studies found in
// folders; starting, stopping and resuming them with the core runner in this process, and
// reading their trials and logs. Study files are only ever read here (read-only connections); the
// runner is the only writer.
import os from 'node:os';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { MAX_CONFIG_BYTES, resolveCheckpointPath, resolveStudyName, type HpoConfig } from '../../shared/config.ts';
import type { ChannelOutput, ParsedInput, SweepDetail, SweepSummary, IntermediateColumns, TrialColumns, TrialRow } from '../../shared/contract.ts';
import { toIntermediateColumns, toTrialColumns } from '../../shared/trialColumns.ts';
import type { Direction, Distribution, FrozenTrial } from '../core/search/types.ts';
import type { AsyncStudyStorage, StudyStorage } from '../core/studies/types.ts';
import { checkConfigSize, ConfigError, parseConfigText } from '../core/config/loadConfig.ts';
import { judgeHeartbeat } from '../core/sweeps/heartbeat.ts';
import { failTrialOnPurpose, type FailOnPurpose } from '../core/sweeps/failOnPurpose.ts';
import { promisedStorage } from '../core/studies/promisedStorage.ts';
import { diffWith, resumedStudyFile, studySpaceDiff } from '../core/sweeps/spaceCheck.ts';
import { AppFault } from './appError.ts';
import { absoluteInput, existingFile, folderToWrite } from './pathInput.ts';
import { newId, type AppState, type SweepRecord } from './appState.ts';
import type { CoreModules, SweepTrackingHandle } from './core.ts';
import type { EventBus } from './eventBus.ts';
import { StudyReaders } from './studyReaders.ts';
import { applyLive, LiveSweeps, progressOf } from './liveSweeps.ts';
import type { ParamScanThread } from './paramScanThread.ts';
import { intermediateColumnsReply, REPLY_SYSTEM_KEYS, trialColumnsReply } from './studyColumnsReply.ts';
import { isStudyUrl } from '../core/studies/studyUrl.ts';
import type { StudyPasswords } from './studyPasswords.ts';
import { UrlStudies } from './urlStudies.ts';
import { workerOf } from './studyWorkers.ts';
import { frontOf, multiObjectiveOf } from './multiObjective.ts';
import { gateSpaceChange, spaceDiffReply } from './spaceGate.ts';
import {
  APP_STUDY_BUSY_TIMEOUT_MS,
  buildSummary,
  findDbFiles,
  newestRunningHeartbeat,
  NO_CONFIG,
  studySweepId,
  toTrialRow,
  type ConfigFacts,
} from './sweepCatalog.ts';

/** A sweep the app can name: a registry record, or a study found in a folder. */
interface Located {
  id: string;
  record: SweepRecord | null;
  source: SweepSummary['source'];
  studyPath: string;
  studyName: string;
}

export interface SweepsServiceOptions {
  state: AppState;
  core: CoreModules;
  bus: EventBus;
  dataDir: string;
  /** Opens tracking for a sweep about to start (parent run, child runs, embedded endpoint). */
  trackingFor?: (config: HpoConfig) => Promise<SweepTrackingHandle>;
  /** Told how many writes wait in a sweep's outbox. */
  onOutboxPending?: (pending: number) => void;
  /** How long start() waits for the runner to report that it started (or why it could not). */
  startWaitMs?: number;
  /** Passwords of PostgreSQL study URLs (absent: such studies cannot be opened). */
  studyPasswords?: StudyPasswords;
  /** How often an opened PostgreSQL study is read (ms). */
  urlPollMs?: number;
  /** Scans a study's trial_params on another thread during a whole columns read (the host has
   * one; without it the main thread reads everything). */
  paramScans?: ParamScanThread;
}

/** How a summary's message starts when the study file could not be read (locked past the busy
 * timeout, damaged): watchedSweeps.ts reads such a study again before saying so. */
export const UNREADABLE_STUDY = 'the study file cannot be read:';

/** fail_reason of a trial the user failed from the app (the CLI's says fail-trial). */
export const FAILED_BY_USER_IN_APP = 'failed on purpose by the user (Sweepdeck app, running elsewhere)';

function configFacts(config: HpoConfig): ConfigFacts {
  return {
    backbone: config.backbone,
    experimentName: config.experiment_name,
    maxTrials: config.sampling.max_trials,
    metric: config.objective.metric,
    direction: config.objective.goal,
  };
}

/** A newly registered sweep: ready, owned by no runner, created now. */
function newSweepRecord(where: Pick<SweepRecord, 'id' | 'source' | 'configPath' | 'outputDir' | 'studyPath' | 'studyName'>): SweepRecord {
  const now = Date.now();
  return { ...where, status: 'ready', message: null, ownerPid: null, maxTrials: null, createdAt: now, updatedAt: now };
}

function readConfig(file: string): HpoConfig {
  let text: string;
  try {
    // The size cap first: a huge file is refused without reading it.
    checkConfigSize(file, statSync(file).size);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new AppFault(code === 'ENOENT' ? 'NOT_FOUND' : 'CONFIG_INVALID', `${file}: the config cannot be read (${code ?? (e as Error).message}); check the path.`);
  }
  return parseConfigText(text, file);
}

function tail(file: string, maxBytes: number): { text: string; size: number; truncated: boolean } {
  const size = statSync(file).size;
  const start = Math.max(0, size - maxBytes);
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    let text = buf.toString('utf8');
    // Start at a whole line when the tail was cut.
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    return { text, size, truncated: start > 0 };
  } finally {
    closeSync(fd);
  }
}

/** Rows of finished trials, built once per trial: the storage hands out the same frozen object for
 * a finished trial on every read, and it never changes. Saves rebuilding 10,000 rows per reply. */
/** The trial user attr a note is kept in (what Python Optuna sees). */
export const TRIAL_NOTE_ATTR = 'note';

type MoColumns = Pick<TrialColumns, 'directions' | 'front'>;

/** A multi-objective study's directions and its whole Pareto front, for a column reply (nothing for
 * one objective). */
function moColumns(all: readonly FrozenTrial[], directions: readonly Direction[]): MoColumns {
  return directions.length > 1 ? { directions: [...directions], front: frontOf(all, directions) } : {};
}

/** Trial `n` of the study: one row's read where the storage can (a 100,000-trial study is not read
 * whole to show one trial's attrs or log). */
function trialNumbered(s: StudyStorage, studyId: number, n: number): FrozenTrial | undefined {
  return s.getTrialByNumber ? s.getTrialByNumber(studyId, n) : s.getTrials(studyId).find((x) => x.number === n);
}


const finishedRows = new WeakMap<FrozenTrial, TrialRow>();
function rowOf(t: FrozenTrial): TrialRow {
  if (!Object.isFrozen(t)) return toTrialRow(t);
  let r = finishedRows.get(t);
  if (!r) {
    r = toTrialRow(t);
    finishedRows.set(t, r);
  }
  return r;
}

/** The last column replies per study (one per kind), reused while the study's trials are the same
 * finished (frozen) objects: reopening a 10,000-trial study, or a refetch when nothing changed, then
 * costs a pointer check per trial. A running study has unfrozen trials and is rebuilt on every call. */
interface ColumnsCacheEntry {
  trials: readonly FrozenTrial[];
  reply: TrialColumns | IntermediateColumns;
}
const COLUMNS_CACHE_SIZE = 8;

/** Freezes the reply and its arrays: the host keeps the encoded text of frozen replies (server.ts),
 * which is only right if nothing can change them afterwards. */
function freezeColumns<C extends TrialColumns | IntermediateColumns>(c: C): C {
  for (const v of Object.values(c)) if (Array.isArray(v)) Object.freeze(v);
  if ('params' in c) {
    for (const p of c.params) {
      Object.freeze(p.values);
      Object.freeze(p.absent);
      Object.freeze(p);
    }
  }
  return Object.freeze(c);
}

export class SweepsService {
  private readonly live: LiveSweeps;
  private readonly columnsCache = new Map<string, ColumnsCacheEntry>();
  private readonly configCache = new Map<string, { mtimeMs: number; facts: ConfigFacts }>();

  private readonly readers: StudyReaders;
  /** Sweeps another runner runs: when their state flips if no heartbeat comes, and the state shown. */
  private readonly heartbeatWatch = new Map<string, { timer: ReturnType<typeof setTimeout>; at: number; state: SweepSummary['state'] }>();

  /** PostgreSQL studies opened by URL (null: no password store given, none can be opened). */
  private readonly urls: UrlStudies | null;
  /** The state last told to the renderer per URL study, so a read that changes it says so. */
  private readonly urlStates = new Map<string, SweepSummary['state']>();

  constructor(private readonly o: SweepsServiceOptions) {
    this.live = new LiveSweeps({ state: o.state, core: o.core, bus: o.bus, summaryOf: (id) => this.summary(id), onOutboxPending: o.onOutboxPending, startWaitMs: o.startWaitMs });
    this.urls = o.studyPasswords
      ? new UrlStudies({ passwords: o.studyPasswords, onChange: (id) => this.urlChanged(id), ...(o.urlPollMs !== undefined ? { intervalMs: o.urlPollMs } : {}) })
      : null;
    this.readers = new StudyReaders(
      (f) => this.o.core.openStudyStorage(f, { readonly: true, busyTimeoutMs: APP_STUDY_BUSY_TIMEOUT_MS }),
      (f) => this.live.ids().some((id) => this.o.state.sweep(id)?.studyPath === f),
    );
  }

  /** Reads a study file (read-only). */
  private read<T>(file: string, fn: (s: StudyStorage) => T): T {
    return this.readers.with(file, fn);
  }

  // ------------------------------------------------------------------------------------------
  // Reading

  private facts(configPath: string | null): ConfigFacts {
    if (!configPath) return NO_CONFIG;
    try {
      const mtimeMs = statSync(configPath).mtimeMs;
      const hit = this.configCache.get(configPath);
      if (hit && hit.mtimeMs === mtimeMs) return hit.facts;
      const facts = configFacts(readConfig(configPath));
      this.configCache.set(configPath, { mtimeMs, facts });
      return facts;
    } catch {
      return NO_CONFIG;
    }
  }

  private summarize(loc: Located): SweepSummary {
    if (isStudyUrl(loc.studyPath)) return this.summarizeUrl(loc);
    const live = this.live.get(loc.id);
    const liveState = live ? (live.stopping ? 'stopping' : 'running') : null;
    let study = null;
    let heartbeatAt: number | null = null;
    let runningElsewhere = 0;
    let openError: string | null = null;
    const now = Date.now();
    const verdict = (): ReturnType<typeof judgeHeartbeat> | null => (heartbeatAt === null ? null : judgeHeartbeat(heartbeatAt, now));
    if (existsSync(loc.studyPath)) {
      try {
        study = this.read(loc.studyPath, (s) => s.listStudies().find((x) => x.name === loc.studyName) ?? null);
        if (study && study.counts.RUNNING > 0 && !live) {
          const studyId = study.studyId;
          runningElsewhere = this.read(loc.studyPath, (s) => s.runningElsewhere(studyId).length);
          heartbeatAt = newestRunningHeartbeat(loc.studyPath, study.studyId);
          // Another process runs it: let go of the file so its runner can close it cleanly.
          if ((verdict()?.kind ?? 'stale') !== 'stale') this.readers.drop(loc.studyPath);
        }
      } catch (e) {
        openError = (e as Error).message;
      }
    }
    const summary = buildSummary({
      id: loc.id,
      source: loc.source,
      studyPath: loc.studyPath,
      studyName: loc.studyName,
      study,
      record: loc.record,
      facts: this.facts(loc.record?.configPath ?? null),
      live: liveState,
      heartbeatAt,
      now,
      runningElsewhere,
    });
    if (study && study.directions.length > 1 && !openError) {
      const mo = study;
      try {
        summary.objectives = this.read(loc.studyPath, (s) => multiObjectiveOf(mo, s.getTrials(mo.studyId)));
      } catch (e) {
        openError = (e as Error).message;
      }
    }
    if (live) applyLive(summary, live);
    if (openError && !live) {
      summary.state = 'failed';
      summary.message = `${UNREADABLE_STUDY} ${openError}`;
    }
    const missing = live ? null : this.missingFile(loc);
    if (missing) {
      summary.state = 'missing';
      summary.message = missing.message;
    }
    const changesAt = live || openError || missing ? null : (verdict()?.changesAt ?? null);
    this.watchHeartbeat(loc.id, changesAt, summary.state);
    return summary;
  }

  // ------------------------------------------------------------------------------------------
  // PostgreSQL studies (by URL)

  private urlStudies(): UrlStudies {
    if (!this.urls) throw new AppFault('NOT_AVAILABLE', 'PostgreSQL studies cannot be opened in this app instance (no password store was set up).');
    return this.urls;
  }

  private summarizeUrl(loc: Located): SweepSummary {
    const live = this.live.get(loc.id);
    const summary = this.urlStudies().summarize({
      id: loc.id,
      source: loc.source,
      studyPath: loc.studyPath,
      studyName: loc.studyName,
      record: loc.record,
      facts: this.facts(loc.record?.configPath ?? null),
      live: live ? (live.stopping ? 'stopping' : 'running') : null,
    });
    if (live) applyLive(summary, live);
    return summary;
  }

  /** A read of a URL study brought news: tell the renderer, as a runner's progress would. */
  private urlChanged(id: string): void {
    let s: SweepSummary;
    try {
      s = this.summary(id);
    } catch (e) {
      if (e instanceof AppFault && e.code === 'NOT_FOUND') return; // removed meanwhile
      console.error(`sweepdeck: re-reading sweep ${id}: ${(e as Error).message}`);
      return;
    }
    this.o.bus.emit('sweep.progress', progressOf(s));
    if (this.urlStates.get(id) !== s.state) {
      this.urlStates.set(id, s.state);
      this.o.bus.emit('sweeps.changed', { reason: `state: ${s.state}` });
    }
  }

  /** The trials of a URL study as last read (the watch reads them incrementally every poll). */
  private urlTrials(loc: Located): { trials: readonly FrozenTrial[]; direction: SweepDetail['direction']; directions: Direction[] } {
    const snap = this.urlStudies().snapshot(loc);
    return { trials: snap?.trials ?? [], direction: snap?.info.directions[0] ?? null, directions: snap?.info.directions ?? [] };
  }

  async openStudyUrl(input: ParsedInput<'sweeps.openStudyUrl'>): Promise<ChannelOutput<'sweeps.openStudyUrl'>> {
    const { records, notice } = await this.urlStudies().open(input, (p, n) => this.o.state.findSweepByStudy(p, n));
    for (const rec of records) if (!this.o.state.sweep(rec.id)) this.o.state.addSweep(rec);
    this.o.bus.emit('sweeps.changed', { reason: 'study URL opened' });
    return { sweeps: records.map((r) => this.summarize(this.located(r))), notice };
  }

  workers(id: string): ChannelOutput<'sweeps.workers'> {
    const loc = this.locate(id);
    if (!isStudyUrl(loc.studyPath)) throw new AppFault('CONFLICT', `Sweep '${loc.studyName}' is a study file (${loc.studyPath}): the Workers panel is for PostgreSQL studies, where workers on many machines share one study.`);
    return this.urlStudies().workers(loc);
  }

  /** The sweeps pages follow (sweeps.watch leases): their PostgreSQL studies are polled, no other. */
  followUrlStudies(ids: readonly string[]): void {
    this.urls?.follow(new Set(ids));
  }

  /** True while a URL study is polled (diagnostics and tests). */
  urlStudyPolled(id: string): boolean {
    return this.urls?.polling(id) ?? false;
  }

  /** Reads a URL study now (tests and a page that wants the newest trials). */
  async refreshUrlStudy(id: string): Promise<void> {
    const loc = this.locate(id);
    if (isStudyUrl(loc.studyPath)) await this.urlStudies().refresh(loc);
  }

  /** The file a sweep needs that is no longer there (moved or deleted): an opened study file, or a
   * registered config. A sweep started here has no study file until its first run, so that is not
   * missing. */
  private missingFile(loc: Located): { kind: 'study' | 'config'; path: string; message: string } | null {
    const fix = 'Locate… picks its new place; Remove takes it off the list (no file is touched).';
    if (loc.source === 'file' && !existsSync(loc.studyPath)) {
      return { kind: 'study', path: loc.studyPath, message: `the study file ${loc.studyPath} is missing (moved, renamed or deleted). ${fix}` };
    }
    const cfg = loc.record?.configPath;
    if (cfg && !existsSync(cfg)) return { kind: 'config', path: cfg, message: `the HPO config ${cfg} is missing (moved, renamed or deleted). ${fix}` };
    return null;
  }

  /**
   * A sweep another runner runs changes state by itself when its heartbeats stop (running, then
   * unresponsive, then interrupted): read it again at that moment and tell the renderer, so an open
   * page updates without a reload. A runner that is alive keeps pushing the moment on.
   */
  private watchHeartbeat(id: string, at: number | null, state: SweepSummary['state']): void {
    const current = this.heartbeatWatch.get(id);
    if (current && current.at === at) {
      current.state = state;
      return;
    }
    if (current) clearTimeout(current.timer);
    this.heartbeatWatch.delete(id);
    if (at === null) return;
    // A little after the boundary, so the verdict read then is past it.
    const timer = setTimeout(() => this.heartbeatDue(id), Math.max(0, at - Date.now()) + 50);
    timer.unref?.();
    this.heartbeatWatch.set(id, { timer, at, state });
  }

  private heartbeatDue(id: string): void {
    const shown = this.heartbeatWatch.get(id)?.state;
    this.heartbeatWatch.delete(id);
    let s: SweepSummary;
    try {
      s = this.summarize(this.locate(id)); // schedules the next check, if any
    } catch (e) {
      // Gone meanwhile (its folder no longer scanned): nothing to update.
      if (e instanceof AppFault && e.code === 'NOT_FOUND') return;
      console.error(`sweepdeck: re-reading sweep ${id} after its heartbeat went quiet failed: ${(e as Error).message}`);
      return;
    }
    if (s.state === shown) return;
    this.o.bus.emit('sweep.progress', progressOf(s));
    this.o.bus.emit('sweeps.changed', { reason: `state: ${s.state}` });
  }

  /** Studies in the configured folders that are not in the registry. */
  private discovered(): Located[] {
    const out: Located[] = [];
    const seen = new Set(this.o.state.sweeps().map((r) => `${r.studyPath}\0${r.studyName}`));
    for (const folder of this.o.state.folders()) {
      for (const file of findDbFiles(folder)) {
        let names: string[];
        try {
          names = this.read(file, (s) => s.listStudies().map((x) => x.name));
        } catch {
          continue; // not an Optuna study (e.g. an MLflow database): not ours to show
        }
        for (const name of names) {
          if (seen.has(`${file}\0${name}`)) continue;
          seen.add(`${file}\0${name}`);
          out.push({ id: studySweepId(file, name), record: null, source: 'folder', studyPath: file, studyName: name });
        }
      }
    }
    return out;
  }

  private located(rec: SweepRecord): Located {
    return { id: rec.id, record: rec, source: rec.source, studyPath: rec.studyPath, studyName: rec.studyName };
  }

  private locate(id: string): Located {
    const rec = this.o.state.sweep(id);
    if (rec) return this.located(rec);
    const found = this.discovered().find((l) => l.id === id);
    if (!found) throw new AppFault('NOT_FOUND', `No sweep with id '${id}': it may have been removed, or its folder is no longer scanned. Refresh the list.`);
    return found;
  }

  list(): ChannelOutput<'sweeps.list'> {
    const sweeps = [...this.o.state.sweeps().map((r) => this.located(r)), ...this.discovered()].map((l) => this.summarize(l));
    return { sweeps, folders: [...this.o.state.folders()] };
  }

  /** The tracking of a sweep running in this app (its live outbox), or null. */
  liveTracking(id: string): SweepTrackingHandle | null {
    return this.live.get(id)?.tracking ?? null;
  }

  summary(id: string): SweepSummary {
    return this.summarize(this.locate(id));
  }

  get(id: string): SweepDetail {
    const loc = this.locate(id);
    const summary = this.summarize(loc);
    if (isStudyUrl(loc.studyPath)) return this.urlDetail(loc, summary);
    const distributions: Record<string, Distribution> = {};
    let userAttrs: Record<string, unknown> = {};
    let runningElsewhere: number[] = [];
    if (existsSync(loc.studyPath)) {
      try {
        this.read(loc.studyPath, (s) => {
          const info = s.getStudy(loc.studyName);
          if (!info) return;
          userAttrs = info.userAttrs;
          if (!summary.runsHere && summary.counts.RUNNING > 0) runningElsewhere = s.runningElsewhere(info.studyId).map((t) => t.number);
          if (s.paramDistributions) {
            for (const [k, d] of s.paramDistributions(info.studyId)) distributions[k] = d;
            return;
          }
          for (const t of s.getTrials(info.studyId)) {
            for (const [k, d] of Object.entries(t.distributions)) if (!(k in distributions)) distributions[k] = d;
          }
        });
      } catch {
        // summarize() already reported why the file cannot be read.
      }
    }
    return {
      ...summary,
      distributions: distributions as SweepDetail['distributions'],
      checkpointPath: loc.studyPath,
      configText: configTextOf(loc.record?.configPath),
      userAttrs: JSON.parse(JSON.stringify(userAttrs)) as Record<string, unknown>,
      runningElsewhere,
    };
  }

  private urlDetail(loc: Located, summary: SweepSummary): SweepDetail {
    const snap = this.urlStudies().snapshot(loc);
    const distributions: Record<string, Distribution> = {};
    for (const t of snap?.trials ?? []) for (const [k, d] of Object.entries(t.distributions)) if (!(k in distributions)) distributions[k] = d;
    return {
      ...summary,
      distributions: distributions as SweepDetail['distributions'],
      checkpointPath: loc.studyPath,
      configText: configTextOf(loc.record?.configPath),
      userAttrs: JSON.parse(JSON.stringify(snap?.info.userAttrs ?? {})) as Record<string, unknown>,
      runningElsewhere: (snap?.trials ?? []).filter((t) => t.state === 'RUNNING' && !snap?.heartbeats.has(t.trialId)).map((t) => t.number),
    };
  }

  /**
   * Fails on purpose a trial RUNNING elsewhere (no heartbeats), as `sweepdeck sweep fail-trial`
   * does: no runner fails such a trial by itself, since nobody can tell whether its worker lives.
   * A trial with heartbeats belongs to a Sweepdeck runner (Stop it, or its stale heartbeat fails
   * it on resume), so it is refused here.
   */
  async failTrialElsewhere(input: ParsedInput<'sweeps.failTrial'>): Promise<ChannelOutput<'sweeps.failTrial'>> {
    const loc = this.locate(input.id);
    const n = input.trialNumber;
    const act = (s: AsyncStudyStorage, studyId: number): Promise<FailOnPurpose> => failTrialOnPurpose(s, studyId, n, { reason: FAILED_BY_USER_IN_APP, retry: input.retry === true, force: false });
    let r: FailOnPurpose;
    if (isStudyUrl(loc.studyPath)) {
      // Shared: trials of other workers (Python without heartbeats) may be failed while ours run.
      r = await this.urlStudies().writeStudy(loc, act);
      await this.urlStudies().refresh(loc);
    } else {
      if (this.live.has(loc.id)) throw new AppFault('CONFLICT', `Sweep '${loc.id}' runs in this app: its trials are its runner's. Stop the sweep instead of failing trial ${n}.`);
      r = await this.writeStudyFile(loc, (storage, studyId) => act(promisedStorage(storage), studyId));
    }
    if (!r.ok) {
      if (r.why === 'missing') throw new AppFault('NOT_FOUND', `Study '${loc.studyName}' in ${loc.studyPath} has no trial ${n}.`);
      const why = r.why === 'heartbeats' ? 'it has heartbeats: a Sweepdeck runner runs it, or ran it (Stop that sweep, or Resume fails it once its heartbeat is stale)' : `it is ${r.state}`;
      throw new AppFault('CONFLICT', `Trial ${n} of study '${loc.studyName}' is not RUNNING elsewhere: ${why}. Only a trial RUNNING without heartbeats can be failed here.`);
    }
    this.o.bus.emit('sweeps.changed', { reason: `trial ${n} failed by the user` });
    return { number: r.failed.number, state: r.failed.state, reofferedAs: r.reofferedAs };
  }

  trials(input: ParsedInput<'sweeps.trials'>): ChannelOutput<'sweeps.trials'> {
    const loc = this.locate(input.id);
    const offset = input.offset ?? 0;
    if (isStudyUrl(loc.studyPath)) {
      const { trials: all, direction } = this.urlTrials(loc);
      const page = input.limit === undefined ? all.slice(offset) : all.slice(offset, offset + input.limit);
      return { total: all.length, offset, direction, trials: page.map(rowOf) };
    }
    if (!existsSync(loc.studyPath)) return { total: 0, offset, direction: null, trials: [] };
    return this.read(loc.studyPath, (s) => {
      const info = s.getStudy(loc.studyName);
      if (!info) return { total: 0, offset, direction: null, trials: [] };
      const all = s.getTrials(info.studyId);
      const page = input.limit === undefined ? all.slice(offset) : all.slice(offset, offset + input.limit);
      const trials: TrialRow[] = page.map(rowOf);
      return { total: all.length, offset, direction: info.directions[0] ?? null, trials };
    });
  }

  trialColumns(input: ParsedInput<'sweeps.trialColumns'>): ChannelOutput<'sweeps.trialColumns'> {
    // Several objectives take the row path (their values, front and feasibility are read there).
    const direct = this.sqlColumns(input.id, (s, studyId, direction, file) => {
      // A whole read has its params scanned on the other thread meanwhile (a live update reads few).
      const scanned = input.since ? null : (this.o.paramScans?.begin(file, studyId) ?? null);
      const c = s.readColumns!(studyId, input.since, REPLY_SYSTEM_KEYS, scanned ?? undefined);
      return trialColumnsReply(c, c.total, direction);
    });
    if (direct) return direct;
    if (input.since) return this.changedColumns(input.id, input.since, (rows, total, direction, mo) => ({ ...toTrialColumns(rows, total, direction), ...mo() }));
    return this.columns(input.id, 'scalars', (rows, direction, mo) => ({ ...toTrialColumns(rows, rows.length, direction), ...mo() }));
  }

  intermediateColumns(input: ParsedInput<'sweeps.intermediateColumns'>): ChannelOutput<'sweeps.intermediateColumns'> {
    const direct = this.sqlColumns(input.id, (s, studyId) => intermediateColumnsReply(s.readIntermediateColumns!(studyId, input.since)));
    if (direct) return direct;
    if (input.since) return this.changedColumns(input.id, input.since, (rows) => toIntermediateColumns(rows));
    return this.columns(input.id, 'intermediate', (rows) => toIntermediateColumns(rows));
  }

  /** A column reply read straight from a study file's tables (storages that can: SQLite), or null
   * for the other ways (a study URL, a missing file or study: the row-based path answers those). */
  private sqlColumns<C>(id: string, build: (s: StudyStorage, studyId: number, direction: TrialColumns['direction'], file: string) => C): C | null {
    const loc = this.locate(id);
    if (isStudyUrl(loc.studyPath) || !existsSync(loc.studyPath)) return null;
    return this.read(loc.studyPath, (s) => {
      if (!s.readColumns || !s.readIntermediateColumns) return null;
      const info = s.getStudy(loc.studyName);
      return info && info.directions.length <= 1 ? build(s, info.studyId, info.directions[0] ?? null, loc.studyPath) : null;
    });
  }

  /** Only the trials a page lacks (a live update): those above `since.after` and those it holds
   * unfinished. The storage's reader reads only what is new, so this costs a filter of the trials. */
  private changedColumns<C>(id: string, since: { after: number; numbers: readonly number[] }, build: (rows: TrialRow[], total: number, direction: TrialColumns['direction'], mo: () => MoColumns) => C): C {
    const loc = this.locate(id);
    const pick = (all: readonly FrozenTrial[], directions: Direction[]): C => {
      const again = new Set(since.numbers);
      return build(all.filter((t) => t.number > since.after || again.has(t.number)).map(rowOf), all.length, directions[0] ?? null, () => moColumns(all, directions));
    };
    if (isStudyUrl(loc.studyPath)) {
      const { trials, directions } = this.urlTrials(loc);
      return pick(trials, directions);
    }
    if (!existsSync(loc.studyPath)) return build([], 0, null, () => ({}));
    return this.read(loc.studyPath, (s) => {
      const info = s.getStudy(loc.studyName);
      if (!info) return build([], 0, null, () => ({}));
      return pick(s.getTrials(info.studyId), info.directions);
    });
  }

  /** A column reply for sweep `id`, built from its rows, or the cached one while the study's trials
   * are the same finished objects. */
  private columns<C extends TrialColumns | IntermediateColumns>(id: string, kind: 'scalars' | 'intermediate', build: (rows: TrialRow[], direction: TrialColumns['direction'], mo: () => MoColumns) => C): C {
    const loc = this.locate(id);
    const cached = (all: readonly FrozenTrial[], directions: Direction[]): C => {
      const key = `${kind}\0${loc.studyPath}\0${loc.studyName}`;
      const hit = this.columnsCache.get(key);
      if (hit && hit.trials.length === all.length && all.every((t, i) => t === hit.trials[i] && Object.isFrozen(t))) {
        // Most recently used last, so the oldest entry is the first one dropped.
        this.columnsCache.delete(key);
        this.columnsCache.set(key, hit);
        return hit.reply as C;
      }
      const reply = build(all.map(rowOf), directions[0] ?? null, () => moColumns(all, directions));
      this.columnsCache.delete(key);
      if (all.every((t) => Object.isFrozen(t))) {
        this.columnsCache.set(key, { trials: all.slice(), reply: freezeColumns(reply) });
        while (this.columnsCache.size > COLUMNS_CACHE_SIZE) this.columnsCache.delete(this.columnsCache.keys().next().value!);
      }
      return reply;
    };
    if (isStudyUrl(loc.studyPath)) {
      const { trials, directions } = this.urlTrials(loc);
      return cached(trials, directions);
    }
    if (!existsSync(loc.studyPath)) return build([], null, () => ({}));
    return this.read(loc.studyPath, (s) => {
      const info = s.getStudy(loc.studyName);
      if (!info) return build([], null, () => ({}));
      return cached(s.getTrials(info.studyId), info.directions);
    });
  }

  trialLog(input: ParsedInput<'sweeps.trialLog'>): ChannelOutput<'sweeps.trialLog'> {
    const loc = this.locate(input.id);
    const dir = isStudyUrl(loc.studyPath) ? this.urlTrialDir(loc, input.trialNumber) : this.fileTrialDir(loc, input);
    if (!dir) return { path: null, text: '', size: 0, truncated: false };
    const file = path.join(dir, `${input.stream}.log`);
    if (!existsSync(file)) return { path: file, text: '', size: 0, truncated: false };
    return { path: file, ...tail(file, input.maxBytes ?? 64 * 1024) };
  }

  /** A shared study's trial ran on some worker's machine: its log is here only if that is this one. */
  private urlTrialDir(loc: Located, n: number): string | null {
    const t = this.urlTrials(loc).trials.find((x) => x.number === n);
    if (!t) throw new AppFault('NOT_FOUND', `Sweep '${loc.studyName}' has no trial number ${n} (as last read from ${loc.studyPath}).`);
    const d = t.userAttrs.trial_dir;
    const dir = typeof d === 'string' ? d : null;
    const worker = workerOf(t);
    if (worker && worker.host !== os.hostname()) {
      throw new AppFault('NOT_AVAILABLE', `Trial ${n} ran on ${worker.host} (pid ${worker.pid ?? '?'}): its log is on that machine${dir ? `, in ${dir}` : ''}.`);
    }
    if (!worker && t.state !== 'WAITING') throw new AppFault('NOT_AVAILABLE', `Trial ${n} was run by a Python Optuna (or other non-Sweepdeck) worker: Sweepdeck keeps no log of it.`);
    return dir;
  }

  /** One trial's user and system attributes as Optuna stores them, for the trials view. */
  trialAttrs(input: ParsedInput<'sweeps.trialAttrs'>): ChannelOutput<'sweeps.trialAttrs'> {
    const loc = this.locate(input.id);
    const find = (trials: readonly FrozenTrial[]): FrozenTrial | undefined => trials.find((x) => x.number === input.trialNumber);
    let t: FrozenTrial | undefined;
    if (isStudyUrl(loc.studyPath)) t = find(this.urlTrials(loc).trials);
    else {
      if (!existsSync(loc.studyPath)) throw new AppFault('NOT_FOUND', `The study file ${loc.studyPath} of sweep '${input.id}' does not exist.`);
      t = this.read(loc.studyPath, (s) => {
        const info = s.getStudy(loc.studyName);
        return info ? trialNumbered(s, info.studyId, input.trialNumber) : undefined;
      });
    }
    if (!t) throw new AppFault('NOT_FOUND', `Sweep '${input.id}' has no trial number ${input.trialNumber}.`);
    return { number: t.number, userAttrs: t.userAttrs, systemAttrs: t.systemAttrs };
  }

  /** Saves a trial's note as its user attr `note`, so Python Optuna reads it as
   * trial.user_attrs['note']. Allowed on finished trials (a note is not a result) and while the sweep
   * runs (one short write transaction, waiting for the runner's as any writer does). */
  async setTrialNote(input: ParsedInput<'sweeps.setTrialNote'>): Promise<ChannelOutput<'sweeps.setTrialNote'>> {
    const loc = this.locate(input.id);
    const n = input.trialNumber;
    const noTrial = (): AppFault => new AppFault('NOT_FOUND', `Study '${loc.studyName}' in ${loc.studyPath} has no trial ${n}.`);
    if (isStudyUrl(loc.studyPath)) {
      // The watch holds the study's trials already: the whole study is read again only for a trial
      // it has not seen yet.
      const known = this.urlStudies().snapshot(loc)?.trials.find((x) => x.number === n);
      const trialId = await this.urlStudies().writeStudy(loc, async (s, studyId) => {
        const t = known ?? (await s.getTrials(studyId)).find((x) => x.number === n);
        if (!t) throw noTrial();
        await s.setTrialLinkAttr(t.trialId, TRIAL_NOTE_ATTR, input.note);
        return t.trialId;
      });
      await this.urlStudies().reloadTrial(loc, trialId);
    } else {
      await this.writeStudyFile(loc, (storage, studyId) => {
        const t = trialNumbered(storage, studyId, n);
        if (!t) throw noTrial();
        storage.setTrialLinkAttr(t.trialId, TRIAL_NOTE_ATTR, input.note);
      });
    }
    this.o.bus.emit('sweeps.changed', { reason: `note of trial ${n} saved` });
    return { number: n, note: input.note };
  }

  /** Runs `fn` on the sweep's study file opened for writing (our reader let go first: a writer
   * needs the file to itself, and the reader's cache of finished trials would hide the change). */
  private async writeStudyFile<T>(loc: Located, fn: (storage: StudyStorage, studyId: number) => T | Promise<T>): Promise<T> {
    if (!existsSync(loc.studyPath)) throw new AppFault('NOT_FOUND', `The study file ${loc.studyPath} of sweep '${loc.id}' does not exist.`);
    this.readers.drop(loc.studyPath);
    const storage = this.o.core.openStudyStorage(loc.studyPath, { busyTimeoutMs: APP_STUDY_BUSY_TIMEOUT_MS });
    try {
      const study = storage.getStudy(loc.studyName);
      if (!study) throw new AppFault('NOT_FOUND', `There is no study '${loc.studyName}' in ${loc.studyPath}.`);
      return await fn(storage, study.studyId);
    } finally {
      storage.close();
    }
  }

  private fileTrialDir(loc: Located, input: ParsedInput<'sweeps.trialLog'>): string | null {
    if (!existsSync(loc.studyPath)) throw new AppFault('NOT_FOUND', `Sweep '${input.id}' has no study file yet, so no trial logs.`);
    return this.read(loc.studyPath, (s) => {
      const info = s.getStudy(loc.studyName);
      const t = info ? trialNumbered(s, info.studyId, input.trialNumber) : undefined;
      if (!t) throw new AppFault('NOT_FOUND', `Sweep '${input.id}' has no trial number ${input.trialNumber}.`);
      const d = t.userAttrs.trial_dir;
      return typeof d === 'string' ? d : null;
    });
  }

  // ------------------------------------------------------------------------------------------
  // Registering

  private configsDir(): string {
    const d = path.join(this.o.dataDir, 'configs');
    mkdirSync(d, { recursive: true, mode: 0o700 });
    return d;
  }

  /** Saves YAML text the user edited. Relative paths in it keep meaning what they meant beside the
   * file it was edited from: trial.cwd is pinned to that folder when the text does not set it. */
  private saveConfigText(id: string, text: string, basedOn: string | undefined, overrides?: { storagePath: string; studyName: string }): string {
    // Called after parseConfigText accepted the text (size cap, aliases, duplicate keys), so yaml's
    // quadratic duplicate-key check is not needed again.
    const doc = parseDocument(text, { uniqueKeys: false });
    if (basedOn && !doc.hasIn(['trial', 'cwd'])) doc.setIn(['trial', 'cwd'], path.dirname(path.resolve(basedOn)));
    if (overrides) {
      doc.setIn(['checkpoint', 'storage_path'], overrides.storagePath);
      doc.setIn(['study_name'], overrides.studyName);
    }
    const file = path.join(this.configsDir(), `${id}.yaml`);
    // Owner only, as all app data: a config may carry trial.env values meant for the trial alone.
    writeFileSync(file, String(doc), { mode: 0o600 });
    return file;
  }

  register(input: { configPath?: string | undefined; configText?: string | undefined; outputDir?: string | undefined; basedOn?: string | undefined }): SweepSummary {
    const id = newId('sw');
    let configPath: string;
    let config: HpoConfig;
    if (input.configPath !== undefined) {
      configPath = existingFile(input.configPath, 'The HPO config', 'e.g. hpo.yaml');
      config = readConfig(configPath);
    } else {
      config = parseConfigText(input.configText ?? '', input.basedOn ?? 'the edited config');
      configPath = this.saveConfigText(id, input.configText ?? '', input.basedOn);
    }
    const outputDir = input.outputDir ? folderToWrite(input.outputDir, 'The output folder') : path.join(this.o.dataDir, 'sweeps', id);
    const studyPath = path.resolve(outputDir, resolveCheckpointPath(config, outputDir));
    const studyName = resolveStudyName(config);
    const rec = newSweepRecord({ id, source: 'app', configPath, outputDir, studyPath, studyName });
    this.o.state.addSweep(rec);
    this.o.bus.emit('sweeps.changed', { reason: 'registered' });
    return this.summarize(this.located(rec));
  }

  /** The registered sweep for a config file, if any (so the example is registered once). */
  findByConfig(configPath: string): SweepRecord | undefined {
    const abs = path.resolve(configPath);
    return this.o.state.sweeps().find((r) => r.configPath === abs);
  }

  openStudyFile(input: ParsedInput<'sweeps.openStudyFile'>): ChannelOutput<'sweeps.openStudyFile'> {
    const file = existingFile(input.path, 'The study file', 'e.g. study.db');
    // Read-only: a file that is not an Optuna study, or a damaged one, is reported, never touched.
    this.o.core.openStudyStorage(file, { readonly: true, verify: true, busyTimeoutMs: APP_STUDY_BUSY_TIMEOUT_MS }).close();
    const names = this.read(file, (s) => s.listStudies().map((x) => x.name));
    if (names.length === 0) throw new AppFault('NOT_FOUND', `${file} is an Optuna study file but holds no study yet.`);
    const chosen = input.studyName === undefined ? names : names.filter((n) => n === input.studyName);
    if (chosen.length === 0) {
      throw new AppFault('NOT_FOUND', `${file} has no study named '${input.studyName}'; it holds: ${names.join(', ')}.`);
    }
    const out: SweepSummary[] = [];
    for (const name of chosen) {
      let rec = this.o.state.findSweepByStudy(file, name);
      if (!rec) {
        rec = newSweepRecord({ id: studySweepId(file, name), source: 'file', configPath: null, outputDir: null, studyPath: file, studyName: name });
        this.o.state.addSweep(rec);
      }
      out.push(this.summarize(this.located(rec)));
    }
    this.o.bus.emit('sweeps.changed', { reason: 'study file opened' });
    return { sweeps: out };
  }

  /** Points a sweep whose study file or config moved at its new place, after checking that the
   * file there is what it replaces. */
  locateFile(input: ParsedInput<'sweeps.locate'>): SweepSummary {
    const loc = this.locate(input.id);
    const missing = this.live.has(loc.id) ? null : this.missingFile(loc);
    if (!missing || !loc.record) throw new AppFault('CONFLICT', `Sweep '${loc.studyName}' has no missing file to locate (its study file is ${loc.studyPath}).`);
    if (missing.kind === 'study') {
      const file = existingFile(input.path, 'The study file', 'e.g. study.db');
      // Read-only: a file that is not an Optuna study, or a damaged one, is reported, never touched.
      this.o.core.openStudyStorage(file, { readonly: true, verify: true }).close();
      const names = this.read(file, (s) => s.listStudies().map((x) => x.name));
      if (!names.includes(loc.studyName)) {
        const holds = names.length ? `it holds ${names.map((n) => `'${n}'`).join(', ')}` : 'it holds no study';
        throw new AppFault('NOT_FOUND', `${file} has no study named '${loc.studyName}' (${holds}); pick the file that holds it, or open this one with Open study file.`);
      }
      const other = this.o.state.findSweepByStudy(file, loc.studyName);
      if (other && other.id !== loc.id) throw new AppFault('CONFLICT', `The study '${loc.studyName}' in ${file} is already in the list; Remove this entry instead.`);
      this.o.state.updateSweep(loc.id, { studyPath: file, message: null });
    } else {
      const file = existingFile(input.path, 'The HPO config', 'e.g. hpo.yaml');
      readConfig(file); // say what is wrong with it before anything changes
      this.o.state.updateSweep(loc.id, { configPath: file, message: null });
    }
    this.configCache.clear();
    this.o.bus.emit('sweeps.changed', { reason: 'located' });
    return this.summary(loc.id);
  }

  remove(id: string): { removed: boolean } {
    if (this.live.has(id)) throw new AppFault('CONFLICT', `Sweep '${id}' is running; stop it before removing it.`);
    const rec = this.o.state.sweep(id);
    const removed = this.o.state.removeSweep(id);
    this.watchHeartbeat(id, null, 'ready');
    if (rec && isStudyUrl(rec.studyPath) && this.urls) {
      const stillUsed = this.o.state.sweeps().some((r) => r.studyPath === rec.studyPath);
      this.urlStates.delete(id);
      void this.urls.forget(id, rec.studyPath, stillUsed).catch((e: unknown) => console.error(`sweepdeck: closing the watch of ${rec.studyPath}: ${(e as Error).message}`));
    }
    if (removed) this.o.bus.emit('sweeps.changed', { reason: 'removed' });
    return { removed };
  }

  setFolders(folders: string[]): { folders: string[] } {
    this.o.state.setFolders(folders);
    this.o.bus.emit('sweeps.changed', { reason: 'folders changed' });
    return { folders: [...this.o.state.folders()] };
  }

  addFolder(p: string): { folders: string[] } {
    const abs = absoluteInput(p, 'The folder');
    let isDir: boolean;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) throw new AppFault('NOT_FOUND', `${abs} is not a folder; give a folder that holds study files (e.g. the sweep's output dir).`);
    return this.setFolders([...this.o.state.folders(), abs]);
  }

  removeFolder(p: string): { folders: string[] } {
    const abs = path.resolve(p);
    return this.setFolders(this.o.state.folders().filter((f) => f !== abs && f !== p));
  }

  // ------------------------------------------------------------------------------------------
  // Running

  /** A registry record for a located sweep, made when a folder-found study is acted on. */
  private ensureRecord(loc: Located): SweepRecord {
    if (loc.record) return loc.record;
    const rec = newSweepRecord({ id: loc.id, source: 'file', configPath: null, outputDir: null, studyPath: loc.studyPath, studyName: loc.studyName });
    this.o.state.addSweep(rec);
    return rec;
  }

  /** A study made elsewhere gets a config of its own: the given one, pointed at this study file. */
  private attachConfig(rec: SweepRecord, configPath: string): SweepRecord {
    const src = existingFile(configPath, 'The HPO config', 'e.g. hpo.yaml');
    readConfig(src); // say what is wrong with it before anything changes
    const text = readFileSync(src, 'utf8');
    const derived = this.saveConfigText(rec.id, text, src, { storagePath: rec.studyPath, studyName: rec.studyName });
    const outputDir = rec.outputDir ?? path.join(this.o.dataDir, 'sweeps', rec.id);
    return this.o.state.updateSweep(rec.id, { configPath: derived, outputDir }) ?? rec;
  }

  async start(input: ParsedInput<'sweeps.start'>): Promise<SweepSummary> {
    const accept = input.acceptSpaceChange === true;
    if (input.id === undefined) {
      const reg = this.register({ configPath: input.configPath, configText: input.configText, outputDir: input.outputDir, basedOn: input.basedOn });
      return this.launch(reg.id, input.maxTrials, accept);
    }
    return this.launch(input.id, input.maxTrials, accept);
  }

  async resume(input: ParsedInput<'sweeps.resume'>): Promise<SweepSummary> {
    const loc = this.locate(input.id);
    const shared = isStudyUrl(loc.studyPath);
    if (shared) this.checkUrlResume(loc);
    const accept = input.acceptSpaceChange === true;
    let rec = this.ensureRecord(loc);
    if (input.configPath !== undefined) {
      // Checked before the config is attached, so a refused resume changes nothing.
      const file = existingFile(input.configPath, 'The HPO config', 'e.g. hpo.yaml');
      gateSpaceChange(await this.spaceDiffAt(loc, loc.studyPath, loc.studyName, readConfig(file)), file, accept);
      rec = this.attachConfig(rec, input.configPath);
    }
    const started = await this.launch(rec.id, input.maxTrials, accept);
    // Only once local workers did start: a resume that could not start leaves the stop request. (The
    // runner removes it too as it starts; whichever comes first, the other finds nothing.)
    if (shared) await this.urlStudies().clearStop(loc);
    return started;
  }

  /** Before local workers join a PostgreSQL study: it must be one Sweepdeck may drive, and the
   * runner must take study URLs. */
  private checkUrlResume(loc: Located): void {
    const s = this.summarize(loc);
    if (s.readOnly) throw new AppFault('CONFLICT', `Sweep '${loc.studyName}' is watched read-only: ${s.readOnly}`);
    if (!this.o.core.runsStudyUrls) {
      throw new AppFault(
        'NOT_AVAILABLE',
        `Resuming ${loc.studyPath} here needs a runner that works on PostgreSQL studies, which this build does not have yet. Start workers with \`sweepdeck sweep worker\` on the machines that should run trials.`,
      );
    }
  }

  /** How the config's search space (configPath's, else the sweep's own) differs from the study's. */
  async spaceDiff(input: ParsedInput<'sweeps.spaceDiff'>): Promise<ChannelOutput<'sweeps.spaceDiff'>> {
    const loc = this.locate(input.id);
    if (input.configPath !== undefined) {
      const file = existingFile(input.configPath, 'The HPO config', 'e.g. hpo.yaml');
      return this.spaceDiffAt(loc, loc.studyPath, loc.studyName, readConfig(file));
    }
    const configPath = loc.record?.configPath;
    if (!configPath) {
      throw new AppFault('CONFLICT', `The study '${loc.studyName}' in ${loc.studyPath} was made elsewhere and has no HPO config here. Give an HPO config file that defines its search space.`, { needsConfig: true });
    }
    const config = readConfig(configPath);
    const target = resumedStudyFile({ config, outputDir: this.outputDirOf(loc.record!), configDir: path.dirname(configPath) });
    return target ? this.spaceDiffAt(loc, target.studyPath, target.studyName, config) : spaceDiffReply(loc.studyPath, loc.studyName, null);
  }

  private async spaceDiffAt(loc: Located, studyPath: string, studyName: string, config: HpoConfig): Promise<ChannelOutput<'sweeps.spaceDiff'>> {
    if (isStudyUrl(studyPath)) {
      // The sweep's own study URL: its trials as read now (another URL is not one this app watches).
      if (studyPath !== loc.studyPath || studyName !== loc.studyName) return spaceDiffReply(studyPath, studyName, null);
      await this.urlStudies().refresh(loc);
      const snap = this.urlStudies().snapshot(loc);
      return spaceDiffReply(studyPath, studyName, snap ? diffWith(snap.trials, config) : null);
    }
    if (!existsSync(studyPath)) return spaceDiffReply(studyPath, studyName, null);
    return spaceDiffReply(studyPath, studyName, this.read(studyPath, (s) => studySpaceDiff(s, studyName, config)));
  }

  private outputDirOf(rec: SweepRecord): string {
    return rec.outputDir ?? path.join(this.o.dataDir, 'sweeps', rec.id);
  }

  private async launch(id: string, maxTrials: number | undefined, acceptSpaceChange = false): Promise<SweepSummary> {
    const loc = this.locate(id);
    if (this.live.has(id)) throw new AppFault('CONFLICT', `Sweep '${id}' is already running.`);
    const before = this.summarize(loc);
    // A PostgreSQL study is shared: local workers join the ones running elsewhere.
    const shared = isStudyUrl(loc.studyPath);
    if (before.state === 'running' && !shared) throw new AppFault('CONFLICT', `Sweep '${id}' is ${before.message ?? 'running elsewhere'}; stop it there first.`);
    if (before.state === 'unresponsive' && !shared) throw new AppFault('CONFLICT', `Sweep '${id}' may still be running in another process (${before.message ?? 'its heartbeats are late'}); Resume works once it is interrupted.`);
    if (before.state === 'missing') throw new AppFault('NOT_FOUND', `Sweep '${loc.studyName}' cannot run: ${before.message ?? 'a file it needs is missing'}`);
    const rec = this.ensureRecord(loc);
    if (!rec.configPath) {
      throw new AppFault('CONFLICT', `The study '${rec.studyName}' in ${rec.studyPath} was made elsewhere and has no HPO config here. Resume it with an HPO config file that defines its search space and trial command.`, { needsConfig: true });
    }
    if (before.state === 'finished' && maxTrials === undefined) {
      throw new AppFault('CONFLICT', `Sweep '${id}' already finished ${before.finishedTrials} of ${before.maxTrials ?? '?'} trials. Give a larger maxTrials to run more.`);
    }
    const config = readConfig(rec.configPath);
    const outputDir = this.outputDirOf(rec);
    // The study the runner would resume, if any, is resumed with another search space only on purpose.
    const resumed = resumedStudyFile({ config, outputDir, configDir: path.dirname(rec.configPath) });
    if (resumed) gateSpaceChange(await this.spaceDiffAt(loc, resumed.studyPath, resumed.studyName, config), rec.configPath, acceptSpaceChange);
    // Tracking is opened before the runner, so a target that cannot be used (fallback off) is said
    // up front; once the sweep runs, tracking failures are warnings and the outbox keeps the writes.
    const tracking = this.o.trackingFor ? await this.o.trackingFor(config) : null;
    let studyConnection: string | undefined;
    try {
      studyConnection = isStudyUrl(rec.studyPath) && this.o.studyPasswords ? await this.o.studyPasswords.connectionString(rec.studyPath) : undefined;
    } catch (e) {
      await tracking?.close().catch((c: unknown) => console.error(`sweepdeck: closing tracking of ${rec.id}: ${(c as Error).message}`));
      throw e;
    }
    // No reader of ours may hold the file open while the runner owns it.
    this.readers.drop(rec.studyPath);
    await this.live.launch({ record: rec, config, configDir: path.dirname(rec.configPath), outputDir, maxTrials, before, tracking, studyConnection });
    return this.summarize(this.locate(id));
  }

  stop(id: string): SweepSummary {
    if (!this.live.stop(id)) {
      const s = this.summary(id);
      const where = s.state === 'running' || s.state === 'unresponsive' ? `it runs in another process: ${s.message ?? s.state}; stop it there` : `it is ${s.state}`;
      throw new AppFault('CONFLICT', `Sweep '${id}' is not running in this app (${where}).`);
    }
    const summary = this.summary(id);
    this.o.bus.emit('sweep.progress', { ...progressOf(summary), state: 'stopping', runsHere: true, message: 'stopping: running trials are terminated and offered again on resume' });
    return summary;
  }

  /** Stop from the app: a sweep this app runs is stopped here; a PostgreSQL study also gets the stop
   * request every Sweepdeck worker reads from the study, on whatever machine it runs. */
  async requestStop(id: string): Promise<SweepSummary> {
    const loc = this.locate(id);
    if (!isStudyUrl(loc.studyPath)) return this.stop(id);
    await this.urlStudies().requestStop(loc);
    if (this.live.has(id)) return this.stop(id);
    const summary = this.summary(id);
    this.o.bus.emit('sweep.progress', progressOf(summary));
    return summary;
  }

  runningCount(): number {
    return this.live.size;
  }

  /** Stops every sweep this process runs and waits for them (app quit, host shutdown). */
  async close(timeoutMs = 30_000): Promise<void> {
    for (const w of this.heartbeatWatch.values()) clearTimeout(w.timer);
    this.heartbeatWatch.clear();
    await this.live.close(timeoutMs);
    this.readers.close();
    await this.urls?.close();
  }
}

/** The sweep's config as the detail view shows it; none when there is no config, it is over the cap
 * (such a sweep cannot start anyway) or it cannot be read now (the detail says so elsewhere: the
 * sweep's state names the missing file). */
function configTextOf(configPath: string | undefined | null): string | null {
  if (!configPath) return null;
  try {
    return statSync(configPath).size <= MAX_CONFIG_BYTES ? readFileSync(configPath, 'utf8') : null;
  } catch (e) {
    if (['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM'].includes((e as NodeJS.ErrnoException).code ?? '')) return null;
    throw e;
  }
}
