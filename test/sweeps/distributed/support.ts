// Shared by the distributed-sweep tests: a study URL on the throw-away PostgreSQL server, Sweepdeck
// worker processes (`sweepdeck sweep worker`, as on separate machines) and reading the study back.
import os from 'node:os';
import path from 'node:path';
import { openPostgresStudyStorage } from '../../../electron/core/studies/optunaPostgresStorage.ts';
import type { FrozenTrial } from '../../../electron/core/search/types.ts';
import type { StudyInfo } from '../../../electron/core/studies/types.ts';
import { startCli, type CliRun } from '../support.ts';

/** A worker's environment: its own data dir (no chosen Azure workspace), quick heartbeats. */
export function workerEnv(dataDir: string, heartbeatMs: number): Record<string, string> {
  return { SWEEPDECK_DATA_DIR: dataDir, SWEEPDECK_HEARTBEAT_MS: String(heartbeatMs), SWEEPDECK_KILL_GRACE_MS: '500' };
}

export function startWorker(target: string, args: string[], env: Record<string, string>, cwd = os.tmpdir()): CliRun {
  return startCli(['sweep', 'worker', target, ...args], env, cwd);
}

/** The study and its trials as a fresh reader sees them. */
export async function readStudy(url: string, name: string): Promise<{ study: StudyInfo; trials: FrozenTrial[] }> {
  const s = await openPostgresStudyStorage(url, { readonly: true, poolSize: 1 });
  try {
    const study = await s.loadStudy(name);
    return { study, trials: await s.getTrials(study.studyId) };
  } finally {
    await s.close();
  }
}

export const sqliteTrackingUri = (dir: string): string => `sqlite:///${path.join(dir, 'mlflow.db')}`;
