// The IPC contract: ONE object maps every channel to its input and output schema. The Electron
// binding, the preload's allow-list, the browser host and the typed client are all derived from it.
// Renderer code bundles this file, so it imports zod and nothing node-only.
import { z } from 'zod';
import { accountStatusSchema, accountTenantSchema, azureCloudSchema, signInAttemptSchema, signInMethodSchema, signInTenantSchema } from './azureAccount.ts';
import { outboxInfoSchema } from './outbox.ts';
import { CHANNEL_NAMES, type ChannelName } from './channels.ts';
import { PER_TRIAL_COLUMNS, TRIAL_STATES } from './trialColumnKeys.ts';
import { hasUrlCredentials, URL_CREDENTIALS_ADVICE } from './urlCredentials.ts';

// ---------------------------------------------------------------------------------------------
// Building blocks

/** Any JS number, including NaN and ±Infinity (Optuna values and MLflow metrics may hold them;
 * the HTTP wire format encodes them, see wire.ts). */
export const anyNumber = z.custom<number>((v) => typeof v === 'number', { message: 'expected a number' });
const id = z.string().min(1).max(512);
const filePath = z.string().min(1).max(4096);
/** An http(s) MLflow server; never with a user name or password in it (see urlCredentials.ts). */
const serverUrl = z.url({ protocol: /^https?$/ }).max(2048).refine((u) => !hasUrlCredentials(u), { message: URL_CREDENTIALS_ADVICE });
const count = z.number().int().nonnegative();
const trustInfoSchema = z.object({
  /** The imported copy in the data folder; null when none is imported. */
  file: z.string().nullable(),
  certificates: z.array(z.object({ subject: z.string(), issuer: z.string(), validTo: z.string(), fingerprint256: z.string() })),
});
/** Epoch milliseconds, or null when unknown. */
const epochMs = z.number().nullable();

export const directionSchema = z.enum(['minimize', 'maximize']);
export const trialStateSchema = z.enum(TRIAL_STATES);
export const paramValueSchema = z.union([z.null(), z.boolean(), anyNumber, z.string()]);

export const distributionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('float'), low: anyNumber, high: anyNumber, step: anyNumber.nullable(), log: z.boolean() }),
  z.object({ kind: z.literal('int'), low: anyNumber, high: anyNumber, step: anyNumber, log: z.boolean() }),
  z.object({ kind: z.literal('categorical'), choices: z.array(paramValueSchema) }),
]);

/** ready: registered, never started. interrupted: a runner died (stale RUNNING trials, or the
 * registry says running but no live runner) or was stopped before the budget was used.
 * unresponsive: another runner's heartbeats are late but not yet stale (the message says when it
 * counts as interrupted). missing: its study file (a study opened here) or its config file is no
 * longer where it was (moved or deleted); the message names the path, and Locate or Remove fix it. */
export const sweepStateSchema = z.enum(['ready', 'running', 'stopping', 'interrupted', 'finished', 'failed', 'unresponsive', 'missing']);

export const trialCountsSchema = z.object({
  RUNNING: count,
  COMPLETE: count,
  PRUNED: count,
  FAIL: count,
  WAITING: count,
});

/** What a study with several objectives shows instead of one best trial. */
export const multiObjectiveSchema = z.object({
  /** One per objective, in Optuna's objective order. */
  directions: z.array(directionSchema).min(2),
  /** Each objective's metric name when the config or the study names it, else null. */
  names: z.array(z.string().nullable()),
  /** How many trials are on the Pareto front (the best trials). */
  frontSize: count,
  /** Whether any trial has constraints recorded (Optuna's constraints_func). */
  constrained: z.boolean(),
});
export type MultiObjective = z.infer<typeof multiObjectiveSchema>;

export const sweepSummarySchema = z.object({
  /** Stable id: the registry id for app-known sweeps, derived from study path + name otherwise. */
  id,
  /** Where the app learned of it: started/registered here, found in a folder, or opened as a file. */
  source: z.enum(['app', 'folder', 'file']),
  state: sweepStateSchema,
  /** This app's own runner runs it (only then can Stop reach it); false when another process does. */
  runsHere: z.boolean(),
  studyName: z.string(),
  studyPath: z.string(),
  configPath: z.string().nullable(),
  outputDir: z.string().nullable(),
  backbone: z.string().nullable(),
  experimentName: z.string().nullable(),
  direction: directionSchema.nullable(),
  objectiveMetric: z.string().nullable(),
  maxTrials: count.nullable(),
  /** COMPLETE + PRUNED, the trials that count against max_trials. */
  finishedTrials: count,
  counts: trialCountsSchema,
  best: z.object({ number: count, value: anyNumber }).nullable(),
  /** The tracking target of its parent run, when known. */
  tracking: z.object({
    storeUri: z.string().nullable(),
    experimentId: z.string().nullable(),
    parentRunId: z.string().nullable(),
  }),
  /** Why it failed or is interrupted, in words. */
  message: z.string().nullable(),
  updatedAt: epochMs,
  /** Where the study lives: a study file (absent: the same), or a PostgreSQL study URL (studyPath is
   * then that URL without its password). */
  storage: z.enum(['sqlite', 'postgresql']).optional(),
  /** Set when the app only watches the study (e.g. only Python Optuna workers drive it): why Stop and
   * Resume are off. */
  readOnly: z.string().nullable().optional(),
  /** A multi-objective study only (absent for one objective: see `direction`). */
  objectives: multiObjectiveSchema.optional(),
});
export type SweepSummary = z.infer<typeof sweepSummarySchema>;

export const trialRowSchema = z.object({
  trialId: count,
  number: count,
  state: trialStateSchema,
  params: z.record(z.string(), paramValueSchema),
  value: anyNumber.nullable(),
  /** [step, value] sorted by step; NaN kept. */
  intermediate: z.array(z.tuple([anyNumber, anyNumber])),
  startedAt: epochMs,
  completedAt: epochMs,
  durationMs: z.number().nullable(),
  /** The MLflow child run of this trial (trial user attr), when tracked. */
  childRunId: z.string().nullable(),
  /** Why it failed or was pruned, when recorded. */
  reason: z.string().nullable(),
  /** A multi-objective study's trial: every objective's value (value is values[0]). */
  values: z.array(anyNumber.nullable()).optional(),
  /** Under Optuna's constraints: whether the trial met them (absent when none are recorded). */
  feasible: z.boolean().optional(),
});
export type TrialRow = z.infer<typeof trialRowSchema>;

/** A trial as the sweep detail screen first draws it: a TrialRow without its intermediate values,
 * which come apart (sweeps.intermediateColumns) for the one chart that draws them. */
export type TrialScalars = Omit<TrialRow, 'intermediate'>;

/** The same trials column by column (see trialColumns.ts), without their intermediate values:
 * element i of every per-trial array is trial i. */
/** What a page holding a study's trials lacks: the trials numbered above `after` (-1: it holds
 * none), and `numbers` (those it holds unfinished). Finished trials never change. */
const sinceSchema = z.strictObject({ after: z.number().int().min(-1), numbers: z.array(count).max(1_000_000) });

/** A column of 100,000 entries checked element by element through zod costs ~50 ms; these check the
 * same rule in one plain loop (a 100,000-trial reply: ~660 ms of checks down to a few ms). */
const column = <T>(what: string, ok: (v: unknown) => boolean) =>
  z.custom<T[]>((v) => Array.isArray(v) && v.every(ok), { message: `expected an array of ${what}` });
const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isNumberOrNull = (v: unknown): boolean => v === null || typeof v === 'number';
const isStringOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
const isScalar = (v: unknown): boolean => v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';

export const trialColumnsSchema = z
  .object({
    total: count,
    direction: directionSchema.nullable(),
    trialId: column<number>('counts', isCount),
    number: column<number>('counts', isCount),
    /** Index into TRIAL_STATES. */
    state: column<number>('state codes', (v) => isCount(v) && (v as number) < TRIAL_STATES.length),
    value: column<number | null>('numbers or null', isNumberOrNull),
    startedAt: column<number | null>('numbers or null', isNumberOrNull),
    completedAt: column<number | null>('numbers or null', isNumberOrNull),
    durationMs: column<number | null>('numbers or null', isNumberOrNull),
    childRunId: column<string | null>('strings or null', isStringOrNull),
    reason: column<string | null>('strings or null', isStringOrNull),
    /** One column per parameter name; `absent` lists the rows that have no value for it. */
    params: z.array(z.object({ name: z.string(), values: column<z.infer<typeof paramValueSchema>>('param values', isScalar), absent: column<number>('counts', isCount) })),
    /** One column per trial user attribute (for the table's filters): a scalar as it is, anything
     * else as its JSON text; `absent` lists the rows without it. Absent from replies that do not
     * carry them (a study on PostgreSQL). */
    userAttrs: z
      .array(z.object({ key: z.string(), values: column<string | number | boolean | null>('attribute values', isScalar), absent: column<number>('counts', isCount) }))
      .optional(),
    /** Multi-objective studies only: every direction, one value column per objective
     * (values[k][i]: objective k of trial i), and the numbers of the whole study's trials on the
     * Pareto front (in a `since` reply too, as `total`). */
    directions: z.array(directionSchema).optional(),
    values: z.array(column<number | null>('numbers or null', isNumberOrNull)).optional(),
    front: column<number>('counts', isCount).optional(),
    /** When some trial has constraints recorded: feasible or not per trial, null when unknown. */
    feasible: column<boolean | null>('booleans or null', (v) => v === null || typeof v === 'boolean').optional(),
  })
  .superRefine((c, ctx) => {
    const n = c.number.length;
    const bad = (path: string, message: string): void => ctx.addIssue({ code: 'custom', path: [path], message });
    for (const k of PER_TRIAL_COLUMNS) {
      if (c[k].length !== n) bad(k, `has ${c[k].length} entries for ${n} trials`);
    }
    for (const [k, col] of (c.values ?? []).entries()) if (col.length !== n) bad('values', `objective ${k} has ${col.length} entries for ${n} trials`);
    if (c.feasible && c.feasible.length !== n) bad('feasible', `has ${c.feasible.length} entries for ${n} trials`);
    for (const p of c.params) {
      if (p.values.length !== n) bad('params', `column '${p.name}' has ${p.values.length} entries for ${n} trials`);
      if (p.absent.some((i) => i >= n)) bad('params', `column '${p.name}' marks a row past the last trial as absent`);
    }
    for (const a of c.userAttrs ?? []) {
      if (a.values.length !== n) bad('userAttrs', `column '${a.key}' has ${a.values.length} entries for ${n} trials`);
      if (a.absent.some((i) => i >= n)) bad('userAttrs', `column '${a.key}' marks a row past the last trial as absent`);
    }
  });
export type TrialColumns = z.infer<typeof trialColumnsSchema>;

/** The trials' intermediate values, flat: those of the trial numbered number[i] are
 * step/value[start[i] .. start[i+1]). */
export const intermediateColumnsSchema = z
  .object({
    number: column<number>('counts', isCount),
    start: column<number>('counts', isCount),
    step: column<number>('numbers', (v) => typeof v === 'number'),
    value: column<number>('numbers', (v) => typeof v === 'number'),
  })
  .superRefine((c, ctx) => {
    const n = c.number.length;
    const bad = (path: string, message: string): void => ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.start.length !== n + 1) bad('start', `has ${c.start.length} entries; ${n} trials need ${n + 1}`);
    else if (c.start[0] !== 0 || c.start[n] !== c.step.length || c.start.some((x, i) => i > 0 && x < c.start[i - 1]!)) {
      bad('start', 'must rise from 0 to the number of intermediate values');
    }
    if (c.value.length !== c.step.length) bad('value', `has ${c.value.length} entries for ${c.step.length} steps`);
  });
export type IntermediateColumns = z.infer<typeof intermediateColumnsSchema>;

export const sweepDetailSchema = sweepSummarySchema.extend({
  distributions: z.record(z.string(), distributionSchema),
  checkpointPath: z.string(),
  configText: z.string().nullable(),
  userAttrs: z.record(z.string(), z.unknown()),
  /** Numbers of its RUNNING trials without heartbeats (run elsewhere, e.g. by Python Optuna):
   * only the user can fail one of them (sweeps.failTrial). */
  runningElsewhere: z.array(count),
});
export type SweepDetail = z.infer<typeof sweepDetailSchema>;

/** One worker of a shared study, as its trials' system attrs (sweepdeck:host / sweepdeck:pid) name
 * it; trials without them (Python Optuna's) form one 'python' row. */
export const studyWorkerSchema = z.object({
  kind: z.enum(['sweepdeck', 'python']),
  host: z.string().nullable(),
  pid: z.number().int().nullable(),
  /** Numbers of its RUNNING trials. */
  running: z.array(count),
  /** Its trials among the study's most recent ones that finished (COMPLETE, PRUNED, FAIL). */
  recentFinished: count,
  /** Newest heartbeat of its RUNNING trials (epoch ms, this machine's clock), null when none. */
  lastHeartbeatAt: epochMs,
  /** fresh / late / stale by the runner's heartbeat rule; none: no RUNNING trial with a heartbeat. */
  heartbeat: z.enum(['fresh', 'late', 'stale', 'none']),
  /** Numbers of its RUNNING trials whose heartbeat is past the grace period (their worker is gone). */
  stale: z.array(count),
});
export type StudyWorker = z.infer<typeof studyWorkerSchema>;

export const studyWorkersSchema = z.object({
  workers: z.array(studyWorkerSchema),
  /** The study's stop request (sweepdeck:stop_requested), while one stands. */
  stopRequested: z.object({ at: z.string(), by: z.string() }).nullable(),
  /** Why Stop and Resume are off (only Python Optuna workers), or null. */
  readOnly: z.string().nullable(),
  /** When the study was last read (epoch ms), and why the last read failed, if it did. */
  readAt: epochMs,
  error: z.string().nullable(),
});
export type StudyWorkers = z.infer<typeof studyWorkersSchema>;

/** How a config's search space differs from the one a study's trials hold, one entry per param,
 * with its words (e.g. "learning_rate: range 1e-5..1e-2 → 1e-6..1e-1"). refused: a change Optuna
 * cannot make within a study (a param's kind, log scale or categorical choices). */
export const spaceDiffSchema = z.object({
  studyPath: z.string(),
  studyName: z.string(),
  changes: z.array(z.object({ param: z.string(), change: z.enum(['added', 'removed', 'changed', 'incompatible']), text: z.string() })),
  refused: z.boolean(),
});
export type SpaceDiffReply = z.infer<typeof spaceDiffSchema>;

export const configIssueSchema = z.object({
  /** Dotted field path, e.g. `search_space.learning_rate.min`; '' for the whole document. */
  path: z.string(),
  line: z.number().int().positive().nullable(),
  column: z.number().int().positive().nullable(),
  message: z.string(),
});
export type ConfigIssue = z.infer<typeof configIssueSchema>;

export const trackingModeSchema = z.enum(['azure', 'remote', 'local']);
export const azureWorkspaceSchema = z.strictObject({
  subscriptionId: z.string().min(1).max(200),
  resourceGroup: z.string().min(1).max(200),
  workspaceName: z.string().min(1).max(200),
});

export const trackingStatusSchema = z.object({
  mode: trackingModeSchema,
  /** The tracking URI in use (the store the app writes to). */
  uri: z.string(),
  /** Why the app is not on the mode it was asked for (e.g. Azure unreachable), or null. */
  fallbackReason: z.string().nullable(),
  fallbackToLocal: z.boolean(),
  localStorePath: z.string(),
  /** Azure workspace fields, from settings or the AZURE_* environment. */
  azure: z.object({ subscriptionId: z.string(), resourceGroup: z.string(), workspaceName: z.string() }).nullable(),
  /** Where `azure` came from: AZURE_* in the environment (they win) or the workspace chosen in the app / `sweepdeck azure use`. */
  azureSource: z.enum(['environment', 'chosen']).nullable(),
  remoteUri: z.string().nullable(),
  /** Writes queued in the outbox while the remote store is unreachable. */
  pendingOutbox: count,
  checkedAt: epochMs,
});
export type TrackingStatus = z.infer<typeof trackingStatusSchema>;

// Azure workspace discovery and the workspace picker.
export const workspaceKindSchema = z.enum(['workspace', 'hub', 'project', 'feature-store']);
export const tenantStatusSchema = z.enum(['ok', 'needs-sign-in', 'error']);
const tenantId = z.string().min(1).max(256).regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, 'a tenant id (GUID) or domain');
const subscriptionId = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'a subscription id (GUID)');
export const azureTenantSchema = z.object({
  tenantId: z.string(),
  displayName: z.string().nullable(),
  defaultDomain: z.string().nullable(),
  status: tenantStatusSchema,
  /** Why it is not 'ok' (needs-sign-in: the user must sign in again for it). */
  message: z.string().nullable(),
  subscriptionCount: count.nullable(),
});
export type AzureTenant = z.infer<typeof azureTenantSchema>;
export const azureSubscriptionSchema = z.object({ subscriptionId: z.string(), displayName: z.string(), tenantId: z.string(), state: z.string() });
export const azureWorkspaceInfoSchema = z.object({
  tenantId: z.string(),
  subscriptionId: z.string(),
  subscriptionName: z.string().nullable(),
  resourceGroup: z.string(),
  name: z.string(),
  id: z.string(),
  region: z.string(),
  kind: workspaceKindSchema,
  /** A project's hub (ARM id). */
  hubId: z.string().nullable(),
  /** azureml://...; null for a hub (runs are tracked in its projects). */
  mlflowTrackingUri: z.string().nullable(),
});
export type AzureWorkspaceInfo = z.infer<typeof azureWorkspaceInfoSchema>;
export const currentWorkspaceSchema = z.object({
  subscriptionId: z.string(),
  resourceGroup: z.string(),
  workspaceName: z.string(),
  /** environment: AZURE_* variables (they win over a choice); chosen: picked in the app or with `sweepdeck azure use`. */
  source: z.enum(['environment', 'chosen']),
  tenantId: z.string().nullable(),
  region: z.string().nullable(),
  kind: workspaceKindSchema.nullable(),
  chosenAt: epochMs,
});
export type CurrentWorkspace = z.infer<typeof currentWorkspaceSchema>;

export const storeKindSchema = z.enum(['sqlite', 'mlruns', 'remote', 'azure']);
export const storeInfoSchema = z.object({
  id,
  kind: storeKindSchema,
  label: z.string(),
  uri: z.string(),
  readOnly: z.boolean(),
  /** The app's own local store: cannot be removed. */
  builtin: z.boolean(),
});
export type StoreInfo = z.infer<typeof storeInfoSchema>;

// MLflow REST 2.0 JSON shapes (snake_case, ids as strings, epoch ms), as the stores return them.
const keyValueSchema = z.object({ key: z.string(), value: z.string() });
export const metricSchema = z.object({ key: z.string(), value: anyNumber, timestamp: z.number(), step: z.number() });
export const experimentSchema = z.object({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string(),
  lifecycle_stage: z.enum(['active', 'deleted']),
  last_update_time: z.number().optional(),
  creation_time: z.number().optional(),
  tags: z.array(keyValueSchema).optional(),
});
export type Experiment = z.infer<typeof experimentSchema>;
export const runSchema = z.object({
  info: z.object({
    run_id: z.string(),
    run_uuid: z.string(),
    run_name: z.string(),
    experiment_id: z.string(),
    user_id: z.string(),
    status: z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']),
    start_time: z.number(),
    end_time: z.number().optional(),
    artifact_uri: z.string(),
    lifecycle_stage: z.enum(['active', 'deleted']),
  }),
  data: z.object({
    metrics: z.array(metricSchema).optional(),
    params: z.array(keyValueSchema).optional(),
    tags: z.array(keyValueSchema).optional(),
  }),
  inputs: z.record(z.string(), z.unknown()).optional(),
});
export type Run = z.infer<typeof runSchema>;
export type Metric = z.infer<typeof metricSchema>;

const viewTypeSchema = z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']);
const pageToken = z.string().max(4096);

/** Where a page of an Azure workspace's data came from: `offline` when Azure could not be used and
 * the offline mirror answered; `asOf` when it was last brought up to date (epoch ms). Absent for
 * other stores. */
const mirroredFields = {
  offline: z.boolean().optional(),
  asOf: epochMs.optional(),
  offlineReason: z.string().nullable().optional(),
};

/** An Azure workspace's offline mirror and its sync, for the Experiments screen. */
export const mirrorStatusSchema = z.object({
  storeId: z.string(),
  offline: z.boolean(),
  reason: z.string().nullable(),
  lastSyncAt: epochMs,
  syncing: z.boolean(),
  progress: z
    .object({ phase: z.enum(['experiments', 'runs', 'histories']), experiment: z.string().nullable(), done: count, total: count.nullable(), runs: count })
    .nullable(),
  lastError: z.string().nullable(),
  runs: count,
  experiments: count,
});
export type MirrorStatusInfo = z.infer<typeof mirrorStatusSchema>;
const empty = z.strictObject({});
/** A path inside a run's artifacts, '/'-separated and relative; the service refuses '..', absolute
 * paths and symlinks out (naming the path), this only bounds its size. */
const artifactPath = z.string().max(4096);


// ---------------------------------------------------------------------------------------------
// The channels

export const contract = {
  'app.info': {
    input: empty,
    output: z.object({
      version: z.string(),
      /** 'electron' in the desktop app, 'browser' through `sweepdeck serve`. */
      host: z.enum(['electron', 'browser']),
      dataDir: z.string(),
      platform: z.string(),
      exampleConfigPath: z.string().nullable(),
    }),
  },

  /** Who is signed in to Azure and through which link of the credential chain (no token, ever).
   * refresh: ask the chain again instead of the last answer. */
  'azure.account.status': {
    input: z.strictObject({ refresh: z.boolean().optional() }),
    output: accountStatusSchema,
  },
  /** Start a sign-in inside Sweepdeck. Replies once there is something to show: the device code
   * and its URL, or the browser's sign-in page (opened by the desktop app, to be opened by the page
   * in the browser host). Its end comes as an 'azure.account' event. tenantId with addTenant: sign
   * in to one more tenant (e.g. one that demands MFA) and keep the default tenant. */
  'azure.account.signIn': {
    input: z.strictObject({
      method: signInMethodSchema,
      tenantId: signInTenantSchema.optional(),
      addTenant: z.boolean().optional(),
      cloud: azureCloudSchema.optional(),
    }),
    output: signInAttemptSchema,
  },
  /** Cancel the sign-in in progress. */
  'azure.account.cancel': {
    input: empty,
    output: z.object({ cancelled: z.boolean() }),
  },
  /** Forget the account signed in inside Sweepdeck: its token cache and its record. */
  'azure.account.signOut': {
    input: empty,
    output: accountStatusSchema,
  },
  /** The tenants the account reaches, a tenant that demands MFA as 'needs sign-in' (never dropped). */
  'azure.account.tenants': {
    input: empty,
    output: z.object({ tenants: z.array(accountTenantSchema) }),
  },
  /** The extra root certificates imported in Settings (for a TLS-inspecting proxy), or none. */
  'azure.trust.get': {
    input: empty,
    output: trustInfoSchema,
  },
  /** Import (or replace) the extra roots from an absolute path to a PEM of one or more certificates. */
  'azure.trust.import': {
    input: z.strictObject({ path: filePath }),
    output: trustInfoSchema,
  },
  /** Forget the imported roots (SWEEPDECK_AZURE_CA_FILE and NODE_EXTRA_CA_CERTS still apply). */
  'azure.trust.remove': {
    input: empty,
    output: trustInfoSchema,
  },
  /** Every sweep's outbox that holds writes waiting for its remote store (or is flushing now). */
  'outbox.list': {
    input: empty,
    output: z.object({ outboxes: z.array(outboxInfoSchema) }),
  },
  /** Try the sweep's remote store again now: a running sweep's flusher is woken; a stopped sweep's
   * outbox is opened with its store and flushed, for at most timeoutMs. */
  'outbox.retry': {
    input: z.strictObject({ sweepId: id, timeoutMs: z.number().int().positive().max(120_000).optional() }),
    output: outboxInfoSchema,
  },

  'sweeps.list': {
    input: empty,
    output: z.object({ sweeps: z.array(sweepSummarySchema), folders: z.array(z.string()) }),
  },
  'sweeps.get': {
    input: z.strictObject({ id }),
    output: sweepDetailSchema,
  },
  /** Register a config without starting it (the New sweep screen's "Save", the example). */
  'sweeps.register': {
    input: z
      .strictObject({
        configPath: filePath.optional(),
        configText: z.string().max(1_000_000).optional(),
        /** Where trial dirs and a relative checkpoint go; default: a folder per sweep in the data dir. */
        outputDir: filePath.optional(),
        /** With configText: the file it was edited from; relative paths in it resolve from there. */
        basedOn: filePath.optional(),
      })
      .refine((v) => (v.configPath === undefined) !== (v.configText === undefined), {
        message: 'give exactly one of configPath or configText',
      }),
    output: sweepSummarySchema,
  },
  /** Start a registered sweep by id, or register-and-start a config. An existing checkpoint with
   * auto_resume continues with only the remaining trials. */
  'sweeps.start': {
    input: z
      .strictObject({
        id: id.optional(),
        configPath: filePath.optional(),
        configText: z.string().max(1_000_000).optional(),
        outputDir: filePath.optional(),
        basedOn: filePath.optional(),
        maxTrials: z.number().int().positive().max(1_000_000).optional(),
        /** As for sweeps.resume: an existing study with another search space. */
        acceptSpaceChange: z.boolean().optional(),
      })
      .refine((v) => [v.id, v.configPath, v.configText].filter((x) => x !== undefined).length === 1, {
        message: 'give exactly one of id, configPath or configText',
      }),
    output: sweepSummarySchema,
  },
  /** Graceful stop: running trials are terminated and marked; the study stays resumable. */
  'sweeps.stop': {
    input: z.strictObject({ id }),
    output: sweepSummarySchema,
  },
  /** Resume an interrupted sweep. A study opened from a file has no config: give one. */
  'sweeps.resume': {
    input: z.strictObject({
      id,
      configPath: filePath.optional(),
      maxTrials: z.number().int().positive().max(1_000_000).optional(),
      /** Resume although the config's search space differs from the study's (sweeps.spaceDiff);
       * without it such a resume is refused (CONFLICT, details.spaceDiff). */
      acceptSpaceChange: z.boolean().optional(),
    }),
    output: sweepSummarySchema,
  },
  /** Before Resume: how the config's search space (the sweep's, or configPath's) differs from the
   * study's. Only reads. */
  'sweeps.spaceDiff': {
    input: z.strictObject({ id, configPath: filePath.optional() }),
    output: spaceDiffSchema,
  },
  /** Point a sweep whose file moved (state missing) at the file's new place: the study file (it must
   * hold the sweep's study) or, when the study is fine, the HPO config. */
  'sweeps.locate': {
    input: z.strictObject({ id, path: filePath }),
    output: sweepSummarySchema,
  },
  /** Fail on purpose a trial RUNNING elsewhere (no heartbeats) whose program no longer runs, as
   * `sweepdeck sweep fail-trial` does; retry offers its params again to the next run. */
  'sweeps.failTrial': {
    input: z.strictObject({ id, trialNumber: count, retry: z.boolean().optional() }),
    output: z.object({ number: count, state: trialStateSchema, reofferedAs: count.nullable() }),
  },
  /** Forget a sweep (files are kept). */
  'sweeps.remove': {
    input: z.strictObject({ id }),
    output: z.object({ removed: z.boolean() }),
  },
  /** Trials of a sweep. Without limit: all of them (10,000 fit in one call). */
  'sweeps.trials': {
    input: z.strictObject({
      id,
      offset: count.optional(),
      limit: z.number().int().positive().max(1_000_000).optional(),
    }),
    output: z.object({
      total: count,
      offset: count,
      direction: directionSchema.nullable(),
      trials: z.array(trialRowSchema),
    }),
  },
  /** All trials of a sweep column by column, without their intermediate values: what the sweep
   * detail screen draws first (the table, the history chart), in under a third of the bytes of
   * sweeps.trials. */
  'sweeps.trialColumns': {
    input: z.strictObject({
      id,
      /** Only what changed for a page that holds the trials up to number `after` (-1: none) and holds
       * `numbers` unfinished: the trials above `after` and those of `numbers`, as they are now. The
       * reply's total is still the study's whole count. Finished trials never change. */
      since: sinceSchema.optional(),
    }),
    output: trialColumnsSchema,
  },
  /** The intermediate values of a sweep's trials, flat, for the intermediate-values chart. */
  'sweeps.intermediateColumns': {
    /** since: as for sweeps.trialColumns, only the trials a page lacks. */
    input: z.strictObject({ id, since: sinceSchema.optional() }),
    output: intermediateColumnsSchema,
  },
  /** Watch these sweeps' study files for trials other processes write (a lease: ask again within
   * leaseMs to keep watching); each change comes as a sweep.progress event. Unknown ids are left out. */
  'sweeps.watch': {
    input: z.strictObject({ ids: z.array(id).max(500) }),
    output: z.object({ watching: z.array(z.string()), leaseMs: count }),
  },
  /** Add an Optuna study file made elsewhere (every study in it becomes a sweep). */
  'sweeps.openStudyFile': {
    input: z.strictObject({ path: filePath, studyName: z.string().min(1).max(512).optional() }),
    output: z.object({ sweeps: z.array(sweepSummarySchema) }),
  },
  /** Add a study in a PostgreSQL database by its URL (postgresql://user[:password]@host:port/db).
   * The registry keeps the URL without its password; a password in the URL is kept in the OS's
   * encrypted storage (or in memory for this session when there is none; notice says so), and
   * PGPASSWORD / ~/.pgpass are used when the URL has none. Nothing in the reply holds it. */
  'sweeps.openStudyUrl': {
    input: z.strictObject({ url: z.string().min(1).max(4096), studyName: z.string().min(1).max(512).optional() }),
    output: z.object({ sweeps: z.array(sweepSummarySchema), notice: z.string().nullable() }),
  },
  /** Who runs a PostgreSQL study's trials: its workers by host and process, with their heartbeats. */
  'sweeps.workers': {
    input: z.strictObject({ id }),
    output: studyWorkersSchema,
  },
  /** The tail of a trial's stdout/stderr. */
  /** One trial's user and system attributes (Optuna's trial_user_attributes / trial_system_attributes). */
  'sweeps.trialAttrs': {
    input: z.strictObject({ id, trialNumber: count }),
    output: z.object({ number: count, userAttrs: z.record(z.string(), z.unknown()), systemAttrs: z.record(z.string(), z.unknown()) }),
  },
  /** Saves a trial's note as its user attr `note` (Python Optuna sees it in trial.user_attrs). */
  'sweeps.setTrialNote': {
    input: z.strictObject({ id, trialNumber: count, note: z.string().max(10_000) }),
    output: z.object({ number: count, note: z.string() }),
  },
  'sweeps.trialLog': {
    input: z.strictObject({
      id,
      trialNumber: count,
      stream: z.enum(['stdout', 'stderr']),
      maxBytes: z.number().int().positive().max(4_000_000).optional(),
    }),
    output: z.object({ path: z.string().nullable(), text: z.string(), size: count, truncated: z.boolean() }),
  },
  'folders.add': {
    input: z.strictObject({ path: filePath }),
    output: z.object({ folders: z.array(z.string()) }),
  },
  'folders.remove': {
    input: z.strictObject({ path: filePath }),
    output: z.object({ folders: z.array(z.string()) }),
  },

  'config.validate': {
    input: z.strictObject({ text: z.string().max(1_000_000), path: filePath.optional() }),
    output: z.object({
      valid: z.boolean(),
      issues: z.array(configIssueSchema),
      /** The essentials, when valid. */
      summary: z
        .object({
          experimentName: z.string(),
          backbone: z.string(),
          studyName: z.string(),
          maxTrials: count,
          metric: z.string(),
          goal: directionSchema,
          checkpointPath: z.string(),
        })
        .nullable(),
    }),
  },
  'config.readExample': {
    input: empty,
    output: z.object({ path: z.string(), text: z.string() }),
  },
  'config.read': {
    input: z.strictObject({ path: filePath }),
    output: z.object({ path: z.string(), text: z.string() }),
  },

  'tracking.status': {
    input: empty,
    output: trackingStatusSchema,
  },
  /** Change the tracking target; the app re-runs setup and returns the resulting status. */
  'tracking.configure': {
    input: z.strictObject({
      /** null clears the Azure workspace (local or remote only). */
      azure: azureWorkspaceSchema.nullable().optional(),
      /** A remote MLflow server; null clears it. */
      remoteUri: serverUrl.nullable().optional(),
      fallbackToLocal: z.boolean().optional(),
      localStorePath: filePath.optional(),
    }),
    output: trackingStatusSchema,
  },

  /** The Azure tenants the credentials reach, each with its status (a tenant needing sign-in is listed, never dropped). */
  'workspaces.tenants': {
    input: z.strictObject({ refresh: z.boolean().optional() }),
    output: z.object({ tenants: z.array(azureTenantSchema) }),
  },
  /** One tenant's subscriptions (listed with that tenant's token). */
  'workspaces.subscriptions': {
    input: z.strictObject({ tenantId }),
    output: z.object({ status: tenantStatusSchema, message: z.string().nullable(), subscriptions: z.array(azureSubscriptionSchema) }),
  },
  /** Azure ML workspaces of one subscription, or of all of a tenant's subscriptions (Resource Graph when many). */
  'workspaces.list': {
    input: z.strictObject({ tenantId, subscriptionId: subscriptionId.optional() }),
    output: z.object({
      status: tenantStatusSchema,
      message: z.string().nullable(),
      via: z.enum(['resource-graph', 'arm']).nullable(),
      workspaces: z.array(azureWorkspaceInfoSchema),
      subscriptionErrors: z.array(z.object({ subscriptionId: z.string(), message: z.string() })),
    }),
  },
  /** The workspace new sweeps track to, and where that comes from. */
  'workspaces.current': {
    input: empty,
    output: z.object({
      current: currentWorkspaceSchema.nullable(),
      /** AZURE_* or MLFLOW_TRACKING_URI in the environment: they win over a choice made here. */
      environmentOverrides: z.boolean(),
    }),
  },
  /** Choose the workspace new sweeps track to (checked with Azure first), or null to forget it.
   * Running sweeps keep the target they started with. */
  'workspaces.choose': {
    input: z.strictObject({ workspace: azureWorkspaceSchema.nullable(), tenantId: tenantId.optional() }),
    output: z.object({ current: currentWorkspaceSchema.nullable(), environmentOverrides: z.boolean(), tracking: trackingStatusSchema }),
  },

  'stores.list': {
    input: empty,
    output: z.object({ stores: z.array(storeInfoSchema) }),
  },
  'stores.add': {
    input: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('sqlite'), path: filePath, label: z.string().max(200).optional() }),
      z.strictObject({ kind: z.literal('mlruns'), path: filePath, label: z.string().max(200).optional() }),
      z.strictObject({ kind: z.literal('remote'), uri: serverUrl, label: z.string().max(200).optional() }),
      z.strictObject({ kind: z.literal('azure'), workspace: azureWorkspaceSchema, label: z.string().max(200).optional() }),
    ]),
    output: storeInfoSchema,
  },
  'stores.remove': {
    input: z.strictObject({ id }),
    output: z.object({ removed: z.boolean() }),
  },

  'experiments.list': {
    input: z.strictObject({
      storeId: id,
      filter: z.string().max(4096).optional(),
      viewType: viewTypeSchema.optional(),
      maxResults: z.number().int().positive().max(50_000).optional(),
      pageToken: pageToken.optional(),
    }),
    output: z.object({ experiments: z.array(experimentSchema), nextPageToken: z.string().nullable(), ...mirroredFields }),
  },
  'runs.search': {
    input: z.strictObject({
      storeId: id,
      experimentIds: z.array(z.string().min(1).max(256)).min(1).max(1000),
      /** MLflow filter grammar: `params.x = 'y' AND metrics.m > 0.5 AND tags.mlflow.parentRunId = '...'`. */
      filter: z.string().max(4096).optional(),
      orderBy: z.array(z.string().min(1).max(512)).max(20).optional(),
      maxResults: z.number().int().positive().max(50_000).optional(),
      pageToken: pageToken.optional(),
      viewType: viewTypeSchema.optional(),
    }),
    output: z.object({ runs: z.array(runSchema), nextPageToken: z.string().nullable(), ...mirroredFields }),
  },
  'runs.get': {
    input: z.strictObject({ storeId: id, runId: z.string().min(1).max(256) }),
    output: z.object({ run: runSchema }),
  },
  'runs.metricHistory': {
    input: z.strictObject({
      storeId: id,
      runId: z.string().min(1).max(256),
      key: z.string().min(1).max(500),
      maxResults: z.number().int().positive().max(1_000_000).optional(),
      pageToken: pageToken.optional(),
    }),
    output: z.object({ metrics: z.array(metricSchema), nextPageToken: z.string().nullable(), ...mirroredFields }),
  },
  /** From a parent run, the sweep its `checkpoint_path` leads to (registered on the way). */
  'runs.findSweep': {
    input: z.strictObject({ storeId: id, runId: z.string().min(1).max(256) }),
    output: z.object({ checkpointPath: z.string().nullable(), sweepId: z.string().nullable() }),
  },

  /** Best-of metric columns: min and max over each metric's whole history, per run (one read of a
   * local store; `available: false` with the reason for stores that cannot, e.g. a REST server). */
  'runs.metricSummaries': {
    input: z.strictObject({ storeId: id, runIds: z.array(z.string().min(1).max(256)).min(1).max(50_000) }),
    output: z.object({
      available: z.boolean(),
      reason: z.string().nullable(),
      summaries: z.array(z.object({ runId: z.string(), key: z.string(), min: anyNumber.nullable(), max: anyNumber.nullable(), count })),
    }),
  },
  /** A page of the Experiments screen's runs table, laid out by the host: one experiment's runs
   * filtered (MLflow grammar), sorted by a column (shared/runCells.ts colId: `attr.start`,
   * `metrics.loss`, `params.lr`, `tags.k`, `min.loss`, ...), runs whose parent is not shown at the
   * top and the children of `expanded` runs under them; `offset` / `limit` pick the rows. */
  'runs.table': {
    input: z.strictObject({
      storeId: id,
      experimentId: z.string().min(1).max(256),
      filter: z.string().max(4096).optional(),
      sort: z.strictObject({ column: z.string().min(1).max(600), descending: z.boolean() }),
      expanded: z.array(z.string().min(1).max(256)).max(1000),
      offset: count,
      limit: z.number().int().min(1).max(1000),
      /** The revision the page's other rows came from: a store that cannot say when it changed (REST,
       * mlruns/, a mirror) is read again unless the host still holds this one. */
      revision: z.string().max(200).optional(),
    }),
    output: z.object({
      /** Changes when the store's runs change (the page then reads again). */
      revision: z.string(),
      /** Rows in the layout (top runs and the children of expanded ones). */
      total: count,
      /** Runs that match the filter, and runs in the experiment. */
      matching: count,
      runs: count,
      keys: z.object({ metrics: z.array(z.string()), params: z.array(z.string()), tags: z.array(z.string()) }),
      rows: z.array(z.object({ run: runSchema, depth: count, children: count })),
      ...mirroredFields,
    }),
  },
  /** One metric of the runs table's matching runs for its chart: each run's start time (ms, in
   * order) and latest value; runs without a finite value are left out. */
  'runs.tableChart': {
    input: z.strictObject({
      storeId: id,
      experimentId: z.string().min(1).max(256),
      filter: z.string().max(4096).optional(),
      metric: z.string().min(1).max(500),
      revision: z.string().max(200).optional(),
    }),
    output: z.object({ revision: z.string(), metric: z.string(), matching: count, x: z.array(z.number()), y: z.array(z.number()) }),
  },
  /** One level of a run's artifacts (MLflow's artifacts/list); `path` is relative to the run's artifact root. */
  'runs.artifacts': {
    input: z.strictObject({ storeId: id, runId: z.string().min(1).max(256), path: artifactPath.optional() }),
    output: z.object({
      root: z.string(),
      available: z.boolean(),
      reason: z.string().nullable(),
      files: z.array(z.object({ path: z.string(), is_dir: z.boolean(), file_size: count.optional() })),
    }),
  },
  /** One artifact for showing it: text (cut when long), an image as base64 (size-capped), or only its size. */
  'runs.artifact': {
    input: z.strictObject({ storeId: id, runId: z.string().min(1).max(256), path: artifactPath.min(1) }),
    output: z.discriminatedUnion('kind', [
      z.object({ path: z.string(), size: count, kind: z.literal('text'), mime: z.string(), text: z.string(), truncated: z.boolean() }),
      z.object({ path: z.string(), size: count, kind: z.literal('image'), mime: z.enum(['image/png', 'image/jpeg', 'image/gif', 'image/webp']), base64: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/) }),
      z.object({ path: z.string(), size: count, kind: z.enum(['binary', 'too-large']), mime: z.string() }),
    ]),
  },

  /** Reveal a file in the OS file manager. Only the desktop app can; the browser host says so. */
  'shell.revealPath': {
    input: z.strictObject({ path: filePath }),
    output: z.object({ revealed: z.boolean() }),
  },

  /** An Azure workspace store's offline mirror: online or not, last sync, sync progress. */
  'azure.mirrorStatus': {
    input: z.strictObject({ storeId: id }),
    output: mirrorStatusSchema,
  },
  /** Starts a sync of an Azure workspace store's mirror (returns at once; progress comes as
   * 'azure.syncProgress' events). With experimentIds and histories: "make available offline". */
  'azure.sync': {
    input: z.strictObject({ storeId: id, experimentIds: z.array(z.string().min(1).max(256)).max(1000).optional(), histories: z.boolean().optional() }),
    output: mirrorStatusSchema,
  },
  'azure.syncCancel': {
    input: z.strictObject({ storeId: id }),
    output: z.object({ cancelled: z.boolean() }),
  },
  /** Connectivity is back: Azure stores try again and sync. */
  'azure.reconnected': {
    input: empty,
    output: z.object({ online: count }),
  },
} as const satisfies Record<ChannelName, { input: z.ZodType; output: z.ZodType }>;

export type Contract = typeof contract;
export type Channel = keyof Contract;
export type ChannelInput<C extends Channel> = z.input<Contract[C]['input']>;
export type ParsedInput<C extends Channel> = z.output<Contract[C]['input']>;
export type ChannelOutput<C extends Channel> = z.output<Contract[C]['output']>;

export const CHANNELS: readonly Channel[] = CHANNEL_NAMES;
const CHANNEL_SET: ReadonlySet<string> = new Set(CHANNELS);
export const isChannel = (name: unknown): name is Channel => typeof name === 'string' && CHANNEL_SET.has(name);

/** Every channel's handler, as the app services implement them. */
export type Handlers = { [C in Channel]: (input: ParsedInput<C>) => Promise<ChannelOutput<C>> };
