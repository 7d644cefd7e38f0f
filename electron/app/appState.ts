// The app's small registry in its data dir (state.json): app-started sweeps, folders to scan for
// studies, added tracking stores and tracking settings. Written atomically (temp file + rename) so
// a crash mid-write leaves the previous version; a file that does not parse is kept aside, not lost.
// Only its owner may read it (mode 0600, in a 0700 folder when the app creates it): it names the
// user's files and servers.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { chosenWorkspaceSchema, sameWorkspace, type ChosenWorkspace } from '../core/azure/workspaceChoice.ts';
import { hasUrlCredentials, withoutUrlCredentials } from '../../shared/urlCredentials.ts';

export const sweepRecordSchema = z.object({
  id: z.string(),
  /** app: registered here (config known); file: a study file opened here. */
  source: z.enum(['app', 'file']),
  configPath: z.string().nullable(),
  outputDir: z.string().nullable(),
  studyPath: z.string(),
  studyName: z.string(),
  /** What the app last did with it. 'running' after a restart means the runner died: interrupted. */
  status: z.enum(['ready', 'running', 'stopped', 'finished', 'failed']),
  message: z.string().nullable().default(null),
  /** Which process runs it (to tell "running here" from "left running by a dead process"). */
  ownerPid: z.number().nullable().default(null),
  maxTrials: z.number().nullable().default(null),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type SweepRecord = z.infer<typeof sweepRecordSchema>;

export const storeRecordSchema = z.object({
  id: z.string(),
  kind: z.enum(['sqlite', 'mlruns', 'remote', 'azure']),
  label: z.string(),
  uri: z.string(),
  workspace: z.object({ subscriptionId: z.string(), resourceGroup: z.string(), workspaceName: z.string() }).nullable().default(null),
});
export type StoreRecord = z.infer<typeof storeRecordSchema>;

export const trackingSettingsSchema = z.object({
  azure: z.object({ subscriptionId: z.string(), resourceGroup: z.string(), workspaceName: z.string() }).nullable().default(null),
  remoteUri: z.string().nullable().default(null),
  fallbackToLocal: z.boolean().default(true),
  localStorePath: z.string().nullable().default(null),
});
export type TrackingSettings = z.infer<typeof trackingSettingsSchema>;

const stateFileSchema = z.object({
  version: z.literal(1),
  sweeps: z.array(sweepRecordSchema).default([]),
  folders: z.array(z.string()).default([]),
  stores: z.array(storeRecordSchema).default([]),
  tracking: trackingSettingsSchema.default({ azure: null, remoteUri: null, fallbackToLocal: true, localStorePath: null }),
  /** Example configs already registered once (so one the user removed is not added back). */
  offered: z.array(z.string()).default([]),
  /** The Azure ML workspace picked in Settings or with `sweepdeck azure use` (non-secret details). */
  azureChoice: chosenWorkspaceSchema.nullable().default(null),
});
export type StateFile = z.infer<typeof stateFileSchema>;

/** Mode 0600 unless it already allows no one else (a no-op on Windows, where ACLs decide). */
export function ownerOnly(file: string): void {
  if (process.platform === 'win32') return;
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
}

/** Removes user names and passwords from the server URLs of a registry written before they were
 * refused; true when something was removed. */
function dropUrlCredentials(data: StateFile): boolean {
  let changed = false;
  if (data.tracking.remoteUri && hasUrlCredentials(data.tracking.remoteUri)) {
    data.tracking.remoteUri = withoutUrlCredentials(data.tracking.remoteUri).replace(/\/+$/, '');
    changed = true;
  }
  for (const store of data.stores) {
    if (hasUrlCredentials(store.uri)) {
      store.uri = withoutUrlCredentials(store.uri).replace(/\/+$/, '');
      changed = true;
    }
  }
  return changed;
}

export const newId = (prefix: string): string => `${prefix}_${randomBytes(6).toString('hex')}`;

export class AppState {
  readonly file: string;
  private data: StateFile;

  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.file = path.join(dataDir, 'state.json');
    this.data = this.load();
  }

  private load(): StateFile {
    const empty = stateFileSchema.parse({ version: 1 });
    if (!existsSync(this.file)) return empty;
    // A registry written by an older version may be readable by everyone: tighten it first.
    ownerOnly(this.file);
    let data: StateFile;
    try {
      data = stateFileSchema.parse(JSON.parse(readFileSync(this.file, 'utf8')));
    } catch (e) {
      const aside = `${this.file}.unreadable-${Date.now()}`;
      renameSync(this.file, aside);
      console.error(`sweepdeck: ${this.file} could not be read (${(e as Error).message}); kept it as ${aside} and started a fresh registry.`);
      return empty;
    }
    if (dropUrlCredentials(data)) {
      this.data = data;
      this.save();
      console.error(`sweepdeck: ${this.file} held a user name or password inside a tracking server URL; removed it (start Sweepdeck with MLFLOW_TRACKING_TOKEN set for a server that needs sign-in).`);
    }
    return data;
  }

  private save(): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data, null, 2), { mode: 0o600 });
    ownerOnly(tmp); // a temp file left by a crash keeps its old mode when rewritten
    renameSync(tmp, this.file);
  }

  get snapshot(): Readonly<StateFile> {
    return this.data;
  }

  sweeps(): readonly SweepRecord[] {
    return this.data.sweeps;
  }

  sweep(id: string): SweepRecord | undefined {
    return this.data.sweeps.find((s) => s.id === id);
  }

  findSweepByStudy(studyPath: string, studyName: string): SweepRecord | undefined {
    return this.data.sweeps.find((s) => s.studyPath === studyPath && s.studyName === studyName);
  }

  addSweep(rec: SweepRecord): void {
    this.data.sweeps.push(rec);
    this.save();
  }

  updateSweep(id: string, patch: Partial<Omit<SweepRecord, 'id'>>): SweepRecord | undefined {
    const rec = this.sweep(id);
    if (!rec) return undefined;
    Object.assign(rec, patch, { updatedAt: Date.now() });
    this.save();
    return rec;
  }

  removeSweep(id: string): boolean {
    const before = this.data.sweeps.length;
    this.data.sweeps = this.data.sweeps.filter((s) => s.id !== id);
    if (this.data.sweeps.length === before) return false;
    this.save();
    return true;
  }

  folders(): readonly string[] {
    return this.data.folders;
  }

  setFolders(folders: string[]): void {
    this.data.folders = [...new Set(folders)];
    this.save();
  }

  stores(): readonly StoreRecord[] {
    return this.data.stores;
  }

  addStore(rec: StoreRecord): void {
    this.data.stores.push(rec);
    this.save();
  }

  removeStore(id: string): boolean {
    const before = this.data.stores.length;
    this.data.stores = this.data.stores.filter((s) => s.id !== id);
    if (this.data.stores.length === before) return false;
    this.save();
    return true;
  }

  wasOffered(configPath: string): boolean {
    return this.data.offered.includes(configPath);
  }

  markOffered(configPath: string): void {
    if (this.wasOffered(configPath)) return;
    this.data.offered.push(configPath);
    this.save();
  }

  /** The remembered workspace choice; null when none, or when tracking.azure was changed since. */
  azureChoice(): ChosenWorkspace | null {
    return choiceInEffect(this.data);
  }

  /** Remembers a chosen workspace (or forgets it: null), and makes it the tracking target, in one write. */
  chooseWorkspace(choice: ChosenWorkspace | null): void {
    this.data.azureChoice = choice;
    this.data.tracking = {
      ...this.data.tracking,
      azure: choice ? { subscriptionId: choice.subscriptionId, resourceGroup: choice.resourceGroup, workspaceName: choice.workspaceName } : null,
    };
    this.save();
  }

  tracking(): TrackingSettings {
    return this.data.tracking;
  }

  setTracking(patch: Partial<TrackingSettings>): TrackingSettings {
    this.data.tracking = { ...this.data.tracking, ...patch };
    this.save();
    return this.data.tracking;
  }
}

/** The remembered workspace choice in a data folder's state.json, read without creating or moving
 * anything (for CLI commands that only read it). A file that does not parse gives null and a
 * warning naming it (the app keeps such a file aside when it next starts). */
export function readChosenWorkspace(dataDir: string, warn: (message: string) => void = (m) => console.error(m)): ChosenWorkspace | null {
  const file = path.join(dataDir, 'state.json');
  if (!existsSync(file)) return null;
  try {
    return choiceInEffect(stateFileSchema.parse(JSON.parse(readFileSync(file, 'utf8'))));
  } catch (e) {
    warn(`sweepdeck: ${file} could not be read (${(e as Error).message.split('\n')[0]}); the remembered Azure workspace is ignored.`);
    return null;
  }
}

/** The choice, unless tracking.azure was set to another workspace since (tracking.configure). */
function choiceInEffect(data: StateFile): ChosenWorkspace | null {
  const c = data.azureChoice;
  const a = data.tracking.azure;
  return c && a && sameWorkspace(a, c) ? c : null;
}
