// Starts a sweep for a CLI command (`sweep run`, `sweep worker`): with MLflow tracking through the
// setup's choice (the workspace chosen with `sweepdeck azure use` when the environment names none),
// or without it (--no-tracking). Timings for tests come from the environment.
import { runSweep, type RunSweepOptions, type SweepHandle } from '../core/sweeps/sweepRunner.ts';
import type { TrackedSweepHandle } from '../core/sweeps/trackedSweep.ts';
import { CliError } from './cliSupport.ts';

export function envMs(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`${name}=${JSON.stringify(raw)} must be a positive number of milliseconds`);
  return n;
}

/** SWEEPDECK_HEARTBEAT_MS and SWEEPDECK_KILL_GRACE_MS, when set. */
export function timingsFromEnv(): Pick<RunSweepOptions, 'heartbeatIntervalMs' | 'killGraceMs'> {
  const hb = envMs('SWEEPDECK_HEARTBEAT_MS');
  const grace = envMs('SWEEPDECK_KILL_GRACE_MS');
  return { ...(hb !== undefined ? { heartbeatIntervalMs: hb } : {}), ...(grace !== undefined ? { killGraceMs: grace } : {}) };
}

export async function launchSweep(options: RunSweepOptions, tracking: { enabled: boolean; trackingUri?: string | undefined }): Promise<{ handle: SweepHandle; tracked?: TrackedSweepHandle }> {
  if (!tracking.enabled) return { handle: runSweep(options) };
  try {
    // The tracking stack (MLflow stores, Azure sign-in) loads only when tracking is on: a worker
    // started with --no-tracking starts without it.
    const [{ readChosenWorkspace }, { envWithChosenWorkspace }, { defaultDataDir }, { startTrackedSweep }, { chosenWorkspaceCredential }] = await Promise.all([
      import('../app/appState.ts'),
      import('../core/azure/workspaceChoice.ts'),
      import('../core/platform/dataDir.ts'),
      import('../core/sweeps/trackedSweep.ts'),
      import('./chosenWorkspaceCredential.ts'),
    ]);
    const chosen = readChosenWorkspace(defaultDataDir(process.env));
    const env = envWithChosenWorkspace(process.env, chosen);
    const credential = await chosenWorkspaceCredential(process.env, chosen);
    const choice = { env, ...(credential ? { credential } : {}) };
    const tracked = await startTrackedSweep(options, tracking.trackingUri ? { trackingUri: tracking.trackingUri, ...choice } : choice);
    return { handle: tracked, tracked };
  } catch (err) {
    throw new CliError(`tracking could not start: ${(err as Error).message}\n(use --no-tracking to run the sweep without MLflow)`);
  }
}
