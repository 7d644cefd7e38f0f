// The sweep's config kept in a shared study (study system attr `sweepdeck:config`), so a worker on
// another machine joins with only the study URL and name (`sweepdeck sweep worker URL --study NAME`).
// What is kept holds no secret: the study location (a URL may carry a password) is left out, and of
// trial.env only the names are kept; each worker supplies the values from its own environment.
import { HpoConfigSchema, type HpoConfig } from '../../../shared/config.ts';
import { SYS_SWEEP_CONFIG } from '../studies/sweepdeckAttrs.ts';
import type { StudyInfo } from '../studies/types.ts';
import type { SweepStore } from './sweepStore.ts';

export interface StoredSweepConfig {
  config: Record<string, unknown>;
  env_names: string[];
}

export function storableConfig(config: HpoConfig): StoredSweepConfig {
  const { storage: _location, checkpoint, trial, objectives, constraints, ...rest } = config;
  const { env, ...trialRest } = trial;
  const { storage_path: _path, ...checkpointRest } = checkpoint;
  // The objectives as the user wrote them: a single-objective config is kept exactly as before
  // multi-objective sweeps existed (key order included: older workers read it, and an unchanged
  // config is not rewritten), a multi-objective one as `objectives` (objective is its first).
  const kept: Record<string, unknown> = { ...rest };
  if (objectives.length > 1) {
    delete kept.objective;
    kept.objectives = objectives;
  }
  if (constraints.length) kept.constraints = constraints;
  return { config: { ...kept, checkpoint: checkpointRest, trial: trialRest }, env_names: Object.keys(env ?? {}).sort() };
}

/** `sweep run` records its config; a worker that brought a config file records it only when the
 * study has none yet (the sweep's own config wins). */
export async function storeSweepConfig(store: SweepStore, study: StudyInfo, config: HpoConfig, role: 'run' | 'worker'): Promise<void> {
  const value = storableConfig(config);
  const existing = study.systemAttrs[SYS_SWEEP_CONFIG];
  if (role === 'worker' && existing !== undefined && existing !== null) return;
  if (JSON.stringify(existing) === JSON.stringify(value)) return;
  await store.storage.setStudySystemAttr(study.studyId, SYS_SWEEP_CONFIG, value);
}

/** The config a worker joining by URL runs with: the stored one, trial.env filled from `env` for
 * the stored names. Throws an Error naming the study and what to do when there is none. */
export function configFromStudy(study: StudyInfo, where: string, env: Record<string, string | undefined>): { config: HpoConfig; missingEnv: string[] } {
  const raw = study.systemAttrs[SYS_SWEEP_CONFIG];
  const stored = raw && typeof raw === 'object' ? (raw as Partial<StoredSweepConfig>) : undefined;
  if (!stored || !stored.config || typeof stored.config !== 'object') {
    throw new Error(
      `${where}: study '${study.name}' holds no Sweepdeck config (study system attr ${SYS_SWEEP_CONFIG}): start the sweep with \`sweepdeck sweep run CONFIG.yaml --storage URL\` first, or give the worker the config file instead of the URL.`,
    );
  }
  const names = Array.isArray(stored.env_names) ? stored.env_names.filter((n): n is string => typeof n === 'string') : [];
  const trialEnv: Record<string, string> = {};
  const missingEnv: string[] = [];
  for (const n of names) {
    const v = env[n];
    if (v === undefined) missingEnv.push(n);
    else trialEnv[n] = v;
  }
  const input = stored.config as Record<string, unknown>;
  const trial = input.trial && typeof input.trial === 'object' ? (input.trial as Record<string, unknown>) : {};
  const parsed = HpoConfigSchema.safeParse({ ...input, trial: { ...trial, ...(names.length ? { env: trialEnv } : {}) } });
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`${where}: study '${study.name}' holds a Sweepdeck config this version cannot use (${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'}); join with the config file instead.`);
  }
  return { config: parsed.data, missingEnv };
}
