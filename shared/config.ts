// The HPO config (YAML) schema. Shared by the engine (loader, runner, CLI) and the renderer (inline
// errors), so it must stay browser-safe: no node imports here. YAML keys are kept exactly as users
// write them (snake_case); the `checkpoint` section is the one users already have.
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// Search space

/** Values a `choice` may hold: what Optuna accepts as categorical choices. */
export const ChoiceValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type ChoiceValue = z.infer<typeof ChoiceValueSchema>;

const finite = (what: string) =>
  z.number({ error: (iss) => (iss.input === undefined ? `${what} is required` : `${what} must be a number`) })
    .refine(Number.isFinite, { message: `${what} must be a finite number` });

type AnyCtx = z.core.$RefinementCtx<unknown>;

function checkNumericParam(
  p: { type: 'uniform' | 'loguniform' | 'int'; min: number; max: number; step?: number | undefined; log?: boolean | undefined },
  ctx: AnyCtx,
): void {
  const issue = (k: string, message: string) => ctx.addIssue({ code: 'custom', path: [k], message });
  const log = p.type === 'loguniform' || p.log === true;
  if (!(p.min < p.max)) issue('min', `min (${p.min}) must be less than max (${p.max})`);
  if (log && !(p.min > 0)) issue('min', `min (${p.min}) must be > 0 for a log scale`);
  if (p.type === 'int') {
    if (!Number.isInteger(p.min)) issue('min', `min (${p.min}) must be a whole number for type int`);
    if (!Number.isInteger(p.max)) issue('max', `max (${p.max}) must be a whole number for type int`);
    if (p.step !== undefined) {
      if (!Number.isInteger(p.step) || p.step <= 0) issue('step', `step (${p.step}) must be a whole number > 0 for type int`);
      else if (p.log && p.step !== 1) issue('step', `step (${p.step}) cannot be combined with log: true (Optuna allows only step 1 on a log scale); drop step or log`);
    }
  } else if (p.step !== undefined) {
    if (!(p.step > 0)) issue('step', `step (${p.step}) must be > 0`);
    else if (log) issue('step', `step (${p.step}) cannot be combined with a log scale; drop step or use type uniform`);
    else if (p.min < p.max && p.step > p.max - p.min) issue('step', `step (${p.step}) is larger than max - min (${p.max - p.min}); only min could ever be chosen`);
  }
}

function checkChoices(p: { values: ChoiceValue[] }, ctx: AnyCtx): void {
  const seen = new Set<string>();
  p.values.forEach((v, i) => {
    const key = JSON.stringify(v);
    if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['values', i], message: `duplicate choice ${key}: list each value once` });
    seen.add(key);
  });
}

function checkBandit(et: { policy: string; slack_factor?: number | undefined; slack_amount?: number | undefined }, ctx: AnyCtx): void {
  if (et.policy !== 'bandit') return;
  if (et.slack_factor === undefined && et.slack_amount === undefined) {
    ctx.addIssue({ code: 'custom', path: ['slack_factor'], message: 'policy bandit needs slack_factor (e.g. 0.2) or slack_amount' });
  } else if (et.slack_factor !== undefined && et.slack_amount !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['slack_amount'], message: 'give either slack_factor or slack_amount, not both' });
  }
}

const ChoiceParamSchema = z.strictObject({
  type: z.literal('choice'),
  values: z.array(ChoiceValueSchema, { error: 'values must be a list, e.g. [8, 16, 32]' })
    .min(1, { message: 'values must not be empty: list at least one choice' }),
}).superRefine(checkChoices);

const UniformParamSchema = z.strictObject({
  type: z.literal('uniform'),
  min: finite('min'),
  max: finite('max'),
  step: finite('step').optional(),
  /** `log: true` makes it the same as `loguniform`. */
  log: z.boolean().optional(),
}).superRefine(checkNumericParam);

const LogUniformParamSchema = z.strictObject({
  type: z.literal('loguniform'),
  min: finite('min'),
  max: finite('max'),
  /** Accepted only to give a clear error: Optuna has no stepped log float. */
  step: finite('step').optional(),
}).superRefine(checkNumericParam);

const IntParamSchema = z.strictObject({
  type: z.literal('int'),
  min: finite('min'),
  max: finite('max'),
  step: finite('step').optional(),
  log: z.boolean().optional(),
}).superRefine(checkNumericParam);

export const PARAM_TYPES = ['choice', 'uniform', 'loguniform', 'int'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

export const ParamSpecSchema = z.discriminatedUnion(
  'type',
  [ChoiceParamSchema, UniformParamSchema, LogUniformParamSchema, IntParamSchema],
  {
    error: (iss) => {
      if (iss.code !== 'invalid_union') return undefined;
      const input: unknown = iss.input;
      const t = input && typeof input === 'object' ? (input as Record<string, unknown>).type : undefined;
      return t === undefined
        ? `type is required: one of ${PARAM_TYPES.join(', ')}`
        : `unknown type ${JSON.stringify(t)}: use one of ${PARAM_TYPES.join(', ')}`;
    },
  },
);
export type ParamSpec = z.infer<typeof ParamSpecSchema>;

// ---------------------------------------------------------------------------------------------
// Sections

const positiveInt = (what: string) =>
  z.number({ error: `${what} must be a whole number` }).int({ message: `${what} must be a whole number` })
    .min(1, { message: `${what} must be at least 1` });

export const SamplingSchema = z.strictObject({
  /** Required with one objective; with `objectives:` it defaults to nsga2 (Optuna 3.1's default
   * sampler for a multi-objective study, so a study resumed in Python 3.1 keeps its sampler). */
  algorithm: z.enum(['tpe', 'random', 'grid', 'nsga2'], { error: 'algorithm must be one of tpe, random, grid, nsga2' }).optional(),
  /** NSGA-II only: trials per generation (Optuna's population_size, default 50). */
  population_size: z.number().int({ message: 'population_size must be a whole number' }).min(2, { message: 'population_size must be at least 2 (Optuna\'s NSGA-II needs two parents)' }).optional(),
  /** NSGA-II only: how two parents make a child (Optuna 3.1's default: uniform). */
  crossover: z.enum(['uniform', 'sbx'], { error: 'crossover must be uniform or sbx' }).optional(),
  max_trials: positiveInt('max_trials'),
  max_concurrent_trials: positiveInt('max_concurrent_trials').default(1),
  timeout_minutes: z.number().positive({ message: 'timeout_minutes must be a positive number of minutes' }).optional(),
  seed: z.number().int({ message: 'seed must be a whole number' }).min(0, { message: 'seed must be >= 0' })
    .max(2 ** 32 - 1, { message: 'seed must be < 2^32' }).optional(),
  /** Default: max_trials (filled in by HpoConfigSchema). */
  max_failed_trials: z.number().int({ message: 'max_failed_trials must be a whole number' })
    .min(0, { message: 'max_failed_trials must be >= 0' }).optional(),
});

export const ObjectiveSchema = z.strictObject({
  metric: z.string().min(1, { message: 'metric must name the metric the trial prints, e.g. macro-f1' }),
  goal: z.enum(['maximize', 'minimize'], { error: 'goal must be maximize or minimize' }),
});

/** Several objectives (Optuna's directions=[...]); objective i is the study's objective index i. */
export const ObjectivesSchema = z.array(ObjectiveSchema, { error: 'objectives must be a list of {metric, goal}, e.g. [{metric: f1, goal: maximize}, {metric: latency_ms, goal: minimize}]' })
  .min(1, { message: 'objectives must not be empty: list at least one {metric, goal}' });

/** Metrics whose value <= 0 means feasible (Optuna's constraints_func convention). */
export const ConstraintsSchema = z.array(z.string().min(1, { message: 'a constraint must name a metric the trial prints' }), {
  error: 'constraints must be a list of metric names, e.g. [memory_over_budget]; a trial is feasible when each is <= 0',
});

export const EarlyTerminationSchema = z.strictObject({
  policy: z.enum(['none', 'median', 'bandit'], { error: 'policy must be one of none, median, bandit' }),
  /** Check every N reported steps. */
  evaluation_interval: positiveInt('evaluation_interval').default(1),
  /** Number of reported steps before the first check. */
  delay_evaluation: z.number().int({ message: 'delay_evaluation must be a whole number' })
    .min(0, { message: 'delay_evaluation must be >= 0' }).default(0),
  /** Bandit: allowed ratio of distance to the best run at the same step (Azure ML slack_factor). */
  slack_factor: z.number().positive({ message: 'slack_factor must be > 0' }).optional(),
  /** Bandit: allowed absolute distance to the best run at the same step (Azure ML slack_amount). */
  slack_amount: z.number().positive({ message: 'slack_amount must be > 0' }).optional(),
}).superRefine(checkBandit);

export const TrialSchema = z.strictObject({
  command: z.array(z.string({ error: 'each command element must be a string (quote numbers)' }), {
    error: 'command must be a list of arguments, e.g. ["python", "train.py", "--lr", "{learning_rate}"]',
  }).min(1, { message: 'command must not be empty: give the program and its arguments as a list' }),
  timeout_minutes: z.number().positive({ message: 'timeout_minutes must be a positive number of minutes' }).optional(),
  env: z.record(z.string(), z.string({ error: 'env values must be strings (quote numbers)' })).optional(),
  cwd: z.string().min(1).optional(),
});

export const DEFAULT_STORAGE_PATH = '{backbone}/study.db';

// Loose on purpose: this section is the one users already have; extra keys they keep there are not
// ours to reject.
export const CheckpointSchema = z.looseObject({
  enabled: z.boolean({ error: 'enabled must be true or false' }).default(true),
  storage_path: z.string().min(1, { message: 'storage_path must not be empty' }).default(DEFAULT_STORAGE_PATH),
  auto_resume: z.boolean({ error: 'auto_resume must be true or false' }).default(true),
});

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

// ---------------------------------------------------------------------------------------------
// Placeholders in trial.command

export const BUILTIN_PLACEHOLDERS = ['backbone', 'trial_number', 'trial_dir'] as const;

/** A `{name}` placeholder; `{{` and `}}` are literal braces (for JSON arguments). */
const TOKEN_RE = /\{\{|\}\}|\{([^{}]*)\}/g;

/** Placeholder names used in one argv element, in order. */
/** The largest HPO config accepted (bytes of YAML). A real one is a few KB; the cap keeps a wrong or
 * hostile file from costing seconds of parsing and hundreds of MB. */
export const MAX_CONFIG_BYTES = 256 * 1024;

export function placeholdersIn(arg: string): string[] {
  const names: string[] = [];
  for (const m of arg.matchAll(TOKEN_RE)) if (m[1] !== undefined) names.push(m[1]);
  return names;
}

/** The string a param value becomes in argv and env. */
export function formatParamValue(v: ChoiceValue): string {
  if (v === null) return 'None';
  return String(v);
}

/** Substitutes placeholders in one argv element. Throws on an unknown name (the schema rejects those
 * before any run, so this is a programming error). */
export function expandPlaceholders(arg: string, vars: Readonly<Record<string, string>>): string {
  return arg.replace(TOKEN_RE, (tok, name: string | undefined) => {
    if (tok === '{{') return '{';
    if (tok === '}}') return '}';
    const v = name === undefined ? undefined : vars[name];
    if (v === undefined) throw new Error(`unknown placeholder ${tok}`);
    return v;
  });
}

// ---------------------------------------------------------------------------------------------
// The whole config

const BaseConfigSchema = z.object({
  experiment_name: z.string({ error: 'experiment_name is required: the MLflow experiment to log to' })
    .min(1, { message: 'experiment_name must not be empty' }),
  backbone: z.string({ error: 'backbone is required, e.g. distilbert' }).min(1, { message: 'backbone must not be empty' }),
  study_name: z.string().min(1, { message: 'study_name must not be empty (or leave it out for hpo_{backbone})' }).optional(),
  search_space: z.record(z.string(), ParamSpecSchema, { error: 'search_space must be a mapping of parameter name to {type, ...}' }),
  sampling: SamplingSchema,
  /** Exactly one of objective / objectives (checked across sections). */
  objective: ObjectiveSchema.optional(),
  objectives: ObjectivesSchema.optional(),
  constraints: ConstraintsSchema.optional(),
  early_termination: EarlyTerminationSchema.optional(),
  trial: TrialSchema,
  checkpoint: CheckpointSchema.optional(),
  /** The study's location when it is not a file under the output dir: a `postgresql://` study URL
   * (shared by workers on many machines) or a study file path. Same as checkpoint.storage_path;
   * give one of the two. */
  storage: z.string().min(1, { message: 'storage must not be empty: a postgresql:// study URL or a study file path' }).optional(),
});

function reservedOrBadName(name: string): string | null {
  if (!NAME_RE.test(name)) return `parameter name ${JSON.stringify(name)} must start with a letter or _ and contain only letters, digits, _, . or -`;
  if ((BUILTIN_PLACEHOLDERS as readonly string[]).includes(name)) return `parameter name ${JSON.stringify(name)} is reserved for a built-in placeholder; rename it`;
  return null;
}

/** objective XOR objectives; each metric named once; what multi-objective cannot do (pruning, as in
 * Optuna; the grid has no use for it either way, so it stays allowed). */
function checkObjectives(cfg: Record<string, unknown>, ctx: z.core.$RefinementCtx<unknown>): void {
  const hasOne = cfg.objective !== undefined;
  const many = cfg.objectives;
  // A validated config holds both (objective is then objectives[0]): it must validate again.
  const first: unknown = Array.isArray(many) ? many[0] : undefined;
  if (hasOne && many !== undefined && JSON.stringify(first) !== JSON.stringify(cfg.objective)) {
    ctx.addIssue({ code: 'custom', path: ['objectives'], message: 'give either objective (one metric) or objectives (a list), not both' });
    return;
  }
  if (!hasOne && many === undefined) {
    ctx.addIssue({ code: 'custom', path: ['objective'], message: 'objective is required: {metric, goal}, or objectives: a list of them for a multi-objective sweep' });
    return;
  }
  const metrics = Array.isArray(many) ? many.map((o: unknown) => (o && typeof o === 'object' ? (o as Record<string, unknown>).metric : undefined)) : [];
  metrics.forEach((m, i) => {
    if (typeof m === 'string' && metrics.indexOf(m) !== i) ctx.addIssue({ code: 'custom', path: ['objectives', i, 'metric'], message: `metric ${JSON.stringify(m)} is already objective ${metrics.indexOf(m)}: list each metric once` });
  });
  const constraints = cfg.constraints;
  if (Array.isArray(constraints)) {
    constraints.forEach((c: unknown, i) => {
      if (typeof c === 'string' && constraints.indexOf(c) !== i) ctx.addIssue({ code: 'custom', path: ['constraints', i], message: `constraint ${JSON.stringify(c)} is listed twice: list each metric once` });
    });
  }
  const sampling = cfg.sampling && typeof cfg.sampling === 'object' ? (cfg.sampling as Record<string, unknown>) : undefined;
  const multi = Array.isArray(many) && many.length > 1;
  if (sampling && sampling.algorithm === undefined && !multi) {
    ctx.addIssue({ code: 'custom', path: ['sampling', 'algorithm'], message: 'algorithm is required: one of tpe, random, grid, nsga2' });
  }
  if (sampling && sampling.algorithm !== undefined && sampling.algorithm !== 'nsga2') {
    for (const k of ['population_size', 'crossover']) {
      if (sampling[k] !== undefined) ctx.addIssue({ code: 'custom', path: ['sampling', k], message: `${k} is an NSGA-II setting: use algorithm: nsga2, or drop ${k}` });
    }
  }
  const et = cfg.early_termination;
  const policy = et && typeof et === 'object' ? (et as Record<string, unknown>).policy : undefined;
  if (multi && policy !== undefined && policy !== 'none') {
    ctx.addIssue({ code: 'custom', path: ['early_termination', 'policy'], message: `policy ${JSON.stringify(policy)} prunes on one objective's intermediate values, which a multi-objective sweep does not have (Optuna does not prune multi-objective studies either): set policy: none or remove early_termination` });
  }
}

// Runs even when other sections have errors (`when`), so the UI shows every problem at once; it
// therefore reads its input defensively.
function checkAcrossSections(input: unknown, ctx: z.core.$RefinementCtx<unknown>): void {
  if (!input || typeof input !== 'object') return;
  const cfg = input as Record<string, unknown>;
  const space = cfg.search_space;
  const names = space && typeof space === 'object' && !Array.isArray(space) ? Object.keys(space) : null;
  if (names) {
    if (names.length === 0) ctx.addIssue({ code: 'custom', path: ['search_space'], message: 'search_space is empty: define at least one parameter' });
    for (const name of names) {
      const bad = reservedOrBadName(name);
      if (bad) ctx.addIssue({ code: 'custom', path: ['search_space', name], message: bad });
    }
  }
  checkObjectives(cfg, ctx);
  const checkpoint = cfg.checkpoint;
  // The section's default is applied before this check runs: only a storage_path of the user's counts.
  const storagePath = checkpoint && typeof checkpoint === 'object' ? (checkpoint as Record<string, unknown>).storage_path : undefined;
  if (typeof cfg.storage === 'string' && typeof storagePath === 'string' && storagePath !== DEFAULT_STORAGE_PATH) {
    ctx.addIssue({ code: 'custom', path: ['storage'], message: 'storage and checkpoint.storage_path both say where the study is: keep one of them' });
  }
  const trial = cfg.trial;
  const command = trial && typeof trial === 'object' ? (trial as Record<string, unknown>).command : undefined;
  if (!Array.isArray(command)) return;
  const known = new Set<string>([...(names ?? []), ...BUILTIN_PLACEHOLDERS]);
  command.forEach((arg: unknown, i) => {
    if (typeof arg !== 'string') return;
    for (const ph of placeholdersIn(arg)) {
      if (known.has(ph)) continue;
      ctx.addIssue({
        code: 'custom',
        path: ['trial', 'command', i],
        message: `unknown placeholder {${ph}} in ${JSON.stringify(arg)}: use a search_space parameter (${names?.join(', ') || 'none defined'}) or one of {backbone}, {trial_number}, {trial_dir}; write {{ and }} for literal braces`,
      });
    }
  });
  if (typeof command[0] === 'string' && command[0].trim() === '') {
    ctx.addIssue({ code: 'custom', path: ['trial', 'command', 0], message: 'the program (first element of command) must not be empty' });
  }
}

/** The HPO config schema: validates, and applies every default. */
export const HpoConfigSchema = BaseConfigSchema.superRefine(checkAcrossSections, { when: () => true }).transform((c) => ({
  ...c,
  // The cross-section check has made sure exactly one of the two is there. `objective` stays the
  // first objective, so what shows one metric keeps working; `objectives` is every one, in order.
  objective: (c.objective ?? c.objectives?.[0]) as z.output<typeof ObjectiveSchema>,
  objectives: c.objectives ?? (c.objective ? [c.objective] : []),
  constraints: c.constraints ?? [],
  study_name: c.study_name ?? `hpo_${c.backbone}`,
  sampling: {
    ...c.sampling,
    algorithm: c.sampling.algorithm ?? ('nsga2' as const),
    max_failed_trials: c.sampling.max_failed_trials ?? c.sampling.max_trials,
  },
  early_termination: c.early_termination ?? { policy: 'none' as const, evaluation_interval: 1, delay_evaluation: 0 },
  checkpoint: c.checkpoint ?? { enabled: true, storage_path: DEFAULT_STORAGE_PATH, auto_resume: true },
}));

/** A validated config with every default applied. */
export type HpoConfig = z.output<typeof HpoConfigSchema>;
/** What a user may write (defaults optional). */
export type HpoConfigInput = z.input<typeof HpoConfigSchema>;
export type SamplingConfig = HpoConfig['sampling'];
export type EarlyTerminationConfig = HpoConfig['early_termination'];
export type CheckpointConfig = HpoConfig['checkpoint'];

// ---------------------------------------------------------------------------------------------
// Helpers

/** The study name, `{backbone}` substituted (default `hpo_{backbone}`). */
export function resolveStudyName(cfg: Pick<HpoConfig, 'backbone'> & { study_name?: string | undefined }): string {
  return (cfg.study_name ?? `hpo_${cfg.backbone}`).split('{backbone}').join(cfg.backbone);
}

/** True for `/x`, `C:\x`, `C:/x` and `\\server\share`; path-module free so it runs in the browser. */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\');
}

/** True for a database study URL (`postgresql://...`, `postgres+psycopg2://...`) rather than a file. */
export function isStudyUrlText(location: string): boolean {
  return /^(postgres|postgresql)(\+[a-z0-9_]+)?:\/\//i.test(location.trim());
}

/** Where the checkpoint lives (`storage`, else checkpoint.storage_path): `{backbone}` substituted;
 * relative paths resolve under outputDir, absolute ones and study URLs are used as they are. */
export function resolveCheckpointPath(
  cfg: Pick<HpoConfig, 'backbone'> & { checkpoint?: { storage_path?: string | undefined } | undefined; storage?: string | undefined },
  outputDir: string,
): string {
  const raw = (cfg.storage ?? cfg.checkpoint?.storage_path ?? DEFAULT_STORAGE_PATH).split('{backbone}').join(cfg.backbone);
  if (isStudyUrlText(raw)) return raw.trim();
  if (isAbsolutePath(raw)) return raw;
  const sep = /^[A-Za-z]:\\|\\\\/.test(outputDir) && !outputDir.includes('/') ? '\\' : '/';
  const base = outputDir.replace(/[\\/]+$/, '');
  const rel = raw.replace(/^\.[\\/]/, '');
  return base === '' ? (outputDir.startsWith('/') ? `/${rel}` : rel) : `${base}${sep}${rel}`;
}
