// The environment a trial process starts with. Trials run the user's code (or a config someone
// shared), so the credentials Sweepdeck itself holds (the Azure service principal, tokens of the
// tracking server and of its own loopback servers, passwords) never reach them: the runner's
// environment is copied minus every variable the policy below withholds. The trial then gets
// `trial.env` from its config, and last the sweep's own variables for this trial (its MLflow
// endpoint: MLFLOW_TRACKING_URI/TOKEN, MLFLOW_RUN_ID, MLFLOW_EXPERIMENT_ID; SWEEPDECK_TRIAL_*),
// which identify this trial and its run and so are never overridden. docs/SECURITY.md lists it.

/** Prefixes of the app's own configuration and credentials, matched case-insensitively. */
export const WITHHELD_PREFIXES: readonly string[] = [
  // The service principal and workspace (AZURE_CLIENT_SECRET, AZURE_CLIENT_ID, AZURE_TENANT_ID,
  // AZURE_CLIENT_CERTIFICATE_PASSWORD, AZURE_USERNAME/PASSWORD, ...): the app's Azure sign-in.
  'AZURE_',
  // The app's tracking server and its credentials (URI, TOKEN, USERNAME, PASSWORD, cert paths):
  // a trial logs through the app's endpoint, whose variables the sweep sets for it.
  'MLFLOW_TRACKING_',
  // Sweepdeck's own settings and tokens (SWEEPDECK_HOST_TOKEN, SWEEPDECK_TRACKING_TOKEN, ...); the
  // sweep sets the SWEEPDECK_TRIAL_* variables a trial may read.
  'SWEEPDECK_',
];

/** Exact names withheld, matched case-insensitively. */
export const WITHHELD_NAMES: readonly string[] = [
  // The run context of whoever started Sweepdeck: a trial's own run is set per trial.
  'MLFLOW_RUN_ID',
  'MLFLOW_EXPERIMENT_ID',
  'MLFLOW_EXPERIMENT_NAME',
  // Managed identity of the machine (Azure ML compute, App Service): a token source in itself.
  'IDENTITY_ENDPOINT',
  'IDENTITY_HEADER',
  'IDENTITY_SERVER_THUMBPRINT',
  'MSI_ENDPOINT',
  'MSI_SECRET',
];

/** Names that look like a credential, whoever set them: a word SECRET, TOKEN, PASSWORD, ... in the
 * name (GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, OPENAI_API_KEY, DB_CREDENTIALS) or a name ending in
 * one (PGPASSWORD, AUTHTOKEN). Whole words only, so TOKENIZERS_PARALLELISM stays. */
export const WITHHELD_PATTERNS: readonly RegExp[] = [
  /(^|_)(SECRETS?|TOKENS?|PASSWORDS?|PASSWD|PASSPHRASE|CREDENTIALS?|API_?KEYS?|ACCESS_?KEYS?|PRIVATE_?KEYS?)(_|$)/i,
  /(SECRET|TOKEN|PASSWORD|PASSWD)$/i,
];

/** True when the policy keeps this variable of the runner's environment from trials. */
export function isWithheldFromTrials(name: string): boolean {
  const upper = name.toUpperCase();
  if (WITHHELD_PREFIXES.some((p) => upper.startsWith(p))) return true;
  if (WITHHELD_NAMES.includes(upper)) return true;
  return WITHHELD_PATTERNS.some((re) => re.test(name));
}

export interface TrialEnvParts {
  /** The runner's own environment (normally process.env). */
  inherited: Readonly<Record<string, string | undefined>>;
  /** `trial.env` from the config: the user asked for these, so they pass even when withheld. */
  user?: Readonly<Record<string, string>> | undefined;
  /** The sweep's variables for this trial (MLflow endpoint, SWEEPDECK_TRIAL_*), set last. */
  sweep: Readonly<Record<string, string>>;
}

/** The complete environment of one trial process (nothing else is inherited). */
export function trialEnvironment(parts: TrialEnvParts): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parts.inherited)) {
    if (value !== undefined && !isWithheldFromTrials(name)) env[name] = value;
  }
  // So metric lines of a Python trial arrive as printed, not when its buffer fills.
  env.PYTHONUNBUFFERED ??= '1';
  Object.assign(env, parts.user ?? {}, parts.sweep);
  return env;
}
